#pragma once
// What arrived on a browser leg's one ICE component (everything shares one
// port: BUNDLE and rtcp-mux). RFC 7983 §7 tells the protocols apart by the
// first byte; RFC 5761 §4 tells RTCP from RTP by the second (packet types
// 192-223, which no dynamic RTP payload type collides with). Pure.
#include <cstdint>
#include <span>
#include <string_view>

namespace imsbox::agw::webrtc {

enum class PacketKind {
  stun,     // first byte 0-3 (libnice consumes these before we see them)
  dtls,     // 20-63, at least a record header (13 bytes)
  rtp,      // 128-191, at least the fixed header (12 bytes)
  rtcp,     // 128-191 with packet type 192-223, at least header + SSRC (8 bytes)
  unknown,  // ZRTP, TURN channel data, truncated or anything else: dropped
};

PacketKind classify_packet(std::span<const std::uint8_t> packet) noexcept;

std::string_view to_string(PacketKind kind);

}  // namespace imsbox::agw::webrtc
