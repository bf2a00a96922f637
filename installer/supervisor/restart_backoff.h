#pragma once
// When to restart a node that exited: exponential backoff, capped, reset
// once the node has run long enough to count as stable. Pure: the caller
// passes the times.
#include <chrono>

namespace imsbox::supervisor {

class RestartBackoff {
 public:
  using Duration = std::chrono::milliseconds;

  RestartBackoff(Duration initial, Duration max, Duration stable_after)
      : initial_(initial), max_(max), stable_after_(stable_after), next_(initial) {}

  // The node ran for `ran` before it exited: how long to wait before starting it again.
  Duration on_exit(Duration ran);

 private:
  Duration initial_, max_, stable_after_;
  Duration next_;
};

}  // namespace imsbox::supervisor
