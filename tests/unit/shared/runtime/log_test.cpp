#include "runtime/log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace imsbox::runtime {
namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Log, FormatIsOneLineWithTimeLevelNodeAndCallId) {
  const auto when = Clock::WallTime{std::chrono::milliseconds(1'700'000'000'123)};
  EXPECT_EQ(Logger::format(when, LogLevel::warning, "pcscf", "hello", ""),
            "2023-11-14T22:13:20.123Z warning pcscf hello");
  EXPECT_EQ(Logger::format(when, LogLevel::info, "scscf", "got it", "abc@host"),
            "2023-11-14T22:13:20.123Z info scscf call_id=abc@host got it");
}

TEST(Log, MessagesNeverSpanLines) {
  const auto line = Logger::format(Clock::WallTime{}, LogLevel::info, "n", "INVITE sip:a SIP/2.0\r\nVia: x\n\x01", "");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_NE(line.find("INVITE sip:a SIP/2.0\\r\\nVia: x\\n\\x01"), std::string::npos);
}

TEST(Log, LevelFilterAndReopenAfterRotation) {
  const auto dir = std::filesystem::temp_directory_path() / ("imsbox-log-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "node.log";
  ManualClock clock;
  Logger log("hss", LogLevel::info, path, clock);
  log.debug("hidden");
  log.info("first");
  std::filesystem::rename(path, dir / "node.log.1");
  log.info("second, still to the rotated file");
  ASSERT_TRUE(log.reopen());
  log.error("third");
  const auto rotated = read(dir / "node.log.1");
  EXPECT_EQ(rotated.find("hidden"), std::string::npos);
  EXPECT_NE(rotated.find("info hss first"), std::string::npos);
  EXPECT_NE(rotated.find("second"), std::string::npos);
  EXPECT_EQ(read(path).find("first"), std::string::npos);
  EXPECT_NE(read(path).find("error hss third"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Log, UnopenableFileThrows) {
  ManualClock clock;
  EXPECT_THROW(Logger("x", LogLevel::info, "/nonexistent-dir/x.log", clock), std::runtime_error);
}

TEST(Log, ParseLevels) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("error"), LogLevel::error);
  EXPECT_FALSE(parse_log_level("INFO"));
}

}  // namespace
}  // namespace imsbox::runtime
