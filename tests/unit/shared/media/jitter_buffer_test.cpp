// The jitter buffer: order, reordering, loss, late and duplicate packets,
// bounded delay, re-anchoring, idle, timestamp wrap.
#include <gtest/gtest.h>

#include <vector>

#include "media/jitter_buffer.h"

namespace imsbox::media {
namespace {

using std::chrono::milliseconds;

struct Harness {
  JitterBuffer jb;
  MediaTime now{};
  explicit Harness(JitterBufferConfig c = {}) : jb(c) {}

  JitterBuffer::PushResult push(std::uint16_t seq, std::uint32_t ts, std::uint8_t tag = 0) {
    const std::uint8_t payload[2] = {static_cast<std::uint8_t>(seq), tag};
    return jb.push(payload, seq, ts, 160, now);
  }
  void advance(int ms) { now += milliseconds(ms); }
  // pops everything due now; '.' for a lost frame, else the seq's low byte
  std::vector<int> drain() {
    std::vector<int> out;
    while (auto f = jb.pop(now)) out.push_back(f->lost ? -1 : f->payload[0]);
    return out;
  }
};

TEST(JitterBuffer, HoldsTheFirstPacketForTheTargetDelay) {
  Harness h({.target_delay = milliseconds(40)});
  EXPECT_EQ(h.push(1, 1000), JitterBuffer::PushResult::stored);
  EXPECT_TRUE(h.drain().empty());
  h.advance(39);
  EXPECT_TRUE(h.drain().empty());
  h.advance(1);
  EXPECT_EQ(h.drain(), std::vector<int>{1});
}

TEST(JitterBuffer, PlaysInOrderEveryTwentyMilliseconds) {
  Harness h;
  std::vector<int> played;
  for (int i = 0; i < 10; ++i) {
    h.push(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(160 * i));
    h.advance(20);
    for (int v : h.drain()) played.push_back(v);
  }
  h.advance(20);
  for (int v : h.drain()) played.push_back(v);
  std::vector<int> expect;
  for (int i = 0; i < 10; ++i) expect.push_back(i);
  // the last one pushed waits its 40 ms: played 20 ms after the loop
  EXPECT_EQ(played, expect);
  EXPECT_EQ(h.jb.stats().lost, 0u);
}

TEST(JitterBuffer, ReordersWithinTheDelay) {
  Harness h({.target_delay = milliseconds(60)});
  h.push(0, 0);
  h.advance(20);
  h.push(2, 320);  // 1 overtaken by 2
  h.advance(5);
  h.push(1, 160);
  h.advance(20);
  h.push(3, 480);
  h.advance(200);
  // the burst at the end plays everything that is due, in order; then the
  // idle gap is too short to stop playout, so lost frames follow
  const auto out = h.drain();
  ASSERT_GE(out.size(), 4u);
  EXPECT_EQ(std::vector<int>(out.begin(), out.begin() + 4), (std::vector<int>{0, 1, 2, 3}));
}

TEST(JitterBuffer, ReordersTheVeryFirstPackets) {
  Harness h({.target_delay = milliseconds(40)});
  h.push(1, 160);
  h.advance(5);
  h.push(0, 0);  // it was sent first
  h.advance(60);
  const auto out = h.drain();
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 1);
}

TEST(JitterBuffer, ReportsLostFramesAndHandsTheNextPacketForFec) {
  Harness h;
  h.push(0, 0);
  h.advance(40);
  EXPECT_EQ(h.drain(), std::vector<int>{0});
  h.push(2, 320, 0xaa);  // 1 is lost
  h.advance(20);
  auto f = h.jb.pop(h.now);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->lost);
  EXPECT_EQ(f->timestamp, 160u);
  ASSERT_EQ(f->next_payload.size(), 2u);
  EXPECT_EQ(f->next_payload[1], 0xaa);
  h.advance(20);
  f = h.jb.pop(h.now);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->lost);
  EXPECT_EQ(f->payload[0], 2);
  EXPECT_EQ(h.jb.stats().lost, 1u);
}

