// What the HSS sustains on one core, in-process (no network): issuing
// authentication vectors (SQN committed to the store first, CSPRNG RAND,
// Milenage) and answering Multimedia-Auth-Requests. MAR round trips over
// loopback Diameter are measured by bench/hss_mar_load.sh.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "hss/authentication_centre.h"
#include "hss/cx_service.h"
#include "hss/provisioning.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "store/database.h"

namespace {

using namespace imsbox;

struct Fixture {
  static constexpr int kSubscribers = 1000;
  Fixture()
      : dir(std::filesystem::temp_directory_path() / ("imsbox-bench-hss-" + std::to_string(getpid()))),
        log("bench", runtime::LogLevel::error, {}, clock) {
    std::filesystem::create_directories(dir);
    db.emplace(store::Database::open(dir / "bench.db", "hss"));
    hss::Provisioning prov(*db, "ims.example.org");
    for (int i = 0; i < kSubscribers; ++i) {
      hss::NewSubscriber s;
      s.impi = impi(i);
      s.impus = {"sip:user" + std::to_string(i) + "@ims.example.org"};
      s.k = "fec86ba6eb707ed08905757b1bb44b8f";
      s.opc = "1006020f0a478bf6b699f15c062e42b3";
      prov.add(s, 0);
    }
    auc.emplace(*db, hss::SqnPolicy(5), hss::system_random());
    cx.emplace(*db, *auc, hss::CxService::Options{5}, [] { return std::int64_t{0}; }, log);
  }
  ~Fixture() {
    cx.reset();
    auc.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  static std::string impi(int i) { return "user" + std::to_string(i) + "@ims.example.org"; }

  std::filesystem::path dir;
  runtime::ManualClock clock;
  runtime::Logger log;
  std::optional<store::Database> db;
  std::optional<hss::AuthenticationCentre> auc;
  std::optional<hss::CxService> cx;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Vectors per second when an MAR asks for `range(0)` at once: one store
// commit per batch, one Milenage keying per batch.
void BM_IssueVectors(benchmark::State& state) {
  auto& f = fixture();
  const auto batch = static_cast<std::size_t>(state.range(0));
  int i = 0;
  for (auto _ : state) {
    auto issued = f.auc->issue(Fixture::impi(i++ % Fixture::kSubscribers), batch);
    benchmark::DoNotOptimize(issued);
  }
  state.counters["vectors"] =
      benchmark::Counter(static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IssueVectors)->Arg(1)->Arg(5)->Arg(100);

// A whole MAR answered in-process: lookups, S-CSCF assignment, one vector.
void BM_MultimediaAuth(benchmark::State& state) {
  auto& f = fixture();
  int i = 0;
  for (auto _ : state) {
    diameter::MultimediaAuthRequest r;
    const int n = i++ % Fixture::kSubscribers;
    r.user_name = Fixture::impi(n);
    r.public_identity = "sip:user" + std::to_string(n) + "@ims.example.org";
    r.auth_data_item.authentication_scheme = "Digest-AKAv1-MD5";
    r.server_name = "sip:scscf.ims.example.org:6060";
    auto a = f.cx->multimedia_auth(r);
    if (a.header.result.code != 2001) state.SkipWithError("MAR failed");
    benchmark::DoNotOptimize(a);
  }
  state.counters["mar"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MultimediaAuth);

}  // namespace
