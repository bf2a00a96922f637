#include "runtime/http_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "runtime/clock.h"
#include "runtime/log.h"

namespace imsbox::runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

// Echoes what the handler saw, so the test thread need not share state with the loop.
HttpResponse echo(const HttpRequest& r) {
  if (r.path == "/throw") throw std::runtime_error("boom");
  if (r.path == "/bad-status") return HttpResponse{42, "text/plain", "x", {}};
  if (r.path == "/no-content") return HttpResponse{204, "text/plain", "dropped", {}};
  HttpResponse res;
  res.body = "method=" + r.method + "\npath=" + r.path + "\nquery=" + r.query + "\n";
  for (const auto& s : r.segments) res.body += "segment=" + s + "\n";
  res.body += "x-test=" + std::string(r.header("x-TEST").value_or("-")) + "\n";
  res.body += "body=" + r.body + "\n";
  res.headers.emplace_back("X-Echo", "yes");
  res.headers.emplace_back("X-Evil", "a\r\nInjected: 1");
  return res;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}, HttpServer::Handler handler = echo) {
    server_.emplace(io_, "127.0.0.1", 0, std::move(handler), log_, std::move(options));
    server_->start();
    port_ = server_->port();
    loop_ = std::thread([this] { io_.run(); });
  }

  // Stops the server on its loop; the loop must then run dry.
  void stop() {
    if (!loop_.joinable()) return;
    asio::post(io_, [this] { server_->stop(); });
    loop_.join();
  }

  ~HttpServerTest() override { stop(); }

  struct Client {
    explicit Client(std::uint16_t port) : socket(io) {
      socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
      timeval tv{5, 0};  // no test hangs on a server that never answers
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    void send(std::string_view bytes) { asio::write(socket, asio::buffer(bytes)); }
    Response read(bool head = false) {
      http::response_parser<http::string_body> parser;
      parser.skip(head);
      parser.body_limit(16 * 1024 * 1024);
      http::read(socket, buffer, parser);
      return parser.release();
    }
    // True when the server closed the connection (EOF or reset) with nothing more to read.
    bool closed() {
      if (buffer.size() > 0) return false;
      char c;
      boost::system::error_code ec;
      socket.read_some(asio::buffer(&c, 1), ec);
      return ec == asio::error::eof || ec == asio::error::connection_reset;
    }
    asio::io_context io;
    tcp::socket socket;
    beast::flat_buffer buffer;
  };

  // The status of a GET on a new connection; 0 when it was closed instead.
  static int try_get(std::uint16_t port, std::string_view target) {
    try {
      Client c(port);
      c.send(get(target));
      return static_cast<int>(c.read().result_int());
    } catch (const boost::system::system_error&) {
      return 0;
    }
  }

  static std::string get(std::string_view target, std::string_view extra = {}) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
  }

  SystemClock clock_;
  Logger log_{"test", LogLevel::error, {}, clock_};
  asio::io_context io_;
  std::optional<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread loop_;
};

