// ims-supervisor: starts the box's nodes and restarts any that exits.
// `imsbox up` starts it; `imsbox down` sends it SIGTERM.
//
//   ims-supervisor [--data-dir DIR] [--config FILE]
//
// One supervisor per data dir: <data dir>/run/supervisor.lock is held with
// flock for its whole life, and <data dir>/run/supervisor.pid names it.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "supervisor/supervisor.h"

namespace po = boost::program_options;
using namespace imsbox;

int main(int argc, char** argv) {
  std::string config_file, data_dir;
  po::options_description desc("ims-supervisor options");
  desc.add_options()("help,h", "show this help")("config", po::value(&config_file), "imsbox.conf")(
      "data-dir", po::value(&data_dir), "data directory");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
  } catch (const po::error& e) {
    std::cerr << "ims-supervisor: " << e.what() << "\n";
    return 2;
  }

  std::optional<runtime::ResolvedConfig> resolved;
  try {
    resolved = runtime::resolve_config(config_file, data_dir);
  } catch (const runtime::ConfigError& e) {
    std::cerr << "ims-supervisor: configuration error: " << e.what() << "\n";
    return 2;
  }
  const auto& config = resolved->config;
  const auto dir = config.data_dir();
  std::filesystem::create_directories(dir / "run");
  std::filesystem::create_directories(dir / "log");

  const auto lock_path = dir / "run" / "supervisor.lock";
  const int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    std::cerr << "ims-supervisor: another supervisor already runs for " << dir.string() << "\n";
    return 1;
  }
  const auto pid_path = dir / "run" / "supervisor.pid";
  std::ofstream(pid_path, std::ios::trunc) << getpid() << "\n";

  runtime::SystemClock clock;
  runtime::Logger log("supervisor", config.log_level(), {}, clock);

  supervisor::SupervisorOptions options;
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  options.bin_dir = n > 0 ? std::filesystem::path(std::string(self, static_cast<std::size_t>(n))).parent_path()
                          : std::filesystem::path(argv[0]).parent_path();
  options.data_dir = dir;
  options.config_file = resolved->file;
  for (const auto node : runtime::node_names()) {
    const std::string name(node);
    (config.flag(name + ".enabled") ? options.nodes : options.disabled_nodes).push_back(name);
  }
  options.backoff_initial = std::chrono::milliseconds(config.integer("supervisor.restart_backoff_initial_ms"));
  options.backoff_max = std::chrono::milliseconds(config.integer("supervisor.restart_backoff_max_ms"));
  options.stable_after = std::chrono::seconds(config.integer("supervisor.stable_after_s"));
  options.stop_timeout = std::chrono::milliseconds(config.integer("supervisor.stop_timeout_ms"));

  boost::asio::io_context io(1);
  supervisor::Supervisor sup(io, options, log);
  log.info("supervising " + std::to_string(options.nodes.size()) + " nodes for " + dir.string());
  sup.start();
  io.run();
  std::filesystem::remove(pid_path);
  return 0;
}
