// Http2Client against Http2Server on 127.0.0.1 with port 0, both on one
// io_context driven from the test thread with deadlines (no test can hang):
// routing, problem answers, limits, asynchronous answers, many streams, and
// peers that go away, time out, stop or speak garbage.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sbi/http2_client.h"
#include "sbi/http2_server.h"
#include "sbi/problem.h"

namespace imsbox::sbi {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class SbiLoopback : public ::testing::Test {
 protected:
  // Runs the loop until pred() holds or the timeout passes; returns pred().
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(10ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < deadline) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(5ms);
    }
  }
  // Calls fn after d, on the loop.
  void later(std::chrono::milliseconds d, std::function<void()> fn) {
    auto t = std::make_shared<asio::steady_timer>(io_, d);
    t->async_wait([t, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) fn();
    });
  }

  Http2Server& start_server(Http2ServerConfig config = {}) {
    server_ = std::make_unique<Http2Server>(io_, "127.0.0.1", 0, std::move(config), log_, metrics_);
    server_->route("GET", "/nhss-ims-uecm/v1/{imsUeId}/registrations", [](Request req, Responder respond) {
      json::object o;
      o["imsUeId"] = req.param("imsUeId");
      if (auto f = req.query_value("supported-features")) o["supportedFeatures"] = *f;
      o["queryCount"] = req.query.size();
      respond.send(json_response(200, o));
    });
    server_->route("PUT", "/nhss-ims-uecm/v1/{imsUeId}/registrations", [](Request req, Responder respond) {
      boost::system::error_code ec;
      auto body = json::parse(req.body, ec);
      if (ec || !body.is_object()) {
        respond.send(problem_response(400, cause::invalid_msg_format, "body is not a JSON object"));
        return;
      }
      body.as_object()["imsUeId"] = req.param("imsUeId");
      body.as_object()["contentType"] = req.header("content-type").value_or("");
      respond.send(json_response(201, body));
    });
    server_->route("POST", "/echo", [](Request req, Responder respond) {
      respond.send(Response{200, {{"content-type", "application/octet-stream"}}, std::move(req.body)});
    });
    server_->route("GET", "/big/{n}", [](Request req, Responder respond) {
      respond.send(Response{200, {}, std::string(std::stoul(std::string(req.param("n"))), 'x')});
    });
    server_->route("DELETE", "/nothing", [](Request, Responder respond) { respond.send(Response{204, {}, {}}); });
    server_->route("GET", "/throws", [](Request, Responder) -> void { throw std::runtime_error("boom"); });
    // Answers later: kept here until the test says so.
    server_->route("GET", "/held/{i}", [this](Request, Responder respond) { held_.push_back(respond); });
    server_->start();
    return *server_;
  }

  Http2Client& make_client(Http2ClientConfig config = {}) {
    client_ = std::make_unique<Http2Client>(io_, "127.0.0.1", server_->port(), std::move(config), log_, metrics_);
    return *client_;
  }

  ClientResult call(std::string method, std::string path, std::string body = {}, Headers headers = {},
                    std::chrono::milliseconds timeout = 5s) {
    std::optional<ClientResult> result;
    client_->request(std::move(method), std::move(path), std::move(headers), std::move(body), timeout,
                     [&](ClientResult r) { result = std::move(r); });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }, timeout + 5s));
    return result.value_or(ClientResult{ClientError::timeout, "test gave up", {}});
  }

  // A TCP peer that sends `bytes` once connected and collects what comes
  // back until the server closes the connection.
  struct RawPeer {
    explicit RawPeer(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::array<char, 4096> buffer{};
    std::string received;
    bool closed = false;
  };
  std::shared_ptr<RawPeer> raw_peer(std::string bytes) {
    auto peer = std::make_shared<RawPeer>(io_);
    auto data = std::make_shared<std::string>(std::move(bytes));
    peer->socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()),
                               [peer, data](boost::system::error_code ec) {
                                 if (ec) {
                                   peer->closed = true;
                                   return;
                                 }
                                 asio::async_write(peer->socket, asio::buffer(*data),
                                                   [data](boost::system::error_code, std::size_t) {});
                                 read_all(peer);
                               });
    return peer;
  }
  static void read_all(const std::shared_ptr<RawPeer>& peer) {
    peer->socket.async_read_some(asio::buffer(peer->buffer), [peer](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        peer->closed = true;
        return;
      }
      peer->received.append(peer->buffer.data(), n);
      read_all(peer);
    });
  }

  std::uint64_t counter(const std::string& name, runtime::Labels labels = {{"server", "sbi"}}) {
    return metrics_.counter(name, "", labels).value();
  }

  asio::io_context io_;
  runtime::SystemClock clock_;
  runtime::Logger log_{"test", runtime::LogLevel::error, {}, clock_};
  runtime::Metrics metrics_;
  std::vector<Responder> held_;
  std::unique_ptr<Http2Server> server_;
  std::unique_ptr<Http2Client> client_;
};

