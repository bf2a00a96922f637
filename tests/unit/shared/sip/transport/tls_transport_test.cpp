// TransportLayer over TLS: a round trip between two layers with a
// self-signed certificate made here, server verification, handshake timeout.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "runtime/tls_cert.h"
#include "transport_test_support.h"
#include "unit/test_dir.h"

namespace imsbox::sip::test {
namespace {

using tcp = asio::ip::tcp;

class TlsTransport : public ::testing::Test {
 protected:
  TlsTransport() {
    runtime::make_self_signed_certificate("ims.test", dir / "cert.pem", dir / "key.pem");
    runtime::make_self_signed_certificate("other.test", dir / "other-cert.pem", dir / "other-key.pem");
  }

  TransportConfig server_config() {
    auto c = config_with({{Transport::tls, "127.0.0.1", 0, {}}});
    c.tls_certificate_file = dir / "cert.pem";
    c.tls_private_key_file = dir / "key.pem";
    return c;
  }

  imsbox::testing::TempDir dir;
  asio::io_context io;
};

TEST_F(TlsTransport, RoundTripWithAVerifiedSelfSignedCertificate) {
  LayerHarness a(io, server_config());
  auto client_config = config_with({});
  client_config.tls_ca_file = dir / "cert.pem";  // B trusts A's certificate, and checks its IP SAN
  LayerHarness b(io, client_config);
  a.layer().start();
  b.layer().start();

  const Peer to_a{Transport::tls, asio::ip::make_address("127.0.0.1"), a.port(Transport::tls), 0};
  std::vector<SendResult> results;
  EXPECT_TRUE(b.layer().send(to_a, sip_request("SIP/2.0/TLS b.invalid;branch=z9hG4bK-tls1;rport", "tls-1", "MESSAGE", "secret"),
                             [&](const SendResult& r) { results.push_back(r); }));
  ASSERT_TRUE(run_until(io, [&] { return a.received.size() == 1 && results.size() == 1; }));
  ASSERT_TRUE(results[0].ok) << results[0].error;
  const auto& r = a.received[0];
  EXPECT_EQ(r.source.transport, Transport::tls);
  EXPECT_NE(r.source.connection, 0u);
  EXPECT_EQ(r.message.body(), "secret");
  const auto via = r.message.vias()[0];
  EXPECT_EQ(via_param(via, "received"), "127.0.0.1");
  EXPECT_EQ(via_param(via, "rport"), std::to_string(r.source.port));

  a.layer().send(r.source, sip_response("SIP/2.0/TLS b.invalid;branch=z9hG4bK-tls1", 202, "tls-1"));
  ASSERT_TRUE(run_until(io, [&] { return b.received.size() == 1; }));
  EXPECT_EQ(b.received[0].message.status(), 202);
  EXPECT_EQ(b.received[0].source.transport, Transport::tls);
  EXPECT_EQ(b.received[0].source.connection, results[0].connection);
  EXPECT_EQ(a.counter("sip_messages_received_total", {{"transport", "tls"}}), 1u);
  EXPECT_EQ(b.counter("sip_messages_received_total", {{"transport", "tls"}}), 1u);
}

TEST_F(TlsTransport, AnUntrustedServerIsNotSentTo) {
  LayerHarness a(io, server_config());
  auto client_config = config_with({});
  client_config.tls_ca_file = dir / "other-cert.pem";  // not the certificate A presents
  LayerHarness b(io, client_config);
  a.layer().start();
  b.layer().start();
  std::vector<SendResult> results;
  b.layer().send(Peer{Transport::tls, asio::ip::make_address("127.0.0.1"), a.port(Transport::tls), 0},
                 sip_request("SIP/2.0/TLS b.invalid;branch=z9hG4bK-tls2", "tls-2"),
                 [&](const SendResult& r) { results.push_back(r); });
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 1; }));
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("handshake"), std::string::npos) << results[0].error;
  run_for(io, 50ms);
  EXPECT_TRUE(a.received.empty());
  EXPECT_EQ(b.layer().connection_count(), 0u);
}

TEST_F(TlsTransport, HandshakeTimeoutClosesASilentClient) {
  auto config = server_config();
  config.handshake_timeout = 300ms;
  LayerHarness a(io, config);
  a.layer().start();
  tcp::socket client(io);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), a.port(Transport::tls)));
  ASSERT_TRUE(run_until(io, [&] { return a.layer().connection_count() == 1; }));
  bool closed = false;
  char byte;
  client.async_read_some(asio::buffer(&byte, 1), [&](const boost::system::error_code& ec, std::size_t) { closed = bool(ec); });
  ASSERT_TRUE(run_until(io, [&] { return closed; }, 3s));
  EXPECT_EQ(a.layer().connection_count(), 0u);
}

TEST_F(TlsTransport, PlainTextOnATlsPortIsRefused) {
  LayerHarness a(io, server_config());
  a.layer().start();
  tcp::socket client(io);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), a.port(Transport::tls)));
  boost::system::error_code ec;
  asio::write(client, asio::buffer(sip_request("SIP/2.0/TCP h;branch=z9hG4bK-plain")), ec);
  ASSERT_TRUE(run_until(io, [&] {
    return a.counter("sip_connections_refused_total", {{"transport", "tls"}, {"reason", "handshake"}}) == 1;
  }));
  EXPECT_TRUE(a.received.empty());
  ASSERT_TRUE(run_until(io, [&] { return a.layer().connection_count() == 0; }));
}

}  // namespace
}  // namespace imsbox::sip::test
