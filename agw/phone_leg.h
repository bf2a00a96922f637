#pragma once
// The phone side of a call: plain RTP/AVP on a UDP port pair of the worker's
// range (RTP on the even port, RTCP on port + 1, or both on the RTP port with
// rtcp-mux), bound to global.bind_address and advertised as the box's
// advertised address.
//
// Symmetric RTP with latching: the destination is what the party's SDP says
// until its first packet arrives; from then on we send back to the address
// that packet came from (a phone behind NAT is reached where it really is)
// and drop packets from any other source (counted in dropped()). A new SDP
// from the party (set_remote) latches anew, and a packet from the address
// that SDP gives always takes the latch back: after forked early dialogs
// the phone of the dialog answered last wins even when the other phone's
// early media (sent until its CANCEL) came in first. RTCP latches on its own.
// Datagrams that are neither RTP nor RTCP (STUN, DTLS, junk) are dropped.
//
// Threading: the worker's io_context thread. The sockets' pending receives
// hold the leg's state alive until they end; destroying the leg closes them
// and no event comes after that.
#include <cstdint>
#include <memory>
#include <string>

#include "agw/media_leg.h"
#include "agw/port_pool.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Logger;
}

namespace imsbox::agw {

class PhoneLeg final : public MediaLeg {
 public:
  // Binds bind_address:lease.port() and :lease.port()+1; throws
  // std::system_error when either is taken. `advertised` is the address our
  // SDP shows.
  PhoneLeg(boost::asio::io_context& io, PortLease lease, const std::string& bind_address,
           const std::string& advertised, Events& events, runtime::Logger& log, std::string log_tag);
  ~PhoneLeg() override;

  LegKind kind() const override { return LegKind::phone; }
  const LocalEndpoint& local() const override { return local_; }
  void set_remote(const RemoteEndpoint& remote, bool rtcp_mux) override;
  bool send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept override;
  bool send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) noexcept override;
  bool ready() const override;
  std::uint64_t dropped() const override;

  // The address RTP goes to now ("ip:port"), empty when none.
  std::string rtp_destination() const;

  struct Impl;

 private:
  LocalEndpoint local_;
  PortLease lease_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::agw
