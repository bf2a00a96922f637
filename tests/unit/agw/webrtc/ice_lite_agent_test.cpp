// IceLiteAgent against a full libnice agent (controlling, as a browser is)
// on loopback, both on one Asio loop through MainContextDriver: connection
// with and without the peer's candidates (peer-reflexive), candidates we
// skip, datagrams both ways, the bound port, and consent lost when the peer
// vanishes.
#include "agw/webrtc/ice_lite_agent.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "agw/webrtc/main_context_driver.h"
#include "unit/agw/webrtc/epoll_count.h"
#include "unit/agw/webrtc/full_ice_peer.h"
#include "unit/agw/webrtc/test_support.h"

namespace imsbox::agw::webrtc {
namespace {

using namespace std::chrono_literals;
using test::FullIcePeer;

class RecordingIceEvents : public IceLiteAgent::Events {
 public:
  void on_ice_connected() override { ++connected; }
  void on_ice_datagram(std::span<std::uint8_t> d) override { datagrams.emplace_back(d.begin(), d.end()); }
  void on_ice_failed(IceFailure f, std::string_view) override {
    ++failed;
    failure = f;
  }
  int connected = 0, failed = 0;
  std::optional<IceFailure> failure;
  std::vector<std::vector<std::uint8_t>> datagrams;
};

// A UDP port that was free a moment ago.
std::uint16_t free_udp_port() {
  const int s = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

class IceLiteTest : public ::testing::Test {
 protected:
  std::unique_ptr<IceLiteAgent> make_agent(std::uint16_t port = 0) {
    return std::make_unique<IceLiteAgent>(driver_, IceLiteConfig{"127.0.0.1", port, "leg 1"}, events_,
                                          log_.logger());
  }
  // The browser side learns our values; we learn its credentials and, when
  // `with_candidates`, its candidates.
  void introduce(IceLiteAgent& agent, FullIcePeer& peer, bool with_candidates) {
    agent.set_remote_credentials(peer.ufrag(), peer.pwd());
    if (with_candidates)
      for (const auto& c : peer.candidates()) agent.add_remote_candidate(c);
    peer.connect_to(agent.local_credentials().ufrag, agent.local_credentials().pwd, agent.local_candidate());
  }

  boost::asio::io_context io_{1};  // one thread runs it, as an AGW worker's (worker.cpp)
  test::TestLog log_;
  MainContextDriver driver_{io_};
  MainContextDriver peer_driver_{io_};
  RecordingIceEvents events_;
};

TEST_F(IceLiteTest, ConnectsToAFullAgentAndCarriesDatagramsBothWays) {
  auto agent = make_agent();
  FullIcePeer peer(peer_driver_);
  EXPECT_FALSE(agent->send(std::vector<std::uint8_t>{0x80, 0}));  // nothing selected yet
  introduce(*agent, peer, true);
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.connected == 1 && peer.ready(); }));
  EXPECT_EQ(agent->state(), IceState::connected);
  ASSERT_TRUE(agent->selected_pair());
  EXPECT_EQ(agent->selected_pair()->remote_address, "127.0.0.1");
  EXPECT_EQ(agent->selected_pair()->remote_type, "host");

  const std::vector<std::uint8_t> dtls_like{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9};
  ASSERT_TRUE(peer.send(dtls_like));
  ASSERT_TRUE(test::run_until(io_, [&] { return !events_.datagrams.empty(); }));
  EXPECT_EQ(events_.datagrams.front(), dtls_like);

  const std::vector<std::uint8_t> rtp_like{0x80, 111, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  ASSERT_TRUE(agent->send(rtp_like));
  ASSERT_TRUE(test::run_until(io_, [&] { return !peer.received().empty(); }));
  EXPECT_EQ(peer.received().front(), rtp_like);
  EXPECT_EQ(events_.connected, 1);
  EXPECT_EQ(events_.failed, 0);
  EXPECT_TRUE(log_.contains("leg 1: ICE selected pair: 127.0.0.1:" + std::to_string(agent->local_port())));
}

// Once a pair is selected, the browser's DTLS/SRTP is read off the socket on
// the loop itself: no GMainContext iteration per datagram (each cost GLib's
// unblock wake-ups: two eventfd writes, a read, a second round).
TEST_F(IceLiteTest, DatagramsAfterTheSelectionDoNotIterateTheMainContext) {
  auto agent = make_agent();
  FullIcePeer peer(peer_driver_);
  introduce(*agent, peer, true);
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.connected == 1 && peer.ready(); }));
  const auto before = driver_.iterations();
  constexpr std::size_t kDatagrams = 40;
  for (std::size_t i = 0; i < kDatagrams; ++i) {
    const std::vector<std::uint8_t> srtp_like{0x80, 111, 0, static_cast<std::uint8_t>(i), 1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT_TRUE(peer.send(srtp_like));
    ASSERT_TRUE(test::run_until(io_, [&] { return events_.datagrams.size() == i + 1; }));
    EXPECT_EQ(events_.datagrams.back(), srtp_like);
  }
  // (libnice's own timers may run a few rounds meanwhile)
  EXPECT_LT(driver_.iterations() - before, kDatagrams / 4);
}

