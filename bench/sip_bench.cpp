// SIP parsing on one core: the IMS REGISTER and the INVITE with SDP of the
// fuzz seed corpus (tests/fuzz/corpus/sip_parser).
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "sip/parser.h"

namespace {

std::string load(const char* name) {
  std::ifstream in(std::string(IMSBOX_SIP_CORPUS) + "/" + name, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.empty()) throw std::runtime_error(std::string("missing ") + name);
  return s;
}

void parse(benchmark::State& state, const char* file, bool serialize) {
  const std::string bytes = load(file);
  for (auto _ : state) {
    auto r = imsbox::sip::parse_message(bytes);
    if (!r.well_formed()) state.SkipWithError("message rejected");
    if (serialize) {
      auto out = r.message->serialize();
      benchmark::DoNotOptimize(out);
    }
    benchmark::DoNotOptimize(r);
  }
  state.counters["messages"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

void BM_ParseRegister(benchmark::State& s) { parse(s, "ims_register.sip", false); }
void BM_ParseInviteSdp(benchmark::State& s) { parse(s, "ims_invite_sdp.sip", false); }
void BM_ParseSerializeRegister(benchmark::State& s) { parse(s, "ims_register.sip", true); }
void BM_ParseSerializeInviteSdp(benchmark::State& s) { parse(s, "ims_invite_sdp.sip", true); }
BENCHMARK(BM_ParseRegister);
BENCHMARK(BM_ParseInviteSdp);
BENCHMARK(BM_ParseSerializeRegister);
BENCHMARK(BM_ParseSerializeInviteSdp);

}  // namespace
