#pragma once
// WAV (RIFF WAVE) files of 16-bit PCM: test fixtures (the tone a headless
// Chromium sends, baresip's recordings) and MRF prompts. Reading takes any
// channel count (mixed down to mono), WAVE_FORMAT_PCM or
// WAVE_FORMAT_EXTENSIBLE with the PCM subformat, and a data chunk whose size
// is 0 or 0xFFFFFFFF (a recorder that never finished its header: the rest of
// the file is the data). Writing makes a 16-bit mono WAVE_FORMAT_PCM file.
// parse_wav/serialize_wav are pure; the *_file functions do the I/O.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace imsbox::media {

struct WavAudio {
  int sample_rate = 0;
  std::vector<std::int16_t> samples;  // mono
  int channels_in_file = 1;
};

std::optional<WavAudio> parse_wav(std::span<const std::uint8_t> bytes, std::string* error = nullptr);
std::vector<std::uint8_t> serialize_wav(std::span<const std::int16_t> samples, int sample_rate);

std::optional<WavAudio> read_wav_file(const std::string& path, std::string* error = nullptr);
bool write_wav_file(const std::string& path, std::span<const std::int16_t> samples, int sample_rate,
                    std::string* error = nullptr);

}  // namespace imsbox::media
