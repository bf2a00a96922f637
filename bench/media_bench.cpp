// The media library's costs on one core: transcoded calls (both directions
// of a call per 20 ms: jitter buffer, decode, rate conversion, encode), the
// codecs alone, and our rate converter against libswresample.
//
// Figures: "<bench>/us_per_call: N" is the CPU time of one call for 20 ms
// of audio in both directions, "<bench>/calls_per_core: N" the calls one
// core keeps up with (20 ms / that time). Each tick runs 32 calls round
// robin so that the codecs' state is not always in cache, as in the AGW.
#include <benchmark/benchmark.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include <time.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "media/codec_factory.h"
#include "media/resampler.h"
#include "media/tone_detector.h"
#include "media/transcoder.h"

namespace {

using namespace imsbox::media;

constexpr int kCalls = 32;
constexpr int kSeconds = 2;

// Speech-like test audio: a 130 Hz voice with harmonics, a slow syllable
// envelope and some noise (a pure tone is unrealistically cheap for SILK/ACELP).
std::vector<std::int16_t> voice(int rate, int seconds, unsigned seed) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(rate * seconds));
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 300);
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double f0 = 130 + 20 * std::sin(2 * M_PI * 3 * t);
    double v = 0;
    for (int h = 1; h <= 12 && h * f0 < rate / 2.0; ++h) v += std::sin(2 * M_PI * h * f0 * t) / h;
    const double envelope = 0.5 + 0.5 * std::sin(2 * M_PI * 4 * t);
    pcm[i] = static_cast<std::int16_t>(std::clamp(6000 * v * envelope + noise(rng), -32000.0, 32000.0));
  }
  return pcm;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Plain counters (bench_main prints them as "name/counter: value"): the CPU
// time of one call for 20 ms of audio, and how many calls one core carries.
void report_per_call(benchmark::State& state, double cpu_seconds, int calls) {
  if (state.iterations() == 0) return;
  const double us = cpu_seconds * 1e6 / (static_cast<double>(state.iterations()) * calls);
  state.counters["us_per_call_per_20ms"] = us;
  state.counters["calls_per_core"] = us > 0 ? kFrameMs * 1000.0 / us : 0;
}

// CPU time of one 20 ms frame in nanoseconds.
void report_per_frame(benchmark::State& state, double cpu_seconds) {
  if (state.iterations() == 0) return;
  state.counters["cpu_ns_per_20ms"] = cpu_seconds * 1e9 / static_cast<double>(state.iterations());
}

std::unique_ptr<FrameCodec> make(std::string_view name, int rate, std::string_view fmtp, const CodecOptions& options) {
  const auto params = parse_fmtp(fmtp);
  auto r = make_codec(name, rate, name == "opus" ? 2 : 1, params, options);
  if (!r.codec) std::abort();
  return std::move(r.codec);
}

// Payloads a peer would send: kSeconds of voice through its own encoder.
std::vector<std::vector<std::uint8_t>> peer_stream(std::string_view name, int rate, std::string_view fmtp,
                                                   const CodecOptions& options, unsigned seed) {
  auto codec = make(name, rate, fmtp, options);
  const auto pcm = voice(codec->info().pcm_rate, kSeconds, seed);
  std::vector<std::vector<std::uint8_t>> out;
  const std::size_t frame = codec->info().frame_samples;
  for (std::size_t off = 0; off + frame <= pcm.size(); off += frame) {
    std::vector<std::uint8_t> p(kMaxPayload);
    const auto r = codec->encode(std::span(pcm.data() + off, frame), p);
    p.resize(r.size);
    out.push_back(std::move(p));
  }
  return out;
}

struct Leg {
  std::string_view name;
  int rate;
  std::string_view fmtp;
};

// One tick = 20 ms of audio for kCalls two-way calls.
void transcoded_calls(benchmark::State& state, Leg a, Leg b) {
  const CodecOptions options{.opus_pcm_rate = 16000, .opus_complexity = static_cast<int>(state.range(0))};
  const auto from_a = peer_stream(a.name, a.rate, a.fmtp, options, 1);
  const auto from_b = peer_stream(b.name, b.rate, b.fmtp, options, 2);
  std::vector<std::unique_ptr<TranscodedCall>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(std::make_unique<TranscodedCall>(make(a.name, a.rate, a.fmtp, options),
                                                     make(b.name, b.rate, b.fmtp, options)));
  }
  const std::uint32_t step_a = calls[0]->leg_a().info().frame_timestamp;
  const std::uint32_t step_b = calls[0]->leg_b().info().frame_timestamp;
  MediaTime now{};
  std::size_t tick = 0;
  std::size_t produced = 0;
  const double cpu_start = thread_cpu_seconds();
  for (auto _ : state) {
    const std::size_t k = tick % from_a.size();
    for (auto& call : calls) {
      call->a_to_b().push(from_a[k], static_cast<std::uint16_t>(tick), static_cast<std::uint32_t>(tick) * step_a, now);
      call->b_to_a().push(from_b[k], static_cast<std::uint16_t>(tick), static_cast<std::uint32_t>(tick) * step_b, now);
      while (auto o = call->a_to_b().pull(now)) produced += o->payload.size();
      while (auto o = call->b_to_a().pull(now)) produced += o->payload.size();
    }
    now += std::chrono::milliseconds(kFrameMs);
    ++tick;
  }
  benchmark::DoNotOptimize(produced);
  report_per_call(state, thread_cpu_seconds() - cpu_start, kCalls);
}

}  // namespace

