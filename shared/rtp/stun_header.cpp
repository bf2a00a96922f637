#include "rtp/stun_header.h"

namespace imsbox::rtp {

std::string_view to_string(StunClass c) {
  switch (c) {
    case StunClass::request: return "request";
    case StunClass::indication: return "indication";
    case StunClass::success_response: return "success response";
    case StunClass::error_response: return "error response";
  }
  return "unknown";
}

std::string_view to_string(StunError error) {
  switch (error) {
    case StunError::none: return "none";
    case StunError::too_short: return "shorter than a STUN header";
    case StunError::not_stun: return "leading bits not zero";
    case StunError::bad_cookie: return "no magic cookie";
    case StunError::bad_length: return "length does not match the datagram";
  }
  return "unknown";
}

StunParseResult parse_stun_header(Bytes datagram) noexcept {
  StunParseResult r;
  if (datagram.size() < stun_header_size) {
    r.error = StunError::too_short;
    return r;
  }
  const std::uint8_t* p = datagram.data();
  const std::uint16_t type = load16(p);
  if ((type & 0xc000) != 0) {
    r.error = StunError::not_stun;
    return r;
  }
  if (load32(p + 4) != stun_magic_cookie) {
    r.error = StunError::bad_cookie;
    return r;
  }
  const std::uint16_t length = load16(p + 2);
  if (length % 4 != 0 || length != datagram.size() - stun_header_size) {
    r.error = StunError::bad_length;
    return r;
  }
  // type: M11..M7 C1 M6..M4 C0 M3..M0 (RFC 5389 §6, figure 3)
  r.header.method = static_cast<std::uint16_t>((type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2));
  r.header.stun_class = static_cast<StunClass>(((type >> 7) & 0x2) | ((type >> 4) & 0x1));
  r.header.length = length;
  r.header.transaction_id = datagram.subspan(8, 12);
  return r;
}

}  // namespace imsbox::rtp
