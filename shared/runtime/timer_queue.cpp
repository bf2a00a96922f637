#include "runtime/timer_queue.h"

#include <algorithm>

namespace imsbox::runtime {

TimerQueue::TimerId TimerQueue::schedule_after(std::chrono::microseconds delay, Callback cb) {
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  Slot& s = slots_[slot];
  s.armed = true;
  s.callback = std::move(cb);
  ++armed_;
  const auto deadline = clock_.now() + delay;
  const bool earliest = heap_.empty() || deadline < heap_.front().deadline;
  heap_.push_back(Entry{deadline, next_sequence_++, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  if (earliest && hook_) hook_(deadline);
  return (TimerId{s.generation} << 32) | slot;
}

bool TimerQueue::cancel(TimerId id) {
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  if (slot >= slots_.size() || !slots_[slot].armed || slots_[slot].generation != generation) return false;
  slots_[slot].callback = nullptr;  // what it captured goes now, not at its deadline
  release(slot);
  drop_stale_top();
  // Cancelled entries wait in the heap for their deadline; when they outnumber
  // the live ones, rebuild the heap without them.
  if (heap_.size() > 64 && heap_.size() > 2 * armed_) {
    std::erase_if(heap_, [this](const Entry& e) { return !live(e); });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }
  return true;
}

std::size_t TimerQueue::fire_due() {
  std::size_t fired = 0;
  const auto now = clock_.now();
  while (!heap_.empty() && heap_.front().deadline <= now) {
    const Entry top = heap_.front();
    pop_top();
    if (!live(top)) continue;
    Callback callback = std::move(slots_[top.slot].callback);
    slots_[top.slot].callback = nullptr;
    release(top.slot);  // before the call: cancelling itself finds nothing
    callback();
    ++fired;
  }
  drop_stale_top();
  return fired;
}

std::optional<Clock::MonotonicTime> TimerQueue::next_deadline() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;  // the top is always live (drop_stale_top)
}

void TimerQueue::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.armed = false;
  ++s.generation;
  if (s.generation == 0) s.generation = 1;  // keeps every id non-zero
  --armed_;
  free_slots_.push_back(slot);
}

void TimerQueue::pop_top() {
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  heap_.pop_back();
}

void TimerQueue::drop_stale_top() {
  while (!heap_.empty() && !live(heap_.front())) pop_top();
}

}  // namespace imsbox::runtime
