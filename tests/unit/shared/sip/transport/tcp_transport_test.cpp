// TransportLayer over TCP: stream framing on real sockets, connection ids,
// connections opened by send(), keep-alives, timeouts, caps and peers that
// misbehave.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "sip/parser.h"
#include "transport_test_support.h"

namespace imsbox::sip::test {
namespace {

using tcp = asio::ip::tcp;
using asio::use_awaitable;

tcp::endpoint loopback(std::uint16_t port) { return tcp::endpoint(asio::ip::make_address("127.0.0.1"), port); }

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(use_awaitable);
}

// Reads one Content-Length framed message.
asio::awaitable<std::string> read_message(tcp::socket& s, std::string& buffer) {
  const auto head = co_await asio::async_read_until(s, asio::dynamic_buffer(buffer), "\r\n\r\n", use_awaitable);
  auto parsed = parse_message(buffer.substr(0, head));
  std::size_t body = 0;
  if (const auto* cl = parsed.message ? parsed.message->find(HeaderId::content_length) : nullptr) {
    body = std::stoul(std::string(cl->value));
  }
  if (buffer.size() < head + body) {
    co_await asio::async_read(s, asio::dynamic_buffer(buffer), asio::transfer_exactly(head + body - buffer.size()),
                              use_awaitable);
  }
  std::string message = buffer.substr(0, head + body);
  buffer.erase(0, head + body);
  co_return message;
}

// Waits for the peer to close; true when it did before the timeout.
asio::awaitable<bool> wait_closed(tcp::socket& s) {
  char byte;
  boost::system::error_code ec;
  for (;;) {
    co_await s.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(use_awaitable, ec));
    if (ec) co_return true;
  }
}

class TcpTransport : public ::testing::Test {
 protected:
  explicit TcpTransport(TransportConfig config = config_with({{Transport::tcp, "127.0.0.1", 0, {}}}))
      : server(io, std::move(config)) {
    server.layer().start();
  }
  std::uint16_t port() { return server.port(Transport::tcp); }

  asio::io_context io;
  LayerHarness server;
};

TEST_F(TcpTransport, MessageSplitOverWritesThenResponseOnTheSameConnection) {
  tcp::socket client(io);
  std::string answer;
  const auto request = sip_request("SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-t1", "tcp-1", "MESSAGE", "hello");
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await client.async_connect(loopback(port()), use_awaitable);
    // three writes, cutting the header section and the body
    const std::size_t cuts[] = {0, 30, request.find("\r\n\r\n") + 2, request.size() - 2, request.size()};
    for (int i = 0; i + 1 < 5; ++i) {
      co_await asio::async_write(client, asio::buffer(request.substr(cuts[i], cuts[i + 1] - cuts[i])), use_awaitable);
      co_await sleep_for(30ms);
    }
    std::string buffer;
    answer = co_await read_message(client, buffer);
  });
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  const auto& r = server.received[0];
  EXPECT_EQ(r.message.body(), "hello");
  EXPECT_EQ(r.source.transport, Transport::tcp);
  EXPECT_EQ(r.source.port, client.local_endpoint().port());
  EXPECT_NE(r.source.connection, 0u);
  EXPECT_TRUE(server.layer().is_open(r.source.connection));
  EXPECT_EQ(via_param(r.message.vias()[0], "received"), "127.0.0.1");

  // the response goes back by the connection id
  bool reported = false;
  SendResult result;
  EXPECT_TRUE(server.layer().send(r.source, sip_response("SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-t1", 200, "tcp-1"),
                                  [&](const SendResult& s) {
                                    result = s;
                                    reported = true;
                                  }));
  ASSERT_TRUE(run_until(io, [&] { return task->done && reported; }));
  EXPECT_EQ(task->error, "");
  EXPECT_EQ(answer.rfind("SIP/2.0 200 OK\r\n", 0), 0u);
  EXPECT_NE(answer.find("Call-ID: tcp-1"), std::string::npos);
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.connection, r.source.connection);
  EXPECT_EQ(server.gauge("sip_connections_open", {{"transport", "tcp"}}), 1.0);
  EXPECT_EQ(server.layer().connection_count(), 1u);
}

