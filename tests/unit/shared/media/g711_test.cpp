// G.711 by table, checked against libavcodec's pcm_mulaw/pcm_alaw for every
// code and every 16-bit input.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "media/g711.h"
#include "unit/shared/media/libav.h"

namespace imsbox::media {
namespace {

std::vector<std::int16_t> every_sample() {
  std::vector<std::int16_t> all(65536);
  for (int i = 0; i < 65536; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(i - 32768);
  return all;
}

void check_against_libav(AVCodecID id, std::uint8_t (*encode)(std::int16_t), std::int16_t (*decode)(std::uint8_t)) {
  // decoding: all 256 codes give libavcodec's values exactly
  test::LibavDecoder dec(id, 8000);
  ASSERT_TRUE(dec.ok());
  std::vector<std::uint8_t> codes(256);
  for (int i = 0; i < 256; ++i) codes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  std::vector<std::int16_t> rec;
  ASSERT_TRUE(dec.decode(codes, rec));
  ASSERT_EQ(rec.size(), 256u);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(decode(static_cast<std::uint8_t>(i)), rec[static_cast<std::size_t>(i)]) << i;

  // the reconstruction levels in order, for each code its neighbours' distance
  std::vector<int> levels(rec.begin(), rec.end());
  std::sort(levels.begin(), levels.end());
  const auto cell_half_width = [&](int level) {
    const auto it = std::lower_bound(levels.begin(), levels.end(), level);
    int below = it == levels.begin() ? 0 : level - *std::prev(it);
    int above = std::next(it) == levels.end() ? 0 : *std::next(it) - level;
    return std::max(below, above) / 2;
  };

  // encoding: all 65536 inputs. Each lands in its code's cell (by libavcodec's
  // levels); libavcodec's encoder rounds to the nearest level in 13 bits and
  // so differs from G.711's decision levels (ours, as ITU-T G.191's reference)
  // near segment and sign boundaries: there the two codes are adjacent levels.
  test::LibavEncoder enc(id, 8000);
  ASSERT_TRUE(enc.ok());
  const auto all = every_sample();
  const auto their_codes = enc.encode(all);
  ASSERT_EQ(their_codes.size(), all.size());
  int differ = 0, failures = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const int x = all[i];
    const int ours = rec[encode(all[i])];
    const int theirs = rec[their_codes[i]];
    bool ok = std::abs(ours - x) <= cell_half_width(ours) + 8 ||
              (x >= levels.back() && ours == levels.back()) ||  // clipped
              (x <= levels.front() && ours == levels.front());
    if (ours != theirs) {
      ++differ;
      const auto a = std::lower_bound(levels.begin(), levels.end(), std::min(ours, theirs));
      ok = ok && std::next(a) != levels.end() && *std::next(a) == std::max(ours, theirs);
    }
    if (!ok && ++failures < 10) {
      ADD_FAILURE() << "input " << x << ": ours " << int(encode(all[i])) << " (" << ours << "), libavcodec "
                    << int(their_codes[i]) << " (" << theirs << ")";
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_LT(differ, 65536 / 50);  // boundaries only
}

TEST(G711, MuLawMatchesLibavcodec) { check_against_libav(AV_CODEC_ID_PCM_MULAW, linear_to_ulaw, ulaw_to_linear); }
TEST(G711, ALawMatchesLibavcodec) { check_against_libav(AV_CODEC_ID_PCM_ALAW, linear_to_alaw, alaw_to_linear); }

TEST(G711, KnownCodes) {
  // G.711: mu-law 0xFF and 0x7F are zero, A-law 0xD5 is the smallest positive step
  EXPECT_EQ(ulaw_to_linear(0xff), 0);
  EXPECT_EQ(ulaw_to_linear(0x7f), 0);
  EXPECT_EQ(linear_to_ulaw(0), 0xff);
  EXPECT_EQ(ulaw_to_linear(0x80), 32124);
  EXPECT_EQ(ulaw_to_linear(0x00), -32124);
  EXPECT_EQ(alaw_to_linear(0xd5), 8);
  EXPECT_EQ(alaw_to_linear(0x55), -8);
  EXPECT_EQ(alaw_to_linear(0xaa), 32256);
}

TEST(G711, RoundTripIsMonotonicAndClose) {
  for (int v = -32768; v < 32768; v += 7) {
    const auto s = static_cast<std::int16_t>(v);
    const int u = ulaw_to_linear(linear_to_ulaw(s));
    const int a = alaw_to_linear(linear_to_alaw(s));
    // the quantization step is at most 1/16 of the magnitude (+ the smallest step)
    EXPECT_LE(std::abs(u - v), std::abs(v) / 16 + 140) << v;
    EXPECT_LE(std::abs(a - v), std::abs(v) / 16 + 140) << v;
  }
}

}  // namespace
}  // namespace imsbox::media
