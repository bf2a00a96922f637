#pragma once
// The STUN message header (RFC 5389 §6), checked enough to hand a datagram
// to the ICE agent (libnice) or drop it: the two leading zero bits, the magic
// cookie, a length that is a multiple of 4 and matches the datagram, and the
// type split into method and class. Attributes, integrity and fingerprint
// are the agent's.
#include <cstdint>
#include <optional>
#include <string_view>

#include "rtp/bytes.h"

namespace imsbox::rtp {

inline constexpr std::uint32_t stun_magic_cookie = 0x2112A442;
inline constexpr std::size_t stun_header_size = 20;
inline constexpr std::uint16_t stun_binding_method = 0x001;

enum class StunClass : std::uint8_t { request = 0, indication = 1, success_response = 2, error_response = 3 };
std::string_view to_string(StunClass c);

struct StunHeader {
  std::uint16_t method = 0;  // 12 bits
  StunClass stun_class = StunClass::request;
  std::uint16_t length = 0;  // of the attributes, octets
  Bytes transaction_id;      // 12 octets
};

enum class StunError : std::uint8_t { none, too_short, not_stun, bad_cookie, bad_length };
std::string_view to_string(StunError error);

struct StunParseResult {
  StunHeader header;
  StunError error = StunError::none;
  explicit operator bool() const { return error == StunError::none; }
};

// `datagram` is one whole UDP payload (the length must account for all of it).
StunParseResult parse_stun_header(Bytes datagram) noexcept;

}  // namespace imsbox::rtp
