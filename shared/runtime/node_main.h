#pragma once
// The process skeleton every node stands on: command line, config, logging,
// store, the loopback /health and /metrics endpoint, signals, one event loop.
//
//   ims-<node> [--config FILE] [--data-dir DIR] [--log-file FILE|-]
//
// SIGTERM/SIGINT stop gracefully (the node's stop(), then up to 2 s for the
// completions of what it closed);
// SIGHUP reopens the log file. A configuration error stops the process at
// start with exit code 2 and a message naming the option.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>
#include <string_view>

namespace boost::asio {
class io_context;
}
namespace imsbox::store {
class Database;
}

namespace imsbox::runtime {

class Clock;
class Config;
class Logger;
class Metrics;

// What a node gets from the runtime. Everything outlives the node.
struct NodeContext {
  boost::asio::io_context& io;
  const Config& config;
  Logger& log;
  Metrics& metrics;
  const Clock& clock;
  store::Database& store;
};

// A network function running on the loop. start() is called once on the
// loop before it runs; stop() when the process is asked to end: close
// listeners, finish or abandon pending work, let the loop run dry.
class Node {
 public:
  virtual ~Node() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  // Empty when healthy, else the reason, served on /health.
  virtual std::string health() const { return {}; }
  // More plain-text pages on the health port (path, text), asked on the loop.
  virtual std::vector<std::pair<std::string, std::function<std::string()>>> pages() { return {}; }
};

using NodeFactory = std::function<std::unique_ptr<Node>(NodeContext&)>;

// Runs the node until it is stopped; returns the process exit code.
int run_node(std::string_view name, int argc, char** argv, const NodeFactory& make_node);

}  // namespace imsbox::runtime
