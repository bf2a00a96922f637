// How fast the store answers the lookups the HSS makes per request.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "hss/provisioning.h"
#include "store/database.h"
#include "store/subscriber_table.h"

namespace {

using namespace imsbox;

struct Fixture {
  Fixture() : dir(std::filesystem::temp_directory_path() / ("imsbox-bench-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(dir);
    db.emplace(store::Database::open(dir / "bench.db", "hss"));
    hss::Provisioning prov(*db, "ims.example.org");
    for (int i = 0; i < kSubscribers; ++i) {
      hss::NewSubscriber s;
      s.impi = "user" + std::to_string(i) + "@ims.example.org";
      s.impus = {"sip:user" + std::to_string(i) + "@ims.example.org", "tel:+1555" + std::to_string(1000000 + i)};
      s.k = "fec86ba6eb707ed08905757b1bb44b8f";
      s.opc = "1006020f0a478bf6b699f15c062e42b3";
      prov.add(s, 0);
    }
  }
  ~Fixture() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  static constexpr int kSubscribers = 10000;
  std::filesystem::path dir;
  std::optional<store::Database> db;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_SubscriberFindByImpi(benchmark::State& state) {
  store::SubscriberTable table(*fixture().db);
  int i = 0;
  for (auto _ : state) {
    auto r = table.find("user" + std::to_string(i++ % Fixture::kSubscribers) + "@ims.example.org");
    benchmark::DoNotOptimize(r);
  }
  state.counters["lookups"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SubscriberFindByImpi);

void BM_ImpiOfImpu(benchmark::State& state) {
  store::SubscriberTable table(*fixture().db);
  int i = 0;
  for (auto _ : state) {
    auto r = table.impi_of("tel:+1555" + std::to_string(1000000 + i++ % Fixture::kSubscribers));
    benchmark::DoNotOptimize(r);
  }
  state.counters["lookups"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ImpiOfImpu);

}  // namespace
