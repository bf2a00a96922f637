// Runs the benchmarks of one binary and prints each figure as
// "name: value unit", preceded by the machine it ran on.
#include <benchmark/benchmark.h>
#include <sys/utsname.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown cpu";
}

class LineReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override {
    utsname u{};
    uname(&u);
    std::printf("machine: %s, %u cores, %s %s\n", cpu_model().c_str(), std::thread::hardware_concurrency(),
                u.sysname, u.release);
    return true;
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred) {
        std::printf("%s: error %s\n", run.benchmark_name().c_str(), run.error_message.c_str());
        continue;
      }
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "mean") continue;
      const std::string name = run.benchmark_name();
      std::printf("%s: %.1f ns/op\n", name.c_str(), run.GetAdjustedRealTime());
      for (const auto& [counter, value] : run.counters) {
        if (counter.ends_with("_ratio")) {  // a quotient of two figures: two decimals
          std::printf("%s/%s: %.2f ratio\n", name.c_str(), counter.c_str(), static_cast<double>(value));
          continue;
        }
        std::printf("%s/%s: %.0f %s\n", name.c_str(), counter.c_str(), static_cast<double>(value),
                    (value.flags & benchmark::Counter::kIsRate) ? "per second" : "");
      }
    }
    std::fflush(stdout);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  LineReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