TEST_F(SbiLoopback, RoutesWithParamsAndQuery) {
  start_server();
  ASSERT_NE(server_->port(), 0);
  make_client();
  auto r = call("GET", "/nhss-ims-uecm/v1/sip%3Aalice%40ims.example.org/registrations?supported-features=3f&x=1");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.header("content-type"), "application/json");
  EXPECT_EQ(r.response.header("content-length"), std::to_string(r.response.body.size()));
  const auto v = json::parse(r.response.body);
  EXPECT_EQ(v.at("imsUeId").as_string(), "sip:alice@ims.example.org");
  EXPECT_EQ(v.at("supportedFeatures").as_string(), "3f");
  EXPECT_EQ(v.at("queryCount").to_number<std::uint64_t>(), 2u);

  r = call("PUT", "/nhss-ims-uecm/v1/bob/registrations", R"({"scscfName":"sip:scscf.ims.example.org"})",
           {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 201);
  const auto put = json::parse(r.response.body);
  EXPECT_EQ(put.at("scscfName").as_string(), "sip:scscf.ims.example.org");
  EXPECT_EQ(put.at("imsUeId").as_string(), "bob");
  EXPECT_EQ(put.at("contentType").as_string(), "application/json");

  r = call("PUT", "/nhss-ims-uecm/v1/bob/registrations", "not json", {{"content-type", "application/json"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(parse_problem(r.response.body)->cause, "INVALID_MSG_FORMAT");

  r = call("DELETE", "/nothing");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.response.status, 204);
  EXPECT_TRUE(r.response.body.empty());
  EXPECT_EQ(server_->connection_count(), 1u);  // all on one connection
  EXPECT_EQ(counter("sbi_server_responses_total", {{"server", "sbi"}, {"status", "200"}}), 1u);
}

TEST_F(SbiLoopback, NotFoundMethodNotAllowedAndBadPaths) {
  start_server();
  make_client();
  auto r = call("GET", "/nhss-ims-uecm/v1/alice/nope");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 404);
  EXPECT_EQ(r.response.header("content-type"), "application/problem+json");
  auto p = parse_problem(r.response.body);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 404);
  EXPECT_EQ(p->title, "Not Found");
  EXPECT_EQ(p->cause, "RESOURCE_URI_STRUCTURE_NOT_FOUND");
  EXPECT_NE(p->detail.find("/nhss-ims-uecm/v1/alice/nope"), std::string::npos);

  r = call("DELETE", "/nhss-ims-uecm/v1/alice/registrations");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.response.status, 405);
  EXPECT_EQ(r.response.header("allow"), "GET, PUT");
  EXPECT_EQ(parse_problem(r.response.body)->status, 405);

  r = call("GET", "/nhss-ims-uecm/v1/al%zzice/registrations");
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(parse_problem(r.response.body)->cause, "INVALID_MSG_FORMAT");
  r = call("GET", "/nhss-ims-uecm/v1/alice/registrations?a=%");
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(parse_problem(r.response.body)->cause, "INVALID_QUERY_PARAM");

  r = call("GET", "/throws");
  EXPECT_EQ(r.response.status, 500);
  EXPECT_EQ(parse_problem(r.response.body)->cause, "SYSTEM_FAILURE");
  EXPECT_EQ(counter("sbi_server_handler_errors_total"), 1u);
}

