#include "unit/agw/empty_reads.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>

namespace imsbox::agw::test {
namespace {

// Test-only process state: the range watched and the count.
std::atomic<std::uint32_t> range{0};  // low << 16 | high; 0: off
std::atomic<std::uint64_t> count{0};

std::uint16_t local_port(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(a).sin6_port);
  return 0;
}

}  // namespace

void count_empty_reads_on(std::uint16_t low, std::uint16_t high) {
  count = 0;
  range = static_cast<std::uint32_t>(low) << 16 | high;
}

std::uint64_t empty_reads() { return count.load(); }

void note_empty_read(int fd) {
  const std::uint32_t r = range.load();
  if (r == 0) return;
  const std::uint16_t port = local_port(fd);
  if (port >= (r >> 16) && port <= (r & 0xffff)) ++count;
}

}  // namespace imsbox::agw::test

extern "C" ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* from, socklen_t* from_len) {
  using Real = ssize_t (*)(int, void*, size_t, int, sockaddr*, socklen_t*);
  static const auto next = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "recvfrom"));
  const ssize_t r = next(fd, buf, n, flags, from, from_len);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    const int saved = errno;
    imsbox::agw::test::note_empty_read(fd);
    errno = saved;
  }
  return r;
}
