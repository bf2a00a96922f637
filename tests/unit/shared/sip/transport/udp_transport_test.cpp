// TransportLayer over UDP: datagram framing, §18.2.1 Via stamping, the
// malformed-input policy.
#include <gtest/gtest.h>

#include <boost/asio/ip/udp.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <thread>

#include "sip/parser.h"
#include "transport_test_support.h"

namespace imsbox::sip::test {
namespace {

using udp = asio::ip::udp;

class UdpTransport : public ::testing::Test {
 protected:
  UdpTransport() : server(io, config_with({{Transport::udp, "127.0.0.1", 0, {}}})), client(io) {
    server.layer().start();
    client.open(udp::v4());
    client.bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.non_blocking(true);
    to_server = udp::endpoint(asio::ip::make_address("127.0.0.1"), server.port(Transport::udp));
  }

  void send_datagram(std::string_view bytes) { client.send_to(asio::buffer(bytes.data(), bytes.size()), to_server); }

  // The next datagram for the client, or empty after the timeout.
  std::string receive_datagram(std::chrono::milliseconds timeout = 3s) {
    std::string got;
    bool done = false;
    std::vector<char> buf(70000);
    udp::endpoint from;
    client.async_receive_from(asio::buffer(buf), from, [&](const boost::system::error_code& ec, std::size_t n) {
      done = true;
      if (!ec) got.assign(buf.data(), n);
    });
    if (!run_until(io, [&] { return done; }, timeout)) {
      client.cancel();
      run_until(io, [&] { return done; }, 1s);
    }
    return got;
  }

  asio::io_context io;
  LayerHarness server;
  udp::socket client;
  udp::endpoint to_server;
};

TEST_F(UdpTransport, BindsAnEphemeralPort) {
  const auto endpoints = server.layer().local_endpoints();
  ASSERT_EQ(endpoints.size(), 1u);
  EXPECT_EQ(endpoints[0].transport, Transport::udp);
  EXPECT_EQ(endpoints[0].address.to_string(), "127.0.0.1");
  EXPECT_NE(endpoints[0].port, 0);
  EXPECT_FALSE(server.layer().local_endpoint(Transport::tcp).has_value());
}

// A burst that arrives while the loop is busy waits in the socket's receive
// buffer: with the kernel's default (~200 KB) most of 2,000 1-KB requests are
// dropped (and come back as retransmissions, adding to the load).
TEST_F(UdpTransport, ABurstWaitsInTheReceiveBufferInsteadOfBeingDropped) {
  std::ifstream rmem_max_file("/proc/sys/net/core/rmem_max");
  std::size_t rmem_max = 0;
  rmem_max_file >> rmem_max;
  if (rmem_max < 4 * 1024 * 1024) GTEST_SKIP() << "net.core.rmem_max " << rmem_max << " caps the buffer below 4 MiB";
  constexpr int burst = 2000;
  const std::string padding(800, 'x');
  for (int i = 0; i < burst; ++i)
    send_datagram(sip_request("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-b" + std::to_string(i),
                              "burst-" + std::to_string(i), "MESSAGE", padding));
  EXPECT_TRUE(run_until(io, [&] { return server.received.size() == burst; }, 10s))
      << server.received.size() << " of " << burst << " received";
}

// The overload measure: how long the datagram read last waited in the queue.
TEST_F(UdpTransport, ReceiveDelayIsTheTimeADatagramWaitedToBeRead) {
  send_datagram(sip_request("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d1", "delay-1"));
  std::this_thread::sleep_for(300ms);  // the loop is not running: the datagram waits
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  const auto waited = server.layer().receive_delay();
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 10s);
  send_datagram(sip_request("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d2", "delay-2"));
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 2; }));
  EXPECT_LT(server.layer().receive_delay(), waited);  // read as soon as it came
}

