#pragma once
// Where a SIP message came from or goes to, at the transport layer.
//
// A connection-oriented peer (TCP, TLS, WS, WSS) carries the id of the
// connection the message came on: responses and in-dialog requests go back
// over it (a browser behind WS cannot be reached any other way). 0 means no
// connection: UDP, or "open one" when sending over TCP/TLS.
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsbox::sip {

enum class Transport : std::uint8_t { udp, tcp, tls, ws, wss };

// The Via transport token: "UDP", "TCP", "TLS", "WS", "WSS" (RFC 3261, RFC 7118).
std::string_view to_string(Transport t);
// The transport a Via token or a ;transport= URI parameter names
// (case-insensitive); nothing for an unknown one (SCTP, an extension).
std::optional<Transport> transport_from_string(std::string_view token);
bool is_reliable(Transport t);  // everything but UDP
bool is_secure(Transport t);    // TLS, WSS

using ConnectionId = std::uint64_t;

struct Peer {
  Transport transport = Transport::udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  ConnectionId connection = 0;
  // Our end: the local port a message came in on; for a send, the local
  // port to send from (the listener bound to it; a new TCP connection is
  // bound to it), 0 for the first listener of the transport. The P-CSCF's
  // protected ports (TS 33.203 §7.1) are told apart by it.
  std::uint16_t local_port = 0;
  friend bool operator==(const Peer&, const Peer&) = default;
};

// "UDP 192.0.2.1:5060", "WSS [2001:db8::1]:443 #7": for logs.
std::string to_string(const Peer& p);

}  // namespace imsbox::sip
