#include "sip/transport/transport_layer.h"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <sys/socket.h>

#include "sip/response.h"
#include "sip/transport/layer_impl.h"
#include "sip/transport/via_received.h"

namespace imsbox::sip {

using namespace transport_detail;

namespace {

std::string endpoint_text(Transport t, const std::string& address, std::uint16_t port) {
  const bool v6 = address.find(':') != std::string::npos;
  return std::string(to_string(t)) + " " + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

bool only_line_ends(std::string_view bytes) {
  return bytes.find_first_not_of("\r\n") == std::string_view::npos;
}

}  // namespace

namespace transport_detail {

void bind_to_device(int fd, const std::string& device) {
  if (device.empty()) return;
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.data(), static_cast<socklen_t>(device.size())) != 0) {
    throw boost::system::system_error(errno, boost::system::system_category(), "SO_BINDTODEVICE " + device);
  }
}

// A UDP listener: receives datagrams (one message each) and sends from the
// listener's address, so that responses leave from the port requests came to.
// Reads with recvmsg() for the kernel's receive time of each datagram
// (SO_TIMESTAMPNS): how long it waited in the queue is the layer's
// receive_delay(), the measure of overload.
class UdpSocket : public std::enable_shared_from_this<UdpSocket> {
 public:
  UdpSocket(std::shared_ptr<TransportLayer::Impl> layer, udp::socket socket)
      : layer_(std::move(layer)), socket_(std::move(socket)), is_v4_(socket_.local_endpoint().address().is_v4()),
        port_(socket_.local_endpoint().port()), buffer_(layer_->config.max_message_bytes + 1) {
    const int on = 1;
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0)
      layer_->log.warning("UDP: no receive timestamps (" + std::string(std::strerror(errno)) +
                          "): overload is not detected");
  }

  udp::socket& socket() { return socket_; }
  // The address family, known at bind time (no getsockname per datagram).
  bool is_v4() const { return is_v4_; }
  std::uint16_t port() const { return port_; }

  void receive() {
    socket_.async_wait(udp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) { self->on_readable(ec); });
  }

 private:
  // Datagrams read per wake-up at most, so that the other sockets and the
  // timers get their turn under load.
  static constexpr int kBatch = 32;

  void on_readable(const boost::system::error_code& ec) {
    if (layer_->stopped || !socket_.is_open()) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) layer_->log.debug("UDP receive: " + ec.message());
      receive();
      return;
    }
    for (int i = 0; i < kBatch && read_one(); ++i) {
      if (layer_->stopped) return;
    }
    if (!layer_->stopped) receive();
  }

  // Reads and hands up one datagram; false when none is queued.
  bool read_one() {
    udp::endpoint from;
    iovec iov{buffer_.data(), buffer_.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr msg{};
    msg.msg_name = from.data();
    msg.msg_namelen = static_cast<socklen_t>(from.capacity());
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      // ICMP errors of earlier sends and the like: nothing to do with the next datagram
      layer_->log.debug("UDP receive: " + std::string(std::strerror(errno)));
      return true;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec at{};
      std::memcpy(&at, CMSG_DATA(c), sizeof at);
      timespec now{};
      clock_gettime(CLOCK_REALTIME, &now);
      const auto waited = std::chrono::seconds(now.tv_sec - at.tv_sec) + std::chrono::nanoseconds(now.tv_nsec - at.tv_nsec);
      layer_->receive_delay = std::max(std::chrono::microseconds{0},
                                       std::chrono::duration_cast<std::chrono::microseconds>(waited));
    }
    from.resize(msg.msg_namelen);
    const std::size_t n = static_cast<std::size_t>(got);
    const Peer source{Transport::udp, from.address(), from.port(), 0, port_};
    if (n > layer_->config.max_message_bytes) {
      // the buffer is one byte larger than the limit: a full buffer means a longer datagram
      layer_->metrics.dropped(Transport::udp, DropReason::too_large).inc();
      layer_->log.debug("dropped a datagram larger than " + std::to_string(layer_->config.max_message_bytes) +
                        " bytes from " + to_string(source));
      return true;
    }
    const std::string_view bytes(buffer_.data(), n);
    // a bare CRLF is a NAT keep-alive some UAs send over UDP; nothing to answer
    if (!only_line_ends(bytes)) layer_->deliver(std::string(bytes), Framing::datagram, source);
    return true;
  }

  std::shared_ptr<TransportLayer::Impl> layer_;
  udp::socket socket_;
  bool is_v4_;
  std::uint16_t port_;
  std::vector<char> buffer_;
};

