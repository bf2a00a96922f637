#pragma once
// The SIP transport layer (RFC 3261 §18): UDP, TCP, TLS (RFC 3261 §26.2),
// WS and WSS (RFC 7118), under one interface. Cheap to include: Asio's
// sockets, OpenSSL and Beast stay in the .cpp files.
//
// What it does for the layers above:
//  * receives: frames messages (datagrams; Content-Length on streams, with
//    RFC 5626 CRLF keep-alives answered; one message per WebSocket message),
//    parses them, stamps received/rport on the top Via of requests (§18.2.1,
//    RFC 3581), answers a malformed but answerable request with its 400/505
//    right here, drops and counts the rest, and hands each good message up
//    with the Peer it came from;
//  * sends: over UDP to address:port; over TCP/TLS on the connection the Peer
//    names, or a new connection it opens (and then keeps, for both ways);
//    over WS/WSS only on the existing connection;
//  * guards: a size limit on every message, connection caps (in total and
//    per source address), a handshake and an idle timeout on every
//    connection, a bounded write queue per connection (overflow drops the
//    connection).
//
// Threading: single-threaded. Every member function must be called on the
// thread that runs the io_context, and every callback is invoked there.
// Nothing is locked.
//
// Ownership: the layer owns its sockets and connections; the io_context,
// Logger and Metrics are borrowed and must outlive it. Connections are
// session objects kept alive by their own pending operations; destroying the
// layer (or stop()) closes them all and no callback is invoked afterwards.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/message.h"
#include "sip/peer.h"

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {
class Logger;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::sip {

struct TransportListener {
  Transport transport = Transport::udp;
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal; IPv6 sockets are v6-only
  std::uint16_t port = 5060;          // 0: an ephemeral port (see local_endpoints())
  // A network device the socket is bound to (SO_BINDTODEVICE), or empty: it
  // then sends and receives only through that device (the P-CSCF's
  // protected ports on the userspace ESP device). Outgoing TCP connections
  // from this port are bound to it too.
  std::string device;
};

struct TransportConfig {
  std::vector<TransportListener> listeners;

  // PEM files for the TLS and WSS listeners (required when there is one).
  std::filesystem::path tls_certificate_file;
  std::filesystem::path tls_private_key_file;
  // Outgoing TLS connections: when set, the server's certificate must chain
  // to a certificate in this PEM file and name the address we connect to
  // (IP SAN). When empty, the server is not verified (a lab default; the
  // connection is still encrypted).
  std::filesystem::path tls_ca_file;

  // Largest SIP message accepted (and the largest WebSocket message).
  std::size_t max_message_bytes = 65535;
  // Receive buffer asked for each UDP listener (SO_RCVBUF; the kernel caps it
  // at net.core.rmem_max). Bursts beyond it are dropped by the kernel, and
  // every dropped request comes back as a retransmission 500 ms later: at a
  // few hundred calls/s the default (~200 KB) overflows.
  std::size_t udp_receive_buffer_bytes = 4 * 1024 * 1024;
  // Open connections (TCP, TLS, WS, WSS), inbound and outbound together.
  std::size_t max_connections = 4096;
  // Inbound connections from one source address.
  std::size_t max_connections_per_address = 64;
  // A connection with no traffic either way for this long is closed. For WS
  // and WSS, a WebSocket ping is sent halfway through, so a live browser
  // keeps its connection (RFC 7118 leaves keep-alives to WebSocket).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(600)};
  // Time for an outgoing connect, a TLS handshake and a WebSocket upgrade.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  // Bytes queued for writing on one connection beyond which the connection
  // is dropped (a peer that does not read).
  std::size_t max_write_queue_bytes = 1024 * 1024;

  // The WWSF role (TS 23.228 Annex U, web_files.h): a plain HTTP GET or HEAD
  // (not a WebSocket upgrade) on a WS or WSS listener gets the file it names
  // under this directory, so that a browser loads the client from the origin
  // of its WebSocket. Empty: such requests get 426 Upgrade Required.
  std::filesystem::path web_root;
  // Larger files under web_root are not served (404, logged).
  std::uintmax_t max_web_file_bytes = 16 * 1024 * 1024;
};

// A bound listener: the actual port after binding port 0.
struct LocalEndpoint {
  Transport transport = Transport::udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
};

// The outcome of one send().
struct SendResult {
  bool ok = false;              // handed to the kernel (UDP sent, stream write completed)
  ConnectionId connection = 0;  // the connection used or opened (0 for UDP or when none)
  std::string error;            // why not, for logs; empty when ok
};

class TransportLayer {
 public:
  // A message received: well formed, a request already Via-stamped. `source`
  // names the connection for TCP/TLS/WS/WSS: send to it to answer on the
  // same connection.
  using MessageHandler = std::function<void(Message&&, const Peer& source)>;
  // An established connection (handshakes done) closed: by the peer, by
  // close_connection(), a timeout, a framing error or an overflowing write
  // queue; not by stop(). Lets a registrar drop the bindings of a WS client
  // (RFC 5626 flows). Called later on the loop, never from inside a call.
  using ClosedHandler = std::function<void(const Peer& connection)>;
  using SendCallback = std::function<void(const SendResult&)>;

  TransportLayer(boost::asio::io_context& io, TransportConfig config, runtime::Logger& log, runtime::Metrics& metrics,
                 MessageHandler on_message);
  ~TransportLayer();  // stop()
  TransportLayer(const TransportLayer&) = delete;
  TransportLayer& operator=(const TransportLayer&) = delete;

  // Binds every listener and starts receiving. Throws std::runtime_error
  // naming the listener (or the TLS option) that cannot be set up; then
  // nothing stays bound. Call once.
  void start();
  // Closes listeners and connections; queued messages are discarded and no
  // callback is invoked any more. Idempotent.
  void stop();

  void on_connection_closed(ClosedHandler handler);

  // Sends bytes (a whole SIP message, or a CRLF keep-alive) to `to`:
  //  * UDP: a datagram from the UDP listener on to.local_port, else (0) from
  //    the first UDP listener of the same address family;
  //  * TCP/TLS: on to.connection when it is open, else on an open connection
  //    to to.address:to.port, else on a new connection to it (kept open for
  //    messages both ways, subject to the idle timeout), bound to
  //    to.local_port when it is not 0 and no stream listener's;
  //  * WS/WSS: on to.connection only.
  // Returns false when delivery is impossible from the start (no such
  // connection, no socket for that transport, a connection limit). `done`,
  // when given, is called exactly once with the outcome, later, on the loop,
  // never from inside send(), whatever send() returned (unless stop() comes
  // first). Messages sent on one connection go out in the order sent.
  bool send(const Peer& to, std::string bytes, SendCallback done = {});
  bool send(const Peer& to, const Message& message, SendCallback done = {});

  // Closes one connection (for instance after a failed flow). Returns false
  // when it was not open.
  bool close_connection(ConnectionId id);
  bool is_open(ConnectionId id) const;
  std::size_t connection_count() const;

  // The bound listeners, in configuration order; valid after start().
  std::vector<LocalEndpoint> local_endpoints() const;
  // The first listener of that transport, if any.
  std::optional<LocalEndpoint> local_endpoint(Transport transport) const;
  // How long the last UDP datagram read waited in its socket's receive queue
  // (kernel receive time to the read): near 0 while the loop keeps up, and
  // growing with the backlog when the process is overloaded.
  std::chrono::microseconds receive_delay() const;

  struct Impl;  // opaque; public only so that the .cpp files' sessions can share it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::sip
