#include "supervisor/state_file.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace imsbox::supervisor {

std::string format_state(const std::vector<NodeState>& nodes) {
  std::ostringstream out;
  out << "# node pid started_unix restarts state\n";
  for (const auto& n : nodes) {
    out << n.name << ' ' << n.pid << ' ' << n.started_unix << ' ' << n.restarts << ' ' << n.state << '\n';
  }
  return out.str();
}

std::vector<NodeState> parse_state(const std::string& text) {
  std::vector<NodeState> nodes;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    NodeState n;
    std::string extra;
    if (fields >> n.name >> n.pid >> n.started_unix >> n.restarts >> n.state && !(fields >> extra)) {
      nodes.push_back(std::move(n));
    }
  }
  return nodes;
}

void write_state_file(const std::filesystem::path& path, const std::vector<NodeState>& nodes) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << format_state(nodes);
    if (!out) throw std::system_error(errno, std::generic_category(), "write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

std::optional<std::vector<NodeState>> read_state_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return parse_state(text.str());
}

}  // namespace imsbox::supervisor