// A TCP listening socket for TCP, TLS, WS or WSS.
class Acceptor : public std::enable_shared_from_this<Acceptor> {
 public:
  Acceptor(std::shared_ptr<TransportLayer::Impl> layer, Transport t, tcp::acceptor acceptor)
      : layer_(std::move(layer)), transport_(t), acceptor_(std::move(acceptor)), retry_(layer_->io) {}

  tcp::acceptor& acceptor() { return acceptor_; }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }

  void accept() {
    acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

 private:
  void on_accept(const boost::system::error_code& ec, tcp::socket socket) {
    if (layer_->stopped || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors, most likely: pause instead of spinning.
      layer_->log.warning(std::string(to_string(transport_)) + " accept failed: " + ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](const boost::system::error_code& wait_ec) {
        if (!wait_ec && !self->layer_->stopped && self->acceptor_.is_open()) self->accept();
      });
      return;
    }
    boost::system::error_code ep_ec;
    const auto remote = socket.remote_endpoint(ep_ec);
    if (!ep_ec && layer_->admit_inbound(transport_, remote.address())) {
      socket.set_option(tcp::no_delay(true), ep_ec);
      if (transport_ == Transport::ws || transport_ == Transport::wss) {
        start_ws_server(layer_, transport_, std::move(socket));
      } else {
        start_stream_server(layer_, transport_, std::move(socket));
      }
    }
    // else: the socket closes as it goes out of scope
    accept();
  }

  std::shared_ptr<TransportLayer::Impl> layer_;
  Transport transport_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
};

}  // namespace transport_detail

// ---------------------------------------------------------------------------
// TransportLayer::Impl

TransportLayer::Impl::Impl(asio::io_context& io_context, TransportConfig cfg, runtime::Logger& logger,
                           runtime::Metrics& registry, MessageHandler handler)
    : io(io_context), config(std::move(cfg)), log(logger), metrics(registry), on_message(std::move(handler)) {}

void TransportLayer::Impl::deliver(std::string bytes, Framing framing, const Peer& source) {
  const Transport t = source.transport;
  metrics.received(t).inc();
  ParseResult parsed = parse_message(std::move(bytes), framing, ParseLimits{.max_message_bytes = config.max_message_bytes});
  if (!parsed.well_formed()) {
    if (parsed.message && parsed.status != 0) {
      // RFC 3261 §8.2/§16.3: a request we cannot accept but can answer.
      Message& request = *parsed.message;
      stamp_received(request, source.address, source.port);
      const Message response = make_response(request, parsed.status, parsed.reason);
      metrics.dropped(t, DropReason::rejected).inc();
      log.log(runtime::LogLevel::debug,
              "answered " + std::to_string(parsed.status) + " to a malformed " + std::string(request.method()) +
                  " from " + to_string(source) + ": " + parsed.reason,
              request.call_id());
      send(source, response.serialize(), {});
    } else {
      metrics.dropped(t, DropReason::malformed).inc();
      log.debug("dropped a malformed " + std::string(parsed.is_request ? "request" : "message") + " from " +
                to_string(source) + ": " + parsed.reason);
    }
    return;
  }
  Message& message = *parsed.message;
  if (message.is_request()) stamp_received(message, source.address, source.port);
  if (log.enabled(runtime::LogLevel::debug)) {
    log.log(runtime::LogLevel::debug,
            "received " +
                (message.is_request() ? std::string(message.method()) : std::to_string(message.status())) +
                " from " + to_string(source),
            message.call_id());
  }
  if (!on_message) return;
  try {
    on_message(std::move(message), source);
  } catch (const std::exception& e) {
    // Never let an exception cross an Asio handler.
    metrics.dropped(t, DropReason::handler_error).inc();
    log.error("message handler failed on a message from " + to_string(source) + ": " + e.what());
  }
}

void TransportLayer::Impl::complete(SendCallback done, SendResult result) {
  if (!done) return;
  asio::post(io, [self = shared_from_this(), done = std::move(done), result = std::move(result)] {
    if (!self->stopped) done(result);
  });
}

bool TransportLayer::Impl::fail(SendCallback& done, Transport t, SendFailure why, std::string error,
                                ConnectionId connection) {
  metrics.send_failed(t, why).inc();
  complete(std::move(done), SendResult{false, connection, std::move(error)});
  return false;
}

