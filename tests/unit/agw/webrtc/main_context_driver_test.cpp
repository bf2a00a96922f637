// MainContextDriver: a GLib context's timeouts and fds served by the Asio
// loop (and only while it runs), level-triggered readiness, libnice's own
// timers (a full agent's checks are paced by them), fd numbers reused by a
// new agent, and one driver per thread on N threads.
#include "agw/webrtc/main_context_driver.h"

#include <glib-unix.h>
#include <glib.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "agw/webrtc/ice_lite_agent.h"
#include "unit/agw/webrtc/epoll_count.h"
#include "unit/agw/webrtc/full_ice_peer.h"
#include "unit/agw/webrtc/test_support.h"

namespace imsbox::agw::webrtc {
namespace {

using namespace std::chrono_literals;

gboolean count_and_stop(gpointer counter) {
  ++*static_cast<int*>(counter);
  return G_SOURCE_REMOVE;
}

TEST(MainContextDriver, FiresAGlibTimeoutOnlyWhenTheLoopRuns) {
  boost::asio::io_context io;
  MainContextDriver driver(io);
  int fired = 0;
  GSource* timeout = g_timeout_source_new(40);
  g_source_set_callback(timeout, count_and_stop, &fired, nullptr);
  g_source_attach(timeout, driver.context());
  g_source_unref(timeout);
  driver.wake();
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(80ms);  // past its time, but the loop does not run: nothing may fire
  EXPECT_EQ(fired, 0);
  ASSERT_TRUE(test::run_until(io, [&] { return fired == 1; }, 2s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 40ms);
  EXPECT_GE(driver.dispatches(), 1u);
}

TEST(MainContextDriver, TimeoutsFireInOrderWithoutPolling) {
  boost::asio::io_context io;
  MainContextDriver driver(io);
  std::vector<int> order;
  auto add = [&](guint ms, int id) {
    GSource* s = g_timeout_source_new(ms);
    auto* cb = new std::pair<std::vector<int>*, int>(&order, id);
    g_source_set_callback(
        s,
        [](gpointer p) -> gboolean {
          auto* d = static_cast<std::pair<std::vector<int>*, int>*>(p);
          d->first->push_back(d->second);
          return G_SOURCE_REMOVE;
        },
        cb, [](gpointer p) { delete static_cast<std::pair<std::vector<int>*, int>*>(p); });
    g_source_attach(s, driver.context());
    g_source_unref(s);
  };
  add(120, 3);
  add(20, 1);
  add(60, 2);
  driver.wake();
  ASSERT_TRUE(test::run_until(io, [&] { return order.size() == 3; }, 2s));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  // Idle: the loop sleeps in epoll, the driver does not spin.
  const auto rounds = driver.iterations();
  test::run_for(io, 200ms);
  EXPECT_LE(driver.iterations() - rounds, 2u);
}

struct FdState {
  int fd;
  int dispatched = 0;
};

gboolean read_one_byte(gint fd, GIOCondition, gpointer data) {
  auto* s = static_cast<FdState*>(data);
  char c;
  if (read(fd, &c, 1) == 1) ++s->dispatched;
  return G_SOURCE_CONTINUE;
}

gboolean count_and_continue(gpointer counter) {
  ++*static_cast<int*>(counter);
  return G_SOURCE_CONTINUE;
}

// A round woken by the timer asks the epoll set for nothing when none of its
// fds was signalled since it last found nothing ready: libnice's 20 ms timer
// of every browser leg cost two epoll_wait per firing (30,000 a second at
// 300 legs in the relay benchmark).
TEST(MainContextDriver, TimerRoundsDoNotPollTheFdsWhenNoneWasSignalled) {
  boost::asio::io_context io{1};
  MainContextDriver driver(io);
  const int set = test::last_epoll_set();  // the driver's
  int fired = 0;
  GSource* source = g_timeout_source_new(5);
  g_source_set_callback(source, &count_and_continue, &fired, nullptr);
  g_source_attach(source, driver.context());
  driver.wake();
  ASSERT_TRUE(test::run_until(io, [&] { return fired >= 2; }, 2s));
  ASSERT_EQ(test::last_epoll_set(), set);
  const auto before = test::epoll_counts().wait_on_last;
  ASSERT_TRUE(test::run_until(io, [&] { return fired >= 22; }, 2s));
  EXPECT_LT(test::epoll_counts().wait_on_last - before, 5u);
  g_source_destroy(source);
  g_source_unref(source);
}

TEST(MainContextDriver, DispatchesFdReadinessLevelTriggered) {
  boost::asio::io_context io;
  MainContextDriver driver(io);
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair), 0);
  FdState state{pair[0]};
  GSource* source = g_unix_fd_source_new(pair[0], G_IO_IN);
  g_source_set_callback(source, G_SOURCE_FUNC(read_one_byte), &state, nullptr);
  g_source_attach(source, driver.context());
  driver.wake();
  test::run_for(io, 20ms);
  EXPECT_EQ(state.dispatched, 0);
  EXPECT_GE(driver.watched_fds(), 2u);  // GLib's wake-up fd and ours
  // Three bytes at once; the callback reads one per dispatch: the other two
  // must be dispatched although no new data arrives (level, not edge).
  ASSERT_EQ(write(pair[1], "abc", 3), 3);
  ASSERT_TRUE(test::run_until(io, [&] { return state.dispatched == 3; }, 2s));
  test::run_for(io, 20ms);
  EXPECT_EQ(state.dispatched, 3);
  g_source_destroy(source);
  g_source_unref(source);
  close(pair[0]);
  close(pair[1]);
}

class NullIceEvents : public IceLiteAgent::Events {
 public:
  void on_ice_connected() override { ++connected; }
  void on_ice_datagram(std::span<std::uint8_t>) override { ++datagrams; }
  void on_ice_failed(IceFailure, std::string_view) override { ++failed; }
  int connected = 0, datagrams = 0, failed = 0;
};

// The full agent's checks are paced by its Ta timer, its retransmissions by
// STUN timers, both GLib timeouts on its context: no timers, no connection.
TEST(MainContextDriver, FiresLibniceTimersWhenTheLoopRuns) {
  boost::asio::io_context io;
  test::TestLog log;
  MainContextDriver ours(io), theirs(io);
  NullIceEvents events;
  IceLiteAgent agent(ours, IceLiteConfig{"127.0.0.1", 0, ""}, events, log.logger());
  test::FullIcePeer peer(theirs);
  agent.set_remote_credentials(peer.ufrag(), peer.pwd());
  peer.connect_to(agent.local_credentials().ufrag, agent.local_credentials().pwd, agent.local_candidate());
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(peer.ready());  // the loop has not run
  ASSERT_TRUE(test::run_until(io, [&] { return peer.ready() && events.connected == 1; }, 5s));
  EXPECT_GT(theirs.dispatches(), 2u);
}

// Destroying an agent and making another at once gives the new socket the
// old fd number; the driver must watch the new socket, not trust the number.
TEST(MainContextDriver, WatchesANewSocketThatReusesAClosedOnesNumber) {
  boost::asio::io_context io;
  test::TestLog log;
  MainContextDriver ours(io), theirs(io);
  NullIceEvents first_events;
  auto first = std::make_unique<IceLiteAgent>(ours, IceLiteConfig{"127.0.0.1", 0, ""}, first_events, log.logger());
  test::run_for(io, 20ms);  // its fds are in the set
  first.reset();
  NullIceEvents events;
  IceLiteAgent agent(ours, IceLiteConfig{"127.0.0.1", 0, ""}, events, log.logger());
  test::FullIcePeer peer(theirs);
  agent.set_remote_credentials(peer.ufrag(), peer.pwd());
  peer.connect_to(agent.local_credentials().ufrag, agent.local_credentials().pwd, agent.local_candidate());
  ASSERT_TRUE(test::run_until(io, [&] { return events.connected == 1 && peer.ready(); }, 5s));
}

// One driver per worker thread, nothing shared: four threads connect at once.
TEST(MainContextDriver, OneDriverPerThreadOnManyThreads) {
  std::atomic<int> connected{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&] {
      boost::asio::io_context io;
      test::TestLog log;
      MainContextDriver ours(io), theirs(io);
      NullIceEvents events;
      IceLiteAgent agent(ours, IceLiteConfig{"127.0.0.1", 0, ""}, events, log.logger());
      test::FullIcePeer peer(theirs);
      agent.set_remote_credentials(peer.ufrag(), peer.pwd());
      peer.connect_to(agent.local_credentials().ufrag, agent.local_credentials().pwd, agent.local_candidate());
      if (test::run_until(io, [&] { return events.connected == 1 && peer.ready(); }, 10s)) ++connected;
    });
  for (auto& t : workers) t.join();
  EXPECT_EQ(connected, 4);
}

}  // namespace
}  // namespace imsbox::agw::webrtc
