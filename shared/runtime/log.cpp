#include "runtime/log.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace imsbox::runtime {

std::optional<LogLevel> parse_log_level(std::string_view s) {
  if (s == "debug") return LogLevel::debug;
  if (s == "info") return LogLevel::info;
  if (s == "warning") return LogLevel::warning;
  if (s == "error") return LogLevel::error;
  return std::nullopt;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "?";
}

namespace {

std::FILE* open_log(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f) std::setvbuf(f, nullptr, _IOLBF, 0);
  return f;
}

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace

Logger::Logger(std::string node, LogLevel min_level, std::filesystem::path path, const Clock& clock)
    : node_(std::move(node)), min_level_(min_level), path_(std::move(path)), clock_(clock) {
  if (!path_.empty()) {
    file_ = open_log(path_);
    if (!file_) {
      throw std::runtime_error("cannot open log file " + path_.string() + ": " + std::strerror(errno));
    }
  }
}

Logger::~Logger() {
  if (file_) std::fclose(file_);
}

std::string Logger::format(Clock::WallTime when, LogLevel level, std::string_view node,
                           std::string_view message, std::string_view call_id) {
  using namespace std::chrono;
  const auto since_epoch = when.time_since_epoch();
  const std::time_t secs = duration_cast<seconds>(since_epoch).count();
  const auto millis = duration_cast<milliseconds>(since_epoch).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  std::string line;
  line.reserve(64 + message.size());
  line += stamp;
  line += ' ';
  line += to_string(level);
  line += ' ';
  line += node;
  if (!call_id.empty()) {
    line += " call_id=";
    append_escaped(line, call_id);
  }
  line += ' ';
  append_escaped(line, message);
  return line;
}

void Logger::log(LogLevel level, std::string_view message, std::string_view call_id) {
  if (!enabled(level)) return;
  std::string line = format(clock_.wall_now(), level, node_, message, call_id);
  line += '\n';
  std::FILE* out = file_ ? file_ : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

bool Logger::reopen() {
  if (path_.empty()) return true;
  std::FILE* f = open_log(path_);
  if (!f) {
    log(LogLevel::error, "cannot reopen log file " + path_.string() + ": " + std::strerror(errno));
    return false;
  }
  std::fclose(file_);
  file_ = f;
  return true;
}

}  // namespace imsbox::runtime
