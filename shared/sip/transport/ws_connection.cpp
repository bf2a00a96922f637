// SIP over WebSocket, WS and WSS (RFC 7118): the server side. The upgrade
// must offer the "sip" subprotocol; then every WebSocket message, text or
// binary, is one SIP message, and every SIP message we send is one
// WebSocket message. The only file that sees Beast's WebSocket.
//
// Before the upgrade, a plain HTTP GET or HEAD gets the web client's files
// when TransportConfig::web_root is set (the WWSF role, web_files.h): the
// browser then loads the page from the origin of its WebSocket. Such a
// connection stays plain HTTP/1.1 (keep-alive) until it upgrades or closes.
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fstream>
#include <iterator>
#include <optional>
#include <type_traits>

#include "sip/text.h"
#include "sip/transport/layer_impl.h"
#include "sip/transport/web_files.h"

namespace imsbox::sip::transport_detail {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;

constexpr std::size_t kUpgradeHeaderLimit = 8 * 1024;
// Plain HTTP requests one connection may make before it is closed (a page
// needs a handful; the cap keeps one client from holding a connection
// forever with requests alone).
constexpr unsigned kWebRequestsPerConnection = 100;

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
    // every request (after a served file, the next one) gets the whole handshake time
    beast::get_lowest_layer(ws_).expires_after(layer_->config.handshake_timeout);
    parser_.emplace();
    parser_->header_limit(kUpgradeHeaderLimit);
    // The header only: an upgrade has no body, and a request with one (a
    // POST) is answered 405 and the connection closed without reading it.
    http::async_read_header(ws_.next_layer(), buffer_, *parser_,
                     [self = shared()](const boost::system::error_code& ec, std::size_t) { self->on_upgrade(ec); });
  }

  void on_upgrade(const boost::system::error_code& ec) {
    if (!is_open()) return;
    if (ec && web_requests_ > 0 &&
        (is_peer_gone(ec) || ec == http::error::end_of_stream || ec == beast::error::timeout)) {
      // a browser's idle keep-alive connection after files it was served: not a refusal
      return close("web: idle");
    }
    if (ec) return refused(RefusedReason::handshake, "WebSocket upgrade request: " + ec.message());
    const auto& req = parser_->get();
    if (!websocket::is_upgrade(req) && !layer_->config.web_root.empty()) return serve_web(req);
    if (!websocket::is_upgrade(req)) {
      layer_->metrics.web_responses(peer_.transport, 426).inc();
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
    response_.emplace(status, req.version());
    response_->set(http::field::server, "imsbox");
    response_->set(http::field::content_type, "text/plain; charset=utf-8");
    if (status == http::status::upgrade_required) {
      response_->set(http::field::upgrade, "websocket");
      response_->set(http::field::sec_websocket_protocol, "sip");
    }
    response_->keep_alive(false);
    response_->body() = std::move(body);
    response_->prepare_payload();
    const std::string why = response_->body().substr(0, response_->body().size() - 1);
    layer_->metrics.refused(peer_.transport, reason).inc();
    layer_->log.info("refused " + to_string(peer_) + ": " + why);
    // still under the handshake deadline of the tcp_stream
    http::async_write(ws_.next_layer(), *response_,
                      [self = shared(), why](const boost::system::error_code&, std::size_t) { self->close(why); });
  }

  // ---- the WWSF: the web client's files to plain GET and HEAD ----
  void serve_web(const http::request<http::empty_body>& req) {
    const bool head = req.method() == http::verb::head;
    response_.emplace(http::status::ok, req.version());
    auto& res = *response_;
    res.set(http::field::server, "imsbox");
    std::string refusal;
    if (req.method() != http::verb::get && !head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      refusal = "method " + std::string(req.method_string()) + " not allowed";
    } else {
      auto file = find_web_file(layer_->config.web_root, req.target(), layer_->config.max_web_file_bytes);
      if (file.found) {
        // A blocking read on the loop: the files are a few small ones on a
        // local disk, within max_web_file_bytes.
        std::ifstream in(file.path, std::ios::binary);
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.bad() && body.size() == file.size) {
          res.set(http::field::content_type, file.content_type);
          // the client changes with each build: browsers revalidate rather than keep a stale one
          res.set(http::field::cache_control, "no-cache");
          res.set("X-Content-Type-Options", "nosniff");
          res.body() = std::move(body);
        } else {
          file.found = false;
          file.refusal = "unreadable";
        }
      }
      if (!file.found) {
        res.result(http::status::not_found);
        refusal = std::move(file.refusal);
      }
    }
    if (!refusal.empty()) {
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = std::string(res.reason()) + "\n";
      layer_->log.info("web: " + to_string(peer_) + " " + std::string(req.method_string()) + " " +
                       printable(req.target()) + " -> " + std::to_string(res.result_int()) + ": " + refusal);
    } else {
      layer_->log.debug("web: " + to_string(peer_) + " " + std::string(req.method_string()) + " " +
                        printable(req.target()) + " -> 200");
    }
    layer_->metrics.web_responses(peer_.transport, res.result_int()).inc();
    // a body left unread would be taken for the next request
    const bool again = req.keep_alive() && parser_->is_done() && ++web_requests_ < kWebRequestsPerConnection;
    res.keep_alive(again);
    res.prepare_payload();
    if (head) res.body().clear();  // HEAD: the Content-Length of the GET, no body
    http::async_write(ws_.next_layer(), res, [self = shared(), again](const boost::system::error_code& ec, std::size_t) {
      self->on_web_written(ec, again);
    });
  }

  void on_web_written(const boost::system::error_code& ec, bool again) {
    if (!is_open()) return;
    if (ec || !again) return close(ec ? "web: write failed: " + ec.message() : std::string("web: done"));
    response_.reset();
    read_upgrade();
  }

  // A request-target as it may appear in a log line: at most 200 bytes, no control characters.
  static std::string printable(std::string_view target) {
    std::string out(target.substr(0, 200));
    for (auto& c : out) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    if (target.size() > 200) out += "...";
    return out;
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
  std::optional<http::response<http::string_body>> response_;  // or the web response being written
  unsigned web_requests_ = 0;
};

}  // namespace

void start_ws_server(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t, tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  const auto local = socket.local_endpoint(ec);
  Peer peer{t, remote.address(), remote.port(), layer->next_connection_id(), ec ? std::uint16_t{0} : local.port()};
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