TEST_F(UdpTransport, RequestGetsReceivedAndRportThenResponseGoesBack) {
  send_datagram(sip_request("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-u1;rport"));
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  const auto& r = server.received[0];
  const auto client_port = client.local_endpoint().port();
  EXPECT_EQ(r.source.transport, Transport::udp);
  EXPECT_EQ(r.source.address.to_string(), "127.0.0.1");
  EXPECT_EQ(r.source.port, client_port);
  EXPECT_EQ(r.source.connection, 0u);
  EXPECT_EQ(r.message.method(), "OPTIONS");
  const auto vias = r.message.vias();
  ASSERT_EQ(vias.size(), 1u);
  EXPECT_EQ(via_param(vias[0], "received"), "127.0.0.1");
  EXPECT_EQ(via_param(vias[0], "rport"), std::to_string(client_port));
  EXPECT_EQ(server.counter("sip_messages_received_total", {{"transport", "udp"}}), 1u);

  // the answer goes to the source, from the listener's port
  SendResult result;
  bool reported = false;
  EXPECT_TRUE(server.layer().send(r.source, sip_response(std::string(r.message.find(HeaderId::via)->value)),
                                  [&](const SendResult& s) {
                                    result = s;
                                    reported = true;
                                  }));
  EXPECT_FALSE(reported);  // never from inside send()
  const auto answer = receive_datagram();
  ASSERT_FALSE(answer.empty());
  EXPECT_EQ(answer.rfind("SIP/2.0 200 OK\r\n", 0), 0u);
  EXPECT_NE(answer.find("received=127.0.0.1"), std::string::npos);
  ASSERT_TRUE(run_until(io, [&] { return reported; }));
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_EQ(server.counter("sip_messages_sent_total", {{"transport", "udp"}}), 1u);
}

TEST_F(UdpTransport, ViaMatchingTheSourceIsLeftAlone) {
  const std::string via = "SIP/2.0/UDP 127.0.0.1:" + std::to_string(client.local_endpoint().port()) +
                          ";branch=z9hG4bK-u2";
  send_datagram(sip_request(via));
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  EXPECT_EQ(server.received[0].message.find(HeaderId::via)->value, via);
}

TEST_F(UdpTransport, MalformedRequestIsAnswered400AndNotHandedUp) {
  auto bad = sip_request("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-bad;rport", "bad-call");
  bad.replace(bad.find("Max-Forwards: 70"), 16, "Max-Forwards: lots");
  send_datagram(bad);
  const auto answer = receive_datagram();
  ASSERT_FALSE(answer.empty());
  auto parsed = parse_message(answer);
  ASSERT_TRUE(parsed.well_formed()) << parsed.reason;
  EXPECT_EQ(parsed.message->status(), 400);
  EXPECT_NE(parsed.message->reason().find("Max-Forwards"), std::string_view::npos);
  EXPECT_EQ(parsed.message->call_id(), "bad-call");
  EXPECT_EQ(parsed.message->vias()[0].branch(), "z9hG4bK-bad");
  EXPECT_TRUE(server.received.empty());
  EXPECT_EQ(server.dropped("udp", "rejected"), 1u);
  EXPECT_EQ(server.dropped("udp", "malformed"), 0u);
}

TEST_F(UdpTransport, UnanswerableGarbageIsDroppedAndCounted) {
  // a response without its core fields, a request without a Via, and noise
  send_datagram("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK-x\r\nContent-Length: 0\r\n\r\n");
  send_datagram("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
  send_datagram("\x16\x03\x01 not sip at all");
  ASSERT_TRUE(run_until(io, [&] { return server.dropped("udp", "malformed") == 3; }));
  EXPECT_TRUE(receive_datagram(300ms).empty());  // nothing is answered
  EXPECT_TRUE(server.received.empty());
  // the counters are in the exposition, with fixed labels
  const auto text = server.metrics().render();
  EXPECT_NE(text.find("sip_messages_dropped_total{transport=\"udp\",reason=\"malformed\"} 3"), std::string::npos)
      << text;
}

TEST_F(UdpTransport, KeepAliveDatagramsAreIgnored) {
  send_datagram("\r\n\r\n");
  send_datagram(sip_request("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-after"));
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  EXPECT_EQ(server.dropped("udp", "malformed"), 0u);
}

TEST(UdpTransportLimits, OversizedDatagramIsDropped) {
  asio::io_context io;
  auto config = config_with({{Transport::udp, "127.0.0.1", 0, {}}});
  config.max_message_bytes = 600;
  LayerHarness server(io, config);
  server.layer().start();
  udp::socket client(io, udp::endpoint(udp::v4(), 0));
  const udp::endpoint to(asio::ip::make_address("127.0.0.1"), server.port(Transport::udp));
  const auto big = sip_request("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-big", "big", "MESSAGE", std::string(700, 'x'));
  const auto fits = sip_request("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-fit", "fit", "MESSAGE", std::string(100, 'x'));
  client.send_to(asio::buffer(big), to);
  client.send_to(asio::buffer(fits), to);
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  EXPECT_EQ(server.received[0].message.call_id(), "fit");
  EXPECT_EQ(server.dropped("udp", "too_large"), 1u);
}

TEST(UdpTransportSend, FailsWithoutASocketOfThatFamily) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::udp, "127.0.0.1", 0, {}}}));
  server.layer().start();
  SendResult result;
  bool reported = false;
  const Peer v6{Transport::udp, asio::ip::make_address("::1"), 5060, 0};
  EXPECT_FALSE(server.layer().send(v6, std::string("x"), [&](const SendResult& r) {
    result = r;
    reported = true;
  }));
  ASSERT_TRUE(run_until(io, [&] { return reported; }));
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.error.empty());
}

