#pragma once
// What the webrtc tests share: a loop that runs until a condition holds (no
// test can hang), and a log file whose lines a test can look for.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "unit/test_dir.h"

namespace imsbox::agw::webrtc::test {

using namespace std::chrono_literals;

// Runs `io` until pred() holds or `timeout` passes; returns pred().
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(5ms);
  }
  return true;
}

inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(5ms);
  }
}

class TestLog {
 public:
  TestLog() : log_("agw", runtime::LogLevel::debug, dir_ / "agw.log", clock_) {}
  runtime::Logger& logger() { return log_; }
  std::string text() const {
    std::ifstream in(dir_ / "agw.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool contains(const std::string& needle) const { return text().find(needle) != std::string::npos; }

 private:
  testing::TempDir dir_;
  runtime::SystemClock clock_;
  runtime::Logger log_;
};

}  // namespace imsbox::agw::webrtc::test
