// Our end of a flow (Peer::local_port): stamped on what arrives, and on a send
// the listener (UDP) or the bound port of a new connection (TCP) it leaves
// from — how the P-CSCF tells its protected ports apart and sends from port_pc
// (TS 33.203 §7.1).
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "transport_test_support.h"

namespace imsbox::sip::test {
namespace {

// A port free for UDP and for TCP alike: a TCP socket bound to it (with
// SO_REUSEADDR, never listening) keeps other processes' connections and
// listeners off it while the test runs — tests run in parallel, and a port the
// kernel gave us for UDP may be some other test's TCP port — yet lets the
// layer's own SO_REUSEADDR connection bind there.
struct TcpReservation {
  explicit TcpReservation(asio::io_context& io) : socket(io) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      asio::ip::tcp::socket tcp(io);
      tcp.open(asio::ip::tcp::v4());
      tcp.set_option(asio::ip::tcp::socket::reuse_address(true));
      tcp.bind({asio::ip::make_address("127.0.0.1"), 0});
      const auto candidate = tcp.local_endpoint().port();
      asio::ip::udp::socket udp(io);
      boost::system::error_code ec;
      udp.open(asio::ip::udp::v4());
      udp.bind({asio::ip::make_address("127.0.0.1"), candidate}, ec);
      if (ec) continue;  // taken for UDP: try another
      port = candidate;
      socket = std::move(tcp);
      return;
    }
  }
  asio::ip::tcp::socket socket;
  std::uint16_t port = 0;
};

struct LocalPort : ::testing::Test {
  // `a`: two UDP listeners (the first is where plain sends leave from; the
  // second on a port also free for TCP) and TCP; `b`: its peer, UDP and TCP.
  LocalPort()
      : reserved(io),
        a(io, config_with({{Transport::udp, "127.0.0.1", 0, {}},
                           {Transport::udp, "127.0.0.1", reserved.port, {}},
                           {Transport::tcp, "127.0.0.1", 0, {}}})),
        b(io, config_with({{Transport::udp, "127.0.0.1", 0, {}}, {Transport::tcp, "127.0.0.1", 0, {}}})) {
    a.layer().start();
    b.layer().start();
    first = a.layer().local_endpoints()[0].port;
    second = a.layer().local_endpoints()[1].port;
    EXPECT_NE(reserved.port, 0);
    EXPECT_EQ(second, reserved.port);
  }

  Peer b_at(Transport t, std::uint16_t local_port) {
    Peer p;
    p.transport = t;
    p.address = asio::ip::make_address("127.0.0.1");
    p.port = b.port(t);
    p.local_port = local_port;
    return p;
  }

  asio::io_context io;
  TcpReservation reserved;
  LayerHarness a, b;
  std::uint16_t first = 0, second = 0;
};

TEST_F(LocalPort, UdpLeavesFromTheListenerNamedAndArrivalsSayWhereTheyCameIn) {
  ASSERT_TRUE(a.layer().send(b_at(Transport::udp, second), sip_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-l1", "l1")));
  ASSERT_TRUE(a.layer().send(b_at(Transport::udp, 0), sip_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-l2", "l2")));
  ASSERT_TRUE(run_until(io, [&] { return b.received.size() == 2; }));
  EXPECT_EQ(b.received[0].source.port, second);
  EXPECT_EQ(b.received[1].source.port, first);  // 0: the first UDP listener
  EXPECT_EQ(b.received[0].source.local_port, b.port(Transport::udp));
  // an answer to the second listener arrives stamped with it
  Peer to_second = b.received[0].source;
  to_second.local_port = 0;
  ASSERT_TRUE(b.layer().send(to_second, sip_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-l3", "l3")));
  ASSERT_TRUE(run_until(io, [&] { return a.received.size() == 1; }));
  EXPECT_EQ(a.received[0].source.local_port, second);
  // a port with no listener: refused, not sent from another one
  EXPECT_FALSE(a.layer().send(b_at(Transport::udp, 9), sip_request("SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-l4", "l4")));
}

TEST_F(LocalPort, ANewTcpConnectionIsBoundToThePortNamed) {
  // the port of a's second UDP listener is free for TCP: the protected client port of a P-CSCF
  ASSERT_TRUE(a.layer().send(b_at(Transport::tcp, second), sip_request("SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-t1", "t1")));
  ASSERT_TRUE(run_until(io, [&] { return b.received.size() == 1; }));
  EXPECT_EQ(b.received[0].source.port, second);
  // b answers on that connection; a sees it on its port
  ASSERT_TRUE(b.layer().send(b.received[0].source, sip_request("SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-t2", "t2")));
  ASSERT_TRUE(run_until(io, [&] { return a.received.size() == 1; }));
  EXPECT_EQ(a.received[0].source.local_port, second);
  EXPECT_NE(a.received[0].source.connection, 0u);
}

TEST_F(LocalPort, APeerThatCameToOurListeningPortIsReachedAgainFromAnEphemeralOne) {
  // b connects to a's TCP listener; the connection goes; a reaches b again
  Peer to_a;
  to_a.transport = Transport::tcp;
  to_a.address = asio::ip::make_address("127.0.0.1");
  to_a.port = a.port(Transport::tcp);
  ASSERT_TRUE(b.layer().send(to_a, sip_request("SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-e1", "e1")));
  ASSERT_TRUE(run_until(io, [&] { return a.received.size() == 1; }));
  Peer back = a.received[0].source;
  EXPECT_EQ(back.local_port, a.port(Transport::tcp));
  ASSERT_TRUE(a.layer().close_connection(back.connection));
  back.connection = 0;
  back.port = b.port(Transport::tcp);
  ASSERT_TRUE(a.layer().send(back, sip_request("SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-e2", "e2")));
  ASSERT_TRUE(run_until(io, [&] { return b.received.size() == 1; }));
  EXPECT_NE(b.received[0].source.port, a.port(Transport::tcp));
}

}  // namespace
}  // namespace imsbox::sip::test
