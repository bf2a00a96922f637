// The ng control socket on loopback: a UDP client talks to NgServer on one
// io_context, as Kamailio's rtpengine module would.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "agw/ng/ng_server.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "unit/file_text.h"

namespace imsbox::agw::ng {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

class NgServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = std::filesystem::path(::testing::TempDir()) /
                ("ng_server_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".log");
    std::filesystem::remove(log_path_);
    log_ = std::make_unique<runtime::Logger>("agw", runtime::LogLevel::debug, log_path_, clock_);
    client_.open(udp::v4());
    client_.bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  }

  void start(NgServer::Handler handler, NgServer::Options options = {}) {
    options.port = 0;
    server_ = std::make_unique<NgServer>(io_, options, std::move(handler), *log_, metrics_, clock_);
    server_->start();
    to_ = udp::endpoint(asio::ip::make_address("127.0.0.1"), server_->local_port());
  }

  void send(const std::string& datagram) { client_.send_to(asio::buffer(datagram), to_); }

  // The next datagram the client receives, running the loop meanwhile; empty after `wait`.
  std::optional<std::string> receive(std::chrono::milliseconds wait = 2000ms) {
    std::optional<std::string> got;
    std::array<char, 65536> buf{};
    udp::endpoint from;
    bool done = false;
    client_.async_receive_from(asio::buffer(buf), from, [&](const boost::system::error_code& ec, std::size_t n) {
      done = true;
      if (!ec) got = std::string(buf.data(), n);
    });
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!done && std::chrono::steady_clock::now() < until) {
      io_.restart();
      io_.run_one_for(20ms);
    }
    if (!done) {
      client_.cancel();
      while (!done) {
        io_.restart();
        io_.run_one_for(20ms);
      }
    }
    return got;
  }

  std::string exchange(const std::string& datagram) {
    send(datagram);
    auto r = receive();
    EXPECT_TRUE(r) << "no reply to " << datagram;
    return r.value_or("");
  }

  std::string log_text() const { return imsbox::testing::file_text(log_path_); }

  runtime::ManualClock clock_;
  runtime::Metrics metrics_;
  std::filesystem::path log_path_;
  std::unique_ptr<runtime::Logger> log_;
  asio::io_context io_;
  udp::socket client_{io_};
  udp::endpoint to_;
  std::unique_ptr<NgServer> server_;
};

NgServer::Handler pong_or_error(int* calls = nullptr) {
  return NgServer::synchronous([calls](const NgRequest& r) {
    if (calls) ++*calls;
    if (r.command == Command::ping) return NgReply::pong();
    return NgReply::error("not implemented yet");
  });
}

TEST_F(NgServerTest, PingPongAsInRtpenginesDocs) {
  start(pong_or_error());
  EXPECT_EQ(exchange("5323_1 d7:command4:pinge"), "5323_1 d6:result4:ponge");
  EXPECT_NE(log_text().find("ng: ping from 127.0.0.1:"), std::string::npos) << log_text();
}

TEST_F(NgServerTest, JsonRequestGetsAJsonReply) {
  std::optional<NgRequest> seen;
  start(NgServer::synchronous([&](const NgRequest& r) {
    seen = r;
    return NgReply::with_sdp("v=0\r\n");
  }));
  EXPECT_EQ(exchange(R"(k9 {"command": "offer", "call-id": "c1", "from-tag": "f1", "sdp": "v=0\r\n"})"),
            R"(k9 {"result":"ok","sdp":"v=0\r\n"})");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->call_id, "c1");
}

TEST_F(NgServerTest, MalformedMessagesGetAnErrorAndALogLineNeverTheHandler) {
  int calls = 0;
  start(pong_or_error(&calls));
  struct Case {
    std::string datagram, reply_prefix, reason;
  };
  const std::vector<Case> cases{
      {"garbage", " d6:result5:error12:error-reason", "no cookie"},
      {"c1 d7:command4:ping", "c1 d6:result5:error", "truncated"},
      {"c2 xyz", "c2 d6:result5:error", "Invalid NG data format"},
      {"c3 d4:callli1eee", "c3 d6:result5:error", "Dictionary contains no key \"command\""},
      {"c4 d7:commandi1ee", "c4 d6:result5:error", "expected a string, got integer"},
      {"c5 d7:command5:offer7:call-idli1eee", "c5 d6:result5:error", "'call-id': expected a string"},
      {"c6 d7:command4:pinge trailing", "c6 d6:result5:error", "trailing bytes"},
      {"c7 d1:a" + std::string(40, 'l') + std::string(40, 'e') + "e", "c7 d6:result5:error", "nested deeper"},
      {"c8 {\"command\": \"ping\"", "c8 {\"result\":\"error\"", "JSON"},
      {"c9 d7:command12:stop forwarde", "c9 d6:result5:error", "Unrecognized command 'stop forward'"},
      {"c10 ", "c10 d6:result5:error", "no payload"},
  };
  for (const auto& c : cases) {
    const auto reply = exchange(c.datagram);
    EXPECT_EQ(reply.rfind(c.reply_prefix, 0), 0u) << c.datagram << " -> " << reply;
    EXPECT_NE(reply.find(c.reason), std::string::npos) << c.datagram << " -> " << reply;
    EXPECT_NE(log_text().find(c.reason), std::string::npos) << c.reason;
  }
  EXPECT_EQ(calls, 0);
  EXPECT_NE(metrics_.render().find("agw_ng_malformed_total " + std::to_string(cases.size())), std::string::npos)
      << metrics_.render();
  // and the server still answers
  EXPECT_EQ(exchange("ok d7:command4:pinge"), "ok d6:result4:ponge");
}

