#include "unit/agw/webrtc/epoll_count.h"

#include <dlfcn.h>
#include <sys/epoll.h>

#include <atomic>

namespace imsbox::agw::webrtc::test {
namespace {

// Test-only process state: the counters the wrappers below bump.
std::atomic<std::uint64_t> ctl_calls{0};
std::atomic<std::uint64_t> waits_on_last{0};
std::atomic<int> last_set{-1};

template <typename F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

EpollCounts epoll_counts() { return {ctl_calls.load(), waits_on_last.load()}; }

int last_epoll_set() { return last_set.load(); }

}  // namespace imsbox::agw::webrtc::test

using imsbox::agw::webrtc::test::real;

extern "C" int epoll_create1(int flags) {
  static const auto next = real<int (*)(int)>("epoll_create1");
  const int fd = next(flags);
  if (fd >= 0) imsbox::agw::webrtc::test::last_set = fd;
  return fd;
}

extern "C" int epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  static const auto next = real<int (*)(int, int, int, epoll_event*)>("epoll_ctl");
  ++imsbox::agw::webrtc::test::ctl_calls;
  return next(epfd, op, fd, event);
}

extern "C" int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout) {
  static const auto next = real<int (*)(int, epoll_event*, int, int)>("epoll_wait");
  if (epfd == imsbox::agw::webrtc::test::last_set) ++imsbox::agw::webrtc::test::waits_on_last;
  return next(epfd, events, maxevents, timeout);
}
