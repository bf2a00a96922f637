// The P-CSCF's ng client: with a fake wire on a manual clock, and over real
// UDP against the AGW's own ng server (agw/ng/ng_server.h) on loopback.
#include "pcscf/ng_client.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "agw/ng/ng_server.h"
#include "agw/ng/reply.h"
#include "agw/ng/request.h"
#include "pcscf/ng_commands.h"
#include "pcscf/ng_socket.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "unit/file_text.h"
#include "unit/proxy_fakes.h"

namespace imsbox::pcscf {
namespace {

using namespace std::chrono_literals;

class NgClientTest : public ::testing::Test {
 protected:
  NgClientTest() : log_path_(test::test_log_path("ng_client_test")), timers_(clock_) {
    std::remove(log_path_.c_str());
    log_ = std::make_unique<runtime::Logger>("pcscf", runtime::LogLevel::debug, log_path_, clock_);
    NgClientOptions o;
    o.peer = "127.0.0.1:2223";
    client_ = std::make_unique<NgClient>(
        o,
        [this](std::string_view d) {
          sent_.emplace_back(d);
          return wire_up_;
        },
        timers_, *log_, "pc1");
  }

  // The cookie of the n-th datagram sent.
  std::string cookie(std::size_t n) const { return sent_.at(n).substr(0, sent_.at(n).find(' ')); }
  void advance(std::chrono::microseconds d) {
    clock_.advance(d);
    timers_.fire_due();
  }
  std::string log_text() const { return imsbox::testing::file_text(log_path_); }

  runtime::ManualClock clock_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  runtime::TimerQueue timers_;
  std::vector<std::string> sent_;
  bool wire_up_ = true;
  std::unique_ptr<NgClient> client_;
  std::vector<NgAnswer> answers_;
  NgClient::Callback keep() {
    return [this](NgAnswer a) { answers_.push_back(std::move(a)); };
  }
};

TEST_F(NgClientTest, SendsCookieAndDictionaryAndMatchesTheAnswerByCookie) {
  client_->request(ng_ping(), "ping", "", keep());
  client_->request(ng_query("c1;orig"), "query", "c1", keep());
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[0], cookie(0) + " d7:command4:pinge");
  EXPECT_NE(cookie(0), cookie(1));
  EXPECT_EQ(cookie(0).rfind("pc1_", 0), 0u);
  // the second answered first: each goes to its own request
  client_->on_datagram(cookie(1) + " d6:result2:ok7:createdi1700000000ee");
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(answers_[0].ok());
  EXPECT_EQ(answers_[0].get("created")->integer(), 1700000000);
  client_->on_datagram(cookie(0) + " d6:result4:ponge");
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_TRUE(answers_[1].ok());
  EXPECT_EQ(client_->pending(), 0u);
  // a late second answer to the same cookie changes nothing
  client_->on_datagram(cookie(0) + " d6:result4:ponge");
  EXPECT_EQ(answers_.size(), 2u);
}

TEST_F(NgClientTest, ResendsTheSameDatagramThenTimesOutOnce) {
  client_->request(ng_query("c1;orig"), "query", "c1", keep());
  advance(499ms);
  EXPECT_EQ(sent_.size(), 1u);
  advance(1ms);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[1], sent_[0]);  // same cookie: the AGW's reply cache answers a repeat
  advance(500ms);
  EXPECT_EQ(sent_.size(), 3u);
  EXPECT_TRUE(answers_.empty());
  advance(500ms);
  EXPECT_EQ(sent_.size(), 3u);  // three tries, no fourth
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].status(), NgAnswer::Status::timeout);
  EXPECT_NE(log_text().find("ng query to the AGW at 127.0.0.1:2223: no answer after 3 tries"), std::string::npos);
  advance(5s);
  EXPECT_EQ(answers_.size(), 1u);
}

TEST_F(NgClientTest, AnAnswerToAResentRequestEndsTheResends) {
  client_->request(ng_query("c1;orig"), "query", "c1", keep());
  advance(500ms);
  client_->on_datagram(cookie(1) + " d6:result2:oke");
  advance(5s);
  EXPECT_EQ(sent_.size(), 2u);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(answers_[0].ok());
}

TEST_F(NgClientTest, ErrorAndUndecodableAnswersAreErrorsWithTheirReason) {
  client_->request(ng_query("c1;orig"), "query", "c1", keep());
  client_->request(ng_query("c2;orig"), "query", "c2", keep());
  client_->request(ng_query("c3;orig"), "query", "c3", keep());
  client_->on_datagram(cookie(0) + " d6:result5:error12:error-reason15:Unknown call-ide");
  client_->on_datagram(cookie(1) + " d6:result5:err");  // truncated
  client_->on_datagram(cookie(2) + " d6:result10:load limite");
  ASSERT_EQ(answers_.size(), 3u);
  EXPECT_EQ(answers_[0].status(), NgAnswer::Status::error);
  EXPECT_EQ(answers_[0].error_reason(), "Unknown call-id");
  EXPECT_EQ(answers_[1].status(), NgAnswer::Status::error);
  EXPECT_NE(answers_[1].error_reason().find("malformed reply"), std::string::npos);
  EXPECT_EQ(answers_[2].error_reason(), "result load limit");
  const auto log = log_text();
  EXPECT_NE(log.find("call_id=c1 ng query to the AGW at 127.0.0.1:2223: Unknown call-id"), std::string::npos) << log;
}

