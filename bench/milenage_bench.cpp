// Milenage building blocks and authentication-vector generation, per core.
#include <benchmark/benchmark.h>

#include "aka/milenage.h"

namespace {

using imsbox::aka::Amf;
using imsbox::aka::Block;
using imsbox::aka::Milenage;
using imsbox::aka::Sqn;

Block pattern(int mul) {
  Block b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * static_cast<std::size_t>(mul));
  return b;
}

void BM_ComputeOpc(benchmark::State& state) {
  Block k = pattern(7);
  const Block op = pattern(13);
  for (auto _ : state) {
    auto opc = imsbox::aka::compute_opc(k, op);
    benchmark::DoNotOptimize(opc);
    k[0] = opc[0];
  }
  state.counters["opc"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ComputeOpc);

// What the HSS does per Multimedia-Auth-Request: f1, f2-f5 and AUTN for a
// fresh RAND and the next SQN, with the subscriber's Milenage already keyed.
void BM_AuthenticationVector(benchmark::State& state) {
  Milenage milenage(pattern(7), pattern(13));
  Block rand = pattern(29);
  Sqn sqn{};
  const Amf amf{0x80, 0x00};
  for (auto _ : state) {
    auto v = imsbox::aka::generate_vector(milenage, rand, sqn, amf);
    benchmark::DoNotOptimize(v);
    rand[0] = v.autn[15];  // each RAND depends on the previous vector
    rand[1]++;
    sqn[5]++;
  }
  state.counters["vectors"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AuthenticationVector);

// The same with a different K for every vector: keying AES-128 included.
void BM_AuthenticationVectorNewK(benchmark::State& state) {
  Block k = pattern(7);
  const Block opc = pattern(13);
  Block rand = pattern(29);
  const Sqn sqn{};
  const Amf amf{0x80, 0x00};
  for (auto _ : state) {
    Milenage milenage(k, opc);
    auto v = imsbox::aka::generate_vector(milenage, rand, sqn, amf);
    benchmark::DoNotOptimize(v);
    k[0] = v.autn[15];
    k[1]++;
  }
  state.counters["vectors"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AuthenticationVectorNewK);

// Resynchronisation: f5*, then f1* on the recovered SQN_MS.
void BM_Resync(benchmark::State& state) {
  Milenage milenage(pattern(7), pattern(13));
  const Block rand = pattern(29);
  imsbox::aka::Auts auts{};
  for (auto _ : state) {
    auto sqn_ms = imsbox::aka::resync_sqn_ms(milenage, rand, auts);
    benchmark::DoNotOptimize(sqn_ms);
    auts[13]++;
  }
  state.counters["resyncs"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Resync);

}  // namespace