TEST_F(SbiLoopback, BodyAndHeaderLimits) {
  Http2ServerConfig config;
  config.max_request_body_bytes = 1000;
  config.max_header_list_bytes = 2048;
  start_server(config);
  make_client();
  auto r = call("POST", "/echo", std::string(1000, 'a'));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, std::string(1000, 'a'));

  r = call("POST", "/echo", std::string(1001, 'a'));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 413);
  EXPECT_EQ(r.response.header("content-type"), "application/problem+json");

  // over the flow-control window: answered early, the rest drained
  r = call("POST", "/echo", std::string(200'000, 'b'));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 413);
  // over the drain limit (1 MiB): answered, then the stream is reset
  // (NO_ERROR), without harm to the answer or the connection
  r = call("POST", "/echo", std::string(3'000'000, 'c'));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 413);

  r = call("POST", "/echo", "small", {{"x-big", std::string(3000, 'h')}});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 431);

  r = call("POST", "/echo", "still fine");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.body, "still fine");
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(SbiLoopback, AsynchronousAnswerAfterADelay) {
  start_server();
  server_->route("GET", "/slow", [this](Request, Responder respond) {
    later(100ms, [respond] { respond.send(Response{200, {}, "late"}); });
  });
  make_client();
  const auto start = std::chrono::steady_clock::now();
  const auto r = call("GET", "/slow");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.body, "late");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST_F(SbiLoopback, ManyConcurrentStreamsOnOneConnection) {
  Http2ServerConfig config;
  config.max_concurrent_streams = 50;
  start_server(config);
  int in_flight = 0;
  int max_in_flight = 0;
  server_->route("GET", "/work/{i}", [&](Request req, Responder respond) {
    max_in_flight = std::max(max_in_flight, ++in_flight);
    later(20ms, [&, respond, i = std::string(req.param("i"))] {
      --in_flight;
      respond.send(Response{200, {}, i});
    });
  });
  make_client();
  constexpr int kRequests = 300;
  int ok = 0;
  int done = 0;
  for (int i = 0; i < kRequests; ++i) {
    client_->request("GET", "/work/" + std::to_string(i), {}, {}, 10s, [&, i](ClientResult r) {
      ++done;
      if (r.ok() && r.response.status == 200 && r.response.body == std::to_string(i)) ++ok;
    });
  }
  EXPECT_EQ(client_->pending_count(), static_cast<std::size_t>(kRequests));
  ASSERT_TRUE(run_until([&] { return done == kRequests; }, 20s));
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(server_->connection_count(), 1u);
  EXPECT_LE(max_in_flight, 50);  // SETTINGS_MAX_CONCURRENT_STREAMS holds
  EXPECT_GT(max_in_flight, 1);   // and the streams really ran side by side
  EXPECT_EQ(client_->pending_count(), 0u);
}

TEST_F(SbiLoopback, ClientTimeoutAndLateAnswerToAResetStream) {
  start_server();
  make_client();
  auto r = call("GET", "/held/1", {}, {}, 100ms);
  EXPECT_EQ(r.error, ClientError::timeout);
  ASSERT_EQ(held_.size(), 1u);
  // the client's RST_STREAM reaches the server; the late answer is dropped
  run_for(100ms);
  held_[0].send(Response{200, {}, "too late"});
  EXPECT_FALSE(held_[0].pending());
  EXPECT_EQ(counter("sbi_server_responses_dropped_total"), 1u);
  // the connection carries on
  r = call("GET", "/nhss-ims-uecm/v1/x/registrations");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(counter("sbi_client_failures_total", {{"client", "sbi"}, {"reason", "timeout"}}), 1u);
}

