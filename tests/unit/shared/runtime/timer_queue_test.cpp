#include "runtime/timer_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace imsbox::runtime {
namespace {

using namespace std::chrono_literals;

TEST(TimerQueue, FiresInDeadlineOrderOnlyWhenDue) {
  ManualClock clock;
  TimerQueue q(clock);
  std::vector<int> fired;
  q.schedule_after(500ms, [&] { fired.push_back(2); });
  q.schedule_after(100ms, [&] { fired.push_back(1); });
  q.schedule_after(500ms, [&] { fired.push_back(3); });  // same deadline: scheduling order
  EXPECT_EQ(q.fire_due(), 0u);
  EXPECT_EQ(*q.next_deadline(), clock.now() + 100ms);
  clock.advance(99ms);
  EXPECT_EQ(q.fire_due(), 0u);
  clock.advance(1ms);
  EXPECT_EQ(q.fire_due(), 1u);
  clock.advance(1s);
  EXPECT_EQ(q.fire_due(), 2u);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(q.next_deadline());
}

TEST(TimerQueue, CancelAndReschedulingFromACallback) {
  ManualClock clock;
  TimerQueue q(clock);
  int a = 0, b = 0;
  const auto id = q.schedule_after(10us, [&] { ++a; });
  EXPECT_TRUE(q.cancel(id));
  EXPECT_FALSE(q.cancel(id));
  q.schedule_after(10us, [&] { q.schedule_after(0us, [&] { ++b; }); });
  clock.advance(10us);
  // the timer scheduled from a callback is due now as well
  EXPECT_EQ(q.fire_due(), 2u);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace imsbox::runtime