BENCHMARK_CAPTURE(transcoded_calls, opus_amrwb, Leg{"opus", 48000, "useinbandfec=1"}, Leg{"AMR-WB", 16000, ""})
    ->ArgName("complexity")->Arg(5)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(transcoded_calls, opus_pcmu, Leg{"opus", 48000, "useinbandfec=1"}, Leg{"PCMU", 8000, ""})
    ->ArgName("complexity")->Arg(5)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(transcoded_calls, amrnb_opus, Leg{"AMR", 8000, ""}, Leg{"opus", 48000, "useinbandfec=1"})
    ->ArgName("complexity")->Arg(5)->Unit(benchmark::kMicrosecond);

namespace {

// One direction's codec work alone, per 20 ms frame: decode a peer's
// payload, encode a frame (no jitter buffer, no rate conversion).
void codec_alone(benchmark::State& state, Leg leg) {
  const CodecOptions options{.opus_pcm_rate = 16000, .opus_complexity = 5};
  const auto stream = peer_stream(leg.name, leg.rate, leg.fmtp, options, 3);
  auto codec = make(leg.name, leg.rate, leg.fmtp, options);
  const auto pcm = voice(codec->info().pcm_rate, kSeconds, 4);
  const std::size_t frame = codec->info().frame_samples;
  std::vector<std::int16_t> out(frame * 16);
  std::vector<std::uint8_t> payload(kMaxPayload);
  std::size_t i = 0;
  const double cpu_start = thread_cpu_seconds();
  for (auto _ : state) {
    const std::size_t k = i % stream.size();
    benchmark::DoNotOptimize(codec->decode(stream[k], out));
    benchmark::DoNotOptimize(codec->encode(std::span(pcm.data() + k * frame, frame), payload));
    ++i;
  }
  report_per_call(state, thread_cpu_seconds() - cpu_start, 1);
  state.counters.erase("calls_per_core");
}

// Rate conversion of one 20 ms frame: ours and libswresample's (default
// settings, as libavfilter uses it). The level of the alias (down) or image
// (up) of a tone near the band edge is printed as "spurious_db": lower is better.
double level_at(int rate, double hz, const std::vector<std::int16_t>& out) {
  const double spurious = hz;
  const std::size_t start = out.size() / 2, n = out.size() - start;
  const double w = 2 * M_PI * spurious / rate;
  double s1 = 0, s2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double win = 0.5 - 0.5 * std::cos(2 * M_PI * static_cast<double>(i) / static_cast<double>(n));
    const double s = out[start + i] * win + 2 * std::cos(w) * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double amplitude = 2 * std::sqrt(std::max(0.0, s1 * s1 + s2 * s2 - 2 * std::cos(w) * s1 * s2)) / (n * 0.5);
  return 20 * std::log10(amplitude / 32767.0 + 1e-9);
}

// The alias (down) or image (up) of edge_tone(), in dB relative to full scale.
double spurious_level(int in_rate, int out_rate, const std::vector<std::int16_t>& out) {
  const int low = std::min(in_rate, out_rate);
  const double hz = in_rate > out_rate ? 0.6 * low : 0.4 * low;
  return level_at(out_rate, low - hz, out);
}

// A tone at 85 % of the lower Nyquist frequency (3.4 kHz at 8 kHz, 6.8 kHz at 16 kHz).
std::vector<std::int16_t> passband_tone(int in_rate, int out_rate) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(in_rate));
  generate_tone(pcm, in_rate, 0.425 * std::min(in_rate, out_rate), -6);
  return pcm;
}
// in dB, 0 = flat; printed in hundredths of a dB (the reporter prints integers)
double passband_gain(int in_rate, int out_rate, const std::vector<std::int16_t>& out) {
  return level_at(out_rate, 0.425 * std::min(in_rate, out_rate), out) + 6;
}

std::vector<std::int16_t> edge_tone(int in_rate, int out_rate) {
  const int low = std::min(in_rate, out_rate);
  // down: a tone above the output's Nyquist frequency (would alias); up: one below the input's (has an image)
  const double hz = in_rate > out_rate ? 0.6 * low : 0.4 * low;
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(in_rate));
  generate_tone(pcm, in_rate, hz, -6);
  return pcm;
}