TEST_F(SbiLoopback, TimeoutWhileQueuedBehindTheStreamLimit) {
  Http2ServerConfig config;
  config.max_concurrent_streams = 2;
  start_server(config);
  make_client();
  ASSERT_TRUE(call("GET", "/nhss-ims-uecm/v1/x/registrations").ok());  // SETTINGS known both ways
  std::vector<ClientResult> results;
  for (int i = 0; i < 2; ++i) {
    client_->request("GET", "/held/" + std::to_string(i), {}, {}, 5s,
                     [&](ClientResult r) { results.push_back(std::move(r)); });
  }
  ASSERT_TRUE(run_until([&] { return held_.size() == 2; }));
  // the third waits in the client for a free stream, and times out there
  auto r = call("GET", "/held/2", {}, {}, 100ms);
  EXPECT_EQ(r.error, ClientError::timeout);
  EXPECT_EQ(held_.size(), 2u);
  for (auto& h : held_) h.send(Response{200, {}, "ok"});
  ASSERT_TRUE(run_until([&] { return results.size() == 2; }));
  EXPECT_TRUE(results[0].ok() && results[1].ok());
  run_for(50ms);
  EXPECT_EQ(held_.size(), 2u);  // the cancelled request never reached the server
  r = call("GET", "/nhss-ims-uecm/v1/x/registrations");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(client_->pending_count(), 0u);
}

TEST_F(SbiLoopback, AnswerAfterTheClientWentAway) {
  start_server();
  make_client();
  bool called = false;
  client_->request("GET", "/held/1", {}, {}, 5s, [&](ClientResult) { called = true; });
  ASSERT_TRUE(run_until([&] { return held_.size() == 1; }));
  client_.reset();  // closes the connection; no callback any more
  ASSERT_TRUE(run_until([&] { return server_->connection_count() == 0; }));
  held_[0].send(Response{200, {}, "nobody listens"});  // dropped, no crash
  run_for(50ms);
  EXPECT_FALSE(called);
  // and the server serves the next client
  make_client();
  const auto r = call("GET", "/nhss-ims-uecm/v1/x/registrations");
  ASSERT_TRUE(r.ok()) << r.message;
}

TEST_F(SbiLoopback, ServerStopWithRequestsPending) {
  start_server();
  make_client();
  std::vector<ClientResult> results;
  for (int i = 0; i < 5; ++i) {
    client_->request("GET", "/held/" + std::to_string(i), {}, {}, 5s,
                     [&](ClientResult r) { results.push_back(std::move(r)); });
  }
  ASSERT_TRUE(run_until([&] { return held_.size() == 5; }));
  server_->stop();
  ASSERT_TRUE(run_until([&] { return results.size() == 5; }));
  for (const auto& r : results) {
    EXPECT_EQ(r.error, ClientError::connection_lost) << r.message;
  }
  EXPECT_TRUE(run_until([&] { return server_->connection_count() == 0; }));
  for (auto& h : held_) h.send(Response{200, {}, "after stop"});  // dropped
  // nothing listens any more: the next request cannot connect
  const auto r = call("GET", "/nhss-ims-uecm/v1/x/registrations");
  EXPECT_EQ(r.error, ClientError::connect_failed) << r.message;
  // destroying a stopped server with its handlers' Responders still around is fine
  server_.reset();
  for (auto& h : held_) h.send(Response{200, {}, "after destruction"});
}

TEST_F(SbiLoopback, ClientStopFailsPendingRequests) {
  start_server();
  make_client();
  std::vector<ClientResult> results;
  for (int i = 0; i < 3; ++i) {
    client_->request("GET", "/held/" + std::to_string(i), {}, {}, 5s,
                     [&](ClientResult r) { results.push_back(std::move(r)); });
  }
  ASSERT_TRUE(run_until([&] { return held_.size() == 3; }));
  client_->stop();
  EXPECT_TRUE(results.empty());  // callbacks run later, on the loop
  ASSERT_TRUE(run_until([&] { return results.size() == 3; }));
  for (const auto& r : results) EXPECT_EQ(r.error, ClientError::stopped);
  const auto r = call("GET", "/nhss-ims-uecm/v1/x/registrations");
  EXPECT_EQ(r.error, ClientError::stopped);
  EXPECT_TRUE(run_until([&] { return server_->connection_count() == 0; }));  // GOAWAY, then closed
}

