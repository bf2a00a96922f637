// DtlsSrtpTransport (our DTLS server) against an OpenSSL DTLS client in the
// test, over memory BIOs (no network): handshake, SRTP profile choice, the
// fingerprint check (before and after the handshake), exported keys equal on
// both sides, SRTP both ways against libsrtp2 keyed from the client's export,
// retransmission, MTU, timeout, close_notify and junk.
#include "agw/webrtc/dtls_srtp_transport.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "unit/agw/webrtc/dtls_client.h"
#include "unit/agw/webrtc/srtp_peer.h"
#include "unit/agw/webrtc/test_support.h"

namespace imsbox::agw::webrtc {
namespace {

using test::DtlsClient;
using test::SrtpPeer;
using namespace std::chrono_literals;

class RecordingEvents : public DtlsSrtpTransport::Events {
 public:
  void send_dtls(std::span<const std::uint8_t> d) override {
    sent.emplace_back(d.begin(), d.end());
    ++datagrams_sent;
    bytes_sent += d.size();
    largest = std::max(largest, d.size());
  }
  void on_dtls_connected(SrtpProfile p) override {
    ++connected_calls;
    profile = p;
  }
  void on_dtls_failed(DtlsFailure f, std::string_view d) override {
    ++failed_calls;
    failure = f;
    detail = d;
  }
  void on_dtls_closed() override { ++closed_calls; }

  std::deque<std::vector<std::uint8_t>> sent;
  std::size_t datagrams_sent = 0, bytes_sent = 0, largest = 0;
  int connected_calls = 0, failed_calls = 0, closed_calls = 0;
  std::optional<SrtpProfile> profile;
  std::optional<DtlsFailure> failure;
  std::string detail;
};

class DtlsTest : public ::testing::Test {
 protected:
  static std::shared_ptr<const DtlsCertificate> certificate() {
    static auto cert = DtlsCertificate::generate();  // made once, shared read-only, as a process would
    return cert;
  }

  void make(const std::string& client_profiles, std::optional<Fingerprint> expected, DtlsContextOptions ctx_options = {},
            DtlsTransportOptions options = {}) {
    context_ = std::make_shared<DtlsContext>(certificate(), ctx_options);
    client_ = std::make_unique<DtlsClient>(client_profiles);
    if (expected == std::nullopt && use_client_fingerprint_) expected = parse_fingerprint(client_->fingerprint_sdp());
    server_ = std::make_unique<DtlsSrtpTransport>(io_, context_, expected, events_, log_.logger(), options);
  }

  // Exchanges what each side has for the other until neither has anything.
  // `drop` decides about each server datagram (true: lost).
  void pump(const std::function<bool(const std::vector<std::uint8_t>&)>& drop = nullptr) {
    for (int i = 0; i < 50; ++i) {
      client_->step();
      auto out = client_->take_output();
      bool progress = !out.empty();
      if (!out.empty()) server_->handle_dtls(out);
      while (!events_.sent.empty()) {
        auto d = std::move(events_.sent.front());
        events_.sent.pop_front();
        if (!drop || !drop(d)) client_->give_input(d);
        progress = true;
      }
      if (!progress) {
        client_->step();
        if (client_->take_output().empty() && events_.sent.empty()) return;
      }
    }
  }

