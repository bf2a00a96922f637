#include "runtime/loop_timer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/timer_queue.h"

namespace imsbox::runtime {

struct LoopTimer::Impl : std::enable_shared_from_this<LoopTimer::Impl> {
  Impl(boost::asio::io_context& io, TimerQueue& q) : timer(io), queue(q) {}

  void arm(Clock::MonotonicTime deadline) {
    // Re-arming costs a system call (timerfd): a deadline less than 1 ms
    // before the armed one is served by the armed wake-up, up to 1 ms late.
    if (armed && deadline + std::chrono::milliseconds(1) >= armed_for) return;
    armed = true;
    armed_for = deadline;
    timer.expires_at(deadline);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->armed = false;
      self->queue.fire_due();
      if (auto next = self->queue.next_deadline()) self->arm(*next);
    });
  }

  boost::asio::steady_timer timer;
  TimerQueue& queue;
  bool armed = false;
  Clock::MonotonicTime armed_for{};
};

LoopTimer::LoopTimer(boost::asio::io_context& io, TimerQueue& queue) : impl_(std::make_shared<Impl>(io, queue)) {
  std::weak_ptr<Impl> weak = impl_;
  queue.on_earlier_deadline([weak](Clock::MonotonicTime deadline) {
    if (auto self = weak.lock()) self->arm(deadline);
  });
  if (auto next = queue.next_deadline()) impl_->arm(*next);
}

LoopTimer::~LoopTimer() {
  impl_->queue.on_earlier_deadline({});
  impl_->timer.cancel();
}

}  // namespace imsbox::runtime
