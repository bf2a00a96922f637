#include "mrf/prompt_store.h"

#include <algorithm>
#include <map>
#include <system_error>

#include "media/prompt_resample.h"
#include "runtime/config.h"

namespace imsbox::mrf {

namespace {

constexpr std::string_view kWidebandSuffix = ".16k.wav";
constexpr std::string_view kNarrowbandSuffix = ".8k.wav";

std::filesystem::path file_of(const std::filesystem::path& dir, std::string_view name, int rate) {
  return dir / (std::string(name) + std::string(rate == kPromptRateWideband ? kWidebandSuffix : kNarrowbandSuffix));
}

// The prompt names in `dir` (those with a 16 kHz file).
std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.size() <= kWidebandSuffix.size() || !file.ends_with(kWidebandSuffix)) continue;
    std::string name = file.substr(0, file.size() - kWidebandSuffix.size());
    if (!check_prompt_name(name)) names.push_back(std::move(name));
  }
  return names;
}

std::vector<std::int16_t> converted(const media::WavAudio& audio, int rate) {
  if (audio.sample_rate == rate) return audio.samples;
  std::string error;
  auto out = media::convert_sample_rate(audio.samples, audio.sample_rate, rate, &error);
  if (out.empty()) throw PromptError("cannot convert " + std::to_string(audio.sample_rate) + " Hz audio: " + error);
  return out;
}

void write_atomically(const std::filesystem::path& file, std::span<const std::int16_t> samples, int rate) {
  const auto tmp = file.string() + ".tmp";
  std::string error;
  if (!media::write_wav_file(tmp, samples, rate, &error)) throw PromptError("cannot write " + tmp + ": " + error);
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw PromptError("cannot write " + file.string() + ": " + ec.message());
}

}  // namespace

std::optional<std::string> check_prompt_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return "a prompt name has 1 to 64 characters";
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  if (!std::all_of(name.begin(), name.end(), allowed) || name.front() == '-' || name.front() == '_') {
    return "prompt name '" + std::string(name) +
           "': use a-z, 0-9, '-' and '_', starting with a letter or digit";
  }
  return std::nullopt;
}

PromptAudio to_prompt(const media::WavAudio& audio) {
  if (audio.samples.empty()) throw PromptError("the recording holds no audio");
  if (audio.sample_rate < 4000 || audio.sample_rate > 384000) {
    throw PromptError("unsupported sample rate " + std::to_string(audio.sample_rate) + " Hz");
  }
  if (static_cast<double>(audio.samples.size()) / audio.sample_rate > kMaxPromptSeconds) {
    throw PromptError("the recording is longer than " + std::to_string(static_cast<int>(kMaxPromptSeconds)) + " s");
  }
  return {converted(audio, kPromptRateWideband), converted(audio, kPromptRateNarrowband)};
}

void write_prompt(const std::filesystem::path& dir, std::string_view name, const PromptAudio& audio) {
  if (auto error = check_prompt_name(name)) throw PromptError(*error);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw PromptError("cannot create " + dir.string() + ": " + ec.message());
  // the narrowband file first: a prompt is listed once its wideband file exists
  write_atomically(file_of(dir, name, kPromptRateNarrowband), audio.narrowband, kPromptRateNarrowband);
  write_atomically(file_of(dir, name, kPromptRateWideband), audio.wideband, kPromptRateWideband);
}

std::vector<PromptInfo> PromptStore::list() const {
  std::map<std::string, PromptInfo> by_name;
  for (const auto& [dir, built_in] : {std::pair{built_in_, true}, std::pair{operator_, false}}) {
    for (auto& name : names_in(dir)) {
      PromptInfo info{name, built_in, 0};
      if (auto wav = media::read_wav_file(file_of(dir, name, kPromptRateWideband).string())) {
        info.seconds = static_cast<double>(wav->samples.size()) / wav->sample_rate;
      }
      by_name[name] = std::move(info);  // the operator's (second) wins
    }
  }
  std::vector<PromptInfo> out;
  for (auto& [_, info] : by_name) out.push_back(std::move(info));
  return out;
}

std::optional<std::vector<std::int16_t>> PromptStore::find(std::string_view name, int sample_rate) const {
  if (check_prompt_name(name) || (sample_rate != kPromptRateWideband && sample_rate != kPromptRateNarrowband)) {
    return std::nullopt;
  }
  for (const auto& dir : {operator_, built_in_}) {
    const auto file = file_of(dir, name, sample_rate);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;
    auto wav = media::read_wav_file(file.string());
    if (!wav || wav->sample_rate != sample_rate) return std::nullopt;
    return std::move(wav->samples);
  }
  return std::nullopt;
}

bool PromptStore::exists(std::string_view name) const {
  if (check_prompt_name(name)) return false;
  std::error_code ec;
  return std::filesystem::is_regular_file(file_of(operator_, name, kPromptRateWideband), ec) ||
         std::filesystem::is_regular_file(file_of(built_in_, name, kPromptRateWideband), ec);
}

PromptInfo PromptStore::add(std::string_view name, const std::filesystem::path& wav_file) {
  if (auto error = check_prompt_name(name)) throw PromptError(*error);
  std::string error;
  const auto wav = media::read_wav_file(wav_file.string(), &error);
  if (!wav) throw PromptError(wav_file.string() + " is not a WAV file imsbox can read: " + error);
  PromptAudio audio;
  try {
    audio = to_prompt(*wav);
  } catch (const PromptError& e) {
    throw PromptError(wav_file.string() + ": " + e.what());
  }
  write_prompt(operator_, name, audio);
  return {std::string(name), false, static_cast<double>(audio.wideband.size()) / kPromptRateWideband};
}

PromptStore prompt_store_of(const runtime::Config& c) {
  std::filesystem::path built_in;
  if (!c.str("mrf.prompt_dir").empty()) {
    built_in = c.path("mrf.prompt_dir");
  } else {
    // the nodes and imsbox-ctl run from <build>/bin; the build makes <build>/prompts
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    built_in = ec ? std::filesystem::path("prompts") : (self.parent_path().parent_path() / "prompts").lexically_normal();
  }
  return PromptStore(built_in, c.data_dir() / "prompts");
}

bool PromptStore::remove(std::string_view name) {
  if (check_prompt_name(name)) return false;
  std::error_code ec;
  const bool removed = std::filesystem::remove(file_of(operator_, name, kPromptRateWideband), ec);
  std::filesystem::remove(file_of(operator_, name, kPromptRateNarrowband), ec);
  return removed;
}

}  // namespace imsbox::mrf
