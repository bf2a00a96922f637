// Rate conversion between 8, 16 and 48 kHz: tones keep their frequency and
// level, frames map one to one, images and aliases are suppressed.
#include <gtest/gtest.h>

#include <cmath>

#include "media/resampler.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

std::vector<std::int16_t> convert_in_frames(Resampler& r, const std::vector<std::int16_t>& in) {
  const std::size_t frame = static_cast<std::size_t>(r.in_rate() / 50);
  std::vector<std::int16_t> out;
  std::vector<std::int16_t> buf(r.output_size(frame));
  for (std::size_t off = 0; off + frame <= in.size(); off += frame) {
    const std::size_t n = r.process(std::span(in.data() + off, frame), buf);
    EXPECT_EQ(n, buf.size());
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

// Level of `hz` in `pcm` relative to full scale (Goertzel over the last half).
double level_at(const std::vector<std::int16_t>& pcm, int rate, double hz) {
  const std::size_t start = pcm.size() / 2;
  const std::size_t n = pcm.size() - start;
  const double w = 2.0 * M_PI * hz / rate;
  double s1 = 0, s2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double win = 0.5 - 0.5 * std::cos(2 * M_PI * static_cast<double>(i) / static_cast<double>(n));
    const double s = pcm[start + i] * win + 2 * std::cos(w) * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double power = s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2;
  const double amplitude = 2 * std::sqrt(power) / (static_cast<double>(n) * 0.5);  // Hann gain 0.5
  return 20 * std::log10(amplitude / 32767.0 + 1e-12);
}

TEST(Resampler, EveryPairKeepsATone) {
  for (const int in_rate : {8000, 16000, 48000}) {
    for (const int out_rate : {8000, 16000, 48000}) {
      Resampler r(in_rate, out_rate);
      const auto in = test::tone(in_rate, 1000, static_cast<std::size_t>(in_rate), -6);
      const auto out = convert_in_frames(r, in);
      ASSERT_EQ(out.size(), static_cast<std::size_t>(out_rate)) << in_rate << "->" << out_rate;
      const auto m = measure_tone(std::span(out).subspan(out.size() / 2), out_rate);
      EXPECT_NEAR(m.frequency_hz, 1000, 10) << in_rate << "->" << out_rate;
      EXPECT_NEAR(level_at(out, out_rate, 1000), -6, 0.5) << in_rate << "->" << out_rate;
    }
  }
}

TEST(Resampler, DownsamplingSuppressesAliases) {
  // 16 kHz -> 8 kHz: a 5 kHz tone would alias to 3 kHz; 48 -> 16: 10 kHz to 6 kHz
  struct C {
    int in, out;
    double tone, alias;
  };
  for (const C c : {C{16000, 8000, 5000, 3000}, C{48000, 16000, 10000, 6000}, C{48000, 8000, 6000, 2000}}) {
    Resampler r(c.in, c.out);
    const auto in = test::tone(c.in, c.tone, static_cast<std::size_t>(c.in), -6);
    const auto out = convert_in_frames(r, in);
    EXPECT_LT(level_at(out, c.out, c.alias), -66) << c.in << "->" << c.out;
  }
}

TEST(Resampler, UpsamplingSuppressesImages) {
  // 8 kHz -> 16 kHz: a 1 kHz tone has its image at 7 kHz; 16 -> 48: 2 kHz -> 14 kHz and 18 kHz
  struct C {
    int in, out;
    double tone, image;
  };
  for (const C c : {C{8000, 16000, 1000, 7000}, C{16000, 48000, 2000, 14000}, C{16000, 48000, 2000, 18000},
                    C{8000, 48000, 3000, 5000}}) {
    Resampler r(c.in, c.out);
    const auto in = test::tone(c.in, c.tone, static_cast<std::size_t>(c.in), -6);
    const auto out = convert_in_frames(r, in);
    EXPECT_LT(level_at(out, c.out, c.image), -66) << c.in << "->" << c.out << " image " << c.image;
  }
}

TEST(Resampler, PassbandReachesTheTelephoneBand) {
  // 3.4 kHz through 8 -> 16 -> 8 and 7 kHz through 16 -> 48 -> 16: within 1 dB
  Resampler up(8000, 16000), down(16000, 8000);
  const auto in = test::tone(8000, 3400, 8000, -6);
  const auto out = convert_in_frames(down, convert_in_frames(up, in));
  EXPECT_NEAR(level_at(out, 8000, 3400), -6, 1.0);
  Resampler up3(16000, 48000), down3(48000, 16000);
  const auto in16 = test::tone(16000, 7000, 16000, -6);
  const auto out16 = convert_in_frames(down3, convert_in_frames(up3, in16));
  EXPECT_NEAR(level_at(out16, 16000, 7000), -6, 1.0);
}

TEST(Resampler, RefusesOtherRatesAndBadSizes) {
  EXPECT_THROW(Resampler(44100, 16000), std::invalid_argument);
  EXPECT_THROW(Resampler(8000, 32000), std::invalid_argument);
  Resampler r(48000, 8000);
  std::vector<std::int16_t> in(7), out(100);
  EXPECT_EQ(r.process(in, out), 0u);  // not a multiple of 6
  std::vector<std::int16_t> in6(960), small(10);
  EXPECT_EQ(r.process(in6, small), 0u);
}

TEST(Resampler, SameRateCopies) {
  Resampler r(16000, 16000);
  const auto in = test::tone(16000, 1000, 320);
  std::vector<std::int16_t> out(320);
  EXPECT_EQ(r.process(in, out), 320u);
  EXPECT_EQ(out, in);
  EXPECT_EQ(r.delay(), 0u);
}

}  // namespace
}  // namespace imsbox::media
