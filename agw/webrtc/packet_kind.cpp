#include "agw/webrtc/packet_kind.h"

namespace imsbox::agw::webrtc {

PacketKind classify_packet(std::span<const std::uint8_t> packet) noexcept {
  if (packet.empty()) return PacketKind::unknown;
  const std::uint8_t b = packet[0];
  if (b <= 3) return packet.size() >= 20 ? PacketKind::stun : PacketKind::unknown;
  if (b >= 20 && b <= 63) return packet.size() >= 13 ? PacketKind::dtls : PacketKind::unknown;
  if (b >= 128 && b <= 191) {
    if (packet.size() < 8) return PacketKind::unknown;
    const std::uint8_t type = packet[1];
    if (type >= 192 && type <= 223) return PacketKind::rtcp;
    return packet.size() >= 12 ? PacketKind::rtp : PacketKind::unknown;
  }
  return PacketKind::unknown;
}

std::string_view to_string(PacketKind kind) {
  switch (kind) {
    case PacketKind::stun: return "stun";
    case PacketKind::dtls: return "dtls";
    case PacketKind::rtp: return "rtp";
    case PacketKind::rtcp: return "rtcp";
    case PacketKind::unknown: break;
  }
  return "unknown";
}

}  // namespace imsbox::agw::webrtc
