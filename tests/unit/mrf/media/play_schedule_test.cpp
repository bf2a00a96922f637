// What a PlayRequest sends frame by frame (mrf/media/play_schedule.h):
// repeat, delay and duration of RFC 4240 §3.2.
#include "mrf/media/play_schedule.h"

#include <gtest/gtest.h>

#include <numeric>

namespace imsbox::mrf::media {
namespace {

using namespace std::chrono_literals;

// The frames of a schedule until done (at most `limit`), each as its first sample.
std::vector<std::int16_t> firsts(PlaySchedule& s, std::size_t limit = 1000) {
  std::vector<std::int16_t> out;
  std::vector<std::int16_t> frame(160, 7777);
  while (out.size() < limit && s.next_frame(frame)) out.push_back(frame[0]);
  return out;
}

PlayRequest ramp(std::size_t samples, int repeat, std::chrono::milliseconds delay = 0ms,
                 std::optional<std::chrono::milliseconds> duration = std::nullopt) {
  PlayRequest r;
  r.pcm.resize(samples);
  std::iota(r.pcm.begin(), r.pcm.end(), std::int16_t{1});
  r.repeat = repeat;
  r.delay = delay;
  r.duration = duration;
  return r;
}

TEST(MrfPlaySchedule, CutsIntoFramesAndPadsTheLastWithSilence) {
  PlaySchedule s(ramp(400, 1), 160, 8000);  // 2.5 frames
  std::vector<std::int16_t> frame(160);
  ASSERT_TRUE(s.next_frame(frame));
  EXPECT_EQ(frame[0], 1);
  EXPECT_EQ(frame[159], 160);
  ASSERT_TRUE(s.next_frame(frame));
  EXPECT_EQ(frame[0], 161);
  EXPECT_FALSE(s.done());
  ASSERT_TRUE(s.next_frame(frame));
  EXPECT_EQ(frame[0], 321);
  EXPECT_EQ(frame[79], 400);
  EXPECT_EQ(frame[80], 0);  // padding
  EXPECT_TRUE(s.done());
  EXPECT_FALSE(s.next_frame(frame));
  EXPECT_EQ(s.frames_sent(), 3u);
}

TEST(MrfPlaySchedule, RepeatWithDelayBetweenPlaysNotAfterTheLast) {
  // 1 frame of audio, 40 ms (2 frames) of silence between, three times
  PlaySchedule s(ramp(160, 3, 40ms), 160, 8000);
  EXPECT_EQ(firsts(s), (std::vector<std::int16_t>{1, 0, 0, 1, 0, 0, 1}));
  EXPECT_TRUE(s.done());
}

TEST(MrfPlaySchedule, DelayRoundsUpToWholeFrames) {
  PlaySchedule s(ramp(160, 2, 30ms), 160, 8000);
  EXPECT_EQ(firsts(s), (std::vector<std::int16_t>{1, 0, 0, 1}));
}

TEST(MrfPlaySchedule, DurationCapsTheWhole) {
  PlaySchedule s(ramp(320, 5, 20ms, 100ms), 160, 8000);  // would be 14 frames
  EXPECT_EQ(firsts(s), (std::vector<std::int16_t>{1, 161, 0, 1, 161}));
  // a duration longer than the play changes nothing
  PlaySchedule t(ramp(320, 1, 0ms, 10s), 160, 8000);
  EXPECT_EQ(firsts(t).size(), 2u);
}

TEST(MrfPlaySchedule, RepeatZeroRunsUntilTheDuration) {
  PlaySchedule endless(ramp(160, 0), 160, 8000);
  EXPECT_TRUE(endless.endless());
  EXPECT_EQ(firsts(endless, 500).size(), 500u);
  EXPECT_FALSE(endless.done());

  PlaySchedule capped(ramp(160, 0, 20ms, 1s), 160, 8000);
  const auto f = firsts(capped);
  EXPECT_EQ(f.size(), 50u);
  EXPECT_EQ(f[0], 1);
  EXPECT_EQ(f[1], 0);
  EXPECT_EQ(f[2], 1);
}

TEST(MrfPlaySchedule, NothingToSendIsDoneAtOnce) {
  PlaySchedule s(ramp(0, 0), 160, 8000);
  EXPECT_TRUE(s.done());
  std::vector<std::int16_t> frame(160);
  EXPECT_FALSE(s.next_frame(frame));
}

TEST(MrfPlaySchedule, SixteenKilohertzFrames) {
  PlaySchedule s(ramp(640, 2, 20ms), 320, 16000);
  std::vector<std::int16_t> frame(320);
  std::vector<std::int16_t> seen;
  while (s.next_frame(frame)) seen.push_back(frame[0]);
  EXPECT_EQ(seen, (std::vector<std::int16_t>{1, 321, 0, 1, 321}));
}

}  // namespace
}  // namespace imsbox::mrf::media

namespace imsbox::mrf::media {
namespace {

// The same schedule as places (what a session sending cached frames reads):
// frames of one play by index, the delay as silence, the duration's cap.
TEST(MrfPlaySchedule, SlotsNameTheFrameOfOnePlayOrSilence) {
  PlaySchedule s(ramp(400, 2, 40ms, 140ms), 160, 8000);  // 3 frames, 2 of delay, capped at 7 frames
  std::vector<std::string> seen;
  while (const auto slot = s.next_slot()) seen.push_back(slot->silence ? "-" : std::to_string(slot->index));
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "-", "-", "0", "1"}));
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.pcm().size(), 400u);
}

}  // namespace
}  // namespace imsbox::mrf::media
