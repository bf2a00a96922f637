#pragma once
// What arrived on a media port: RFC 7983 §7 by the first octet (STUN 0-3,
// ZRTP 16-19, DTLS 20-63, TURN channel 64-79, RTP/RTCP 128-191), then RTP
// from RTCP by the second (RFC 5761 §4: a payload type of 64-95 with the
// marker masked off - RTCP packet types 192-223 - is RTCP). Looks at two
// octets at most; what the class says still has to be parsed (parse_rtp,
// RtcpCompoundReader, parse_stun_header). The AGW answers STUN (libnice),
// hands DTLS to its DTLS layer and drops ZRTP, TURN channel data and
// anything else.
#include <cstdint>
#include <string_view>

#include "rtp/bytes.h"

namespace imsbox::rtp {

enum class PacketClass : std::uint8_t { unknown, stun, zrtp, dtls, turn_channel, rtp, rtcp };
std::string_view to_string(PacketClass c);

constexpr PacketClass classify_packet(Bytes datagram) noexcept {
  if (datagram.empty()) return PacketClass::unknown;
  const std::uint8_t b = datagram[0];
  if (b <= 3) return PacketClass::stun;
  if (b >= 16 && b <= 19) return PacketClass::zrtp;
  if (b >= 20 && b <= 63) return PacketClass::dtls;
  if (b >= 64 && b <= 79) return PacketClass::turn_channel;
  if (b >= 128 && b <= 191) {
    if (datagram.size() < 2) return PacketClass::unknown;
    const std::uint8_t pt = datagram[1] & 0x7f;
    return pt >= 64 && pt <= 95 ? PacketClass::rtcp : PacketClass::rtp;
  }
  return PacketClass::unknown;
}

}  // namespace imsbox::rtp
