#pragma once
// ESP in the P-CSCF process (issue 17's userspace backend), for kernels
// without ESP: the protected ports' sockets are bound to a TUN device
// (SO_BINDTODEVICE, transport_layer.h), so that everything they send comes
// out of the TUN here and only what is put into the TUN reaches them.
//  * out: an IP packet read from the TUN -> the outbound SA of its (our
//    port, the UE's address and port) -> ESP transport mode (esp.h) -> a raw
//    IP protocol 50 socket toward the UE;
//  * in: raw ESP from a UE -> the inbound SA of its SPI (ICV before
//    decryption, anti-replay) -> the inner segment checked against the SA's
//    addresses and ports -> an IP packet written into the TUN, which the
//    kernel delivers to the protected socket as it would any datagram or
//    TCP segment.
// So the SIP stack's ordinary UDP and TCP sockets work unchanged and no
// kernel XFRM policy is installed (one would drop the decrypted plaintext).
// Packets that match no SA are dropped and counted by reason.
//
// Needs CAP_NET_ADMIN (TUN) and CAP_NET_RAW (raw sockets). Threading: the
// io_context's; nothing is locked.
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "pcscf/ipsec/security_association.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Logger;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::pcscf::ipsec {

struct UserspaceEspOptions {
  std::string device = "imsbox-esp";
  // The TUN's MTU: the veth's 1500 less ESP's overhead (header, IV, padding,
  // trailer, ICV: at most 8 + 16 + 17 + 12), so that TCP's MSS leaves room.
  std::size_t mtu = 1400;
  // Our address toward the UEs (the raw sockets' source); unspecified: routing's.
  boost::asio::ip::address address;
};

class UserspaceEsp final : public EspBackend {
 public:
  UserspaceEsp(boost::asio::io_context& io, UserspaceEspOptions options, runtime::Logger& log,
               runtime::Metrics* metrics);
  ~UserspaceEsp() override;
  UserspaceEsp(const UserspaceEsp&) = delete;
  UserspaceEsp& operator=(const UserspaceEsp&) = delete;

  // Makes the TUN device (up, its MTU, reverse-path filtering off) and the
  // raw ESP sockets, and starts reading. Throws std::runtime_error saying
  // what failed (no /dev/net/tun, no CAP_NET_ADMIN ...).
  void start();
  void stop();

  std::string_view name() const override { return "userspace"; }
  bool install(std::span<const SecurityAssociation> sas) override;
  void remove(std::span<const SecurityAssociation> sas) override;

  const std::string& device() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::pcscf::ipsec
