// SIP over WebSocket, WS and WSS (RFC 7118): the server side. The upgrade
// must offer the "sip" subprotocol; then every WebSocket message, text or
// binary, is one SIP message, and every SIP message we send is one
// WebSocket message. The only file that sees Beast's WebSocket.
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>
#include <type_traits>

#include "sip/text.h"
#include "sip/transport/layer_impl.h"

namespace imsbox::sip::transport_detail {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;

constexpr std::size_t kUpgradeHeaderLimit = 8 * 1024;

// Sec-WebSocket-Protocol: a comma-separated list of tokens; RFC 7118 §4 names "sip".
bool offers_sip(std::string_view header) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto item = text::trim(header.substr(0, comma));
    if (text::iequals(item, "sip")) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// A text frame must carry UTF-8 (RFC 6455 §5.6); anything else goes in a
// binary frame, which RFC 7118 §5.1 allows as well.
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool is_peer_gone(const boost::system::error_code& ec) {
  return ec == websocket::error::closed || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

template <bool Secure>
class WsConnection final : public Connection {
  using Next = std::conditional_t<Secure, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  WsConnection(std::shared_ptr<TransportLayer::Impl> layer, Peer peer, tcp::socket socket)
    requires Secure
      : Connection(std::move(layer), std::move(peer), true), ws_(std::move(socket), *layer_->tls_server) {}

  WsConnection(std::shared_ptr<TransportLayer::Impl> layer, Peer peer, tcp::socket socket)
    requires(!Secure)
      : Connection(std::move(layer), std::move(peer), true), ws_(std::move(socket)) {}

  void run() {
    beast::get_lowest_layer(ws_).expires_after(layer_->config.handshake_timeout);
    if constexpr (Secure) {
      ws_.next_layer().async_handshake(ssl::stream_base::server,
                                       [self = shared()](const boost::system::error_code& ec) { self->on_tls(ec); });
    } else {
      read_upgrade();
    }
  }

 private:
  std::shared_ptr<WsConnection> shared() { return std::static_pointer_cast<WsConnection>(shared_from_this()); }

  void refused(RefusedReason reason, std::string_view why) {
    layer_->metrics.refused(peer_.transport, reason).inc();
    layer_->log.info("refused " + to_string(peer_) + ": " + std::string(why));
    close(why);
  }

  // ---- setup: TLS, the HTTP upgrade with the "sip" subprotocol ----
  void on_tls(const boost::system::error_code& ec) {
    if (!is_open()) return;
    if (ec) return refused(RefusedReason::handshake, "TLS handshake failed: " + ec.message());
    read_upgrade();
  }

  void read_upgrade() {
    parser_.emplace();
    parser_->header_limit(kUpgradeHeaderLimit);
    http::async_read(ws_.next_layer(), buffer_, *parser_,
                     [self = shared()](const boost::system::error_code& ec, std::size_t) { self->on_upgrade(ec); });
  }

  void on_upgrade(const boost::system::error_code& ec) {
    if (!is_open()) return;
    if (ec) return refused(RefusedReason::handshake, "WebSocket upgrade request: " + ec.message());
    const auto& req = parser_->get();
    if (!websocket::is_upgrade(req)) {
      return reject(req, http::status::upgrade_required, "a WebSocket upgrade (RFC 7118) is expected here\n",
                    RefusedReason::handshake);
    }
    if (!offers_sip(req[http::field::sec_websocket_protocol])) {
      return reject(req, http::status::bad_request, "the WebSocket subprotocol \"sip\" (RFC 7118) is required\n",
                    RefusedReason::no_subprotocol);
    }
    // From here Beast's own timeouts: the handshake's, then idle with pings
    // at half time so that a live browser keeps its connection.
    beast::get_lowest_layer(ws_).expires_never();
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = layer_->config.handshake_timeout;
    timeouts.idle_timeout = layer_->config.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::sec_websocket_protocol, "sip");
      res.set(http::field::server, "imsbox");
    }));
    ws_.read_message_max(layer_->config.max_message_bytes);
    ws_.async_accept(req, [self = shared()](const boost::system::error_code& accept_ec) { self->on_accept(accept_ec); });
  }

  void reject(const http::request<http::empty_body>& req, http::status status, std::string body,
              RefusedReason reason) {
    refusal_.emplace(status, req.version());
    refusal_->set(http::field::server, "imsbox");
    refusal_->set(http::field::content_type, "text/plain; charset=utf-8");
    if (status == http::status::upgrade_required) {
      refusal_->set(http::field::upgrade, "websocket");
      refusal_->set(http::field::sec_websocket_protocol, "sip");
    }
    refusal_->keep_alive(false);
    refusal_->body() = std::move(body);
    refusal_->prepare_payload();
    const std::string why = refusal_->body().substr(0, refusal_->body().size() - 1);
    layer_->metrics.refused(peer_.transport, reason).inc();
    layer_->log.info("refused " + to_string(peer_) + ": " + why);
    // still under the handshake deadline of the tcp_stream
    http::async_write(ws_.next_layer(), *refusal_,
                      [self = shared(), why](const boost::system::error_code&, std::size_t) { self->close(why); });
  }

  void on_accept(const boost::system::error_code& ec) {
    if (!is_open()) return;
    if (ec) return refused(RefusedReason::handshake, "WebSocket handshake failed: " + ec.message());
    parser_.reset();
    buffer_.consume(buffer_.size());  // a client waits for 101 before its first frame
    ready();
    if (is_open()) read();
  }

  // ---- reading: one SIP message per WebSocket message ----
  void read() {
    ws_.async_read(buffer_, [self = shared()](const boost::system::error_code& ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(const boost::system::error_code& ec) {
    if (!is_open()) return;
    if (ec) {
      if (is_peer_gone(ec)) {
        closed_by_peer("closed by the peer", buffer_.size() > 0);
      } else if (ec == websocket::error::message_too_big) {
        layer_->metrics.dropped(peer_.transport, DropReason::too_large).inc();
        layer_->log.info("closing " + to_string(peer_) + ": WebSocket message larger than " +
                         std::to_string(layer_->config.max_message_bytes) + " bytes");
        close("message too large");
      } else if (ec == beast::error::timeout) {
        close("idle timeout");
      } else {
        close("read failed: " + ec.message());
      }
      return;
    }
    std::string bytes = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    touch();
    if (bytes == "\r\n\r\n") {
      // Not in RFC 7118, but SIP.js and others send RFC 5626 pings over WS too.
      layer_->metrics.keepalives(peer_.transport).inc();
      send("\r\n", {}, false);
    } else if (bytes.find_first_not_of("\r\n") != std::string::npos) {
      deliver(std::move(bytes), Framing::datagram);
    }
    if (is_open()) read();
  }

  // ---- writing ----
  void write(const std::string& bytes) override {
    ws_.text(is_utf8(bytes));
    ws_.async_write(asio::buffer(bytes),
                    [self = shared()](const boost::system::error_code& ec, std::size_t) { self->on_write_done(ec); });
  }

  void shutdown_transport() override {
    // No WebSocket close handshake: we are done with this peer either way.
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::string_body>> refusal_;
};

}  // namespace

void start_ws_server(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t, tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  Peer peer{t, remote.address(), remote.port(), layer->next_connection_id()};
  if (t == Transport::wss) {
    auto c = std::make_shared<WsConnection<true>>(layer, std::move(peer), std::move(socket));
    layer->register_connection(c);
    c->run();
  } else {
    auto c = std::make_shared<WsConnection<false>>(layer, std::move(peer), std::move(socket));
    layer->register_connection(c);
    c->run();
  }
}

}  // namespace imsbox::sip::transport_detail
