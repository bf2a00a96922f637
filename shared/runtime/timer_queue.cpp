#include "runtime/timer_queue.h"

namespace imsbox::runtime {

TimerQueue::TimerId TimerQueue::schedule_after(std::chrono::microseconds delay, Callback cb) {
  const TimerId id = next_id_++;
  const auto deadline = clock_.now() + delay;
  const bool earliest = by_deadline_.empty() || deadline < by_deadline_.begin()->first.first;
  by_deadline_.emplace(Key{deadline, id}, std::move(cb));
  deadline_of_.emplace(id, deadline);
  if (earliest && hook_) hook_(deadline);
  return id;
}

bool TimerQueue::cancel(TimerId id) {
  const auto it = deadline_of_.find(id);
  if (it == deadline_of_.end()) return false;
  by_deadline_.erase(Key{it->second, id});
  deadline_of_.erase(it);
  return true;
}

std::size_t TimerQueue::fire_due() {
  std::size_t fired = 0;
  const auto now = clock_.now();
  while (!by_deadline_.empty() && by_deadline_.begin()->first.first <= now) {
    auto node = by_deadline_.extract(by_deadline_.begin());
    deadline_of_.erase(node.key().second);
    node.mapped()();
    ++fired;
  }
  return fired;
}

std::optional<Clock::MonotonicTime> TimerQueue::next_deadline() const {
  if (by_deadline_.empty()) return std::nullopt;
  return by_deadline_.begin()->first.first;
}

}  // namespace imsbox::runtime
