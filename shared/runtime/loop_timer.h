#pragma once
// Drives a TimerQueue from an Asio event loop: sleeps until the next
// deadline, fires what is due, sleeps again. Production code schedules on
// the TimerQueue (and so on the injected Clock); only this class touches a
// real timer. The queue's clock must be a SystemClock (steady time).
#include <memory>

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {

class TimerQueue;

class LoopTimer {
 public:
  LoopTimer(boost::asio::io_context& io, TimerQueue& queue);
  ~LoopTimer();
  LoopTimer(const LoopTimer&) = delete;
  LoopTimer& operator=(const LoopTimer&) = delete;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::runtime
