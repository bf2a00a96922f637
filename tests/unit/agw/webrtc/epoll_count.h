#pragma once
// Counts the epoll system calls this test executable makes (its own
// definitions of epoll_create1, epoll_ctl and epoll_wait, which forward to
// libc's: Asio, inlined here, and our code call these), so that a test can
// show that the packet path re-arms nothing and the GLib driver does not
// poll an fd set nobody signalled. One thread's loop at a time.
#include <cstdint>

namespace imsbox::agw::webrtc::test {

struct EpollCounts {
  std::uint64_t ctl = 0;            // epoll_ctl, any set
  std::uint64_t wait_on_last = 0;   // epoll_wait on the epoll set made last (a driver's)
};

EpollCounts epoll_counts();
// The epoll set made last (by epoll_create1), or -1.
int last_epoll_set();

}  // namespace imsbox::agw::webrtc::test
