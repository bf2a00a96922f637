#include "runtime/loop_timer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <vector>

#include "runtime/clock.h"
#include "runtime/timer_queue.h"

namespace imsbox::runtime {
namespace {

using namespace std::chrono_literals;

TEST(LoopTimer, FiresQueuedTimersFromTheEventLoopInOrder) {
  boost::asio::io_context io;
  SystemClock clock;
  TimerQueue queue(clock);
  std::vector<int> fired;
  queue.schedule_after(60ms, [&] { fired.push_back(3); });
  LoopTimer driver(io, queue);
  // scheduled after the driver started, and earlier than what it waits for
  queue.schedule_after(10ms, [&] {
    fired.push_back(1);
    queue.schedule_after(5ms, [&] { fired.push_back(2); });  // from inside a callback
  });
  const auto cancelled = queue.schedule_after(30ms, [&] { fired.push_back(99); });
  queue.cancel(cancelled);
  io.run_for(300ms);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(LoopTimer, NothingFiresAfterTheDriverIsGone) {
  boost::asio::io_context io;
  SystemClock clock;
  TimerQueue queue(clock);
  int fired = 0;
  {
    LoopTimer driver(io, queue);
    queue.schedule_after(10ms, [&] { ++fired; });
  }
  io.run_for(50ms);
  EXPECT_EQ(fired, 0);
  queue.schedule_after(0ms, [&] { ++fired; });  // no hook left to call
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace imsbox::runtime
