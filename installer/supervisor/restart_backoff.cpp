#include "supervisor/restart_backoff.h"

#include <algorithm>

namespace imsbox::supervisor {

RestartBackoff::Duration RestartBackoff::on_exit(Duration ran) {
  if (ran >= stable_after_) next_ = initial_;
  const Duration delay = std::min(next_, max_);
  next_ = std::min(next_ * 2, max_);
  return delay;
}

}  // namespace imsbox::supervisor
