#include "agw/webrtc/main_context_driver.h"

#include <glib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace imsbox::agw::webrtc {

namespace {

// Rounds of check/dispatch in one Asio handler before the loop gets its turn
// (other handlers, other fds); the rest continues in a posted handler.
constexpr int kMaxRoundsPerHandler = 16;

// poll() and epoll share the bit values of IN, PRI, OUT, ERR and HUP on Linux,
// and GLib's GIOCondition is poll()'s.
constexpr unsigned bits(auto flag) { return static_cast<unsigned>(flag); }
static_assert(bits(G_IO_IN) == bits(EPOLLIN) && bits(G_IO_PRI) == bits(EPOLLPRI) && bits(G_IO_OUT) == bits(EPOLLOUT) &&
              bits(G_IO_ERR) == bits(EPOLLERR) && bits(G_IO_HUP) == bits(EPOLLHUP));

constexpr std::uint32_t kPollable = G_IO_IN | G_IO_PRI | G_IO_OUT;

}  // namespace

struct MainContextDriver::Impl : std::enable_shared_from_this<Impl> {
  enum class Kind { watched, always_ready, invalid };
  struct Entry {
    std::uint32_t events = 0;
    Kind kind = Kind::watched;
  };

  explicit Impl(boost::asio::io_context& io_context) : io(io_context), epoll(io_context), timer(io_context) {
    const int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("epoll_create1 failed: ") + std::strerror(errno));
    epoll.assign(fd);
    context = g_main_context_new();
  }

  ~Impl() { g_main_context_unref(context); }

  void wake() {
    if (scheduled || in_iteration || closed) return;
    scheduled = true;
    boost::asio::post(io, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->iterate();
    });
  }

  void iterate() {
    scheduled = false;
    if (closed || in_iteration) return;
    // Only this loop's thread iterates the context; another owner is a
    // programming error (an agent used from the wrong thread).
    if (!g_main_context_acquire(context)) {
      assert(!"the GMainContext is owned by another thread");
      return;
    }
    in_iteration = true;
    bool more = false;
    for (int round = 0;; ++round) {
      gint priority = 0;
      g_main_context_prepare(context, &priority);
      gint timeout_ms = -1;
      gint n = 0;
      while ((n = g_main_context_query(context, priority, &timeout_ms, fds.data(), static_cast<gint>(fds.size()))) >
             static_cast<gint>(fds.size()))
        fds.resize(static_cast<std::size_t>(n));
      if (sync(static_cast<std::size_t>(n))) fds_may_be_ready = true;
      readiness(static_cast<std::size_t>(n));
      ++iterations;
      if (!g_main_context_check(context, priority, fds.data(), n)) {
        arm_timer(timeout_ms);
        break;
      }
      g_main_context_dispatch(context);
      ++dispatches;
      if (round + 1 >= kMaxRoundsPerHandler) {
        more = true;
        break;
      }
    }
    in_iteration = false;
    g_main_context_release(context);
    if (closed) return;
    if (more) wake();
    wait_for_fds();
  }

  // Brings the epoll set in line with the fds of the last query. Costs no
  // system call while the set stays the same (the packet path). True when
  // the set changed.
  bool sync(std::size_t n) {
    if (n == previous.size() && !resync &&
        std::equal(fds.begin(), fds.begin() + static_cast<std::ptrdiff_t>(n), previous.begin(),
                   [](const GPollFD& a, const GPollFD& b) { return a.fd == b.fd && a.events == b.events; }))
      return false;
    wanted.clear();
    for (std::size_t i = 0; i < n; ++i) wanted[fds[i].fd] |= fds[i].events & kPollable;
    for (auto it = entries.begin(); it != entries.end();) {
      if (wanted.contains(it->first)) {
        ++it;
        continue;
      }
      // Gone from the context: usually closed already (the kernel then
      // dropped it from the set and this fails harmlessly).
      if (it->second.kind == Kind::watched) epoll_ctl(epoll.native_handle(), EPOLL_CTL_DEL, it->first, nullptr);
      it = entries.erase(it);
    }
    for (const auto& [fd, events] : wanted) {
      auto found = entries.find(fd);
      // A known fd is added again only on a resync: after an agent came or
      // went, the number may now name another socket (closed and reused),
      // which the kernel dropped from the set with the old one.
      if (found != entries.end() && !resync && found->second.events == events) continue;
      Entry& e = entries[fd];
      e.events = events;
      epoll_event ev{};
      ev.events = events;
      ev.data.fd = fd;
      if (epoll_ctl(epoll.native_handle(), EPOLL_CTL_ADD, fd, &ev) == 0) {
        e.kind = Kind::watched;
      } else if (errno == EEXIST) {
        e.kind = Kind::watched;
        epoll_ctl(epoll.native_handle(), EPOLL_CTL_MOD, fd, &ev);
      } else if (errno == EPERM) {
        e.kind = Kind::always_ready;  // a regular file: poll() calls it ready, so do we
      } else {
        e.kind = Kind::invalid;  // closed: poll() would say POLLNVAL
      }
    }
    previous.assign(fds.begin(), fds.begin() + static_cast<std::ptrdiff_t>(n));
    resync = false;
    return true;
  }

  // Fills revents as poll() with a zero timeout would. The epoll set is
  // asked only when one of its fds may be ready: it was signalled (Asio saw
  // the set readable), the set changed (a new fd may be ready already), or
  // the last look found some ready (level-triggered: still ready unless
  // read). Otherwise nothing can be ready, since Asio watches the set
  // between rounds: a round woken by a timer (libnice's every 20 ms per leg)
  // then costs no system call.
  void readiness(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) fds[i].revents = 0;
    while (fds_may_be_ready) {
      const int r = epoll_wait(epoll.native_handle(), ready.data(), static_cast<int>(ready.size()), 0);
      if (r < 0 && errno == EINTR) continue;
      for (int k = 0; k < r; ++k)
        for (std::size_t i = 0; i < n; ++i)
          if (fds[i].fd == ready[static_cast<std::size_t>(k)].data.fd)
            fds[i].revents = static_cast<gushort>(ready[static_cast<std::size_t>(k)].events &
                                                  (fds[i].events | G_IO_ERR | G_IO_HUP));
      if (r == static_cast<int>(ready.size())) {  // maybe more: read them in a bigger array next round
        ready.resize(ready.size() * 2);
      }
      fds_may_be_ready = r != 0;  // an error (the set closed): ask again next round
      break;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto it = entries.find(fds[i].fd);
      if (it == entries.end() || it->second.kind == Kind::watched) continue;
      fds[i].revents = static_cast<gushort>(it->second.kind == Kind::invalid ? bits(G_IO_NVAL) : fds[i].events & kPollable);
    }
  }

  void arm_timer(gint timeout_ms) {
    if (timeout_ms < 0) return;  // no timeout: an armed timer that fires early costs one empty round
    if (timeout_ms == 0) return wake();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    // Re-arming costs a system call (timerfd): an armed wake-up that comes
    // first (or at most 1 ms late) serves; its round arms the next one.
    if (timer_armed && timer_deadline <= deadline + std::chrono::milliseconds(1)) return;
    timer_armed = true;
    timer_deadline = deadline;
    timer.expires_at(deadline);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        self->timer_armed = false;
        self->iterate();
      }
    });
  }

  void wait_for_fds() {
    if (waiting || closed) return;
    waiting = true;
    epoll.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [weak = weak_from_this()](const boost::system::error_code& ec) {
                       auto self = weak.lock();
                       if (!self) return;
                       self->waiting = false;
                       if (ec) return;
                       self->fds_may_be_ready = true;
                       self->iterate();
                     });
  }

  void rescan() {
    resync = true;
    wake();
  }

  void close() {
    closed = true;
    timer.cancel();
    boost::system::error_code ignored;
    epoll.close(ignored);
  }

  boost::asio::io_context& io;
  GMainContext* context = nullptr;
  boost::asio::posix::stream_descriptor epoll;  // owns the epoll fd
  boost::asio::steady_timer timer;
  std::vector<GPollFD> fds = std::vector<GPollFD>(16);
  std::vector<GPollFD> previous;
  std::unordered_map<int, Entry> entries;
  std::unordered_map<int, std::uint32_t> wanted;
  std::vector<epoll_event> ready = std::vector<epoll_event>(32);
  std::chrono::steady_clock::time_point timer_deadline{};
  bool timer_armed = false;
  bool waiting = false;
  bool scheduled = false;
  bool in_iteration = false;
  bool resync = true;
  bool fds_may_be_ready = true;  // readiness() must ask the epoll set
  bool closed = false;
  std::uint64_t iterations = 0;
  std::uint64_t dispatches = 0;
};

MainContextDriver::MainContextDriver(boost::asio::io_context& io) : impl_(std::make_shared<Impl>(io)) {}

MainContextDriver::~MainContextDriver() { impl_->close(); }

_GMainContext* MainContextDriver::context() const { return impl_->context; }

boost::asio::io_context& MainContextDriver::io() const { return impl_->io; }

void MainContextDriver::wake() { impl_->wake(); }

void MainContextDriver::rescan() { impl_->rescan(); }

std::uint64_t MainContextDriver::iterations() const { return impl_->iterations; }

std::uint64_t MainContextDriver::dispatches() const { return impl_->dispatches; }

std::size_t MainContextDriver::watched_fds() const { return impl_->entries.size(); }

}  // namespace imsbox::agw::webrtc
