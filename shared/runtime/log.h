#pragma once
// One line per event: "<UTC time> <level> <node> [call_id=<id>] <message>".
// Messages are escaped so that an event never spans two lines (a SIP message
// quoted in a log stays one line). Writes go straight to the file (no buffer
// that a crash could lose). SIGHUP handling calls reopen() for log rotation.
// Single-threaded: use from the event loop's thread.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/clock.h"

namespace imsbox::runtime {

enum class LogLevel { debug, info, warning, error };

std::optional<LogLevel> parse_log_level(std::string_view s);
std::string_view to_string(LogLevel level);

class Logger {
 public:
  // An empty path logs to stderr. Throws std::runtime_error when the file
  // cannot be opened.
  Logger(std::string node, LogLevel min_level, std::filesystem::path path, const Clock& clock);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(LogLevel level) const { return level >= min_level_; }
  // The file written (empty: stderr): a thread of the node may open a Logger of its own on it.
  const std::filesystem::path& path() const { return path_; }
  void log(LogLevel level, std::string_view message, std::string_view call_id = {});
  void debug(std::string_view m) { log(LogLevel::debug, m); }
  void info(std::string_view m) { log(LogLevel::info, m); }
  void warning(std::string_view m) { log(LogLevel::warning, m); }
  void error(std::string_view m) { log(LogLevel::error, m); }

  // Reopens the file by name (after a rotation). Returns false and keeps the
  // old file when the new one cannot be opened.
  bool reopen();

  // The line log() would write, without the trailing newline. Exposed for tests.
  static std::string format(Clock::WallTime when, LogLevel level, std::string_view node,
                            std::string_view message, std::string_view call_id);

 private:
  std::string node_;
  LogLevel min_level_;
  std::filesystem::path path_;
  const Clock& clock_;
  std::FILE* file_ = nullptr;
};

}  // namespace imsbox::runtime