  boost::asio::io_context io_;
  test::TestLog log_;
  RecordingEvents events_;
  bool use_client_fingerprint_ = true;
  std::shared_ptr<DtlsContext> context_;
  std::unique_ptr<DtlsClient> client_;
  std::unique_ptr<DtlsSrtpTransport> server_;
};

TEST_F(DtlsTest, HandshakePrefersAes128GcmAndTheClientSeesOurFingerprint) {
  make("SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM", std::nullopt);
  server_->start();
  EXPECT_EQ(server_->state(), DtlsState::handshaking);
  pump();
  ASSERT_TRUE(client_->connected());
  EXPECT_EQ(server_->state(), DtlsState::connected);
  EXPECT_EQ(events_.connected_calls, 1);
  EXPECT_EQ(events_.profile, SrtpProfile::aead_aes_128_gcm);
  EXPECT_EQ(server_->srtp_profile(), SrtpProfile::aead_aes_128_gcm);
  EXPECT_EQ(client_->selected_srtp_id(), 0x0007u);
  // the certificate the client got is the one whose fingerprint we advertise
  X509* ours = SSL_get0_peer_certificate(client_->ssl());
  ASSERT_NE(ours, nullptr);
  EXPECT_EQ(DtlsClient::fingerprint_sdp_of(ours), context_->fingerprint().to_sdp());
  EXPECT_EQ(events_.failed_calls, 0);
  EXPECT_TRUE(log_.contains("DTLS connected (DTLSv1.2"));
  EXPECT_TRUE(log_.contains("SRTP AEAD_AES_128_GCM"));
}

TEST_F(DtlsTest, ClientOfferingOnlyAesCmGetsIt) {
  make("SRTP_AES128_CM_SHA1_80", std::nullopt);
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  EXPECT_EQ(events_.profile, SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(client_->selected_srtp_id(), 0x0001u);
}

TEST_F(DtlsTest, ServerConfiguredForAesCmOnlyChoosesItOverGcm) {
  make("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", std::nullopt,
       DtlsContextOptions{{SrtpProfile::aes_cm_128_hmac_sha1_80}});
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  EXPECT_EQ(events_.profile, SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(client_->selected_srtp_id(), 0x0001u);
}

TEST_F(DtlsTest, NoCommonSrtpProfileFails) {
  make("SRTP_AES128_CM_SHA1_32", std::nullopt);
  pump();
  EXPECT_EQ(server_->state(), DtlsState::failed);
  EXPECT_EQ(events_.failure, DtlsFailure::no_srtp_profile);
  EXPECT_EQ(events_.connected_calls, 0);
}

TEST_F(DtlsTest, WrongFingerprintIsRefusedDuringTheHandshakeAndLogged) {
  use_client_fingerprint_ = false;
  auto wrong = parse_fingerprint(
      "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
  make("SRTP_AEAD_AES_128_GCM", wrong);
  pump();
  EXPECT_EQ(server_->state(), DtlsState::failed);
  EXPECT_EQ(events_.failure, DtlsFailure::fingerprint_mismatch);
  EXPECT_EQ(events_.failed_calls, 1);
  EXPECT_EQ(events_.connected_calls, 0);
  EXPECT_FALSE(client_->connected());
  EXPECT_TRUE(client_->failed());  // it got our alert
  EXPECT_NE(events_.detail.find(client_->fingerprint_sdp()), std::string::npos) << events_.detail;
  EXPECT_TRUE(log_.contains("DTLS failed: fingerprint mismatch: the peer's certificate is " +
                            client_->fingerprint_sdp()));
  std::vector<std::uint8_t> buffer(100);
  std::size_t length = 40;
  EXPECT_EQ(server_->protect_rtp(buffer, length), SrtpStatus::not_ready);
}

TEST_F(DtlsTest, FingerprintKnownOnlyAfterTheHandshake) {
  use_client_fingerprint_ = false;
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  pump();
  EXPECT_TRUE(client_->connected());
  EXPECT_EQ(server_->state(), DtlsState::handshaking);  // waits for the a=fingerprint
  EXPECT_EQ(events_.connected_calls, 0);
  std::vector<std::uint8_t> buffer(100);
  std::size_t length = 40;
  EXPECT_EQ(server_->protect_rtp(buffer, length), SrtpStatus::not_ready);
  server_->set_remote_fingerprint(*parse_fingerprint(client_->fingerprint_sdp()));
  EXPECT_EQ(server_->state(), DtlsState::connected);
  EXPECT_EQ(events_.connected_calls, 1);
}

TEST_F(DtlsTest, WrongFingerprintKnownOnlyAfterTheHandshakeFails) {
  use_client_fingerprint_ = false;
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  pump();
  auto other = DtlsCertificate::generate();
  server_->set_remote_fingerprint(other->fingerprint());
  EXPECT_EQ(server_->state(), DtlsState::failed);
  EXPECT_EQ(events_.failure, DtlsFailure::fingerprint_mismatch);
  EXPECT_EQ(events_.connected_calls, 0);
  pump();
  EXPECT_TRUE(client_->closed());  // told with close_notify
}

TEST_F(DtlsTest, ExportedKeysAreEqualOnBothSides) {
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  std::vector<std::uint8_t> ours(56);
  ASSERT_TRUE(server_->export_keying_material(ours, "EXTRACTOR-dtls_srtp"));
  EXPECT_EQ(ours, client_->export_keys(56));
  EXPECT_NE(ours, std::vector<std::uint8_t>(56, 0));
}

// The client keys libsrtp itself from its own export (RFC 5764 §4.2 layout:
// client key, server key, client salt, server salt), as a browser does.
void expect_srtp_both_ways(DtlsSrtpTransport& server, DtlsClient& client, SrtpProfile profile) {
  const std::size_t k = master_key_length(profile), s = master_salt_length(profile);
  const auto m = client.export_keys(2 * (k + s));
  ASSERT_EQ(m.size(), 2 * (k + s));
  std::vector<std::uint8_t> client_write(m.begin(), m.begin() + k), server_write(m.begin() + k, m.begin() + 2 * k);
  client_write.insert(client_write.end(), m.begin() + 2 * k, m.begin() + 2 * k + s);
  server_write.insert(server_write.end(), m.begin() + 2 * k + s, m.end());
  SrtpPeer browser_out(profile, client_write, false);
  SrtpPeer browser_in(profile, server_write, true);

  for (std::uint16_t seq = 1; seq <= 5; ++seq) {
    const auto plain = test::rtp_packet(seq, 0x1234);
    auto packet = browser_out.protect(plain);
    std::size_t length = packet.size();
    ASSERT_EQ(server.unprotect_rtp(packet, length), SrtpStatus::ok);
    packet.resize(length);
    EXPECT_EQ(packet, plain);

    const auto reply = test::rtp_packet(seq, 0x5678, 80);
    std::vector<std::uint8_t> buffer(reply.size() + kSrtpMaxOverhead);
    std::copy(reply.begin(), reply.end(), buffer.begin());
    length = reply.size();
    ASSERT_EQ(server.protect_rtp(buffer, length), SrtpStatus::ok);
    buffer.resize(length);
    EXPECT_EQ(browser_in.unprotect(buffer), reply);
  }
  auto rr = browser_out.protect(test::rtcp_rr(0x1234), true);
  std::size_t length = rr.size();
  ASSERT_EQ(server.unprotect_rtcp(rr, length), SrtpStatus::ok);
  std::vector<std::uint8_t> buffer(8 + kSrtpMaxOverhead);
  const auto our_rr = test::rtcp_rr(0x5678);
  std::copy(our_rr.begin(), our_rr.end(), buffer.begin());
  length = 8;
  ASSERT_EQ(server.protect_rtcp(buffer, length), SrtpStatus::ok);
  buffer.resize(length);
  EXPECT_EQ(browser_in.unprotect(buffer, true), our_rr);
}

TEST_F(DtlsTest, SrtpBothWaysWithLibsrtpKeyedFromTheClientsExportGcm) {
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  expect_srtp_both_ways(*server_, *client_, SrtpProfile::aead_aes_128_gcm);
}

TEST_F(DtlsTest, SrtpBothWaysWithLibsrtpKeyedFromTheClientsExportAesCm) {
  make("SRTP_AES128_CM_SHA1_80", std::nullopt);
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  expect_srtp_both_ways(*server_, *client_, SrtpProfile::aes_cm_128_hmac_sha1_80);
}

TEST_F(DtlsTest, FlightsAreSplitIntoDatagramsOfAtMostTheMtu) {
  DtlsTransportOptions options;
  options.mtu = 256;  // smaller than our certificate flight: it must be fragmented
  make("SRTP_AEAD_AES_128_GCM", std::nullopt, {}, options);
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  EXPECT_LE(events_.largest, 256u);
  EXPECT_GT(events_.bytes_sent, 2 * 256u);  // so it took several datagrams
}

TEST_F(DtlsTest, DefaultMtuIs1200) {
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  EXPECT_LE(events_.largest, 1200u);
}

TEST_F(DtlsTest, LostFlightIsRetransmittedFromTheLoopsTimer) {
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  bool dropping = true;
  pump([&](const std::vector<std::uint8_t>&) { return dropping; });  // our first flight is lost
  EXPECT_EQ(server_->state(), DtlsState::handshaking);
  const std::size_t first = events_.datagrams_sent;
  ASSERT_GT(first, 0u);
  dropping = false;
  // OpenSSL's first retransmission comes after 1 s, from DTLSv1_get_timeout on our Asio timer
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.datagrams_sent > first; }, 3s));
  pump();
  EXPECT_EQ(server_->state(), DtlsState::connected);
  EXPECT_TRUE(client_->connected());
}

TEST_F(DtlsTest, HandshakeTimeoutFailsAndIsLogged) {
  DtlsTransportOptions options;
  options.handshake_timeout = 150ms;
  options.log_tag = "leg 9";
  make("SRTP_AEAD_AES_128_GCM", std::nullopt, {}, options);
  server_->start();
  ASSERT_TRUE(test::run_until(io_, [&] { return events_.failed_calls > 0; }, 2s));
  EXPECT_EQ(events_.failure, DtlsFailure::handshake_timeout);
  EXPECT_EQ(server_->state(), DtlsState::failed);
  EXPECT_TRUE(log_.contains("leg 9: DTLS failed: handshake timeout: no complete handshake within 150 ms (nothing "
                            "received from the peer)"));
  test::run_for(io_, 50ms);
  EXPECT_EQ(events_.failed_calls, 1);  // once
}

TEST_F(DtlsTest, CloseNotifyFromThePeerIsReported) {
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  pump();
  ASSERT_EQ(server_->state(), DtlsState::connected);
  client_->shutdown();
  pump();
  EXPECT_EQ(events_.closed_calls, 1);
  EXPECT_EQ(server_->state(), DtlsState::closed);
}

TEST_F(DtlsTest, JunkIsDroppedWithoutHarm) {
  make("SRTP_AEAD_AES_128_GCM", std::nullopt);
  std::vector<std::uint8_t> junk(300);
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 31 + 7);
  junk[0] = 22;  // looks like a handshake record
  for (int i = 0; i < 20; ++i) {
    junk[1] = static_cast<std::uint8_t>(i);
    server_->handle_dtls(junk);
    server_->handle_dtls(std::span(junk).first(13));
  }
  server_->handle_dtls({});
  // still able to handshake, or failed cleanly: never a crash
  if (server_->state() == DtlsState::handshaking) {
    pump();
    EXPECT_EQ(server_->state(), DtlsState::connected);
  } else {
    EXPECT_EQ(server_->state(), DtlsState::failed);
    EXPECT_EQ(events_.failed_calls, 1);
  }
}

TEST_F(DtlsTest, OneCertificateServesManyContextsAndSessions) {
  auto cert = DtlsCertificate::generate();
  auto a = std::make_shared<DtlsContext>(cert);
  auto b = std::make_shared<DtlsContext>(cert, DtlsContextOptions{{SrtpProfile::aes_cm_128_hmac_sha1_80}});
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
  EXPECT_EQ(a->fingerprint(), cert->fingerprint());
  EXPECT_FALSE(a->fingerprint() == DtlsCertificate::generate()->fingerprint());
  EXPECT_THROW(DtlsContext(cert, DtlsContextOptions{{}}), std::invalid_argument);
}

// A browser that answers our actpass with a=setup:passive makes the AGW the DTLS
// client (start_as_client): against a transport in its default server role, the
// handshake completes and each side unprotects what the other protected (the
// client sends with the client key of RFC 5764 §4.2, the server with the server's).
TEST(DtlsClientRole, ConnectsToAServerAndSrtpFlowsBothWays) {
  boost::asio::io_context io;
  test::TestLog log;
  RecordingEvents client_events, server_events;
  const auto client_cert = DtlsCertificate::generate("client");
  const auto server_cert = DtlsCertificate::generate("server");
  DtlsSrtpTransport client(io, std::make_shared<DtlsContext>(client_cert), server_cert->fingerprint(), client_events,
                           log.logger());
  DtlsSrtpTransport server(io, std::make_shared<DtlsContext>(server_cert), client_cert->fingerprint(), server_events,
                           log.logger());
  client.start_as_client();
  ASSERT_EQ(client_events.sent.size(), 1u);  // the ClientHello, without waiting for the peer
  EXPECT_EQ(client.state(), DtlsState::handshaking);
  const auto deliver = [](RecordingEvents& from, DtlsSrtpTransport& to) {
    bool any = false;
    while (!from.sent.empty()) {
      const auto d = std::move(from.sent.front());
      from.sent.pop_front();
      to.handle_dtls(d);
      any = true;
    }
    return any;
  };
  for (int i = 0; i < 20; ++i) {
    const bool a = deliver(client_events, server);
    const bool b = deliver(server_events, client);
    if (!a && !b) break;
  }
  ASSERT_EQ(client.state(), DtlsState::connected) << client_events.detail;
  ASSERT_EQ(server.state(), DtlsState::connected) << server_events.detail;
  EXPECT_EQ(client.srtp_profile(), SrtpProfile::aead_aes_128_gcm);
  const auto round_trip = [](DtlsSrtpTransport& from, DtlsSrtpTransport& to, std::uint8_t marker) {
    std::vector<std::uint8_t> packet(12 + 160 + 64, 0);
    packet[0] = 0x80;
    packet[3] = 1;                         // sequence 1
    packet[11] = marker;                   // SSRC
    std::fill_n(packet.begin() + 12, 160, marker);
    std::size_t length = 12 + 160;
    if (from.protect_rtp(packet, length) != SrtpStatus::ok) return false;
    if (to.unprotect_rtp(std::span(packet.data(), length), length) != SrtpStatus::ok) return false;
    return length == 12 + 160 && packet[12] == marker && packet[171] == marker;
  };
  EXPECT_TRUE(round_trip(client, server, 0x11));
  EXPECT_TRUE(round_trip(server, client, 0x22));
}

TEST(DtlsClientRole, IgnoredOnceThePeerHasSpoken) {
  boost::asio::io_context io;
  test::TestLog log;
  RecordingEvents events;
  DtlsSrtpTransport t(io, std::make_shared<DtlsContext>(DtlsCertificate::generate()), std::nullopt, events,
                      log.logger());
  t.start();
  t.start_as_client();  // already waiting as the server: nothing is sent
  EXPECT_TRUE(events.sent.empty());
}

}  // namespace
}  // namespace imsbox::agw::webrtc
