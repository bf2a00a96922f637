// TransportLayer over WS and WSS (RFC 7118), against Beast WebSocket clients.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <filesystem>
#include <fstream>

#include "runtime/tls_cert.h"
#include "transport_test_support.h"
#include "unit/test_dir.h"

namespace imsbox::sip::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

tcp::endpoint loopback(std::uint16_t port) { return tcp::endpoint(asio::ip::make_address("127.0.0.1"), port); }

template <typename Ws>
asio::awaitable<std::string> handshake(Ws& ws, std::uint16_t port, std::string offered) {
  ws.set_option(websocket::stream_base::decorator([offered](websocket::request_type& req) {
    if (!offered.empty()) req.set(http::field::sec_websocket_protocol, offered);
  }));
  websocket::response_type res;
  co_await ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), "/", use_awaitable);
  co_return std::string(res[http::field::sec_websocket_protocol]);
}

template <typename Ws>
asio::awaitable<std::string> read_one(Ws& ws) {
  beast::flat_buffer b;
  co_await ws.async_read(b, use_awaitable);
  co_return beast::buffers_to_string(b.data());
}

// The exchange both kinds run once connected (and, for WSS, after TLS):
// handshake with "sip", a request up, a response and a request down, a
// keep-alive, a close.
struct Exchange {
  std::string negotiated, response, request, pong;
  std::uint16_t local_port = 0;
};

template <typename Ws>
asio::awaitable<void> exchange(Ws& ws, std::uint16_t port, std::string transport, Exchange& out) {
  out.local_port = beast::get_lowest_layer(ws).socket().local_endpoint().port();
  out.negotiated = co_await handshake(ws, port, "sip");
  ws.text(true);
  co_await ws.async_write(
      asio::buffer(sip_request("SIP/2.0/" + transport + " df7jal23ls0d.invalid;branch=z9hG4bK-w1;rport", "ws-1")),
      use_awaitable);
  out.response = co_await read_one(ws);
  out.request = co_await read_one(ws);
  co_await ws.async_write(asio::buffer(std::string("\r\n\r\n")), use_awaitable);
  out.pong = co_await read_one(ws);
  co_await ws.async_close(websocket::close_code::normal, use_awaitable);
}

// The server side of the exchange; returns after the client has closed.
void serve_exchange(asio::io_context& io, LayerHarness& server, const std::shared_ptr<Task>& task,
                    Transport transport, const Exchange& client) {
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1 || task->done; }));
  ASSERT_EQ(server.received.size(), 1u) << task->error;
  const auto& r = server.received[0];
  EXPECT_EQ(r.source.transport, transport);
  EXPECT_NE(r.source.connection, 0u);
  EXPECT_EQ(r.source.port, client.local_port);
  const auto via = r.message.vias()[0];
  EXPECT_EQ(via_param(via, "received"), "127.0.0.1");  // the .invalid host differs
  EXPECT_EQ(via_param(via, "rport"), std::to_string(client.local_port));
  const std::string t(to_string(transport));
  std::vector<SendResult> results;
  EXPECT_TRUE(server.layer().send(r.source, sip_response("SIP/2.0/" + t + " df7jal23ls0d.invalid;branch=z9hG4bK-w1"),
                                  [&](const SendResult& s) { results.push_back(s); }));
  EXPECT_TRUE(server.layer().send(r.source,
                                  sip_request("SIP/2.0/" + t + " ims.test;branch=z9hG4bK-down", "ws-down", "MESSAGE",
                                              "caf\xc3\xa9"),
                                  [&](const SendResult& s) { results.push_back(s); }));
  ASSERT_TRUE(run_until(io, [&] { return task->done; }));
  EXPECT_EQ(task->error, "");
  EXPECT_EQ(client.negotiated, "sip");
  EXPECT_EQ(client.response.rfind("SIP/2.0 200 OK\r\n", 0), 0u) << client.response;
  EXPECT_EQ(client.request.rfind("MESSAGE sip:bob@example.com SIP/2.0\r\n", 0), 0u) << client.request;
  EXPECT_NE(client.request.find("caf\xc3\xa9"), std::string::npos);
  EXPECT_EQ(client.pong, "\r\n");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok && results[1].ok);
  // the layer above hears that the connection went
  ASSERT_TRUE(run_until(io, [&] { return server.closed.size() == 1; }));
  EXPECT_EQ(server.closed[0].connection, r.source.connection);
  EXPECT_FALSE(server.layer().is_open(r.source.connection));
  EXPECT_EQ(server.layer().connection_count(), 0u);
}

TEST(WsTransport, ClientOfferingSipExchangesBothWays) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::ws, "127.0.0.1", 0, {}}}));
  server.layer().start();
  const auto port = server.port(Transport::ws);
  websocket::stream<beast::tcp_stream> ws(io);
  Exchange client;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await beast::get_lowest_layer(ws).async_connect(loopback(port), use_awaitable);
    co_await exchange(ws, port, "WS", client);
  });
  serve_exchange(io, server, task, Transport::ws, client);
  EXPECT_EQ(server.counter("sip_messages_sent_total", {{"transport", "ws"}}), 2u);
  EXPECT_EQ(server.counter("sip_keepalives_answered_total", {{"transport", "ws"}}), 1u);
}

