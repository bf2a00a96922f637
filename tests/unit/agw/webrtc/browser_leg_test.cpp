// BrowserLeg end to end in one process, against a "browser" made of
// independent parts: a full libnice agent (controlling), an OpenSSL DTLS
// client over it, and libsrtp2 keyed from that client's export.
#include "agw/webrtc/browser_leg.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>

#include "agw/webrtc/main_context_driver.h"
#include "unit/agw/webrtc/dtls_client.h"
#include "unit/agw/webrtc/full_ice_peer.h"
#include "unit/agw/webrtc/srtp_peer.h"
#include "unit/agw/webrtc/test_support.h"

namespace imsbox::agw::webrtc {
namespace {

using namespace std::chrono_literals;

class RecordingLegEvents : public BrowserLeg::Events {
 public:
  void on_leg_connected(SrtpProfile p) override { profile = p; }
  void on_rtp(std::span<std::uint8_t> p) override { rtp.emplace_back(p.begin(), p.end()); }
  void on_rtcp(std::span<std::uint8_t> p) override { rtcp.emplace_back(p.begin(), p.end()); }
  void on_leg_failed(LegFailure f, std::string_view d) override {
    ++failed;
    failure = f;
    detail = d;
  }
  std::optional<SrtpProfile> profile;
  std::vector<std::vector<std::uint8_t>> rtp, rtcp;
  int failed = 0;
  std::optional<LegFailure> failure;
  std::string detail;
};

class BrowserLegTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static auto cert = DtlsCertificate::generate();
    context_ = std::make_shared<DtlsContext>(cert);
    leg_ = std::make_unique<BrowserLeg>(io_, context_, BrowserLegConfig{"127.0.0.1", 0, "leg 3", 5s}, events_,
                                        log_.logger());
    peer_ = std::make_unique<test::FullIcePeer>(peer_driver_);
  }
  void TearDown() override {
    peer_.reset();
    leg_.reset();
  }

  void connect_ice(const std::string& fingerprint_sdp, bool with_candidates) {
    BrowserRemote remote{peer_->ufrag(), peer_->pwd(), parse_fingerprint(fingerprint_sdp), {}};
    if (with_candidates) remote.candidates = peer_->candidates();
    leg_->set_remote(remote);
    peer_->connect_to(leg_->ice_credentials().ufrag, leg_->ice_credentials().pwd, leg_->candidate());
    ASSERT_TRUE(test::run_until(io_, [&] { return peer_->ready(); }));
  }

  // The browser's DTLS client speaks through its ICE agent until `done`.
  bool handshake(test::DtlsClient& client, const std::function<bool()>& done) {
    return test::run_until(io_, [&] {
      client.step();
      auto out = client.take_output();
      if (!out.empty()) peer_->send(out);
      for (auto& d : peer_->take_received()) client.give_input(d);
      return done();
    });
  }

  boost::asio::io_context io_;
  test::TestLog log_;
  MainContextDriver peer_driver_{io_};
  std::shared_ptr<DtlsContext> context_;
  RecordingLegEvents events_;
  std::unique_ptr<BrowserLeg> leg_;
  std::unique_ptr<test::FullIcePeer> peer_;
};

