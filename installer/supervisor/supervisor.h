#pragma once
// Runs the box's nodes as child processes and keeps them running: a node
// that exits is started again after a RestartBackoff delay. SIGTERM/SIGINT
// stop every node (SIGTERM, then SIGKILL after the stop timeout) and end the
// supervisor; SIGHUP is passed on to the nodes (they reopen their logs).
//
// Each node runs as <bin dir>/ims-<node> --data-dir D [--config F], with
// stdout/stderr appended to <data dir>/log/<node>.log and PR_SET_PDEATHSIG
// set, so no node outlives a supervisor that is killed outright.
// Single-threaded: everything happens on the io_context given.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Logger;
}

namespace imsbox::supervisor {

struct SupervisorOptions {
  std::filesystem::path bin_dir;
  std::filesystem::path data_dir;
  std::optional<std::filesystem::path> config_file;
  std::vector<std::string> nodes;          // enabled nodes, in start order
  std::vector<std::string> disabled_nodes; // shown in the state file only
  std::chrono::milliseconds backoff_initial{200};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds stable_after{10000};
  std::chrono::milliseconds stop_timeout{5000};
};

class Supervisor {
 public:
  Supervisor(boost::asio::io_context& io, SupervisorOptions options, runtime::Logger& log);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts every node and begins handling signals. The io_context's run()
  // returns once a stop has finished.
  void start();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imsbox::supervisor