TEST_F(SbiLoopback, ReconnectsAfterTheConnectionDropped) {
  Http2ServerConfig config;
  config.idle_timeout = 150ms;
  start_server(config);
  make_client();
  auto r = call("GET", "/nhss-ims-uecm/v1/x/registrations");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_TRUE(client_->connected());
  // the server closes the idle connection (GOAWAY); the next request reconnects
  ASSERT_TRUE(run_until([&] { return server_->connection_count() == 0 && !client_->connected(); }));
  r = call("GET", "/nhss-ims-uecm/v1/y/registrations");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(json::parse(r.response.body).at("imsUeId").as_string(), "y");
  EXPECT_EQ(counter("sbi_client_connects_total", {{"client", "sbi"}}), 2u);
}

TEST_F(SbiLoopback, ConnectFailureAndInvalidRequests) {
  start_server();
  const auto port = server_->port();
  server_.reset();  // nothing listens on `port` now
  client_ = std::make_unique<Http2Client>(io_, "127.0.0.1", port, Http2ClientConfig{}, log_, metrics_);
  auto r = call("GET", "/x");
  EXPECT_EQ(r.error, ClientError::connect_failed) << r.message;
  r = call("GET", "no-slash");
  EXPECT_EQ(r.error, ClientError::invalid_request);
  r = call("BAD METHOD", "/x");
  EXPECT_EQ(r.error, ClientError::invalid_request);
}

TEST_F(SbiLoopback, ResponseLimitsOnTheClient) {
  start_server();
  Http2ClientConfig config;
  config.max_response_body_bytes = 1000;
  config.max_pending_requests = 2;
  make_client(config);
  auto r = call("GET", "/big/1000");
  ASSERT_TRUE(r.ok()) << r.message;
  r = call("GET", "/big/5000");
  EXPECT_EQ(r.error, ClientError::response_too_large) << r.message;
  // max_pending_requests: the third waiting request fails at once
  std::vector<ClientResult> results;
  for (int i = 0; i < 3; ++i) {
    client_->request("GET", "/held/" + std::to_string(i), {}, {}, 5s,
                     [&](ClientResult res) { results.push_back(std::move(res)); });
  }
  ASSERT_TRUE(run_until([&] { return results.size() == 1; }));
  EXPECT_EQ(results[0].error, ClientError::too_many_pending);
  ASSERT_TRUE(run_until([&] { return held_.size() == 2; }));
  for (auto& h : held_) h.send(Response{200, {}, "ok"});
  ASSERT_TRUE(run_until([&] { return results.size() == 3; }));
  EXPECT_TRUE(results[1].ok());
  EXPECT_TRUE(results[2].ok());
  r = call("GET", "/big/10");
  ASSERT_TRUE(r.ok()) << r.message;  // the connection survived all that
}

TEST_F(SbiLoopback, MaxConnections) {
  Http2ServerConfig config;
  config.max_connections = 1;
  start_server(config);
  make_client();
  ASSERT_TRUE(call("GET", "/nhss-ims-uecm/v1/x/registrations").ok());
  Http2Client second(io_, "127.0.0.1", server_->port(), Http2ClientConfig{}, log_, metrics_);
  std::optional<ClientResult> r;
  second.request("GET", "/nhss-ims-uecm/v1/x/registrations", {}, {}, 5s, [&](ClientResult res) { r = res; });
  ASSERT_TRUE(run_until([&] { return r.has_value(); }));
  EXPECT_EQ(r->error, ClientError::connection_lost) << r->message;
  EXPECT_EQ(counter("sbi_server_connections_refused_total"), 1u);
  EXPECT_TRUE(call("GET", "/nhss-ims-uecm/v1/x/registrations").ok());  // the first one carries on
}

