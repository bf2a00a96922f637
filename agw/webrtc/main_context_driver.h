#pragma once
// Runs a GLib main context (libnice's sockets and timers) on a Boost.Asio
// event loop, on the loop's own thread: no second thread, no hand-off per
// packet. What g_main_context_iteration() would do, with its poll() replaced:
//   prepare -> query (the fds and the next timeout) -> readiness -> check -> dispatch
// where the fds sit in a private epoll set (level-triggered) that Asio
// watches as one descriptor, and the timeout is an Asio steady_timer. While
// it dispatches, the driver owns the context (g_main_context_acquire), so
// libnice hands received datagrams to its callback directly.
//
// Threading: a driver and its GMainContext belong to one event-loop thread
// (an AGW worker); there is nothing global, so N workers run their drivers
// side by side. Everything that uses the context (the libnice agents made on
// it) runs on that loop's thread. A loop may run any number of drivers: the
// AGW gives each browser leg its own (BrowserLeg does), because GLib visits
// every source of a context on every iteration: with 400 legs on one context
// a received datagram cost 214 us, with a context per leg 16 us
// (bench_webrtc BM_ReceiveThroughDriver).
//
// Ownership: the driver makes and owns its context; whatever is attached to it
// (agents) must be gone before the driver is destroyed.
//
// Calling into libnice outside a dispatch (making or dropping an agent,
// setting credentials) may add sources, fds or an earlier timeout that the
// driver cannot see by itself (GLib only wakes a context owned by another
// thread): call wake() after such calls, rescan() after making or dropping
// an agent (IceLiteAgent does both itself).
#include <cstdint>
#include <memory>

namespace boost::asio {
class io_context;
}

struct _GMainContext;  // GLib's GMainContext

namespace imsbox::agw::webrtc {

class MainContextDriver {
 public:
  // Makes a new GMainContext. Throws std::runtime_error when the epoll set
  // cannot be made (out of descriptors).
  explicit MainContextDriver(boost::asio::io_context& io);
  ~MainContextDriver();
  MainContextDriver(const MainContextDriver&) = delete;
  MainContextDriver& operator=(const MainContextDriver&) = delete;

  _GMainContext* context() const;
  boost::asio::io_context& io() const;

  // Schedules one iteration on the loop soon (coalesced: many calls, one
  // iteration). Cheap; safe to call from a callback the driver dispatches.
  void wake();
  // wake(), and the next round re-adds every fd to the epoll set: call it
  // after making or destroying an agent, when a closed socket's number may
  // have been given to a new one (the kernel dropped the old from the set).
  void rescan();

  // Counters for tests and metrics.
  std::uint64_t iterations() const;  // check/dispatch rounds run
  std::uint64_t dispatches() const;  // rounds in which some source was dispatched
  std::size_t watched_fds() const;   // fds in the epoll set now

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::agw::webrtc
