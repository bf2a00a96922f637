#include "mrf/tones.h"

#include <gtest/gtest.h>

#include "media/tone_detector.h"

namespace imsbox::mrf {
namespace {

// Which windows (of `window_ms`) hold the 425 Hz tone, as a string of 1s and 0s.
std::string pattern(const std::vector<std::int16_t>& pcm, int rate, int window_ms = 100) {
  std::string out;
  media::ToneCriteria c;
  c.frequency_hz = 425;
  const std::size_t window = static_cast<std::size_t>(rate) * window_ms / 1000;
  for (std::size_t at = 0; at + window <= pcm.size(); at += window) {
    out += media::tone_present(media::measure_tone({pcm.data() + at, window}, rate), c) ? '1' : '0';
  }
  return out;
}

TEST(Tones, CadencesOfTheEuropeanPlan) {
  EXPECT_EQ(pattern(generate_tone(Tone::busy, 8000, 2.0), 8000), "11111000001111100000");
  EXPECT_EQ(pattern(generate_tone(Tone::ringback, 16000, 5.0), 16000), "1111111111" + std::string(40, '0'));
  EXPECT_EQ(pattern(generate_tone(Tone::congestion, 8000, 1.0), 8000, 50), "11111000001111100000");
}

TEST(Tones, LevelAndNames) {
  const auto pcm = generate_tone(Tone::busy, 8000, 0.5);
  const auto m = media::measure_tone(pcm, 8000);
  EXPECT_NEAR(m.level_dbfs, -19, 1.5);  // a -16 dBFS peak sine
  EXPECT_EQ(tone_named("busy"), Tone::busy);
  EXPECT_EQ(tone_named("ringback"), Tone::ringback);
  EXPECT_FALSE(tone_named("dial"));
  EXPECT_TRUE(generate_tone(Tone::busy, 8000, -1).empty());
}

}  // namespace
}  // namespace imsbox::mrf