TEST_F(TcpTransport, CoalescedMessagesAndKeepAlive) {
  tcp::socket client(io);
  std::string pong;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await client.async_connect(loopback(port()), use_awaitable);
    const std::string both = sip_request("SIP/2.0/TCP h;branch=z9hG4bK-a", "a") + "\r\n\r\n" +
                             sip_request("SIP/2.0/TCP h;branch=z9hG4bK-b", "b");
    co_await asio::async_write(client, asio::buffer(both), use_awaitable);
    pong.resize(2);
    co_await asio::async_read(client, asio::buffer(pong), use_awaitable);
  });
  ASSERT_TRUE(run_until(io, [&] { return task->done && server.received.size() == 2; }));
  EXPECT_EQ(task->error, "");
  EXPECT_EQ(pong, "\r\n");
  EXPECT_EQ(server.received[0].message.call_id(), "a");
  EXPECT_EQ(server.received[1].message.call_id(), "b");
  EXPECT_EQ(server.received[0].source.connection, server.received[1].source.connection);
  EXPECT_EQ(server.counter("sip_keepalives_answered_total", {{"transport", "tcp"}}), 1u);
  EXPECT_EQ(server.counter("sip_messages_sent_total", {{"transport", "tcp"}}), 0u);  // a pong is no message
}

TEST_F(TcpTransport, MalformedRequestIsAnsweredOnTheConnection) {
  tcp::socket client(io);
  std::string answer;
  auto bad = sip_request("SIP/2.0/TCP h;branch=z9hG4bK-bad", "bad");
  bad.replace(bad.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 INVITE ");
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await client.async_connect(loopback(port()), use_awaitable);
    co_await asio::async_write(client, asio::buffer(bad), use_awaitable);
    std::string buffer;
    answer = co_await read_message(client, buffer);
  });
  ASSERT_TRUE(run_until(io, [&] { return task->done; }));
  EXPECT_EQ(task->error, "");
  EXPECT_EQ(answer.rfind("SIP/2.0 400 ", 0), 0u) << answer;
  EXPECT_TRUE(server.received.empty());
  EXPECT_EQ(server.dropped("tcp", "rejected"), 1u);
  EXPECT_EQ(server.layer().connection_count(), 1u);  // a bad message is no framing error
}

class TcpFramingErrors : public TcpTransport, public ::testing::WithParamInterface<std::pair<std::string, std::string>> {
 protected:
  TcpFramingErrors() : TcpTransport(small_limit()) {}
  static TransportConfig small_limit() {
    auto c = config_with({{Transport::tcp, "127.0.0.1", 0, {}}});
    c.max_message_bytes = 1000;
    return c;
  }
};

TEST_P(TcpFramingErrors, CloseTheConnection) {
  const auto& [bytes, reason] = GetParam();
  tcp::socket client(io);
  bool closed = false;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await client.async_connect(loopback(port()), use_awaitable);
    boost::system::error_code ec;  // the server may close before all of it is written
    co_await asio::async_write(client, asio::buffer(bytes), asio::redirect_error(use_awaitable, ec));
    closed = co_await wait_closed(client);
  });
  ASSERT_TRUE(run_until(io, [&] { return task->done; }));
  EXPECT_EQ(task->error, "");
  EXPECT_TRUE(closed);
  EXPECT_TRUE(server.received.empty());
  EXPECT_EQ(server.dropped("tcp", reason), 1u);
  ASSERT_TRUE(run_until(io, [&] { return server.layer().connection_count() == 0; }));
  EXPECT_EQ(server.gauge("sip_connections_open", {{"transport", "tcp"}}), 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    Stream, TcpFramingErrors,
    ::testing::Values(
        std::make_pair(std::string("OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
                                   "Content-Length: -4\r\n\r\nbody"),
                       std::string("framing")),
        std::make_pair(std::string("OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
                                   "Content-Length: twelve\r\n\r\n"),
                       std::string("framing")),
        std::make_pair(std::string("OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n"),
                       std::string("framing")),
        std::make_pair(sip_request("SIP/2.0/TCP h;branch=z9hG4bK-big", "big", "MESSAGE", std::string(2000, 'x')),
                       std::string("too_large")),
        std::make_pair("OPTIONS sip:b@example.com SIP/2.0\r\n" + std::string(3000, 'X'), std::string("too_large"))));