TEST_F(NgClientTest, JunkAndStrangersAreIgnored) {
  client_->request(ng_query("c1;orig"), "query", "c1", keep());
  client_->on_datagram("no-cookie-at-all");
  client_->on_datagram("pc1_99 d6:result2:oke");
  client_->on_datagram("pc2_1 d6:result2:oke");
  client_->on_datagram("pc1_1x d6:result2:oke");
  client_->on_datagram(" d6:result2:oke");
  EXPECT_TRUE(answers_.empty());
  EXPECT_EQ(client_->pending(), 1u);
}

TEST_F(NgClientTest, CancelledRequestsAreNeitherResentNorAnswered) {
  const auto id = client_->request(ng_query("c1;orig"), "query", "c1", keep());
  client_->cancel(id);
  advance(5s);
  client_->on_datagram(cookie(0) + " d6:result2:oke");
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_TRUE(answers_.empty());
}

TEST_F(NgClientTest, ASendTheSocketRefusesIsAnErrorOnTheNextTurnOfTheLoop) {
  wire_up_ = false;
  client_->request(ng_query("c1;orig"), "query", "c1", keep());
  EXPECT_TRUE(answers_.empty());  // never from inside request()
  advance(0us);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].status(), NgAnswer::Status::error);
}

TEST(NgAddressTest, ParsesIpAndPort) {
  EXPECT_EQ(parse_ng_address("127.0.0.1:2223")->port, 2223);
  EXPECT_EQ(parse_ng_address("127.0.0.1:2223")->address, "127.0.0.1");
  EXPECT_EQ(parse_ng_address("[::1]:22222")->address, "::1");
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "localhost:2223",
                          "::1:2223", "[::1]2223", "127.0.0.1:22x"}) {
    EXPECT_FALSE(parse_ng_address(bad)) << bad;
  }
}

// Over UDP on loopback, against the AGW's own ng server: the server parses
// what the client sends (agw/ng/request.h) and its answer comes back by cookie.
TEST(NgClientUdpTest, TalksToTheAgwsNgServer) {
  boost::asio::io_context io;
  runtime::SystemClock clock;
  const auto log_path = test::test_log_path("ng_client_udp_test");
  runtime::Logger log("pcscf", runtime::LogLevel::debug, log_path, clock);
  runtime::Metrics metrics;
  std::vector<agw::ng::NgRequest> seen;
  agw::ng::NgServer::Options so;
  so.port = 0;
  agw::ng::NgServer server(io, so,
                           agw::ng::NgServer::synchronous([&](const agw::ng::NgRequest& r) {
                             seen.push_back(r);
                             if (r.command == agw::ng::Command::ping) return agw::ng::NgReply::pong();
                             return agw::ng::NgReply::with_sdp("v=0\r\n");
                           }),
                           log, metrics, clock);
  server.start();
  runtime::TimerQueue timers(clock);
  std::unique_ptr<NgClient> client;
  UdpNgSocket socket(io, NgAddress{"127.0.0.1", server.local_port()},
                     [&](std::string_view d) { client->on_datagram(d); });
  client = std::make_unique<NgClient>(NgClientOptions{}, [&](std::string_view d) { return socket.send(d); }, timers,
                                      log, "udp");
  std::vector<NgAnswer> answers;
  client->request(ng_ping(), "ping", "", [&](NgAnswer a) { answers.push_back(std::move(a)); });
  OfferAnswerParams p;
  p.call_id = "c1;orig";
  p.from_tag = "f1";
  p.sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  p.toward = MediaForm::webrtc;
  client->request(ng_offer(p), "offer", "c1", [&](NgAnswer a) { answers.push_back(std::move(a)); });
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (answers.size() < 2 && std::chrono::steady_clock::now() < until) {
    io.run_for(10ms);
    timers.fire_due();
  }
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_TRUE(answers[0].ok());
  EXPECT_EQ(answers[0].string("result"), "pong");
  EXPECT_TRUE(answers[1].ok());
  EXPECT_EQ(answers[1].string("sdp"), "v=0\r\n");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].command, agw::ng::Command::offer);
  EXPECT_EQ(seen[1].call_id, "c1;orig");
  EXPECT_EQ(seen[1].transport_protocol, "UDP/TLS/RTP/SAVPF");
  server.stop();
}

}  // namespace
}  // namespace imsbox::pcscf
