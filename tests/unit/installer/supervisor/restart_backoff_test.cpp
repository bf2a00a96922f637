#include "supervisor/restart_backoff.h"

#include <gtest/gtest.h>

namespace imsbox::supervisor {
namespace {

using namespace std::chrono_literals;

TEST(RestartBackoff, DoublesUpToTheCap) {
  RestartBackoff b(200ms, 1000ms, 10s);
  EXPECT_EQ(b.on_exit(50ms), 200ms);
  EXPECT_EQ(b.on_exit(50ms), 400ms);
  EXPECT_EQ(b.on_exit(50ms), 800ms);
  EXPECT_EQ(b.on_exit(50ms), 1000ms);
  EXPECT_EQ(b.on_exit(50ms), 1000ms);
}

TEST(RestartBackoff, StableRunResetsTheDelay) {
  RestartBackoff b(200ms, 30s, 10s);
  b.on_exit(1s);
  b.on_exit(1s);
  EXPECT_EQ(b.on_exit(1s), 800ms);
  EXPECT_EQ(b.on_exit(10s), 200ms);  // ran long enough: a fresh crash
  EXPECT_EQ(b.on_exit(1s), 400ms);
}

TEST(RestartBackoff, InitialAboveCapIsCapped) {
  RestartBackoff b(5s, 1s, 10s);
  EXPECT_EQ(b.on_exit(0ms), 1s);
}

}  // namespace
}  // namespace imsbox::supervisor
