#include "rtp/demux.h"

namespace imsbox::rtp {

std::string_view to_string(PacketClass c) {
  switch (c) {
    case PacketClass::unknown: return "unknown";
    case PacketClass::stun: return "stun";
    case PacketClass::zrtp: return "zrtp";
    case PacketClass::dtls: return "dtls";
    case PacketClass::turn_channel: return "turn-channel";
    case PacketClass::rtp: return "rtp";
    case PacketClass::rtcp: return "rtcp";
  }
  return "unknown";
}

}  // namespace imsbox::rtp
