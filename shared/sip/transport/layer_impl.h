#pragma once
// Internal to the transport layer's .cpp files; no other module includes
// this. It declares what the files share: the layer's state
// (TransportLayer::Impl), the Connection base of the stream and WebSocket
// sessions, and the metric families. Beast stays out of it too: only
// ws_connection.cpp sees Beast.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/parser.h"
#include "sip/transport/transport_layer.h"

namespace imsbox::sip::transport_detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

// Label values of the metrics: small fixed sets, never free text.
enum class DropReason { malformed, rejected, too_large, framing, truncated, handler_error, count_ };
enum class SendFailure { not_running, no_socket, no_connection, connection_limit, connect_failed, write_queue_full,
                         write_error, closed, count_ };
enum class RefusedReason { total_limit, address_limit, handshake, no_subprotocol, count_ };

std::string_view label(DropReason r);
std::string_view label(SendFailure r);
std::string_view label(RefusedReason r);

// The layer's metric families. Series are registered on first use so that
// /metrics lists only the transports in use; the hot path then bumps a
// cached pointer.
class TransportMetrics {
 public:
  explicit TransportMetrics(runtime::Metrics& registry) : registry_(registry) {}

  runtime::Counter& received(Transport t);
  runtime::Counter& sent(Transport t);
  runtime::Counter& dropped(Transport t, DropReason r);
  runtime::Counter& send_failed(Transport t, SendFailure r);
  runtime::Counter& refused(Transport t, RefusedReason r);
  runtime::Counter& keepalives(Transport t);
  runtime::Gauge& open_connections(Transport t);
  // Answers to plain HTTP requests on the WS/WSS listeners (the web client's
  // files), by status code: 200, 404, 405 or 426.
  runtime::Counter& web_responses(Transport t, unsigned status);

 private:
  static constexpr std::size_t kTransports = 5;
  template <typename E>
  using PerReason = std::array<std::array<runtime::Counter*, static_cast<std::size_t>(E::count_)>, kTransports>;

  runtime::Metrics& registry_;
  std::array<runtime::Counter*, kTransports> received_{}, sent_{}, keepalives_{};
  std::array<runtime::Gauge*, kTransports> open_{};
  PerReason<DropReason> dropped_{};
  PerReason<SendFailure> send_failed_{};
  PerReason<RefusedReason> refused_{};
  std::map<std::pair<Transport, unsigned>, runtime::Counter*> web_responses_;
};

class Connection;
class UdpSocket;
class Acceptor;

}  // namespace imsbox::sip::transport_detail

namespace imsbox::sip {

struct TransportLayer::Impl : std::enable_shared_from_this<TransportLayer::Impl> {
  Impl(boost::asio::io_context& io, TransportConfig config, runtime::Logger& log, runtime::Metrics& metrics,
       MessageHandler on_message);

  // ---- receiving ----
  // Parses one framed message and hands it up (or answers/drops it).
  void deliver(std::string bytes, Framing framing, const Peer& source);

  // ---- sending ----
  bool send(const Peer& to, std::string bytes, SendCallback done);
  bool send_udp(const Peer& to, std::string_view bytes, SendCallback& done);
  // Reports a send outcome later on the loop (never inside send()), unless stopped by then.
  void complete(SendCallback done, SendResult result);
  bool fail(SendCallback& done, Transport t, transport_detail::SendFailure why, std::string error,
            ConnectionId connection = 0);

  // ---- connections ----
  ConnectionId next_connection_id() { return next_id_++; }
  // Inbound admission against the caps; counts and logs a refusal.
  bool admit_inbound(Transport t, const boost::asio::ip::address& source);
  void register_connection(const std::shared_ptr<transport_detail::Connection>& c);
  void unregister_connection(const transport_detail::Connection& c);
  std::shared_ptr<transport_detail::Connection> find(ConnectionId id) const;
  std::shared_ptr<transport_detail::Connection> find(Transport t, const boost::asio::ip::address& address,
                                                     std::uint16_t port) const;
  void notify_closed(const Peer& peer);
  // The bound listener on `port` of that address family (its endpoint and
  // device): where a connection from that local port is bound.
  std::optional<std::pair<LocalEndpoint, std::string>> listener_on(std::uint16_t port, bool v4) const;

  void stop();