bool TransportLayer::Impl::send(const Peer& to, std::string bytes, SendCallback done) {
  if (!started || stopped) return fail(done, to.transport, SendFailure::not_running, "transport layer not running");
  switch (to.transport) {
    case Transport::udp:
      return send_udp(to, bytes, done);
    case Transport::tcp:
    case Transport::tls: {
      std::shared_ptr<Connection> c;
      if (to.connection != 0) c = find(to.connection);
      if (c && c->peer().transport != to.transport) c.reset();
      if (!c) c = find(to.transport, to.address, to.port);
      if (!c) {
        if (to.address.is_unspecified() || to.port == 0) {
          return fail(done, to.transport, SendFailure::no_connection, "no address to connect to");
        }
        if (connections_.size() >= config.max_connections) {
          log.warning("cannot connect to " + to_string(to) + ": " + std::to_string(config.max_connections) +
                      " connections open (max_connections)");
          return fail(done, to.transport, SendFailure::connection_limit, "connection limit reached");
        }
        // from the port named, unless it is one we listen on (a peer that
        // came to our listening port is reached again from an ephemeral one)
        std::uint16_t from_port = to.local_port;
        for (const auto& e : endpoints) {
          if (e.port == from_port && e.transport != Transport::udp) from_port = 0;
        }
        c = open_stream_client(shared_from_this(), to.transport, tcp::endpoint(to.address, to.port), from_port);
        if (!c) return fail(done, to.transport, SendFailure::connect_failed, "cannot bind the local port");
      }
      return c->send(std::move(bytes), std::move(done));
    }
    case Transport::ws:
    case Transport::wss: {
      auto c = to.connection != 0 ? find(to.connection) : nullptr;
      if (!c || c->peer().transport != to.transport) {
        // RFC 7118: a WebSocket client can be reached only over its own connection.
        return fail(done, to.transport, SendFailure::no_connection,
                    "no open " + std::string(to_string(to.transport)) + " connection #" +
                        std::to_string(to.connection));
      }
      return c->send(std::move(bytes), std::move(done));
    }
  }
  return fail(done, to.transport, SendFailure::no_socket, "unknown transport");
}

bool TransportLayer::Impl::send_udp(const Peer& to, std::string_view bytes, SendCallback& done) {
  UdpSocket* chosen = nullptr;
  for (const auto& s : udp_sockets) {
    if (s->is_v4() == to.address.is_v4() && (to.local_port == 0 || s->port() == to.local_port)) {
      chosen = s.get();
      break;
    }
  }
  if (chosen == nullptr) {
    return fail(done, Transport::udp, SendFailure::no_socket,
                std::string("no UDP listener for IPv") + (to.address.is_v4() ? "4" : "6") +
                    (to.local_port ? " on port " + std::to_string(to.local_port) : std::string()));
  }
  boost::system::error_code ec;
  // Non-blocking: a full socket buffer loses the datagram, as the network would.
  chosen->socket().send_to(asio::buffer(bytes.data(), bytes.size()), udp::endpoint(to.address, to.port), 0, ec);
  if (ec) {
    log.debug("UDP send to " + to_string(to) + " failed: " + ec.message());
    return fail(done, Transport::udp, SendFailure::write_error, ec.message());
  }
  metrics.sent(Transport::udp).inc();
  complete(std::move(done), SendResult{true, 0, {}});
  return true;
}

bool TransportLayer::Impl::admit_inbound(Transport t, const asio::ip::address& source) {
  if (connections_.size() >= config.max_connections) {
    metrics.refused(t, RefusedReason::total_limit).inc();
    log.warning("refused a " + std::string(to_string(t)) + " connection from " + source.to_string() + ": " +
                std::to_string(config.max_connections) + " connections open (max_connections)");
    return false;
  }
  const auto it = inbound_per_address_.find(source);
  if (it != inbound_per_address_.end() && it->second >= config.max_connections_per_address) {
    metrics.refused(t, RefusedReason::address_limit).inc();
    log.warning("refused a " + std::string(to_string(t)) + " connection from " + source.to_string() + ": " +
                std::to_string(it->second) + " open from that address (max_connections_per_address)");
    return false;
  }
  return true;
}

void TransportLayer::Impl::register_connection(const std::shared_ptr<Connection>& c) {
  connections_[c->peer().connection] = c;
  by_remote_[RemoteKey{c->peer().transport, c->peer().address, c->peer().port}] = c->peer().connection;
  if (c->inbound()) ++inbound_per_address_[c->peer().address];
  metrics.open_connections(c->peer().transport).add(1);
}