TEST_F(HttpServerTest, PassesDecodedSegmentsQueryHeadersAndBody) {
  start();
  Client c(port_);
  c.send("POST /v1/subscribers/sip%3Aalice%40example.org/a%2Fb?x=%41&y HTTP/1.1\r\nHost: t\r\n"
         "X-Test: hello\r\nContent-Length: 5\r\n\r\n{\"a\"}");
  const auto r = c.read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(),
            "method=POST\npath=/v1/subscribers/sip%3Aalice%40example.org/a%2Fb\nquery=x=%41&y\n"
            "segment=v1\nsegment=subscribers\nsegment=sip:alice@example.org\nsegment=a/b\n"
            "x-test=hello\nbody={\"a\"}\n");
  EXPECT_EQ(r[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(r[http::field::server], "imsbox");
  EXPECT_EQ(r["X-Echo"], "yes");
  // a header field with CR/LF in it is dropped, never sent
  EXPECT_EQ(r.count("X-Evil"), 0u);
  EXPECT_EQ(r.count("Injected"), 0u);
}

TEST_F(HttpServerTest, KeepsConnectionsAliveAndAnswersPipelinedRequestsInOrder) {
  start();
  Client c(port_);
  c.send(get("/one"));
  auto r = c.read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_TRUE(r.keep_alive());
  c.send(get("/two"));
  EXPECT_NE(c.read().body().find("path=/two"), std::string::npos);
  // two requests in one write
  c.send(get("/three") + get("/four"));
  EXPECT_NE(c.read().body().find("path=/three"), std::string::npos);
  EXPECT_NE(c.read().body().find("path=/four"), std::string::npos);
  // Connection: close is honoured
  c.send(get("/five", "Connection: close\r\n"));
  r = c.read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  start();
  Client c(port_);
  c.send("GET /a HTTP/1.0\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 200);
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerTest, MaxRequestsPerConnectionThenClose) {
  HttpServerOptions o;
  o.max_requests_per_connection = 2;
  start(o);
  Client c(port_);
  c.send(get("/1"));
  EXPECT_TRUE(c.read().keep_alive());
  c.send(get("/2"));
  EXPECT_FALSE(c.read().keep_alive());
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerTest, OneRequestPerConnectionWhenKeepAliveIsOff) {
  HttpServerOptions o;
  o.keep_alive = false;
  start(o);
  Client c(port_);
  c.send(get("/1"));
  EXPECT_FALSE(c.read().keep_alive());
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndCloses) {
  HttpServerOptions o;
  o.body_limit = 1024;
  start(o);
  {
    // refused on the declared length, before the body
    Client c(port_);
    c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'a'));
    const auto r = c.read();
    EXPECT_EQ(r.result_int(), 413);
    EXPECT_FALSE(r.keep_alive());
    EXPECT_TRUE(c.closed());
  }
  {
    // chunked: refused once the chunks add up to more
    Client c(port_);
    c.send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + std::string(1024, 'a') +
           "\r\n10\r\n" + std::string(16, 'b') + "\r\n0\r\n\r\n");
    EXPECT_EQ(c.read().result_int(), 413);
    EXPECT_TRUE(c.closed());
  }
  {
    // at the limit is fine
    Client c(port_);
    c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'a'));
    EXPECT_EQ(c.read().result_int(), 200);
  }
}

TEST_F(HttpServerTest, DefaultLimitsAre8KiBHeaderAnd1MiBBody) {
  start();
  Client c(port_);
  c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(1024 * 1024 + 1) + "\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 413);
  Client d(port_);
  d.send(get("/x", "X-Big: " + std::string(9 * 1024, 'h') + "\r\n"));
  EXPECT_EQ(d.read().result_int(), 431);
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431AndCloses) {
  HttpServerOptions o;
  o.header_limit = 1024;
  start(o);
  Client c(port_);
  c.send(get("/x", "X-Big: " + std::string(2000, 'h') + "\r\n"));
  const auto r = c.read();
  EXPECT_EQ(r.result_int(), 431);
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerTest, MalformedRequestsAre400AndClose) {
  start();
  for (const std::string_view bad : {"NOT HTTP AT ALL\r\n\r\n", "GET /x HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
                                "GET /x HTTP/9.9\r\n\r\n", "GET /x HTTP/1.1\r\nBad Header: x\r\n\r\n"}) {
    Client c(port_);
    c.send(bad);
    const auto r = c.read();
    EXPECT_EQ(r.result_int(), 400) << bad;
    EXPECT_TRUE(c.closed()) << bad;
  }
}

TEST_F(HttpServerTest, BadTargetsAre400AndTheConnectionStaysUsable) {
  start();
  Client c(port_);
  c.send(get("/a%zz"));
  EXPECT_EQ(c.read().result_int(), 400);
  c.send(get("/a%4"));
  EXPECT_EQ(c.read().result_int(), 400);
  c.send(get("http://example.org/x"));
  EXPECT_EQ(c.read().result_int(), 400);
  c.send(get("/ok"));
  EXPECT_EQ(c.read().result_int(), 200);
}

