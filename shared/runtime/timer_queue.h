#pragma once
// Timers on an injected Clock. Pure: nothing fires by itself. The event loop
// (or a test, after advancing a ManualClock) calls fire_due(); next_deadline()
// tells the loop when to wake up. Single-threaded: use from the loop's thread.
//
// A binary heap of deadlines over recycled slots that hold the callbacks: no
// allocation per timer once the queue has grown to its working size (SIP
// transactions schedule and cancel several timers per message). A cancelled
// timer's heap entry stays until it reaches the top or the heap is compacted.
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/clock.h"

namespace imsbox::runtime {

class TimerQueue {
 public:
  // Never 0; not reused by the same queue for 2^32 schedules of one slot.
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
  // Timers scheduled and neither fired nor cancelled.
  std::size_t size() const { return armed_; }

  // Called when a new timer becomes the earliest, so that an event loop
  // driving this queue can wake up sooner (see LoopTimer).
  void on_earlier_deadline(std::function<void(Clock::MonotonicTime)> hook) { hook_ = std::move(hook); }

 private:
  struct Slot {
    std::uint32_t generation = 1;  // bumped when the timer fires or is cancelled
    bool armed = false;
    Callback callback;
  };
  struct Entry {
    Clock::MonotonicTime deadline;
    std::uint64_t sequence;  // scheduling order, for ties
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.sequence > b.sequence;
    }
  };

  bool live(const Entry& e) const { return slots_[e.slot].armed && slots_[e.slot].generation == e.generation; }
  void release(std::uint32_t slot);
  void pop_top();
  void drop_stale_top();

  const Clock& clock_;
  std::uint64_t next_sequence_ = 0;
  std::size_t armed_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<Entry> heap_;  // a min-heap by (deadline, sequence) under Later
  std::function<void(Clock::MonotonicTime)> hook_;
};

}  // namespace imsbox::runtime
