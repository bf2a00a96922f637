// Milenage building blocks, per core.
#include <benchmark/benchmark.h>

#include "aka/milenage.h"

namespace {

void BM_ComputeOpc(benchmark::State& state) {
  imsbox::aka::Block k{}, op{};
  for (std::size_t i = 0; i < k.size(); ++i) {
    k[i] = static_cast<std::uint8_t>(i * 7);
    op[i] = static_cast<std::uint8_t>(i * 13);
  }
  for (auto _ : state) {
    auto opc = imsbox::aka::compute_opc(k, op);
    benchmark::DoNotOptimize(opc);
    k[0] = opc[0];
  }
  state.counters["opc"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ComputeOpc);

}  // namespace