TEST(JitterBuffer, DropsLateAndDuplicatePackets) {
  Harness h;
  h.push(0, 0);
  EXPECT_EQ(h.push(0, 0), JitterBuffer::PushResult::duplicate);
  h.advance(40);
  h.drain();  // 0 played
  h.advance(20);
  h.drain();  // 160 played as lost
  EXPECT_EQ(h.push(1, 160), JitterBuffer::PushResult::late);
  EXPECT_EQ(h.jb.stats().late, 1u);
  EXPECT_EQ(h.jb.stats().duplicate, 1u);
}

TEST(JitterBuffer, LateStreakGrowsTheDelay) {
  Harness h({.target_delay = milliseconds(20), .late_resync_after = 3});
  h.push(0, 0);
  h.advance(20);
  h.drain();
  // the network now delays everything by 100 ms: packets 1.. arrive late
  h.advance(100);
  h.drain();
  EXPECT_EQ(h.push(1, 160), JitterBuffer::PushResult::late);
  EXPECT_EQ(h.push(2, 320), JitterBuffer::PushResult::late);
  EXPECT_EQ(h.push(3, 480), JitterBuffer::PushResult::resynced);
  EXPECT_EQ(h.jb.stats().resyncs, 1u);
  h.advance(20);
  const auto out = h.drain();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0], 3);
}

TEST(JitterBuffer, DelayIsBounded) {
  // a timestamp jump far ahead (a sender restart): re-anchors instead of
  // waiting for it
  Harness h({.target_delay = milliseconds(40), .max_delay = milliseconds(200)});
  h.push(0, 0);
  h.advance(40);
  h.drain();
  EXPECT_EQ(h.push(1, 8000 * 10), JitterBuffer::PushResult::resynced);
  h.advance(40);
  EXPECT_EQ(h.drain(), std::vector<int>{1});
}

TEST(JitterBuffer, StopsWhenIdleAndRestartsOnTheNextPacket) {
  Harness h({.idle_timeout = milliseconds(500)});
  h.push(0, 0);
  h.advance(40);
  h.drain();
  h.advance(400);
  const auto lost = h.drain();  // frames reported lost while waiting
  EXPECT_EQ(lost.size(), 20u);
  h.advance(100);
  EXPECT_TRUE(h.drain().empty());
  EXPECT_FALSE(h.jb.playing());
  h.push(1, 160 * 100);
  h.advance(40);
  auto f = h.jb.pop(h.now);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->first);
  EXPECT_EQ(f->payload[0], 1);
}

TEST(JitterBuffer, TimestampsWrap) {
  Harness h;
  std::uint32_t ts = 0xffffffffu - 160 * 3 + 1;
  std::vector<int> played;
  for (int i = 0; i < 8; ++i) {
    h.push(static_cast<std::uint16_t>(i), ts);
    ts += 160;
    h.advance(20);
    for (int v : h.drain()) played.push_back(v);
  }
  h.advance(20);
  for (int v : h.drain()) played.push_back(v);
  EXPECT_EQ(played.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(played[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(h.jb.stats().lost, 0u);
}

TEST(JitterBuffer, RefusesEmptyOversizedAndUnparsedPayloads) {
  JitterBuffer jb({});
  const std::vector<std::uint8_t> big(kMaxPayload + 1);
  const std::uint8_t one[1] = {1};
  EXPECT_EQ(jb.push({}, 0, 0, 160, MediaTime{}), JitterBuffer::PushResult::dropped);
  EXPECT_EQ(jb.push(big, 0, 0, 160, MediaTime{}), JitterBuffer::PushResult::dropped);
  EXPECT_EQ(jb.push(one, 0, 0, 0, MediaTime{}), JitterBuffer::PushResult::dropped);
  EXPECT_EQ(jb.stats().dropped, 3u);
  EXPECT_FALSE(jb.playing());
}

TEST(JitterBuffer, LongerPacketsAdvanceByTheirDuration) {
  Harness h;
  const std::uint8_t p[1] = {7};
  h.jb.push(p, 0, 0, 480, h.now);  // 60 ms
  const std::uint8_t q[1] = {8};
  h.jb.push(q, 1, 480, 480, h.now);
  h.advance(40);
  auto f = h.jb.pop(h.now);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload[0], 7);
  EXPECT_EQ(f->duration, 480u);
  h.advance(40);
  EXPECT_FALSE(h.jb.pop(h.now));  // the next is due 60 ms after the first
  h.advance(20);
  f = h.jb.pop(h.now);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload[0], 8);
}

}  // namespace
}  // namespace imsbox::media