// Nor any epoll_ctl: the socket stays registered with the loop, and waiting
// for the next datagram is a receive that Asio tries at once, not an
// async_wait (which re-arms the fd in epoll on every call: one epoll_ctl per
// wake-up, 15,000 a second in the relay benchmark at 300 calls).
TEST_F(IceLiteTest, DatagramsAfterTheSelectionCostNoEpollCtl) {
  auto agent = make_agent();
  FullIcePeer peer(peer_driver_);
  introduce(*agent, peer, true);
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.connected == 1 && peer.ready(); }));
  const auto before = test::epoll_counts().ctl;
  constexpr std::size_t kDatagrams = 40;
  for (std::size_t i = 0; i < kDatagrams; ++i) {
    const std::vector<std::uint8_t> srtp_like{0x80, 111, 0, static_cast<std::uint8_t>(i), 1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT_TRUE(peer.send(srtp_like));
    ASSERT_TRUE(test::run_until(io_, [&] { return events_.datagrams.size() == i + 1; }));
    EXPECT_EQ(events_.datagrams.back(), srtp_like);
  }
  // (a consent check of libnice's meanwhile may cost a few)
  EXPECT_LT(test::epoll_counts().ctl - before, kDatagrams / 4);
}

TEST_F(IceLiteTest, LearnsThePeerReflexiveCandidateWhenCandidatesAreWithheld) {
  auto agent = make_agent();
  FullIcePeer peer(peer_driver_);
  introduce(*agent, peer, false);
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.connected == 1; }));
  ASSERT_TRUE(agent->selected_pair());
  EXPECT_EQ(agent->selected_pair()->remote_type, "prflx");
  EXPECT_TRUE(log_.contains("ICE learnt a peer-reflexive candidate 127.0.0.1:"));
  ASSERT_TRUE(agent->send(std::vector<std::uint8_t>{0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(test::run_until(io_, [&] { return !peer.received().empty(); }));
}

TEST_F(IceLiteTest, SkipsMdnsTcpRtcpAndJunkCandidatesAndStillConnects) {
  auto agent = make_agent();
  FullIcePeer peer(peer_driver_);
  EXPECT_FALSE(agent->add_remote_candidate(
      "candidate:3829649397 1 udp 2122260223 0b3c0f6e-1b5c-4a7e-9c7e-3d5b4d1f2a9e.local 50123 typ host generation 0"));
  EXPECT_FALSE(agent->add_remote_candidate("a=candidate:1 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active"));
  EXPECT_FALSE(agent->add_remote_candidate("candidate:1 2 udp 2122260222 127.0.0.1 50124 typ host"));
  EXPECT_FALSE(agent->add_remote_candidate("candidate:"));
  EXPECT_FALSE(agent->add_remote_candidate("hello"));
  EXPECT_FALSE(agent->add_remote_candidate(""));
  introduce(*agent, peer, false);
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.connected == 1; }));
  EXPECT_EQ(agent->selected_pair()->remote_type, "prflx");
}

TEST_F(IceLiteTest, CredentialsAreRandomIceCharsAndTheCandidateIsOurHost) {
  auto a = make_agent();
  auto b = make_agent();
  const auto& c = a->local_credentials();
  EXPECT_EQ(c.ufrag.size(), 8u);
  EXPECT_EQ(c.pwd.size(), 24u);
  for (char ch : c.ufrag + c.pwd) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/');
  EXPECT_NE(c.ufrag, b->local_credentials().ufrag);
  EXPECT_NE(c.pwd, b->local_credentials().pwd);
  EXPECT_TRUE(a->local_candidate().starts_with("candidate:")) << a->local_candidate();
  EXPECT_NE(a->local_candidate().find(" 1 UDP "), std::string::npos) << a->local_candidate();
  EXPECT_NE(a->local_candidate().find(" 127.0.0.1 " + std::to_string(a->local_port()) + " typ host"),
            std::string::npos)
      << a->local_candidate();
  EXPECT_NE(a->local_port(), 0);
}

TEST_F(IceLiteTest, BindsTheGivenPortAndRefusesOneInUse) {
  const std::uint16_t port = free_udp_port();
  auto agent = make_agent(port);
  EXPECT_EQ(agent->local_port(), port);
  EXPECT_THROW(make_agent(port), std::runtime_error);
  EXPECT_THROW(IceLiteAgent(driver_, IceLiteConfig{"not-an-address", 0, ""}, events_, log_.logger()),
               std::invalid_argument);
}

TEST_F(IceLiteTest, IPv6Loopback) {
  auto agent = std::make_unique<IceLiteAgent>(driver_, IceLiteConfig{"::1", 0, ""}, events_, log_.logger());
  EXPECT_NE(agent->local_candidate().find(" ::1 "), std::string::npos) << agent->local_candidate();
}

// libnice sends consent checks every ~5 s and gives up 10 s after the last
// answer (RFC 7675's 30 s is a maximum): both sides (with consent freshness)
// stay up for 12 s only if each answers the other's consent checks; then the
// peer vanishes and we must notice. This test takes about 22 s.
TEST_F(IceLiteTest, ConsentAnsweredBothWaysThenLostWhenThePeerVanishes) {
  auto agent = make_agent();
  auto peer = std::make_unique<FullIcePeer>(peer_driver_);
  introduce(*agent, *peer, true);
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.connected == 1 && peer->ready(); }));
  test::run_for(io_, 12s);
  EXPECT_EQ(events_.failed, 0);
  EXPECT_EQ(agent->state(), IceState::connected);
  EXPECT_TRUE(peer->ready()) << "peer state " << peer->state();
  peer.reset();  // the browser is gone without a word
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.failed > 0; }, 25s));
  EXPECT_EQ(events_.failure, IceFailure::consent_lost);
  EXPECT_EQ(agent->state(), IceState::failed);
  EXPECT_FALSE(agent->send(std::vector<std::uint8_t>{0x80, 0}));
  EXPECT_TRUE(log_.contains("leg 1: ICE failed: consent lost"));
  test::run_for(io_, 100ms);
  EXPECT_EQ(events_.failed, 1);
}

}  // namespace
}  // namespace imsbox::agw::webrtc