void TransportLayer::Impl::unregister_connection(const Connection& c) {
  if (connections_.erase(c.peer().connection) == 0) return;
  const auto remote = by_remote_.find(RemoteKey{c.peer().transport, c.peer().address, c.peer().port});
  if (remote != by_remote_.end() && remote->second == c.peer().connection) by_remote_.erase(remote);
  if (c.inbound()) {
    const auto it = inbound_per_address_.find(c.peer().address);
    if (it != inbound_per_address_.end() && --it->second == 0) inbound_per_address_.erase(it);
  }
  metrics.open_connections(c.peer().transport).add(-1);
}

std::shared_ptr<Connection> TransportLayer::Impl::find(ConnectionId id) const {
  const auto it = connections_.find(id);
  if (it == connections_.end()) return nullptr;
  auto c = it->second.lock();
  return c && c->is_open() ? c : nullptr;
}

std::shared_ptr<Connection> TransportLayer::Impl::find(Transport t, const asio::ip::address& address,
                                                       std::uint16_t port) const {
  const auto it = by_remote_.find(RemoteKey{t, address, port});
  return it == by_remote_.end() ? nullptr : find(it->second);
}

std::optional<std::pair<LocalEndpoint, std::string>> TransportLayer::Impl::listener_on(std::uint16_t port,
                                                                                    bool v4) const {
  for (std::size_t i = 0; i < endpoints.size() && i < config.listeners.size(); ++i) {
    if (endpoints[i].port == port && endpoints[i].address.is_v4() == v4) {
      return std::pair{endpoints[i], config.listeners[i].device};
    }
  }
  return std::nullopt;
}

void TransportLayer::Impl::notify_closed(const Peer& peer) {
  if (!on_closed || stopped) return;
  asio::post(io, [self = shared_from_this(), peer] {
    if (!self->stopped && self->on_closed) self->on_closed(peer);
  });
}

void TransportLayer::Impl::stop() {
  if (stopped) return;
  stopped = true;
  for (auto& a : acceptors) a->close();
  for (auto& s : udp_sockets) {
    boost::system::error_code ignored;
    s->socket().close(ignored);
  }
  std::vector<std::shared_ptr<Connection>> open;
  for (const auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) c->close("transport layer stopped");
  connections_.clear();
  inbound_per_address_.clear();
  by_remote_.clear();
  // The handlers still queued hold what they need; dropping these breaks
  // the cycles between the layer and its listeners.
  acceptors.clear();
  udp_sockets.clear();
}

// ---------------------------------------------------------------------------
// TransportLayer

TransportLayer::TransportLayer(asio::io_context& io, TransportConfig config, runtime::Logger& log,
                               runtime::Metrics& metrics, MessageHandler on_message)
    : impl_(std::make_shared<Impl>(io, std::move(config), log, metrics, std::move(on_message))) {}

TransportLayer::~TransportLayer() { stop(); }

