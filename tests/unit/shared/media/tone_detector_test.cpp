// The tone detector: frequency within 2 %, level, dominance; scans.
#include <gtest/gtest.h>

#include <random>

#include "media/tone_detector.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

TEST(ToneDetector, FindsTheFrequencyWithinAFractionOfAPercent) {
  for (const int rate : {8000, 16000, 48000}) {
    for (const double hz : {300.0, 1000.0, 1017.0, 2000.0, 3300.0}) {
      const auto pcm = test::tone(rate, hz, static_cast<std::size_t>(rate) / 5);
      const auto m = measure_tone(pcm, rate);
      EXPECT_NEAR(m.frequency_hz, hz, hz * 0.005) << rate << " " << hz;
      EXPECT_NEAR(m.level_dbfs, -10 - 3.01, 0.2);
      EXPECT_GT(m.tone_fraction, 0.95);
    }
  }
}

TEST(ToneDetector, CriteriaSeparateTheRightToneFromOthers) {
  const auto pcm = test::tone(16000, 2000, 3200);
  const auto m = measure_tone(pcm, 16000);
  EXPECT_TRUE(tone_present(m, {.frequency_hz = 2000}));
  EXPECT_TRUE(tone_present(m, {.frequency_hz = 2030}));   // 1.5 % off
  EXPECT_FALSE(tone_present(m, {.frequency_hz = 2050}));  // 2.5 % off
  EXPECT_FALSE(tone_present(m, {.frequency_hz = 1000}));
  EXPECT_FALSE(tone_present(m, {.frequency_hz = 2000, .min_level_dbfs = -6}));
}

TEST(ToneDetector, NoiseAndSilenceHaveNoTone) {
  std::vector<std::int16_t> silence(4000, 0);
  EXPECT_FALSE(tone_present(measure_tone(silence, 8000), {.frequency_hz = 1000, .min_level_dbfs = -90}));
  std::mt19937 rng(1);
  std::normal_distribution<double> n(0, 3000);
  std::vector<std::int16_t> noise(8000);
  for (auto& s : noise) s = static_cast<std::int16_t>(n(rng));
  const auto m = measure_tone(noise, 8000);
  EXPECT_LT(m.tone_fraction, 0.2);
  // a quiet tone under loud noise is not "present"
  auto mix = test::tone(8000, 1000, 8000, -40);
  for (std::size_t i = 0; i < mix.size(); ++i) mix[i] = static_cast<std::int16_t>(mix[i] + noise[i]);
  EXPECT_FALSE(tone_present(measure_tone(mix, 8000), {.frequency_hz = 1000}));
}

TEST(ToneDetector, ScanFindsWhereTheToneStarts) {
  std::vector<std::int16_t> pcm(16000, 0);  // 1 s of silence, then 1 s of tone
  const auto t = test::tone(16000, 1000, 16000);
  pcm.insert(pcm.end(), t.begin(), t.end());
  const auto s = scan_tone(pcm, 16000, {.frequency_hz = 1000});
  EXPECT_EQ(s.windows, 20u);
  EXPECT_EQ(s.with_tone, 10u);
  EXPECT_EQ(s.first_window, 10);
  EXPECT_DOUBLE_EQ(s.first_time_s(), 1.0);
}

TEST(ToneDetector, TooShortIsNothing) {
  std::vector<std::int16_t> pcm(100, 1000);
  EXPECT_EQ(measure_tone(pcm, 8000).frequency_hz, 0);
}

}  // namespace
}  // namespace imsbox::media
