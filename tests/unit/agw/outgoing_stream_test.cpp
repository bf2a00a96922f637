#include "agw/outgoing_stream.h"

#include <gtest/gtest.h>

#include <vector>

namespace imsbox::agw {
namespace {

using namespace std::chrono_literals;

std::vector<std::uint8_t> packet(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc) {
  std::vector<std::uint8_t> out(32);
  rtp::RtpHeaderFields h;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = ssrc;
  out.resize(rtp::build_rtp(out, h, std::vector<std::uint8_t>(20, 0)));
  return out;
}

struct Out {
  std::uint16_t seq;
  std::uint32_t ts;
  std::uint32_t ssrc;
};

Out relay(OutgoingStream& s, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, MediaTime now) {
  auto p = packet(seq, ts, ssrc);
  const auto parsed = rtp::parse_rtp(p);
  s.relay(p, parsed.packet, now);
  const auto after = rtp::parse_rtp(p);
  s.sent(after.packet.timestamp(), 20, now);
  return {after.packet.sequence(), after.packet.timestamp(), after.packet.ssrc()};
}

TEST(OutgoingStream, ANewSourceUpstreamContinuesOurStream) {
  OutgoingStream s(0x1234, 100, 5000, 8000);
  MediaTime t{};
  auto o = relay(s, 7, 70000, 0xaaaa, t);
  EXPECT_EQ(o.ssrc, 0x1234u);
  EXPECT_EQ(o.seq, 100);
  EXPECT_EQ(o.ts, 5000u);
  o = relay(s, 8, 70160, 0xaaaa, t + 20ms);
  EXPECT_EQ(o.seq, 101);
  EXPECT_EQ(o.ts, 5160u);
  // a re-INVITE: another source, far off in numbers; 100 ms later
  o = relay(s, 60000, 9, 0xbbbb, t + 120ms);
  EXPECT_EQ(o.seq, 102);
  EXPECT_EQ(o.ts, 5160u + 800);
  o = relay(s, 60001, 169, 0xbbbb, t + 140ms);
  EXPECT_EQ(o.seq, 103);
  EXPECT_EQ(o.ts, 5960u + 160);
  // reordered: keeps its place, does not move the next number back
  o = relay(s, 59999, 9 - 160, 0xbbbb, t + 141ms);
  EXPECT_EQ(o.seq, 101);
  o = relay(s, 60002, 329, 0xbbbb, t + 160ms);
  EXPECT_EQ(o.seq, 104);
}

TEST(OutgoingStream, OwnPacketsTakeNumbersAndShiftTheRelayedOnes) {
  OutgoingStream s(1, 65535, 0, 48000);
  MediaTime t{};
  EXPECT_EQ(relay(s, 10, 0, 9, t).seq, 65535);
  EXPECT_EQ(s.take_sequence(), 0);  // wraps
  EXPECT_EQ(relay(s, 11, 960, 9, t + 20ms).seq, 1);
  EXPECT_EQ(s.timestamp_at(t + 40ms), 960u + 960);
  EXPECT_EQ(s.packets(), 2u);
}

TEST(OutgoingStream, TimestampAtBeforeAnythingWasSent) {
  OutgoingStream s(1, 0, 777, 16000);
  EXPECT_EQ(s.timestamp_at(MediaTime{} + 1s), 777u);
  EXPECT_FALSE(s.has_sent());
}

}  // namespace
}  // namespace imsbox::agw
