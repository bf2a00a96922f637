#pragma once
// One IPsec ESP security association in transport mode as an ESP backend
// installs it (RFC 4301 §4.4.2 terms), and the interface of the backends:
// kernel XFRM or ESP in the P-CSCF process (issue 17).
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "pcscf/ipsec/esp.h"

namespace imsbox::pcscf::ipsec {

struct SecurityAssociation {
  enum class Direction : std::uint8_t { inbound, outbound };
  Direction direction = Direction::inbound;
  // The selector: exact addresses and ports, any transport protocol (one SA
  // carries UDP and TCP).
  boost::asio::ip::address source;
  boost::asio::ip::address destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t spi = 0;  // the receiver's (TS 33.203 §7.1)
  EspKeys keys;
};

// "in 192.0.2.2:5100 -> 192.0.2.1:6100 spi 4096": for logs and `imsbox ipsec`.
std::string to_string(const SecurityAssociation& sa);

class EspBackend {
 public:
  virtual ~EspBackend() = default;
  virtual std::string_view name() const = 0;
  // Puts SAs in place (with whatever steers their traffic through them);
  // false, logged with the reason, when one cannot be (none stays then).
  virtual bool install(std::span<const SecurityAssociation> sas) = 0;
  // Takes them away again (unknown ones are ignored).
  virtual void remove(std::span<const SecurityAssociation> sas) = 0;
};

}  // namespace imsbox::pcscf::ipsec
