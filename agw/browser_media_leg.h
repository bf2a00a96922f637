#pragma once
// The browser side of a call: agw/webrtc's BrowserLeg (ICE-lite on libnice,
// DTLS-SRTP, one port of the worker's range, rtcp-mux) behind the
// MediaLeg interface. Its host candidate binds global.bind_address (the
// advertised address when that is a wildcard) and our SDP shows the
// advertised address.
//
// The browser's ICE credentials, candidates and fingerprint are applied when
// they change: a re-offer or an SDP-less re-INVITE's answer repeating them
// keeps the ICE and DTLS association (and its keys) as they are.
//
// Threading: the worker's io_context thread (its own GMainContext driver on it).
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
namespace imsbox::agw::webrtc {
class DtlsContext;
}

namespace imsbox::agw {

class BrowserMediaLeg final : public MediaLeg {
 public:
  // Binds at once; throws (std::runtime_error) when the port is taken.
  BrowserMediaLeg(boost::asio::io_context& io, PortLease lease, const std::string& bind_address,
                  const std::string& advertised, std::shared_ptr<const webrtc::DtlsContext> dtls, Events& events,
                  runtime::Logger& log, std::string log_tag);
  ~BrowserMediaLeg() override;

  LegKind kind() const override { return LegKind::browser; }
  const LocalEndpoint& local() const override { return local_; }
  void set_remote(const RemoteEndpoint& remote, bool rtcp_mux) override;
  bool send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept override;
  bool send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) noexcept override;
  bool ready() const override;
  std::uint64_t dropped() const override;

  struct Impl;

 private:
  LocalEndpoint local_;
  PortLease lease_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imsbox::agw