void TransportLayer::start() {
  auto& impl = *impl_;
  if (impl.started) throw std::logic_error("TransportLayer::start() called twice");
  const auto& config = impl.config;
  if (config.max_message_bytes == 0) throw std::runtime_error("max_message_bytes must be positive");

  bool needs_tls = false;
  for (const auto& l : config.listeners) needs_tls |= l.transport == Transport::tls || l.transport == Transport::wss;
  if (needs_tls) {
    if (config.tls_certificate_file.empty() || config.tls_private_key_file.empty()) {
      throw std::runtime_error("TLS and WSS listeners need tls_certificate_file and tls_private_key_file");
    }
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(config.tls_certificate_file.string(), ec);
    if (ec) {
      throw std::runtime_error("tls_certificate_file " + config.tls_certificate_file.string() + ": " + ec.message());
    }
    ctx->use_private_key_file(config.tls_private_key_file.string(), asio::ssl::context::pem, ec);
    if (ec) {
      throw std::runtime_error("tls_private_key_file " + config.tls_private_key_file.string() + ": " + ec.message());
    }
    impl.tls_server = std::move(ctx);
  }
  {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    if (!config.tls_ca_file.empty()) {
      boost::system::error_code ec;
      ctx->load_verify_file(config.tls_ca_file.string(), ec);
      if (ec) throw std::runtime_error("tls_ca_file " + config.tls_ca_file.string() + ": " + ec.message());
      ctx->set_verify_mode(asio::ssl::verify_peer);
    }
    impl.tls_client = std::move(ctx);
  }

  // Bind everything first, so that a failure leaves nothing bound.
  std::vector<std::shared_ptr<UdpSocket>> udp_sockets;
  std::vector<std::shared_ptr<Acceptor>> acceptors;
  std::vector<LocalEndpoint> endpoints;
  for (const auto& l : config.listeners) {
    const auto where = endpoint_text(l.transport, l.address, l.port);
    try {
      const auto address = asio::ip::make_address(l.address);
      if (l.transport == Transport::udp) {
        udp::socket socket(impl.io);
        const udp::endpoint ep(address, l.port);
        socket.open(ep.protocol());
        if (address.is_v6()) socket.set_option(asio::ip::v6_only(true));
        bind_to_device(socket.native_handle(), l.device);
        socket.bind(ep);
        socket.non_blocking(true);
        // a smaller buffer than asked is no reason not to start, but worth a word
        boost::system::error_code ec;
        socket.set_option(udp::socket::receive_buffer_size(static_cast<int>(config.udp_receive_buffer_bytes)), ec);
        udp::socket::receive_buffer_size granted;
        if (!ec) socket.get_option(granted, ec);
        // Linux reports twice what it grants (its bookkeeping); Boost.Asio halves that back
        if (!ec && static_cast<std::size_t>(granted.value()) < config.udp_receive_buffer_bytes)
          impl.log.warning(where + ": receive buffer " + std::to_string(granted.value()) + " bytes, not " +
                           std::to_string(config.udp_receive_buffer_bytes) +
                           " (raise net.core.rmem_max): bursts of requests will be dropped");
        endpoints.push_back({l.transport, address, socket.local_endpoint().port()});
        udp_sockets.push_back(std::make_shared<UdpSocket>(impl_, std::move(socket)));
      } else {
        tcp::acceptor acceptor(impl.io);
        const tcp::endpoint ep(address, l.port);
        acceptor.open(ep.protocol());
        if (address.is_v6()) acceptor.set_option(asio::ip::v6_only(true));
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        bind_to_device(acceptor.native_handle(), l.device);
        acceptor.bind(ep);
        acceptor.listen();
        endpoints.push_back({l.transport, address, acceptor.local_endpoint().port()});
        acceptors.push_back(std::make_shared<Acceptor>(impl_, l.transport, std::move(acceptor)));
      }
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot listen on " + where + ": " + e.code().message());
    }
  }
  impl.started = true;
  impl.endpoints = std::move(endpoints);
  impl.udp_sockets = std::move(udp_sockets);
  impl.acceptors = std::move(acceptors);
  for (auto& s : impl.udp_sockets) s->receive();
  for (auto& a : impl.acceptors) a->accept();
  for (const auto& e : impl.endpoints) {
    impl.log.info("SIP listening on " + endpoint_text(e.transport, e.address.to_string(), e.port));
  }
}

void TransportLayer::stop() { impl_->stop(); }

void TransportLayer::on_connection_closed(ClosedHandler handler) { impl_->on_closed = std::move(handler); }

bool TransportLayer::send(const Peer& to, std::string bytes, SendCallback done) {
  return impl_->send(to, std::move(bytes), std::move(done));
}

bool TransportLayer::send(const Peer& to, const Message& message, SendCallback done) {
  if (impl_->log.enabled(runtime::LogLevel::debug)) {
    impl_->log.log(runtime::LogLevel::debug,
                   "sending " +
                       (message.is_request() ? std::string(message.method()) : std::to_string(message.status())) +
                       " to " + to_string(to),
                   message.call_id());
  }
  return impl_->send(to, message.serialize(), std::move(done));
}

bool TransportLayer::close_connection(ConnectionId id) {
  auto c = impl_->find(id);
  if (!c) return false;
  c->close("closed by the layer above");
  return true;
}

bool TransportLayer::is_open(ConnectionId id) const { return impl_->find(id) != nullptr; }

std::size_t TransportLayer::connection_count() const { return impl_->connection_count(); }

std::vector<LocalEndpoint> TransportLayer::local_endpoints() const { return impl_->endpoints; }

std::chrono::microseconds TransportLayer::receive_delay() const { return impl_->receive_delay; }

std::optional<LocalEndpoint> TransportLayer::local_endpoint(Transport transport) const {
  for (const auto& e : impl_->endpoints) {
    if (e.transport == transport) return e;
  }
  return std::nullopt;
}

}  // namespace imsbox::sip
