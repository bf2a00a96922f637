#pragma once
// What the transport tests share: a loop driven from the test thread with a
// deadline (no test can hang), SIP messages to send, and test clients as
// Asio coroutines on the same io_context as the layer under test.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/message.h"
#include "sip/peer.h"
#include "sip/transport/transport_layer.h"

namespace imsbox::sip::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Runs the loop until pred() holds or the timeout passes; returns pred().
inline bool run_until(asio::io_context& io, const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

// Runs the loop for a while whatever happens (to show that nothing does).
inline void run_for(asio::io_context& io, std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(5ms);
  }
}

// A coroutine's end: done, and what it threw.
struct Task {
  bool done = false;
  std::string error;
};

template <typename F>
std::shared_ptr<Task> spawn(asio::io_context& io, F&& coroutine) {
  auto task = std::make_shared<Task>();
  asio::co_spawn(io, std::forward<F>(coroutine), [task](std::exception_ptr e) {
    task->done = true;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        task->error = ex.what();
      }
    }
  });
  return task;
}

inline std::string sip_request(std::string_view via, std::string_view call_id = "call-1",
                               std::string_view method = "OPTIONS", std::string_view body = {}) {
  std::string m(method);
  m += " sip:bob@example.com SIP/2.0\r\nVia: ";
  m += via;
  m += "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: ";
  m += call_id;
  m += "\r\nCSeq: 1 ";
  m += method;
  m += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  m += body;
  return m;
}

inline std::string sip_response(std::string_view via, int status = 200, std::string_view call_id = "call-1") {
  std::string m = "SIP/2.0 " + std::to_string(status) + " OK\r\nVia: ";
  m += via;
  m += "\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\nCall-ID: ";
  m += call_id;
  m += "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  return m;
}

// IMSBOX_TEST_LOG=debug shows the layer's log lines on stderr.
inline runtime::LogLevel log_level() {
  const char* env = std::getenv("IMSBOX_TEST_LOG");
  return env ? runtime::parse_log_level(env).value_or(runtime::LogLevel::error) : runtime::LogLevel::error;
}

// A Via parameter's value; "<absent>" when the Via has no such parameter.
inline std::string via_param(const Via& via, std::string_view name) {
  const Param* p = find_param(via.params, name);
  return p ? std::string(p->value) : std::string("<absent>");
}

struct Received {
  Message message;
  Peer source;
};

// One layer under test with its logger, metrics and what it received.
class LayerHarness {
 public:
  LayerHarness(asio::io_context& io, TransportConfig config)
      : log_("transport-test", log_level(), {}, clock_),
        layer_(io, std::move(config), log_, metrics_, [this](Message&& m, const Peer& p) {
          received.push_back(Received{std::move(m), p});
        }) {
    layer_.on_connection_closed([this](const Peer& p) { closed.push_back(p); });
  }

  TransportLayer& layer() { return layer_; }
  runtime::Metrics& metrics() { return metrics_; }
  std::uint16_t port(Transport t) const { return layer_.local_endpoint(t).value().port; }

  std::uint64_t counter(std::string_view name, const runtime::Labels& labels) {
    return metrics_.counter(name, "", labels).value();
  }
  double gauge(std::string_view name, const runtime::Labels& labels) {
    return metrics_.gauge(name, "", labels).value();
  }
  std::uint64_t dropped(std::string transport, std::string reason) {
    return counter("sip_messages_dropped_total", {{"transport", std::move(transport)}, {"reason", std::move(reason)}});
  }

  std::vector<Received> received;
  std::vector<Peer> closed;

 private:
  runtime::SystemClock clock_;
  runtime::Logger log_;
  runtime::Metrics metrics_;
  TransportLayer layer_;
};

inline TransportConfig config_with(std::vector<TransportListener> listeners) {
  TransportConfig c;
  c.listeners = std::move(listeners);
  return c;
}

}  // namespace imsbox::sip::test
