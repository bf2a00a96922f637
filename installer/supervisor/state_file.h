#pragma once
// <data dir>/run/supervisor.state: what the supervisor runs, for `imsbox status`.
// One line per node, "name pid started_unix restarts state", rewritten
// atomically (temporary file + rename) on every change, so a reader never
// sees half a file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imsbox::supervisor {

struct NodeState {
  std::string name;
  int pid = 0;                   // 0 while not running
  std::int64_t started_unix = 0; // when the current process started
  int restarts = 0;
  std::string state;             // running, restarting, stopping, disabled
  friend bool operator==(const NodeState&, const NodeState&) = default;
};

std::string format_state(const std::vector<NodeState>& nodes);
// Skips lines it cannot read (the file is ours, but never trust a file).
std::vector<NodeState> parse_state(const std::string& text);

void write_state_file(const std::filesystem::path& path, const std::vector<NodeState>& nodes);
std::optional<std::vector<NodeState>> read_state_file(const std::filesystem::path& path);

}  // namespace imsbox::supervisor