namespace imsbox::media {
namespace {

// A sender whose clock is `ppm` fast or slow: a packet every 20 ms of its
// time, pops every 20 ms of ours, for 2 minutes.
JitterStats drift(int ppm, std::size_t* max_size) {
  JitterBuffer jb({.target_delay = milliseconds(40), .max_delay = milliseconds(120)});
  const std::uint8_t payload[1] = {0};
  const auto sender_step = std::chrono::microseconds(20000 - 20000 * ppm / 1'000'000);
  MediaTime next_packet{}, next_pop{};
  std::uint32_t ts = 0;
  *max_size = 0;
  for (int i = 0; i < 6000;) {
    if (next_packet <= next_pop) {
      jb.push(payload, static_cast<std::uint16_t>(i), ts, 160, next_packet);
      ts += 160;
      next_packet += sender_step;
      ++i;
    } else {
      while (jb.pop(next_pop)) {
      }
      *max_size = std::max(*max_size, jb.size());
      next_pop += milliseconds(20);
    }
  }
  return jb.stats();
}

TEST(JitterBuffer, FastSenderClockKeepsTheDelayBoundedWithoutLoss) {
  std::size_t max_size = 0;
  const auto s = drift(2000, &max_size);  // 0.2 % fast: 240 ms ahead after 2 minutes
  EXPECT_EQ(s.lost, 0u);
  EXPECT_EQ(s.resyncs, 0u);
  EXPECT_EQ(s.late, 0u);
  EXPECT_LE(max_size, 120u / 20 + 1);
}

TEST(JitterBuffer, SlowSenderClockLosesLittle) {
  std::size_t max_size = 0;
  const auto s = drift(-2000, &max_size);  // 0.2 % slow: 240 ms behind after 2 minutes
  // the buffer drains; when empty, frames are lost until the delay grows again
  EXPECT_LT(s.lost, 30u);
  EXPECT_LE(max_size, 120u / 20 + 1);
  EXPECT_GT(s.played, 5900u);
}

TEST(JitterBuffer, LateResyncKeepsTheNewerPacketsItHas) {
  JitterBuffer jb({.target_delay = milliseconds(20), .late_resync_after = 2});
  MediaTime now{};
  const std::uint8_t p[1] = {0};
  jb.push(p, 0, 0, 160, now);
  now += milliseconds(20);
  while (jb.pop(now)) {
  }
  now += milliseconds(60);  // frames 160, 320, 480 handed out as lost
  while (jb.pop(now)) {
  }
  const std::uint8_t q[1] = {5};
  jb.push(q, 5, 800, 160, now);  // on time: stored
  EXPECT_EQ(jb.push(p, 1, 160, 160, now), JitterBuffer::PushResult::late);
  EXPECT_EQ(jb.push(p, 2, 320, 160, now), JitterBuffer::PushResult::resynced);
  now += milliseconds(200);
  std::vector<std::uint32_t> played;
  while (auto f = jb.pop(now)) {
    if (!f->lost) played.push_back(f->timestamp);
  }
  EXPECT_EQ(played, (std::vector<std::uint32_t>{320, 800}));
}

}  // namespace
}  // namespace imsbox::media
