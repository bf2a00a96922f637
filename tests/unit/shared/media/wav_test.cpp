// WAV files: write, read back, other layouts of the header.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "media/wav.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

TEST(Wav, WritesAndReadsBack) {
  const auto pcm = test::tone(48000, 1000, 48000);
  const auto path =
      (std::filesystem::path(testing::TempDir()) / ("tone-" + std::to_string(getpid()) + ".wav")).string();
  ASSERT_TRUE(write_wav_file(path, pcm, 48000));
  EXPECT_EQ(std::filesystem::file_size(path), 44u + 96000u);
  std::string error;
  const auto w = read_wav_file(path, &error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->sample_rate, 48000);
  EXPECT_EQ(w->samples, pcm);
  std::filesystem::remove(path);
}

TEST(Wav, HeaderIsCanonical) {
  const std::int16_t s[2] = {1, -2};
  const auto b = serialize_wav(s, 8000);
  ASSERT_EQ(b.size(), 48u);
  EXPECT_EQ(std::memcmp(b.data(), "RIFF", 4), 0);
  EXPECT_EQ(b[4], 40);  // 36 + 4 data bytes
  EXPECT_EQ(std::memcmp(b.data() + 8, "WAVEfmt ", 8), 0);
  EXPECT_EQ(b[20], 1);  // PCM
  EXPECT_EQ(b[22], 1);  // mono
  EXPECT_EQ(b[24] | b[25] << 8, 8000);
  EXPECT_EQ(b[34], 16);
  EXPECT_EQ(std::memcmp(b.data() + 36, "data", 4), 0);
  EXPECT_EQ(b[44], 1);
  EXPECT_EQ(b[46], 0xfe);
  EXPECT_EQ(b[47], 0xff);
}

std::vector<std::uint8_t> stereo_extensible(bool unfinished) {
  // WAVE_FORMAT_EXTENSIBLE, 2 channels, a LIST chunk before data, data size
  // 0xFFFFFFFF (a recorder killed before it fixed the header)
  std::vector<std::uint8_t> b = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 40, 0, 0, 0};
  const std::uint8_t fmt[40] = {0xfe, 0xff, 2, 0, 0x80, 0x3e, 0, 0, 0, 0xfa, 0, 0, 4, 0, 16, 0, 22, 0, 16, 0,
                                3,    0,    0, 0, 1,    0,    0, 0, 0, 0,    0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71};
  b.insert(b.end(), fmt, fmt + 40);
  const std::uint8_t list[] = {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0};  // odd size: padded
  b.insert(b.end(), list, list + sizeof list);
  const std::uint8_t data[] = {'d', 'a', 't', 'a', 0xff, 0xff, 0xff, 0xff};
  b.insert(b.end(), data, data + 8);
  if (!unfinished) {
    b[b.size() - 4] = 8;
    b[b.size() - 3] = b[b.size() - 2] = b[b.size() - 1] = 0;
  }
  // two frames: (100, 300) and (-100, -300)
  const std::uint8_t frames[] = {100, 0, 44, 1, 156, 255, 212, 254};
  b.insert(b.end(), frames, frames + 8);
  return b;
}

TEST(Wav, ReadsExtensibleStereoAndUnfinishedFiles) {
  for (const bool unfinished : {false, true}) {
    std::string error;
    const auto w = parse_wav(stereo_extensible(unfinished), &error);
    ASSERT_TRUE(w) << error;
    EXPECT_EQ(w->sample_rate, 16000);
    EXPECT_EQ(w->channels_in_file, 2);
    EXPECT_EQ(w->samples, (std::vector<std::int16_t>{200, -200}));
  }
}

TEST(Wav, RefusesWhatItCannotRead) {
  std::string error;
  EXPECT_FALSE(parse_wav(std::vector<std::uint8_t>{'R', 'I', 'F', 'F'}, &error));
  auto b = serialize_wav(std::vector<std::int16_t>(10), 8000);
  b[34] = 8;  // 8-bit
  EXPECT_FALSE(parse_wav(b, &error));
  EXPECT_NE(error.find("16-bit"), std::string::npos);
  b = serialize_wav(std::vector<std::int16_t>(10), 8000);
  b[20] = 3;  // float
  EXPECT_FALSE(parse_wav(b, &error));
  b = serialize_wav(std::vector<std::int16_t>(10), 8000);
  b.resize(36);  // no data chunk
  EXPECT_FALSE(parse_wav(b, &error));
  EXPECT_FALSE(read_wav_file("/nonexistent/x.wav", &error));
}

}  // namespace
}  // namespace imsbox::media