TEST_F(TcpTransport, ClientDisconnectingMidMessageCostsNothing) {
  const auto request = sip_request("SIP/2.0/TCP h;branch=z9hG4bK-half", "half", "MESSAGE", "0123456789");
  for (int round = 0; round < 3; ++round) {
    tcp::socket client(io);
    auto task = spawn(io, [&]() -> asio::awaitable<void> {
      co_await client.async_connect(loopback(port()), use_awaitable);
      co_await asio::async_write(client, asio::buffer(request.substr(0, request.size() - 5)), use_awaitable);
      co_await sleep_for(20ms);
      client.close();
    });
    ASSERT_TRUE(run_until(io, [&] { return task->done; }));
    EXPECT_EQ(task->error, "");
  }
  ASSERT_TRUE(run_until(io, [&] { return server.layer().connection_count() == 0; }));
  EXPECT_TRUE(server.received.empty());
  EXPECT_EQ(server.dropped("tcp", "truncated"), 3u);
  EXPECT_EQ(server.gauge("sip_connections_open", {{"transport", "tcp"}}), 0.0);

  // and the next client is served as usual
  tcp::socket client(io);
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await client.async_connect(loopback(port()), use_awaitable);
    co_await asio::async_write(client, asio::buffer(request), use_awaitable);
  });
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
}

TEST(TcpOutbound, SendOpensAConnectionAndKeepsItForBothWays) {
  asio::io_context io;
  LayerHarness a(io, config_with({{Transport::tcp, "127.0.0.1", 0, {}}}));
  LayerHarness b(io, config_with({}));  // no listener at all: a pure client
  a.layer().start();
  b.layer().start();
  const Peer a_peer{Transport::tcp, asio::ip::make_address("127.0.0.1"), a.port(Transport::tcp), 0};

  std::vector<SendResult> results;
  const auto record = [&](const SendResult& r) { results.push_back(r); };
  EXPECT_TRUE(b.layer().send(a_peer, sip_request("SIP/2.0/TCP b.invalid;branch=z9hG4bK-o1", "out-1"), record));
  // a second message before the connection is up waits behind the first, on the same connection
  EXPECT_TRUE(b.layer().send(a_peer, sip_request("SIP/2.0/TCP b.invalid;branch=z9hG4bK-o2", "out-2"), record));
  ASSERT_TRUE(run_until(io, [&] { return a.received.size() == 2 && results.size() == 2; }));
  EXPECT_TRUE(results[0].ok) << results[0].error;
  EXPECT_TRUE(results[1].ok) << results[1].error;
  ASSERT_NE(results[0].connection, 0u);
  EXPECT_EQ(results[0].connection, results[1].connection);
  EXPECT_EQ(a.received[0].message.call_id(), "out-1");
  EXPECT_EQ(a.received[1].message.call_id(), "out-2");
  EXPECT_EQ(b.layer().connection_count(), 1u);
  EXPECT_EQ(a.layer().connection_count(), 1u);

  // A answers over the connection it received on; B gets it on its outbound connection
  a.layer().send(a.received[0].source, sip_response("SIP/2.0/TCP b.invalid;branch=z9hG4bK-o1", 200, "out-1"));
  ASSERT_TRUE(run_until(io, [&] { return b.received.size() == 1; }));
  EXPECT_EQ(b.received[0].message.status(), 200);
  EXPECT_EQ(b.received[0].source.connection, results[0].connection);
  EXPECT_EQ(b.received[0].source.port, a.port(Transport::tcp));

  // a request from A to B's ephemeral port also finds that connection
  a.layer().send(Peer{Transport::tcp, a.received[0].source.address, a.received[0].source.port, 0},
                 sip_request("SIP/2.0/TCP a.invalid;branch=z9hG4bK-back", "back"));
  ASSERT_TRUE(run_until(io, [&] { return b.received.size() == 2; }));
  EXPECT_EQ(b.received[1].message.call_id(), "back");
  EXPECT_EQ(a.layer().connection_count(), 1u);
  EXPECT_EQ(b.counter("sip_messages_sent_total", {{"transport", "tcp"}}), 2u);
}

TEST(TcpOutbound, ClosedConnectionIdFallsBackToANewConnection) {
  asio::io_context io;
  LayerHarness a(io, config_with({{Transport::tcp, "127.0.0.1", 0, {}}}));
  LayerHarness b(io, config_with({}));
  a.layer().start();
  b.layer().start();
  const Peer a_peer{Transport::tcp, asio::ip::make_address("127.0.0.1"), a.port(Transport::tcp), 0};
  std::vector<SendResult> results;
  b.layer().send(a_peer, sip_request("SIP/2.0/TCP b.invalid;branch=z9hG4bK-c1", "c1"),
                 [&](const SendResult& r) { results.push_back(r); });
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 1 && a.received.size() == 1; }));
  const auto first = results[0].connection;
  EXPECT_TRUE(b.layer().close_connection(first));
  EXPECT_FALSE(b.layer().is_open(first));
  EXPECT_FALSE(b.layer().close_connection(first));
  Peer stale = a_peer;
  stale.connection = first;
  b.layer().send(stale, sip_request("SIP/2.0/TCP b.invalid;branch=z9hG4bK-c2", "c2"),
                 [&](const SendResult& r) { results.push_back(r); });
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 2 && a.received.size() == 2; }));
  EXPECT_TRUE(results[1].ok);
  EXPECT_NE(results[1].connection, first);
  // A saw B's first connection go
  ASSERT_TRUE(run_until(io, [&] { return a.closed.size() == 1; }));
  EXPECT_EQ(a.closed[0].connection, a.received[0].source.connection);
}