TEST(WsTransport, ClientNotOfferingSipIsRefused) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::ws, "127.0.0.1", 0, {}}}));
  server.layer().start();
  const auto port = server.port(Transport::ws);
  for (const std::string offered : {"", "xmpp, mqtt"}) {
    websocket::stream<beast::tcp_stream> ws(io);
    auto task = spawn(io, [&]() -> asio::awaitable<void> {
      co_await beast::get_lowest_layer(ws).async_connect(loopback(port), use_awaitable);
      co_await handshake(ws, port, offered);
    });
    ASSERT_TRUE(run_until(io, [&] { return task->done; }));
    EXPECT_NE(task->error, "") << "the upgrade succeeded offering '" << offered << "'";
  }
  EXPECT_EQ(server.counter("sip_connections_refused_total", {{"transport", "ws"}, {"reason", "no_subprotocol"}}), 2u);
  ASSERT_TRUE(run_until(io, [&] { return server.layer().connection_count() == 0; }));
  EXPECT_TRUE(server.received.empty());
  EXPECT_TRUE(server.closed.empty());  // never a SIP connection
}

TEST(WsTransport, BinaryFramesAndSubprotocolListsAreAccepted) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::ws, "127.0.0.1", 0, {}}}));
  server.layer().start();
  const auto port = server.port(Transport::ws);
  websocket::stream<beast::tcp_stream> ws(io);
  std::string negotiated;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await beast::get_lowest_layer(ws).async_connect(loopback(port), use_awaitable);
    negotiated = co_await handshake(ws, port, "xmpp, sip");
    ws.binary(true);
    co_await ws.async_write(asio::buffer(sip_request("SIP/2.0/WS h.invalid;branch=z9hG4bK-bin", "bin")), use_awaitable);
  });
  ASSERT_TRUE(run_until(io, [&] { return server.received.size() == 1 && task->done; }));
  EXPECT_EQ(task->error, "");
  EXPECT_EQ(negotiated, "sip");
  EXPECT_EQ(server.received[0].message.call_id(), "bin");
}

TEST(WsTransport, OversizedMessageClosesTheConnection) {
  asio::io_context io;
  auto config = config_with({{Transport::ws, "127.0.0.1", 0, {}}});
  config.max_message_bytes = 1000;
  LayerHarness server(io, config);
  server.layer().start();
  const auto port = server.port(Transport::ws);
  websocket::stream<beast::tcp_stream> ws(io);
  boost::system::error_code read_error;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await beast::get_lowest_layer(ws).async_connect(loopback(port), use_awaitable);
    co_await handshake(ws, port, "sip");
    co_await ws.async_write(
        asio::buffer(sip_request("SIP/2.0/WS h.invalid;branch=z9hG4bK-big", "big", "MESSAGE", std::string(2000, 'x'))),
        use_awaitable);
    beast::flat_buffer b;
    co_await ws.async_read(b, asio::redirect_error(use_awaitable, read_error));
  });
  ASSERT_TRUE(run_until(io, [&] { return task->done; }));
  EXPECT_TRUE(read_error);
  EXPECT_TRUE(server.received.empty());
  EXPECT_EQ(server.dropped("ws", "too_large"), 1u);
  ASSERT_TRUE(run_until(io, [&] { return server.layer().connection_count() == 0; }));
}

TEST(WsTransport, AWebSocketClientIsReachableOnlyOverItsConnection) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::ws, "127.0.0.1", 0, {}}}));
  server.layer().start();
  std::vector<SendResult> results;
  EXPECT_FALSE(server.layer().send(Peer{Transport::ws, asio::ip::make_address("127.0.0.1"), 5555, 0},
                                   std::string("x"), [&](const SendResult& r) { results.push_back(r); }));
  EXPECT_FALSE(server.layer().send(Peer{Transport::wss, asio::ip::make_address("127.0.0.1"), 5555, 42},
                                   std::string("x"), [&](const SendResult& r) { results.push_back(r); }));
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 2; }));
  EXPECT_FALSE(results[0].ok);
  EXPECT_FALSE(results[1].ok);
  EXPECT_EQ(server.counter("sip_send_failures_total", {{"transport", "ws"}, {"reason", "no_connection"}}), 1u);
  EXPECT_EQ(server.layer().connection_count(), 0u);
}