TEST_F(BrowserLegTest, IceDtlsAndSrtpBothWays) {
  test::DtlsClient client("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
  connect_ice(client.fingerprint_sdp(), true);
  ASSERT_TRUE(handshake(client, [&] { return client.connected() && events_.profile.has_value(); }));
  EXPECT_TRUE(leg_->connected());
  EXPECT_EQ(events_.profile, SrtpProfile::aead_aes_128_gcm);

  const auto m = client.export_keys(56);
  std::vector<std::uint8_t> client_write(m.begin(), m.begin() + 16), server_write(m.begin() + 16, m.begin() + 32);
  client_write.insert(client_write.end(), m.begin() + 32, m.begin() + 44);
  server_write.insert(server_write.end(), m.begin() + 44, m.end());
  test::SrtpPeer browser_out(SrtpProfile::aead_aes_128_gcm, client_write, false);
  test::SrtpPeer browser_in(SrtpProfile::aead_aes_128_gcm, server_write, true);

  for (std::uint16_t seq = 1; seq <= 10; ++seq) peer_->send(browser_out.protect(test::rtp_packet(seq, 0xbeef)));
  peer_->send(browser_out.protect(test::rtcp_rr(0xbeef), true));
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.rtp.size() == 10 && events_.rtcp.size() == 1; }));
  EXPECT_EQ(events_.rtp[9], test::rtp_packet(10, 0xbeef));
  EXPECT_EQ(events_.rtcp[0], test::rtcp_rr(0xbeef));

  // what the AGW sends the browser: protected in place in its own buffer
  const auto reply = test::rtp_packet(77, 0xf00d, 120);
  std::vector<std::uint8_t> buffer(reply.size() + kSrtpMaxOverhead);
  std::copy(reply.begin(), reply.end(), buffer.begin());
  peer_->take_received();
  ASSERT_TRUE(leg_->send_rtp(buffer, reply.size()));
  ASSERT_TRUE(test::run_until(io_, [&] { return !peer_->received().empty(); }));
  EXPECT_EQ(browser_in.unprotect(peer_->received().front()), reply);

  EXPECT_EQ(leg_->counters().rtp_received, 10u);
  EXPECT_EQ(leg_->counters().rtcp_received, 1u);
  EXPECT_EQ(leg_->counters().rtp_sent, 1u);
  EXPECT_EQ(leg_->counters().rtp_sent_bytes, reply.size());
  // a forged packet is refused and counted, not passed on
  peer_->send(test::rtp_packet(11, 0xbeef, 40));
  ASSERT_TRUE(test::run_until(io_, [&] { return leg_->counters().srtp_refused == 1; }));
  EXPECT_EQ(events_.rtp.size(), 10u);
  EXPECT_EQ(events_.failed, 0);
}

TEST_F(BrowserLegTest, WithheldCandidatesAndTheSecondProfile) {
  test::DtlsClient client("SRTP_AES128_CM_SHA1_80");
  connect_ice(client.fingerprint_sdp(), false);
  ASSERT_TRUE(handshake(client, [&] { return client.connected() && events_.profile.has_value(); }));
  EXPECT_EQ(events_.profile, SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(leg_->ice().selected_pair()->remote_type, "prflx");
}

TEST_F(BrowserLegTest, AWrongFingerprintEndsTheLeg) {
  test::DtlsClient client("SRTP_AEAD_AES_128_GCM");
  connect_ice(DtlsCertificate::generate()->fingerprint().to_sdp(), true);
  ASSERT_TRUE(handshake(client, [&] { return events_.failed > 0; }));
  EXPECT_EQ(events_.failure, LegFailure::dtls_failed);
  EXPECT_NE(events_.detail.find("fingerprint mismatch"), std::string::npos) << events_.detail;
  EXPECT_FALSE(leg_->connected());
  EXPECT_TRUE(log_.contains("leg 3: browser leg ended: DTLS failed (fingerprint mismatch"));
  std::vector<std::uint8_t> buffer(100);
  EXPECT_FALSE(leg_->send_rtp(buffer, 40));
}

TEST_F(BrowserLegTest, TheBrowserHangingUpEndsTheLeg) {
  test::DtlsClient client("SRTP_AEAD_AES_128_GCM");
  connect_ice(client.fingerprint_sdp(), true);
  ASSERT_TRUE(handshake(client, [&] { return client.connected() && events_.profile.has_value(); }));
  client.shutdown();
  ASSERT_TRUE(handshake(client, [&] { return events_.failed > 0; }));
  EXPECT_EQ(events_.failure, LegFailure::dtls_closed);
}

}  // namespace
}  // namespace imsbox::agw::webrtc
