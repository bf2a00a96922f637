// SDP on one core: parse, and parse + write, of Chromium's audio offer (the
// browser leg), its audio+video+data offer (the largest real body we have)
// and baresip's AMR offer (a phone leg); the bodies of the fuzz seed corpus.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "sdp/parser.h"
#include "sdp/writer.h"

namespace {

std::string load(const char* name) {
  std::ifstream in(std::string(IMSBOX_SDP_CORPUS) + "/" + name, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.empty()) throw std::runtime_error(std::string("missing ") + name);
  return s;
}

void run(benchmark::State& state, const char* file, bool write) {
  const std::string bytes = load(file);
  std::string out;
  for (auto _ : state) {
    auto r = imsbox::sdp::parse(bytes);
    if (!r.ok()) state.SkipWithError("body rejected");
    if (write) {
      out.clear();
      imsbox::sdp::write_to(*r.description, out);
      benchmark::DoNotOptimize(out);
    }
    benchmark::DoNotOptimize(r);
  }
  state.counters["bodies"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

void BM_SdpParseChromiumAudio(benchmark::State& s) { run(s, "chromium_offer_audio.sdp", false); }
void BM_SdpParseWriteChromiumAudio(benchmark::State& s) { run(s, "chromium_offer_audio.sdp", true); }
void BM_SdpParseChromiumAudioVideoData(benchmark::State& s) { run(s, "chromium_offer_audio_video_data.sdp", false); }
void BM_SdpParseBaresipAmr(benchmark::State& s) { run(s, "baresip_offer_amr.sdp", false); }
void BM_SdpParseWriteBaresipAmr(benchmark::State& s) { run(s, "baresip_offer_amr.sdp", true); }
BENCHMARK(BM_SdpParseChromiumAudio);
BENCHMARK(BM_SdpParseWriteChromiumAudio);
BENCHMARK(BM_SdpParseChromiumAudioVideoData);
BENCHMARK(BM_SdpParseBaresipAmr);
BENCHMARK(BM_SdpParseWriteBaresipAmr);

}  // namespace