TEST_F(HttpServerTest, ReadTimeoutClosesWithoutAnAnswer) {
  HttpServerOptions o;
  o.read_timeout = std::chrono::milliseconds(200);
  start(o);
  {
    // half a request
    Client c(port_);
    const auto t0 = std::chrono::steady_clock::now();
    c.send("GET /x HTTP/1.1\r\nHost:");
    EXPECT_TRUE(c.closed());
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
  }
  {
    // an idle kept-alive connection
    Client c(port_);
    c.send(get("/x"));
    EXPECT_EQ(c.read().result_int(), 200);
    EXPECT_TRUE(c.closed());
  }
}

TEST_F(HttpServerTest, ConnectionsBeyondTheMaximumAreClosed) {
  HttpServerOptions o;
  o.max_connections = 2;
  start(o);
  Client a(port_), b(port_);
  // both accepted and served (so both count)
  a.send(get("/a"));
  EXPECT_EQ(a.read().result_int(), 200);
  b.send(get("/b"));
  EXPECT_EQ(b.read().result_int(), 200);
  Client c(port_);
  EXPECT_TRUE(c.closed());
  // once one goes, a new one is served again
  a.socket.close();
  int status = 0;
  for (int i = 0; i < 200 && status == 0; ++i) {
    status = try_get(port_, "/d");
    if (status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionsAndBadStatusesBecome500) {
  start();
  Client c(port_);
  c.send(get("/throw"));
  auto r = c.read();
  EXPECT_EQ(r.result_int(), 500);
  EXPECT_TRUE(r.keep_alive());
  c.send(get("/bad-status"));
  EXPECT_EQ(c.read().result_int(), 500);
  c.send(get("/no-content"));
  r = c.read();
  EXPECT_EQ(r.result_int(), 204);
  EXPECT_EQ(r.body(), "");
  c.send(get("/still-here"));
  EXPECT_EQ(c.read().result_int(), 200);
}

TEST_F(HttpServerTest, HeadSendsTheLengthButNoBody) {
  start();
  Client c(port_);
  c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r = c.read(/*head=*/true);
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_GT(std::stoul(std::string(r[http::field::content_length])), 0u);
  EXPECT_EQ(r.body(), "");
  // nothing else came: the next response is the next request's
  c.send(get("/next"));
  EXPECT_NE(c.read().body().find("path=/next"), std::string::npos);
}

TEST_F(HttpServerTest, Expect100ContinueIsAnswered) {
  start();
  Client c(port_);
  c.send("PUT /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  const auto interim = c.read();
  EXPECT_EQ(interim.result_int(), 100);
  c.send("abcd");
  const auto r = c.read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_NE(r.body().find("body=abcd"), std::string::npos);
}

TEST_F(HttpServerTest, StopClosesOpenConnectionsAndTheLoopRunsDry) {
  start();
  Client c(port_);
  c.send(get("/x"));
  EXPECT_EQ(c.read().result_int(), 200);
  Client idle(port_);  // accepted, nothing sent
  stop();              // returns only when io.run() returned
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(idle.closed());
  // nothing listens any more
  asio::io_context cio;
  tcp::socket late(cio);
  boost::system::error_code ec;
  late.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  EXPECT_TRUE(ec) << "still accepting after stop()";
}

TEST_F(HttpServerTest, PortInUseThrowsNamingTheAddress) {
  start();
  HttpServer second(io_, "127.0.0.1", port_, echo, log_);
  try {
    second.start();
    ADD_FAILURE() << "a second server bound the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(port_)), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(HttpServer(io_, "localhost", 0, echo, log_), std::invalid_argument);
}

TEST(HttpServerPercent, DecodesAndEncodesSegments) {
  EXPECT_EQ(percent_decode("sip%3Aalice%40example.org"), "sip:alice@example.org");
  EXPECT_EQ(percent_decode("a+b%2f%2F"), "a+b//");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%g0"));
  EXPECT_EQ(percent_encode_segment("sip:alice@example.org"), "sip:alice@example.org");
  EXPECT_EQ(percent_encode_segment("tel:+1 555/0?#%"), "tel:+1%20555%2F0%3F%23%25");
  const std::string all = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s += static_cast<char>(c);
    return s;
  }();
  EXPECT_EQ(percent_decode(percent_encode_segment(all)), all);
}

}  // namespace
}  // namespace imsbox::runtime
