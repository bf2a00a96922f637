// Prompt files at any rate, through libswresample.
#include <gtest/gtest.h>

#include "media/prompt_resample.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

TEST(PromptResample, ConvertsA44kPromptTo8kAnd16k) {
  const auto in = test::tone(44100, 1000, 44100);
  for (const int rate : {8000, 16000, 48000}) {
    std::string error;
    const auto out = convert_sample_rate(in, 44100, rate, &error);
    ASSERT_TRUE(error.empty()) << error;
    EXPECT_NEAR(static_cast<double>(out.size()), rate, rate * 0.002);
    const auto m = measure_tone(std::span(out).subspan(out.size() / 4), rate);
    EXPECT_TRUE(tone_present(m, {.frequency_hz = 1000})) << rate << ": " << m.frequency_hz;
  }
}

TEST(PromptResample, SameRateAndBadRates) {
  const auto in = test::tone(8000, 1000, 800);
  EXPECT_EQ(convert_sample_rate(in, 8000, 8000), in);
  std::string error;
  EXPECT_TRUE(convert_sample_rate(in, 0, 8000, &error).empty());
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace imsbox::media