TEST(TcpOutbound, ConnectFailureIsReported) {
  asio::io_context io;
  std::uint16_t dead_port;
  {
    tcp::acceptor probe(io, loopback(0));
    dead_port = probe.local_endpoint().port();
  }
  LayerHarness b(io, config_with({}));
  b.layer().start();
  std::vector<SendResult> results;
  EXPECT_TRUE(b.layer().send(Peer{Transport::tcp, asio::ip::make_address("127.0.0.1"), dead_port, 0},
                             std::string("OPTIONS ..."), [&](const SendResult& r) { results.push_back(r); }));
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 1; }));
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].error.find("connect"), std::string::npos) << results[0].error;
  EXPECT_EQ(b.counter("sip_send_failures_total", {{"transport", "tcp"}, {"reason", "connect_failed"}}), 1u);
  EXPECT_EQ(b.layer().connection_count(), 0u);
}

class TcpTimeouts : public TcpTransport {
 protected:
  TcpTimeouts() : TcpTransport(short_idle()) {}
  static TransportConfig short_idle() {
    auto c = config_with({{Transport::tcp, "127.0.0.1", 0, {}}});
    c.idle_timeout = 300ms;
    return c;
  }
};

TEST_F(TcpTimeouts, IdleTimeoutClosesASilentConnection) {
  tcp::socket client(io);
  bool closed = false;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await client.async_connect(loopback(port()), use_awaitable);
    closed = co_await wait_closed(client);
  });
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(io, [&] { return task->done; }, 3s));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(took, 250ms);
  EXPECT_EQ(server.layer().connection_count(), 0u);
}

TEST_F(TcpTimeouts, TrafficKeepsAConnectionOpen) {
  tcp::socket client(io);
  int pongs = 0;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await client.async_connect(loopback(port()), use_awaitable);
    for (int i = 0; i < 8; ++i) {  // 8 x 100 ms: well past the 300 ms idle timeout
      co_await asio::async_write(client, asio::buffer(std::string("\r\n\r\n")), use_awaitable);
      char pong[2];
      co_await asio::async_read(client, asio::buffer(pong), use_awaitable);
      ++pongs;
      co_await sleep_for(100ms);
    }
  });
  ASSERT_TRUE(run_until(io, [&] { return task->done; }, 4s));
  EXPECT_EQ(task->error, "");
  EXPECT_EQ(pongs, 8);
  EXPECT_EQ(server.layer().connection_count(), 1u);
}

class TcpCaps : public TcpTransport {
 protected:
  TcpCaps() : TcpTransport(capped()) {}
  static TransportConfig capped() {
    auto c = config_with({{Transport::tcp, "127.0.0.1", 0, {}}});
    c.max_connections_per_address = 2;
    return c;
  }
};

TEST_F(TcpCaps, PerSourceAddressCap) {
  std::vector<std::unique_ptr<tcp::socket>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<tcp::socket>(io));
  for (int i = 0; i < 2; ++i) {
    auto task = spawn(io, [&, i]() -> asio::awaitable<void> {
      co_await clients[i]->async_connect(loopback(port()), use_awaitable);
    });
    ASSERT_TRUE(run_until(io, [&] { return task->done && server.layer().connection_count() == std::size_t(i + 1); }));
  }
  // the third one is accepted by the kernel and closed at once
  bool third_closed = false;
  auto third = spawn(io, [&]() -> asio::awaitable<void> {
    co_await clients[2]->async_connect(loopback(port()), use_awaitable);
    third_closed = co_await wait_closed(*clients[2]);
  });
  ASSERT_TRUE(run_until(io, [&] { return third->done; }));
  EXPECT_TRUE(third_closed);
  EXPECT_EQ(server.counter("sip_connections_refused_total", {{"transport", "tcp"}, {"reason", "address_limit"}}), 1u);
  // the first two still work
  for (int i = 0; i < 2; ++i) {
    asio::write(*clients[i], asio::buffer(sip_request("SIP/2.0/TCP h;branch=z9hG4bK-cap" + std::to_string(i))));
  }
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 2; }));
  // once one goes, a new one is welcome again
  clients[0]->close();
  ASSERT_TRUE(run_until(io, [&] { return server.layer().connection_count() == 1; }));
  tcp::socket again(io);
  again.connect(loopback(port()));
  asio::write(again, asio::buffer(sip_request("SIP/2.0/TCP h;branch=z9hG4bK-again", "again")));
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 3; }));
}

