// media-tool: WAV fixtures and tone checks for the media tests, on the media
// library (shared/media):
//   media-tool tone OUT.wav --freq HZ [--rate 48000] [--seconds 10] [--level -10]
//       writes a 16-bit mono sine (the tone a test UE or headless Chromium sends)
//   media-tool detect IN.wav --freq HZ [--tolerance 0.02] [--min-level -40]
//                            [--window-ms 100] [--min-windows 5] [--skip-seconds 0]
//       finds the tone in a recording (baresip's sndfile dump, a browser's);
//       prints what it measured, exits 0 when at least --min-windows windows
//       hold the tone, 1 when not, 2 on a usage or file error
//   media-tool convert IN.wav OUT.wav --rate HZ
//       resamples a recording or prompt (libswresample)
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "media/prompt_resample.h"
#include "media/tone_detector.h"
#include "media/wav.h"

namespace {

using namespace imsbox::media;

int usage() {
  std::fprintf(stderr,
               "usage: media-tool tone OUT.wav --freq HZ [--rate 48000] [--seconds 10] [--level -10]\n"
               "       media-tool detect IN.wav --freq HZ [--tolerance 0.02] [--min-level -40] [--window-ms 100]\n"
               "                             [--min-windows 5] [--skip-seconds 0]\n"
               "       media-tool convert IN.wav OUT.wav --rate HZ\n");
  return 2;
}

// --name value pairs after the positional arguments.
bool options(int argc, char** argv, int first, std::map<std::string, double>& out) {
  for (int i = first; i < argc; i += 2) {
    const std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) return false;
    char* end = nullptr;
    const double v = std::strtod(argv[i + 1], &end);
    if (end == argv[i + 1] || *end != '\0') return false;
    out[name.substr(2)] = v;
  }
  return true;
}

double get(const std::map<std::string, double>& o, const std::string& name, double def) {
  const auto it = o.find(name);
  return it == o.end() ? def : it->second;
}

int tone(int argc, char** argv) {
  std::map<std::string, double> o;
  if (argc < 3 || !options(argc, argv, 3, o) || !o.count("freq")) return usage();
  const int rate = static_cast<int>(get(o, "rate", 48000));
  const double seconds = get(o, "seconds", 10);
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(rate * seconds));
  generate_tone(pcm, rate, o["freq"], get(o, "level", -10));
  std::string error;
  if (!write_wav_file(argv[2], pcm, rate, &error)) {
    std::fprintf(stderr, "media-tool: %s\n", error.c_str());
    return 2;
  }
  return 0;
}

int detect(int argc, char** argv) {
  std::map<std::string, double> o;
  if (argc < 3 || !options(argc, argv, 3, o) || !o.count("freq")) return usage();
  std::string error;
  const auto wav = read_wav_file(argv[2], &error);
  if (!wav) {
    std::fprintf(stderr, "media-tool: %s: %s\n", argv[2], error.c_str());
    return 2;
  }
  const ToneCriteria criteria{.frequency_hz = o["freq"],
                              .tolerance = get(o, "tolerance", 0.02),
                              .min_level_dbfs = get(o, "min-level", -40),
                              .min_fraction = 0.5};
  const auto skip = std::min(wav->samples.size(),
                             static_cast<std::size_t>(get(o, "skip-seconds", 0) * wav->sample_rate));
  const std::span<const std::int16_t> pcm(wav->samples.data() + skip, wav->samples.size() - skip);
  const auto scan = scan_tone(pcm, wav->sample_rate, criteria, static_cast<int>(get(o, "window-ms", 100)));
  const auto whole = measure_tone(pcm, wav->sample_rate);
  std::printf("file: %s, %d Hz, %.2f s\n", argv[2], wav->sample_rate,
              static_cast<double>(wav->samples.size()) / wav->sample_rate);
  std::printf("dominant: %.1f Hz, %.1f dBFS, %.0f %% of the energy (first 2^n samples)\n", whole.frequency_hz,
              whole.level_dbfs, whole.tone_fraction * 100);
  std::printf("windows with %.0f Hz: %zu of %zu, first at %.2f s\n", criteria.frequency_hz, scan.with_tone,
              scan.windows, scan.first_time_s() < 0 ? -1.0 : scan.first_time_s() + get(o, "skip-seconds", 0));
  return scan.with_tone >= static_cast<std::size_t>(get(o, "min-windows", 5)) ? 0 : 1;
}

int convert(int argc, char** argv) {
  std::map<std::string, double> o;
  if (argc < 4 || !options(argc, argv, 4, o) || !o.count("rate")) return usage();
  std::string error;
  const auto wav = read_wav_file(argv[2], &error);
  if (!wav) {
    std::fprintf(stderr, "media-tool: %s: %s\n", argv[2], error.c_str());
    return 2;
  }
  const int rate = static_cast<int>(o["rate"]);
  const auto out = convert_sample_rate(wav->samples, wav->sample_rate, rate, &error);
  if (!error.empty() || !write_wav_file(argv[3], out, rate, &error)) {
    std::fprintf(stderr, "media-tool: %s\n", error.c_str());
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "tone") return tone(argc, argv);
  if (cmd == "detect") return detect(argc, argv);
  if (cmd == "convert") return convert(argc, argv);
  return usage();
}
