#include "agw/webrtc/packet_kind.h"

#include <gtest/gtest.h>

#include <vector>

namespace imsbox::agw::webrtc {
namespace {

PacketKind kind_of(std::uint8_t b0, std::uint8_t b1, std::size_t size) {
  std::vector<std::uint8_t> p(size, 0);
  if (size > 0) p[0] = b0;
  if (size > 1) p[1] = b1;
  return classify_packet(p);
}

TEST(PacketKind, Rfc7983Ranges) {
  EXPECT_EQ(kind_of(0x00, 0x01, 20), PacketKind::stun);  // binding request
  EXPECT_EQ(kind_of(0x01, 0x01, 20), PacketKind::stun);  // binding success
  EXPECT_EQ(kind_of(22, 0xfe, 13), PacketKind::dtls);     // handshake record
  EXPECT_EQ(kind_of(20, 0xfe, 14), PacketKind::dtls);     // change cipher spec
  EXPECT_EQ(kind_of(63, 0xfe, 14), PacketKind::dtls);
  EXPECT_EQ(kind_of(0x80, 111, 12), PacketKind::rtp);      // opus
  EXPECT_EQ(kind_of(0x90, 0x80 | 111, 100), PacketKind::rtp);  // marker, extension
  EXPECT_EQ(kind_of(0xbf, 0, 12), PacketKind::rtp);
  EXPECT_EQ(kind_of(16, 0, 40), PacketKind::unknown);  // ZRTP
  EXPECT_EQ(kind_of(64, 0, 40), PacketKind::unknown);  // TURN channel
  EXPECT_EQ(kind_of(4, 0, 40), PacketKind::unknown);
  EXPECT_EQ(kind_of(0xc0, 0, 40), PacketKind::unknown);
  EXPECT_EQ(kind_of(0xff, 0, 40), PacketKind::unknown);
}

TEST(PacketKind, RtcpByPacketTypeUnderRtcpMux) {
  EXPECT_EQ(kind_of(0x80, 200, 28), PacketKind::rtcp);  // SR
  EXPECT_EQ(kind_of(0x81, 201, 8), PacketKind::rtcp);   // RR, smallest
  EXPECT_EQ(kind_of(0x80, 205, 12), PacketKind::rtcp);  // RTPFB
  EXPECT_EQ(kind_of(0x80, 192, 8), PacketKind::rtcp);
  EXPECT_EQ(kind_of(0x80, 223, 8), PacketKind::rtcp);
  EXPECT_EQ(kind_of(0x80, 191, 12), PacketKind::rtp);  // PT 63 with the marker bit
  EXPECT_EQ(kind_of(0x80, 224, 12), PacketKind::rtp);  // PT 96 with the marker bit
}

TEST(PacketKind, TooShortIsUnknown) {
  EXPECT_EQ(classify_packet({}), PacketKind::unknown);
  EXPECT_EQ(kind_of(0x00, 0x01, 19), PacketKind::unknown);
  EXPECT_EQ(kind_of(22, 0xfe, 12), PacketKind::unknown);
  EXPECT_EQ(kind_of(0x80, 111, 11), PacketKind::unknown);
  EXPECT_EQ(kind_of(0x80, 200, 7), PacketKind::unknown);
}

}  // namespace
}  // namespace imsbox::agw::webrtc