void resample_ours(benchmark::State& state) {
  const int in_rate = static_cast<int>(state.range(0)), out_rate = static_cast<int>(state.range(1));
  Resampler r(in_rate, out_rate);
  const auto input = voice(in_rate, 1, 5);
  const std::size_t frame = static_cast<std::size_t>(in_rate / 50);
  std::vector<std::int16_t> out(r.output_size(frame));
  std::size_t i = 0;
  const double cpu_start = thread_cpu_seconds();
  for (auto _ : state) {
    const std::size_t off = (i++ % 50) * frame;
    benchmark::DoNotOptimize(r.process(std::span(input.data() + off, frame), out));
  }
  report_per_frame(state, thread_cpu_seconds() - cpu_start);
  Resampler q(in_rate, out_rate);
  const auto tone = edge_tone(in_rate, out_rate);
  std::vector<std::int16_t> converted;
  for (std::size_t off = 0; off + frame <= tone.size(); off += frame) {
    q.process(std::span(tone.data() + off, frame), out);
    converted.insert(converted.end(), out.begin(), out.end());
  }
  state.counters["spurious_db"] = spurious_level(in_rate, out_rate, converted);
  Resampler p(in_rate, out_rate);
  const auto band = passband_tone(in_rate, out_rate);
  converted.clear();
  for (std::size_t off = 0; off + frame <= band.size(); off += frame) {
    p.process(std::span(band.data() + off, frame), out);
    converted.insert(converted.end(), out.begin(), out.end());
  }
  state.counters["passband_centi_db"] = 100 * passband_gain(in_rate, out_rate, converted);
}

void resample_swr(benchmark::State& state) {
  const int in_rate = static_cast<int>(state.range(0)), out_rate = static_cast<int>(state.range(1));
  const auto make_swr = [&] {
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* s = nullptr;
    swr_alloc_set_opts2(&s, &mono, AV_SAMPLE_FMT_S16, out_rate, &mono, AV_SAMPLE_FMT_S16, in_rate, 0, nullptr);
    swr_init(s);
    return s;
  };
  SwrContext* swr = make_swr();
  const auto input = voice(in_rate, 1, 5);
  const std::size_t frame = static_cast<std::size_t>(in_rate / 50);
  std::vector<std::int16_t> out(static_cast<std::size_t>(out_rate / 50) * 2);
  std::size_t i = 0;
  const double cpu_start = thread_cpu_seconds();
  for (auto _ : state) {
    const std::size_t off = (i++ % 50) * frame;
    const auto* src = reinterpret_cast<const std::uint8_t*>(input.data() + off);
    auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
    benchmark::DoNotOptimize(swr_convert(swr, &dst, static_cast<int>(out.size()), &src, static_cast<int>(frame)));
  }
  report_per_frame(state, thread_cpu_seconds() - cpu_start);
  swr_free(&swr);
  swr = make_swr();
  const auto tone = edge_tone(in_rate, out_rate);
  std::vector<std::int16_t> converted;
  for (std::size_t off = 0; off + frame <= tone.size(); off += frame) {
    const auto* src = reinterpret_cast<const std::uint8_t*>(tone.data() + off);
    auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
    const int n = swr_convert(swr, &dst, static_cast<int>(out.size()), &src, static_cast<int>(frame));
    converted.insert(converted.end(), out.begin(), out.begin() + std::max(n, 0));
  }
  swr_free(&swr);
  state.counters["spurious_db"] = spurious_level(in_rate, out_rate, converted);
  swr = make_swr();
  const auto band = passband_tone(in_rate, out_rate);
  converted.clear();
  for (std::size_t off = 0; off + frame <= band.size(); off += frame) {
    const auto* src = reinterpret_cast<const std::uint8_t*>(band.data() + off);
    auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
    const int n = swr_convert(swr, &dst, static_cast<int>(out.size()), &src, static_cast<int>(frame));
    converted.insert(converted.end(), out.begin(), out.begin() + std::max(n, 0));
  }
  swr_free(&swr);
  state.counters["passband_centi_db"] = 100 * passband_gain(in_rate, out_rate, converted);
}

}  // namespace

BENCHMARK_CAPTURE(codec_alone, opus16k, Leg{"opus", 48000, "useinbandfec=1"});
BENCHMARK_CAPTURE(codec_alone, amrwb, Leg{"AMR-WB", 16000, ""});
BENCHMARK_CAPTURE(codec_alone, amrnb, Leg{"AMR", 8000, ""});
BENCHMARK_CAPTURE(codec_alone, pcmu, Leg{"PCMU", 8000, ""});
BENCHMARK_CAPTURE(codec_alone, g722, Leg{"G722", 8000, ""});

BENCHMARK(resample_ours)->Args({8000, 16000})->Args({16000, 8000})->Args({16000, 48000})->Args({48000, 16000})
    ->Args({8000, 48000})->Args({48000, 8000});
BENCHMARK(resample_swr)->Args({8000, 16000})->Args({16000, 8000})->Args({16000, 48000})->Args({48000, 16000})
    ->Args({8000, 48000})->Args({48000, 8000});
