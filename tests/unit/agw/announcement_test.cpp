// Announcement (agw/announcement.h): 20 ms frames paced by a clock the test
// moves, timestamps continuing the stream's, repeats, start-pos, a stall.
#include "agw/announcement.h"

#include <gtest/gtest.h>

#include <numeric>

namespace imsbox::agw {
namespace {

using namespace std::chrono_literals;

// 50 ms of PCM at 8 kHz (400 samples: 2.5 frames), sample i = i
std::vector<std::int16_t> ramp(std::size_t n = 400) {
  std::vector<std::int16_t> v(n);
  std::iota(v.begin(), v.end(), std::int16_t{0});
  return v;
}

Announcement::Options pcmu(std::int64_t repeat = 1, std::size_t start_frame = 0) {
  Announcement::Options o;
  o.frame_samples = 160;
  o.frame_timestamp = 160;
  o.repeat_times = repeat;
  o.start_frame = start_frame;
  return o;
}

const MediaTime t0 = MediaTime{} + 1000s;

TEST(Announcement, OneFramePer20MsWithContinuingTimestamps) {
  Announcement a(ramp(), pcmu(), t0, 5000);
  EXPECT_EQ(a.frames_per_play(), 3u);
  EXPECT_EQ(a.duration(), 60ms);
  auto f = a.next(t0);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->timestamp, 5000u);
  EXPECT_TRUE(f->marker);
  EXPECT_EQ(f->due, t0);
  EXPECT_EQ(f->pcm.size(), 160u);
  EXPECT_EQ(f->pcm[0], 0);
  EXPECT_FALSE(a.next(t0 + 19ms));  // not due yet
  f = a.next(t0 + 20ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->timestamp, 5160u);
  EXPECT_FALSE(f->marker);
  EXPECT_EQ(f->pcm[0], 160);
  EXPECT_FALSE(a.finished());
  f = a.next(t0 + 45ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->timestamp, 5320u);
  EXPECT_EQ(f->due, t0 + 40ms);
  // the last frame is padded with silence
  EXPECT_EQ(f->pcm[79], 399);
  EXPECT_EQ(f->pcm[80], 0);
  EXPECT_EQ(f->pcm[159], 0);
  EXPECT_TRUE(a.finished());
  EXPECT_FALSE(a.next(t0 + 1s));
  EXPECT_EQ(a.frames_sent(), 3u);
}

TEST(Announcement, RepeatsFollowWithoutAGapAndTheTimestampWraps) {
  Announcement a(ramp(), pcmu(2), t0, 0xFFFFFF00u);
  std::vector<std::uint32_t> ts;
  std::vector<std::int16_t> first_samples;
  for (int i = 0; i < 10; ++i) {
    if (auto f = a.next(t0 + i * 20ms)) {
      ts.push_back(f->timestamp);
      first_samples.push_back(f->pcm[0]);
    }
  }
  ASSERT_EQ(ts.size(), 6u);
  for (std::size_t i = 1; i < ts.size(); ++i) EXPECT_EQ(static_cast<std::uint32_t>(ts[i] - ts[i - 1]), 160u);
  EXPECT_EQ(first_samples, (std::vector<std::int16_t>{0, 160, 320, 0, 160, 320}));
  EXPECT_TRUE(a.finished());
}

TEST(Announcement, StartPosSkipsFramesOfTheFirstPlay) {
  Announcement a(ramp(), pcmu(2, 2), t0, 0);
  std::vector<std::int16_t> first_samples;
  for (int i = 0; i < 10; ++i) {
    if (auto f = a.next(t0 + i * 20ms)) first_samples.push_back(f->pcm[0]);
  }
  EXPECT_EQ(first_samples, (std::vector<std::int16_t>{320, 0, 160, 320}));
}

TEST(Announcement, ACallerThatFellBehindSkipsWhatItMissedAndKeepsTheClock) {
  Announcement a(ramp(16000), pcmu(), t0, 1000);  // 100 frames
  ASSERT_TRUE(a.next(t0));
  // a stall of 200 ms: frames 1..10 are due; with max_late_frames 5 the late ones are skipped
  auto f = a.next(t0 + 200ms);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->timestamp, 1000u + 10 * 160);
  EXPECT_EQ(f->pcm[0], static_cast<std::int16_t>(10 * 160));
  EXPECT_FALSE(a.next(t0 + 200ms));
  // a small delay (3 frames) is caught up frame by frame
  int sent = 0;
  while (a.next(t0 + 260ms)) ++sent;
  EXPECT_EQ(sent, 3);
  EXPECT_EQ(a.position(), 14u);
}

TEST(Announcement, EmptyAudioIsFinishedAtOnce) {
  Announcement a({}, pcmu(), t0, 0);
  EXPECT_TRUE(a.finished());
  EXPECT_FALSE(a.next(t0));
}

}  // namespace
}  // namespace imsbox::agw