TEST_F(NgServerTest, TooLongIsRefused) {
  start(pong_or_error());
  const std::string big = "big d7:command4:ping3:pad65100:" + std::string(65100, 'x') + "e";
  const auto reply = exchange(big);
  EXPECT_NE(reply.find("more than 65000"), std::string::npos) << reply;
}

TEST_F(NgServerTest, AResentCookieGetsTheCachedReplyWithoutRunningAgain) {
  int calls = 0;
  start(NgServer::synchronous([&](const NgRequest&) {
    ++calls;
    return NgReply::with_sdp("answer " + std::to_string(calls));
  }));
  const std::string offer = R"(abc {"command": "offer", "call-id": "c", "from-tag": "f", "sdp": "v=0"})";
  const auto first = exchange(offer);
  EXPECT_EQ(first, R"(abc {"result":"ok","sdp":"answer 1"})");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(exchange(offer), first);
  // a retry through another socket of the client too (the cookie is the key, as in rtpengine)
  udp::socket other(io_);
  other.open(udp::v4());
  other.send_to(asio::buffer(offer), to_);
  std::swap(client_, other);
  EXPECT_EQ(receive(), first);
  std::swap(client_, other);
  EXPECT_EQ(calls, 1);
  EXPECT_NE(log_text().find("ng: cookie abc from 127.0.0.1:"), std::string::npos);
  // a new cookie runs
  EXPECT_EQ(exchange(R"(abd {"command": "offer", "call-id": "c", "from-tag": "f", "sdp": "v=0"})"),
            R"(abd {"result":"ok","sdp":"answer 2"})");
  // a resent malformed message gets its error again
  const auto bad = exchange("bad d1:xe");
  EXPECT_EQ(exchange("bad d1:xe"), bad);
}

TEST_F(NgServerTest, AsynchronousReplyFromAnotherThread) {
  std::vector<std::thread> workers;
  int calls = 0;
  start([&](NgRequest request, NgServer::Responder respond) {
    ++calls;
    workers.emplace_back([request = std::move(request), respond] {
      std::this_thread::sleep_for(100ms);
      respond(NgReply::with_sdp("for " + request.call_id));
    });
  });
  const std::string offer = "w1 d7:command5:offer7:call-id2:c73:sdp3:v=08:from-tag1:fe";
  send(offer);
  send(offer);  // resent while the worker runs: no second run, no second reply
  EXPECT_EQ(receive(), "w1 d6:result2:ok3:sdp6:for c7e");
  EXPECT_FALSE(receive(300ms));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(exchange(offer), "w1 d6:result2:ok3:sdp6:for c7e");  // after: the cached reply
  for (auto& w : workers) w.join();
}

TEST_F(NgServerTest, AResponderDroppedWithoutAReplyAnswersAnError) {
  start([](NgRequest, NgServer::Responder) {});
  const auto reply = exchange("lost d7:command4:pinge");
  EXPECT_EQ(reply, "lost d6:result5:error12:error-reason49:internal error: the command ended without a replye");
}

TEST_F(NgServerTest, APortInUseIsAnError) {
  start(pong_or_error());
  NgServer::Options options;
  options.port = server_->local_port();
  NgServer second(io_, options, pong_or_error(), *log_, metrics_, clock_);
  try {
    second.start();
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(options.port)), std::string::npos) << e.what();
  }
}

TEST_F(NgServerTest, RepliesAfterStopAreDropped) {
  std::optional<NgServer::Responder> kept;
  start([&](NgRequest, NgServer::Responder respond) { kept = respond; });
  send("late d7:command4:pinge");
  EXPECT_FALSE(receive(200ms));
  server_->stop();
  server_.reset();
  (*kept)(NgReply::pong());
  io_.restart();
  io_.run_for(50ms);
  kept.reset();  // no crash, nothing sent
  io_.restart();
  io_.run_for(50ms);
}

}  // namespace
}  // namespace imsbox::agw::ng
