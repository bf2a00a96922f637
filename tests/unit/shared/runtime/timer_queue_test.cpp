#include "runtime/timer_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
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

TEST(TimerQueue, IdsOfFiredOrCancelledTimersFindNothing) {
  ManualClock clock;
  TimerQueue q(clock);
  int fired = 0;
  const auto a = q.schedule_after(1ms, [&] { ++fired; });
  clock.advance(1ms);
  EXPECT_EQ(q.fire_due(), 1u);
  // the slot is reused, under a new id; the old id cancels nothing
  const auto b = q.schedule_after(1ms, [&] { ++fired; });
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0u);
  EXPECT_FALSE(q.cancel(a));
  EXPECT_EQ(q.size(), 1u);
  clock.advance(1ms);
  EXPECT_EQ(q.fire_due(), 1u);
  EXPECT_EQ(fired, 2);
}

TEST(TimerQueue, CancellingReleasesWhatTheCallbackHolds) {
  ManualClock clock;
  TimerQueue q(clock);
  auto held = std::make_shared<int>(1);
  const auto id = q.schedule_after(1h, [held] {});
  EXPECT_EQ(held.use_count(), 2);
  EXPECT_TRUE(q.cancel(id));
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_FALSE(q.next_deadline());
}

// Random schedules, cancellations (also from callbacks) and clock steps
// against a plain ordered model: same firing order, sizes and deadlines.
TEST(TimerQueue, AgreesWithAnOrderedModel) {
  ManualClock clock;
  TimerQueue q(clock);
  std::mt19937 random(7);
  std::map<std::pair<Clock::MonotonicTime, int>, TimerQueue::TimerId> model;  // (deadline, order) -> id
  std::map<TimerQueue::TimerId, std::pair<Clock::MonotonicTime, int>> key_of;
  std::vector<int> fired, expected;
  int order = 0;
  auto schedule = [&](std::chrono::microseconds delay) {
    const int n = order++;
    const auto id = q.schedule_after(delay, [&, n] {
      fired.push_back(n);
    });
    model[{clock.now() + delay, n}] = id;
    key_of[id] = {clock.now() + delay, n};
  };
  for (int step = 0; step < 20000; ++step) {
    const int op = static_cast<int>(random() % 10);
    if (op < 5) {
      schedule(std::chrono::microseconds(random() % 5000));
    } else if (op < 8 && !key_of.empty()) {
      auto it = key_of.begin();
      std::advance(it, random() % key_of.size());
      EXPECT_TRUE(q.cancel(it->first));
      model.erase(it->second);
      key_of.erase(it);
    } else {
      clock.advance(std::chrono::microseconds(random() % 800));
      for (auto it = model.begin(); it != model.end() && it->first.first <= clock.now();) {
        expected.push_back(it->first.second);
        key_of.erase(it->second);
        it = model.erase(it);
      }
      q.fire_due();
      ASSERT_EQ(fired, expected);
    }
    ASSERT_EQ(q.size(), model.size());
    if (model.empty()) {
      ASSERT_FALSE(q.next_deadline());
    } else {
      ASSERT_EQ(q.next_deadline(), model.begin()->first.first);
    }
  }
  EXPECT_GT(fired.size(), 1000u);
}

}  // namespace
}  // namespace imsbox::runtime
