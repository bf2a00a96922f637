// SIP over TCP and TLS (RFC 3261 §18, §26.2): a session per connection that
// frames the byte stream by Content-Length, answers RFC 5626 keep-alives,
// and closes itself on a framing error, a handshake or idle timeout, or a
// peer that goes away.
#include <array>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <type_traits>

#include "sip/transport/layer_impl.h"
#include "sip/transport/stream_framer.h"

namespace imsbox::sip::transport_detail {

namespace {

namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;

bool is_peer_gone(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

template <bool Tls>
class StreamConnection final : public Connection {
  using Stream = std::conditional_t<Tls, ssl::stream<tcp::socket>, tcp::socket>;

 public:
  StreamConnection(std::shared_ptr<TransportLayer::Impl> layer, Peer peer, bool inbound, tcp::socket socket)
      : Connection(std::move(layer), std::move(peer), inbound),
        stream_(make_stream(std::move(socket))),
        timer_(layer_->io),
        framer_(layer_->config.max_message_bytes) {}

  void start_server() {
    set_deadline(layer_->config.handshake_timeout);
    if constexpr (Tls) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = shared()](const boost::system::error_code& ec) { self->on_handshake(ec); });
    } else {
      on_established();
    }
  }

  void start_client(const tcp::endpoint& remote) {
    set_deadline(layer_->config.handshake_timeout);
    socket().async_connect(remote, [self = shared()](const boost::system::error_code& ec) { self->on_connect(ec); });
  }

 private:
  Stream make_stream(tcp::socket socket) {
    if constexpr (Tls) {
      return Stream(std::move(socket), inbound() ? *layer_->tls_server : *layer_->tls_client);
    } else {
      return socket;
    }
  }

  std::shared_ptr<StreamConnection> shared() { return std::static_pointer_cast<StreamConnection>(shared_from_this()); }

  tcp::socket& socket() {
    if constexpr (Tls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  // ---- deadline: one timer per connection, re-armed lazily ----
  void set_deadline(std::chrono::milliseconds d) {
    deadline_ = Clock::now() + d;
    if (!timer_waiting_) {
      arm_timer();
    } else if (deadline_ < timer_.expiry()) {
      timer_.cancel();  // the handler re-arms for the nearer deadline
    }
  }

  void arm_timer() {
    timer_waiting_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared()](const boost::system::error_code&) {
      self->timer_waiting_ = false;
      if (!self->is_open()) return;
      if (Clock::now() >= self->deadline_) {
        self->close(self->established_ ? "idle timeout" : "handshake timeout");
        return;
      }
      self->arm_timer();
    });
  }

  void touch() override {
    if (established_) set_deadline(layer_->config.idle_timeout);
  }