// Walks the HTTP/2 frames the server sent (no preface on its side) and
// returns their types.
std::vector<int> frame_types(const std::string& bytes) {
  std::vector<int> types;
  std::size_t at = 0;
  while (at + 9 <= bytes.size()) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(bytes[at + i]); };
    const std::size_t length = (b(0) << 16) | (b(1) << 8) | b(2);
    types.push_back(b(3));
    at += 9 + length;
  }
  return types;
}

TEST_F(SbiLoopback, GarbagePrefaceGetsGoawayAndTheServerCarriesOn) {
  start_server();
  make_client();
  ASSERT_TRUE(call("GET", "/nhss-ims-uecm/v1/x/registrations").ok());

  const auto peer = raw_peer("GET /nhss-ims-uecm/v1/x/registrations HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return peer->closed; }));
  const auto types = frame_types(peer->received);
  EXPECT_NE(std::find(types.begin(), types.end(), 0x7), types.end()) << "no GOAWAY among " << types.size() << " frames";
  EXPECT_EQ(counter("sbi_server_protocol_errors_total"), 1u);

  // the other connection and new ones are served as before
  EXPECT_TRUE(call("GET", "/nhss-ims-uecm/v1/x/registrations").ok());
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(SbiLoopback, RandomFramesNeverTakeTheServerDown) {
  Http2ServerConfig config;
  config.idle_timeout = 300ms;  // closes the few that happen to be harmless
  start_server(config);
  make_client();
  ASSERT_TRUE(call("GET", "/nhss-ims-uecm/v1/x/registrations").ok());
  std::mt19937 rng(20251123);
  const auto byte = [&] { return static_cast<char>(rng() & 0xff); };
  const auto frame = [&](int type, int flags, std::uint32_t stream, std::size_t length) {
    std::string f{static_cast<char>(length >> 16), static_cast<char>(length >> 8), static_cast<char>(length),
                  static_cast<char>(type), static_cast<char>(flags), static_cast<char>(stream >> 24),
                  static_cast<char>(stream >> 16), static_cast<char>(stream >> 8), static_cast<char>(stream)};
    for (std::size_t i = 0; i < length; ++i) f += byte();
    return f;
  };
  const std::string preface = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + frame(0x4, 0, 0, 0);
  const std::uint32_t streams[] = {0, 1, 3, 0x7fffffff};
  std::vector<std::shared_ptr<RawPeer>> peers;
  for (int i = 0; i < 60; ++i) {
    std::string bytes = preface;
    if (i % 2 == 0) {
      for (std::size_t n = 1 + rng() % 300; n > 0; --n) bytes += byte();
    } else {
      for (int k = 0; k < 5; ++k) bytes += frame(rng() % 10, rng() & 0xff, streams[rng() % 4], rng() % 40);
    }
    peers.push_back(raw_peer(bytes));
  }
  ASSERT_TRUE(run_until(
      [&] { return std::all_of(peers.begin(), peers.end(), [](const auto& p) { return p->closed; }); }, 10s));
  EXPECT_GT(counter("sbi_server_protocol_errors_total"), 30u);
  // the well-behaved client keeps being served (on a new connection if the
  // idle timeout took its old one)
  const auto r = call("GET", "/nhss-ims-uecm/v1/z/registrations");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 200);
}

TEST_F(SbiLoopback, BindFailureNamesTheAddress) {
  start_server();
  Http2Server second(io_, "127.0.0.1", server_->port(), Http2ServerConfig{}, log_, metrics_);
  try {
    second.start();
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Http2Server(io_, "not-an-address", 0, Http2ServerConfig{}, log_, metrics_), std::runtime_error);
}

}  // namespace
}  // namespace imsbox::sbi