class TcpTotalCap : public TcpTransport {
 protected:
  TcpTotalCap() : TcpTransport(capped()) {}
  static TransportConfig capped() {
    auto c = config_with({{Transport::tcp, "127.0.0.1", 0, {}}});
    c.max_connections = 1;
    return c;
  }
};

TEST_F(TcpTotalCap, TotalCap) {
  tcp::socket first(io), second(io);
  first.connect(loopback(port()));
  ASSERT_TRUE(run_until(io, [&] { return server.layer().connection_count() == 1; }));
  bool closed = false;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await second.async_connect(loopback(port()), use_awaitable);
    closed = co_await wait_closed(second);
  });
  ASSERT_TRUE(run_until(io, [&] { return task->done; }));
  EXPECT_TRUE(closed);
  EXPECT_EQ(server.counter("sip_connections_refused_total", {{"transport", "tcp"}, {"reason", "total_limit"}}), 1u);
  // and an outgoing connection is refused too
  std::vector<SendResult> results;
  EXPECT_FALSE(server.layer().send(Peer{Transport::tcp, asio::ip::make_address("127.0.0.1"), 9, 0}, std::string("x"),
                                   [&](const SendResult& r) { results.push_back(r); }));
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 1; }));
  EXPECT_FALSE(results[0].ok);
}

class TcpWriteQueue : public TcpTransport {
 protected:
  TcpWriteQueue() : TcpTransport(small_queue()) {}
  static TransportConfig small_queue() {
    auto c = config_with({{Transport::tcp, "127.0.0.1", 0, {}}});
    c.max_write_queue_bytes = 5000;
    return c;
  }
};

TEST_F(TcpWriteQueue, OverflowDropsTheConnection) {
  tcp::socket client(io);
  client.connect(loopback(port()));
  asio::write(client, asio::buffer(sip_request("SIP/2.0/TCP h;branch=z9hG4bK-q", "q")));
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1; }));
  const Peer peer = server.received[0].source;
  std::vector<SendResult> results;
  const auto record = [&](const SendResult& r) { results.push_back(r); };
  const std::string chunk(2000, 'z');
  // Without running the loop, only the first write can be under way: the
  // rest queues up, and the third chunk passes the bound.
  EXPECT_TRUE(server.layer().send(peer, chunk, record));
  EXPECT_TRUE(server.layer().send(peer, chunk, record));
  EXPECT_FALSE(server.layer().send(peer, chunk, record));
  EXPECT_FALSE(server.layer().is_open(peer.connection));
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 3; }));
  for (const auto& r : results) EXPECT_FALSE(r.ok);
  EXPECT_EQ(server.counter("sip_send_failures_total", {{"transport", "tcp"}, {"reason", "write_queue_full"}}), 3u);
  EXPECT_EQ(server.layer().connection_count(), 0u);
  // and sending on it now fails cleanly
  EXPECT_TRUE(server.layer().send(peer, chunk, record));  // a TCP peer: a new connection is tried
}

TEST(TcpStop, StopClosesEverythingAndCallsNothingAfterwards) {
  asio::io_context io;
  auto server = std::make_unique<LayerHarness>(io, config_with({{Transport::tcp, "127.0.0.1", 0, {}}}));
  server->layer().start();
  tcp::socket client(io);
  client.connect(loopback(server->port(Transport::tcp)));
  ASSERT_TRUE(run_until(io, [&] { return server->layer().connection_count() == 1; }));
  int callbacks = 0;
  server->layer().send(Peer{Transport::tcp, asio::ip::make_address("127.0.0.1"), 9, 0}, std::string("x"),
                       [&](const SendResult&) { ++callbacks; });
  server.reset();  // destroys the layer with a connection open and a connect pending
  bool closed = false;
  auto task = spawn(io, [&]() -> asio::awaitable<void> { closed = co_await wait_closed(client); });
  ASSERT_TRUE(run_until(io, [&] { return task->done; }));
  EXPECT_TRUE(closed);
  run_for(io, 50ms);
  EXPECT_EQ(callbacks, 0);
}

}  // namespace
}  // namespace imsbox::sip::test