  // ---- setup ----
  void on_connect(const boost::system::error_code& ec) {
    if (!is_open()) return;
    if (ec) {
      layer_->log.info("cannot connect to " + to_string(peer_) + ": " + ec.message());
      close("connect failed: " + ec.message(), SendFailure::connect_failed);
      return;
    }
    boost::system::error_code ignored;
    socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (Tls) {
      if (!layer_->config.tls_ca_file.empty()) {
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(peer_.address.to_string()));
      }
      stream_.async_handshake(ssl::stream_base::client,
                              [self = shared()](const boost::system::error_code& hs) { self->on_handshake(hs); });
    } else {
      on_established();
    }
  }

  void on_handshake(const boost::system::error_code& ec) {
    if (!is_open()) return;
    if (ec) {
      if (inbound()) layer_->metrics.refused(peer_.transport, RefusedReason::handshake).inc();
      layer_->log.info("TLS handshake with " + to_string(peer_) + " failed: " + ec.message());
      close("TLS handshake failed: " + ec.message(), inbound() ? SendFailure::closed : SendFailure::connect_failed);
      return;
    }
    on_established();
  }

  void on_established() {
    established_ = true;
    set_deadline(layer_->config.idle_timeout);
    ready();
    if (is_open()) read();
  }

  // ---- reading ----
  void read() {
    stream_.async_read_some(asio::buffer(buffer_), [self = shared()](const boost::system::error_code& ec,
                                                                     std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    if (!is_open()) return;
    if (ec) {
      if (is_peer_gone(ec)) {
        closed_by_peer("closed by the peer", framer_.buffered_bytes() > 0);
      } else {
        close("read failed: " + ec.message());
      }
      return;
    }
    touch();
    items_.clear();
    const FramingError error = framer_.feed(std::string_view(buffer_.data(), n), items_);
    for (auto& item : items_) {
      if (!is_open()) return;  // the layer above closed us, or stopped
      if (item.kind == FramedItem::Kind::ping) {
        // RFC 5626 §4.4.1: answer CRLFCRLF with CRLF
        layer_->metrics.keepalives(peer_.transport).inc();
        send("\r\n", {}, false);
      } else {
        deliver(std::move(item.bytes), Framing::stream);
      }
    }
    items_.clear();
    if (!is_open()) return;
    if (error != FramingError::none) {
      const bool too_large =
          error == FramingError::header_too_large || error == FramingError::message_too_large;
      layer_->metrics.dropped(peer_.transport, too_large ? DropReason::too_large : DropReason::framing).inc();
      layer_->log.info("closing " + to_string(peer_) + ": " + std::string(to_string(error)));
      close(to_string(error));
      return;
    }
    read();
  }

  // ---- writing ----
  void write(const std::string& bytes) override {
    asio::async_write(stream_, asio::buffer(bytes),
                      [self = shared()](const boost::system::error_code& ec, std::size_t) { self->on_write_done(ec); });
  }

  void shutdown_transport() override {
    boost::system::error_code ignored;
    timer_.cancel();
    // No TLS close_notify: the peer sees the TCP close, and nothing we
    // still wanted to say is lost (the queue has been reported failed).
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  Stream stream_;
  asio::steady_timer timer_;
  Clock::time_point deadline_{};
  bool timer_waiting_ = false;
  bool established_ = false;
  StreamFramer framer_;
  std::vector<FramedItem> items_;
  std::array<char, 16 * 1024> buffer_{};
};

template <bool Tls>
std::shared_ptr<StreamConnection<Tls>> make(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t,
                                            bool inbound, tcp::socket socket, const tcp::endpoint& remote) {
  boost::system::error_code ec;
  const auto local = socket.local_endpoint(ec);  // an outbound one is bound already, or 0
  Peer peer{t, remote.address(), remote.port(), layer->next_connection_id(), ec ? std::uint16_t{0} : local.port()};
  auto c = std::make_shared<StreamConnection<Tls>>(layer, std::move(peer), inbound, std::move(socket));
  layer->register_connection(c);
  return c;
}

}  // namespace

void start_stream_server(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t, tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  if (t == Transport::tls) {
    make<true>(layer, t, true, std::move(socket), remote)->start_server();
  } else {
    make<false>(layer, t, true, std::move(socket), remote)->start_server();
  }
}

std::shared_ptr<Connection> open_stream_client(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t,
                                               const tcp::endpoint& remote, std::uint16_t local_port) {
  tcp::socket socket(layer->io);
  if (local_port != 0) {
    // From a given port (the P-CSCF's protected client port): several
    // connections to different peers share it (SO_REUSEADDR; no listener on it).
    const auto listener = layer->listener_on(local_port, remote.address().is_v4());
    try {
      socket.open(remote.protocol());
      socket.set_option(tcp::socket::reuse_address(true));
      if (listener) bind_to_device(socket.native_handle(), listener->second);
      const auto any = remote.address().is_v4() ? asio::ip::address(asio::ip::address_v4::any())
                                                 : asio::ip::address(asio::ip::address_v6::any());
      socket.bind(tcp::endpoint(listener ? listener->first.address : any, local_port));
    } catch (const boost::system::system_error& e) {
      layer->log.warning("cannot connect to " + remote.address().to_string() + ":" + std::to_string(remote.port()) +
                         " from local port " + std::to_string(local_port) + ": " + e.code().message());
      return nullptr;
    }
  }
  if (t == Transport::tls) {
    auto c = make<true>(layer, t, false, std::move(socket), remote);
    c->start_client(remote);
    return c;
  }
  auto c = make<false>(layer, t, false, std::move(socket), remote);
  c->start_client(remote);
  return c;
}

}  // namespace imsbox::sip::transport_detail