TEST(UdpTransportSend, NothingBeforeStart) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::udp, "127.0.0.1", 0, {}}}));
  const Peer p{Transport::udp, asio::ip::make_address("127.0.0.1"), 5060, 0};
  EXPECT_FALSE(server.layer().send(p, std::string("x")));
}

TEST(UdpTransportIPv6, RequestOverLoopback) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::udp, "::1", 0, {}}}));
  try {
    server.layer().start();
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  udp::socket client(io, udp::endpoint(asio::ip::make_address("::1"), 0));
  const udp::endpoint to(asio::ip::make_address("::1"), server.port(Transport::udp));
  client.send_to(asio::buffer(sip_request("SIP/2.0/UDP [2001:db8::5];branch=z9hG4bK-v6;rport")), to);
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  const auto via = server.received[0].message.vias()[0];
  EXPECT_EQ(via_param(via, "received"), "::1");
  EXPECT_EQ(via_param(via, "rport"), std::to_string(client.local_endpoint().port()));
}

TEST(TransportLayerStart, PortInUseNamesTheListener) {
  asio::io_context io;
  LayerHarness a(io, config_with({{Transport::tcp, "127.0.0.1", 0, {}}}));
  a.layer().start();
  LayerHarness b(io, config_with({{Transport::udp, "127.0.0.1", 0, {}}, {Transport::tcp, "127.0.0.1", a.port(Transport::tcp), {}}}));
  try {
    b.layer().start();
    ADD_FAILURE() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("TCP 127.0.0.1:" + std::to_string(a.port(Transport::tcp))), std::string::npos)
        << e.what();
  }
}

TEST(TransportLayerStart, TlsListenerWithoutCertificateIsAConfigurationError) {
  asio::io_context io;
  LayerHarness a(io, config_with({{Transport::tls, "127.0.0.1", 0, {}}}));
  try {
    a.layer().start();
    ADD_FAILURE() << "started TLS without a certificate";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tls_certificate_file"), std::string::npos) << e.what();
  }
}


// The receive buffer asked for: a warning only when the kernel grants less
// (Boost.Asio already halves the doubled figure Linux reports for SO_RCVBUF).
std::string start_log(std::size_t receive_buffer_bytes) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("imsbox-rcvbuf-" + std::to_string(::getpid()) + "-" + std::to_string(receive_buffer_bytes) + ".log");
  {
    asio::io_context io;
    runtime::SystemClock clock;
    runtime::Logger log("transport-test", runtime::LogLevel::warning, path, clock);
    runtime::Metrics metrics;
    auto config = config_with({{Transport::udp, "127.0.0.1", 0, {}}});
    config.udp_receive_buffer_bytes = receive_buffer_bytes;
    TransportLayer layer(io, std::move(config), log, metrics, [](Message&&, const Peer&) {});
    layer.start();
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return text;
}

std::size_t rmem_max() {
  std::ifstream in("/proc/sys/net/core/rmem_max");
  std::size_t v = 0;
  in >> v;
  return v;
}

TEST(UdpReceiveBuffer, NoWarningWhenTheKernelGrantsWhatWasAsked) {
  const std::size_t asked = std::min<std::size_t>(rmem_max(), 64 * 1024);
  ASSERT_GT(asked, 0u);
  EXPECT_EQ(start_log(asked).find("receive buffer"), std::string::npos);
}

TEST(UdpReceiveBuffer, AWarningWhenTheKernelGrantsLess) {
  const std::size_t max = rmem_max();
  ASSERT_GT(max, 0u);
  const auto log = start_log(max * 4);
  EXPECT_NE(log.find("receive buffer " + std::to_string(max) + " bytes, not " + std::to_string(max * 4)),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace imsbox::sip::test