  boost::asio::io_context& io;
  const TransportConfig config;
  runtime::Logger& log;
  transport_detail::TransportMetrics metrics;
  MessageHandler on_message;
  ClosedHandler on_closed;
  bool started = false;
  bool stopped = false;
  std::chrono::microseconds receive_delay{0};  // see TransportLayer::receive_delay()

  std::unique_ptr<boost::asio::ssl::context> tls_server;  // set when a TLS or WSS listener is configured
  std::unique_ptr<boost::asio::ssl::context> tls_client;  // outgoing TLS
  std::vector<LocalEndpoint> endpoints;                   // configuration order
  std::vector<std::shared_ptr<transport_detail::UdpSocket>> udp_sockets;
  std::vector<std::shared_ptr<transport_detail::Acceptor>> acceptors;

 private:
  ConnectionId next_id_ = 1;
  // Connections keep themselves alive; the registry only finds them.
  std::unordered_map<ConnectionId, std::weak_ptr<transport_detail::Connection>> connections_;
  std::map<boost::asio::ip::address, std::size_t> inbound_per_address_;
  // By remote endpoint, for sends that name no connection (RFC 3261 §18.1.1 reuse).
  using RemoteKey = std::tuple<Transport, boost::asio::ip::address, std::uint16_t>;
  std::map<RemoteKey, ConnectionId> by_remote_;

 public:
  std::size_t connection_count() const { return connections_.size(); }
};

}  // namespace imsbox::sip

namespace imsbox::sip::transport_detail {

// One TCP, TLS, WS or WSS connection: the part every kind shares (the
// bounded write queue, registration, closing). Subclasses do the I/O and
// keep themselves alive with shared_from_this in each pending operation.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<TransportLayer::Impl> layer, Peer peer, bool inbound);
  virtual ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Peer& peer() const { return peer_; }
  bool inbound() const { return inbound_; }
  bool is_open() const { return open_; }

  // Queues bytes behind the ones already queued. When the queue would
  // exceed its bound, the connection is dropped and false returned.
  // A keep-alive (is_message false) is not counted as a message sent.
  bool send(std::string bytes, TransportLayer::SendCallback done, bool is_message = true);
  // Closes the transport, fails what is queued, unregisters. Idempotent.
  void close(std::string_view why, SendFailure queued = SendFailure::closed);

 protected:
  // Starts writing one buffer; must end with on_write_done. The bytes stay
  // alive (and unchanged) until then.
  virtual void write(const std::string& bytes) = 0;
  // Closes sockets and cancels timers; pending handlers then complete.
  virtual void shutdown_transport() = 0;
  // Traffic happened: push the idle deadline back (for those that keep one).
  virtual void touch() {}

  void on_write_done(const boost::system::error_code& ec);
  // Connected, handshake done: the queue may flow, messages may be received.
  void ready();
  void deliver(std::string bytes, Framing framing);
  // The peer ended the connection (EOF, reset, WebSocket close).
  void closed_by_peer(std::string_view why, bool mid_message);

  std::shared_ptr<TransportLayer::Impl> layer_;
  Peer peer_;

 private:
  struct Pending {
    std::string bytes;
    TransportLayer::SendCallback done;
    bool is_message = true;
  };
  void write_next();

  bool inbound_;
  bool open_ = true;
  bool ready_ = false;
  bool writing_ = false;
  std::deque<Pending> queue_;
  std::optional<Pending> in_flight_;  // kept until its write handler has run
  std::size_t queued_bytes_ = 0;      // queue plus in flight
};

// Inbound connections, made by the acceptors. Both register the connection
// and start it (handshakes first where there are some).
void start_stream_server(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t, tcp::socket socket);
void start_ws_server(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t, tcp::socket socket);
// An outbound TCP or TLS connection, registered and connecting; messages
// sent to it wait for the connection. From `local_port` (and the address
// and device of the listener on it) when not 0; null when that port cannot
// be bound.
std::shared_ptr<Connection> open_stream_client(const std::shared_ptr<TransportLayer::Impl>& layer, Transport t,
                                               const tcp::endpoint& remote, std::uint16_t local_port = 0);

// SO_BINDTODEVICE (nothing for an empty name); throws boost::system::system_error.
void bind_to_device(int fd, const std::string& device);

}  // namespace imsbox::sip::transport_detail
