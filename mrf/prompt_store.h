#pragma once
// The MRF's prompts (issue 19): recordings kept as 16-bit mono WAV files at
// the two rates its legs play (16 kHz for AMR-WB, Opus and G.722 legs after
// resampling, 8 kHz for AMR-NB and G.711), NAME.16k.wav and NAME.8k.wav.
// Two folders: the built-in set the build makes with espeak-ng
// (<build>/prompts) and the operator's (<data_dir>/prompts), which wins over
// a built-in prompt of the same name.
//
// to_prompt() is pure; PromptStore does the file I/O. Errors are
// PromptError with a message fit for the command line.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "media/wav.h"

namespace imsbox::runtime {
class Config;
}

namespace imsbox::mrf {

class PromptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The rates prompts are kept at.
inline constexpr int kPromptRateWideband = 16000;
inline constexpr int kPromptRateNarrowband = 8000;
// Longer recordings are refused (an announcement, not an album).
inline constexpr double kMaxPromptSeconds = 600;

struct PromptAudio {
  std::vector<std::int16_t> wideband;    // 16 kHz
  std::vector<std::int16_t> narrowband;  // 8 kHz
};

// A prompt name: 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or
// digit (it names files and appears in URIs: ;play=NAME). The error text, or
// nothing when valid.
std::optional<std::string> check_prompt_name(std::string_view name);

// `audio` (any rate, mono) at both prompt rates; throws PromptError for an
// empty, silent-only-header or overlong recording or a rate libswresample
// refuses.
PromptAudio to_prompt(const media::WavAudio& audio);

struct PromptInfo {
  std::string name;
  bool built_in = false;  // from the built-in folder (not overridden)
  double seconds = 0;
};

class PromptStore {
 public:
  PromptStore(std::filesystem::path built_in_dir, std::filesystem::path operator_dir)
      : built_in_(std::move(built_in_dir)), operator_(std::move(operator_dir)) {}

  // Every prompt, by name; an operator's prompt hides a built-in one.
  std::vector<PromptInfo> list() const;
  // The prompt at `sample_rate` (16000 or 8000); nothing when there is no such
  // prompt or its file is unreadable.
  std::optional<std::vector<std::int16_t>> find(std::string_view name, int sample_rate) const;
  bool exists(std::string_view name) const;

  // Adds (or replaces) the operator's prompt `name` from a WAV file of any
  // common PCM format (rate, channels): converted and written at both
  // rates. Throws PromptError naming what is wrong (name, file, format).
  PromptInfo add(std::string_view name, const std::filesystem::path& wav_file);
  // Removes the operator's prompt; false when there is none (built-in
  // prompts cannot be removed).
  bool remove(std::string_view name);

  const std::filesystem::path& built_in_dir() const { return built_in_; }
  const std::filesystem::path& operator_dir() const { return operator_; }

 private:
  std::filesystem::path built_in_;
  std::filesystem::path operator_;
};

// The box's prompts: mrf.prompt_dir (or <build>/prompts beside the running
// binary's bin/) and <data_dir>/prompts.
PromptStore prompt_store_of(const runtime::Config& c);

// Writes `audio` as NAME.16k.wav and NAME.8k.wav into `dir` (created when
// missing); throws PromptError.
void write_prompt(const std::filesystem::path& dir, std::string_view name, const PromptAudio& audio);

}  // namespace imsbox::mrf