TEST(WsTransport, PlainHttpGetIsTurnedAway) {
  asio::io_context io;
  LayerHarness server(io, config_with({{Transport::ws, "127.0.0.1", 0, {}}}));
  server.layer().start();
  tcp::socket client(io);
  client.connect(loopback(server.port(Transport::ws)));
  asio::write(client, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string reply;
  bool done = false;
  auto buffer = std::make_shared<std::string>();
  asio::async_read(client, asio::dynamic_buffer(*buffer),
                   [&, buffer](const boost::system::error_code&, std::size_t) {
                     reply = *buffer;
                     done = true;
                   });
  ASSERT_TRUE(run_until(io, [&] { return done; }));
  EXPECT_EQ(reply.rfind("HTTP/1.1 426", 0), 0u) << reply;
}

// One plain HTTP request on a fresh connection; the whole reply (the server closes).
std::string http_exchange(asio::io_context& io, std::uint16_t port, const std::string& request) {
  tcp::socket client(io);
  client.connect(loopback(port));
  asio::write(client, asio::buffer(request));
  bool done = false;
  auto buffer = std::make_shared<std::string>();
  asio::async_read(client, asio::dynamic_buffer(*buffer),
                   [&, buffer](const boost::system::error_code&, std::size_t) { done = true; });
  EXPECT_TRUE(run_until(io, [&] { return done; }));
  return *buffer;
}

TEST(WsTransport, PlainHttpGetsTheWebClientsFilesWhenThereIsAWebRoot) {
  imsbox::testing::TempDir dir;
  std::filesystem::create_directories(dir / "www");
  { std::ofstream(dir / "www/index.html") << "<p>hello</p>"; }
  { std::ofstream(dir / "secret.txt") << "secret"; }
  asio::io_context io;
  auto config = config_with({{Transport::ws, "127.0.0.1", 0, {}}});
  config.web_root = dir / "www";
  LayerHarness server(io, config);
  server.layer().start();
  const auto port = server.port(Transport::ws);

  auto reply = http_exchange(io, port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Type: text/html; charset=utf-8"), std::string::npos) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\n<p>hello</p>")) << reply;

  reply = http_exchange(io, port, "HEAD /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Length: 12"), std::string::npos) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;

  reply = http_exchange(io, port, "GET /%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 404", 0), 0u) << reply;
  EXPECT_EQ(reply.find("secret\n"), std::string::npos) << reply;

  // a body is not read: the server answers and closes, whatever keep-alive says
  reply = http_exchange(io, port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(reply.rfind("HTTP/1.1 405", 0), 0u) << reply;
  EXPECT_NE(reply.find("Allow: GET, HEAD"), std::string::npos) << reply;

  // two requests on one keep-alive connection, the second one closing it
  reply = http_exchange(io, port,
                        "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
                        "GET /nothing.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("HTTP/1.1 404"), std::string::npos) << reply;

  EXPECT_EQ(server.counter("web_responses_total", {{"transport", "ws"}, {"status", "200"}}), 3u);
  EXPECT_EQ(server.counter("web_responses_total", {{"transport", "ws"}, {"status", "404"}}), 2u);
  EXPECT_EQ(server.counter("web_responses_total", {{"transport", "ws"}, {"status", "405"}}), 1u);
}

class WssTransport : public ::testing::Test {
 protected:
  WssTransport() { runtime::make_self_signed_certificate("ims.test", dir / "cert.pem", dir / "key.pem"); }
  imsbox::testing::TempDir dir;
};

TEST_F(WssTransport, ClientOfferingSipExchangesBothWays) {
  asio::io_context io;
  auto config = config_with({{Transport::wss, "127.0.0.1", 0, {}}});
  config.tls_certificate_file = dir / "cert.pem";
  config.tls_private_key_file = dir / "key.pem";
  LayerHarness server(io, config);
  server.layer().start();
  const auto port = server.port(Transport::wss);

  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file((dir / "cert.pem").string());
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, ctx);
  ws.next_layer().set_verify_mode(ssl::verify_peer);
  ws.next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  Exchange client;
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await beast::get_lowest_layer(ws).async_connect(loopback(port), use_awaitable);
    co_await ws.next_layer().async_handshake(ssl::stream_base::client, use_awaitable);
    co_await exchange(ws, port, "WSS", client);
  });
  serve_exchange(io, server, task, Transport::wss, client);
}

TEST_F(WssTransport, ClientNotOfferingSipIsRefused) {
  asio::io_context io;
  auto config = config_with({{Transport::wss, "127.0.0.1", 0, {}}});
  config.tls_certificate_file = dir / "cert.pem";
  config.tls_private_key_file = dir / "key.pem";
  LayerHarness server(io, config);
  server.layer().start();
  const auto port = server.port(Transport::wss);
  ssl::context ctx(ssl::context::tls_client);
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, ctx);
  auto task = spawn(io, [&]() -> asio::awaitable<void> {
    co_await beast::get_lowest_layer(ws).async_connect(loopback(port), use_awaitable);
    co_await ws.next_layer().async_handshake(ssl::stream_base::client, use_awaitable);
    co_await handshake(ws, port, "");
  });
  ASSERT_TRUE(run_until(io, [&] { return task->done; }));
  EXPECT_NE(task->error, "");
  EXPECT_EQ(server.counter("sip_connections_refused_total", {{"transport", "wss"}, {"reason", "no_subprotocol"}}), 1u);
  EXPECT_TRUE(server.received.empty());
}

}  // namespace
}  // namespace imsbox::sip::test
