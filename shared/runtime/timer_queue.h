#pragma once
// Timers on an injected Clock. Pure: nothing fires by itself. The event loop
// (or a test, after advancing a ManualClock) calls fire_due(); next_deadline()
// tells the loop when to wake up. Single-threaded: use from the loop's thread.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "runtime/clock.h"

namespace imsbox::runtime {

class TimerQueue {
 public:
  using TimerId = std::uint64_t;
  using Callback = std::function<void()>;

  explicit TimerQueue(const Clock& clock) : clock_(clock) {}

  TimerId schedule_after(std::chrono::microseconds delay, Callback cb);
  // Returns false when the timer already fired or was cancelled.
  bool cancel(TimerId id);
  // Runs every callback whose deadline is not after clock.now(), in deadline
  // order (ties in scheduling order). Callbacks may schedule or cancel timers.
  std::size_t fire_due();
  std::optional<Clock::MonotonicTime> next_deadline() const;
  std::size_t size() const { return by_deadline_.size(); }

  // Called when a new timer becomes the earliest, so that an event loop
  // driving this queue can wake up sooner (see LoopTimer).
  void on_earlier_deadline(std::function<void(Clock::MonotonicTime)> hook) { hook_ = std::move(hook); }

 private:
  using Key = std::pair<Clock::MonotonicTime, TimerId>;
  const Clock& clock_;
  TimerId next_id_ = 1;
  std::map<Key, Callback> by_deadline_;
  std::map<TimerId, Clock::MonotonicTime> deadline_of_;
  std::function<void(Clock::MonotonicTime)> hook_;
};

}  // namespace imsbox::runtime
