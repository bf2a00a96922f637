#include "runtime/health_server.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <boost/asio/post.hpp>
#include <thread>

#include "runtime/clock.h"
#include "runtime/http_get.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

namespace imsbox::runtime {
namespace {

TEST(HealthServer, ServesHealthAndMetricsOnLoopback) {
  boost::asio::io_context io;
  SystemClock clock;
  Logger log("test", LogLevel::error, {}, clock);
  Metrics metrics;
  metrics.counter("things_total", "things").inc(7);
  std::atomic<bool> broken{false};
  HealthServer server(io, "127.0.0.1", 0, metrics,
                      [&] { return broken ? std::string("store unavailable") : std::string(); }, log);
  server.start();
  const auto port = server.port();
  ASSERT_NE(port, 0);
  std::thread loop([&] { io.run(); });

  auto ok = http_get("127.0.0.1", port, "/health", std::chrono::seconds(5));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");

  auto m = http_get("127.0.0.1", port, "/metrics", std::chrono::seconds(5));
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("things_total 7"), std::string::npos);

  auto missing = http_get("127.0.0.1", port, "/nope", std::chrono::seconds(5));
  EXPECT_EQ(missing.status, 404);

  // the check is asked on every request
  broken = true;
  auto bad = http_get("127.0.0.1", port, "/health", std::chrono::seconds(5));
  EXPECT_EQ(bad.status, 503);
  EXPECT_EQ(bad.body, "store unavailable\n");

  boost::asio::post(io, [&] { server.stop(); });
  loop.join();  // run() returns: stop() left the loop without work
  // once stopped nothing listens any more
  EXPECT_EQ(http_get("127.0.0.1", port, "/health", std::chrono::seconds(2)).status, 0);
}

TEST(HealthServer, PortInUseThrows) {
  boost::asio::io_context io;
  SystemClock clock;
  Logger log("test", LogLevel::error, {}, clock);
  Metrics metrics;
  HealthServer a(io, "127.0.0.1", 0, metrics, [] { return std::string(); }, log);
  a.start();
  HealthServer b(io, "127.0.0.1", a.port(), metrics, [] { return std::string(); }, log);
  try {
    b.start();
    ADD_FAILURE() << "a second server bound the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(a.port())), std::string::npos) << e.what();
  }
}

TEST(HttpGet, ReportsRefusedConnections) {
  // bind then close to find a port nobody listens on
  boost::asio::io_context io;
  SystemClock clock;
  Logger log("test", LogLevel::error, {}, clock);
  Metrics metrics;
  std::uint16_t port;
  {
    HealthServer s(io, "127.0.0.1", 0, metrics, [] { return std::string(); }, log);
    s.start();
    port = s.port();
  }
  const auto r = http_get("127.0.0.1", port, "/health", std::chrono::seconds(2));
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace imsbox::runtime
