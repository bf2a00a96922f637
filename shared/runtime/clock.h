#pragma once
// Time is injected (ARCHITECTURE.md §7): every timer, expiry and watchdog asks a
// Clock, so a test can advance time in microseconds instead of sleeping.
#include <chrono>

namespace imsbox::runtime {

class Clock {
 public:
  using MonotonicTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time for durations, timers and expiries.
  virtual MonotonicTime now() const = 0;
  // Calendar time for logs and records shown to people.
  virtual WallTime wall_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  MonotonicTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wall_now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Wall and monotonic time advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime wall_start = WallTime{std::chrono::seconds{1'700'000'000}})
      : wall_(wall_start) {}
  MonotonicTime now() const override { return mono_; }
  WallTime wall_now() const override { return wall_; }
  void advance(std::chrono::microseconds d) {
    mono_ += d;
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
  }

 private:
  MonotonicTime mono_{};
  WallTime wall_;
};

}  // namespace imsbox::runtime
