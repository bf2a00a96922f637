#pragma once
// What a Diameter stack is made from (plain values), and the freeDiameter
// configuration file generated from it. Pure: no freeDiameter here.
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace imsbox::diameter {

// A peer this node connects to (and accepts connections from, only from
// that address).
struct DiameterPeer {
  std::string identity;  // the Diameter identity (FQDN) it announces in CER/CEA
  std::string address;   // IP address or host name to connect to
  std::uint16_t port = 3868;
};

// A peer that may connect to this node, and from where: its connections
// must come from one of `addresses` (IP literals, or host names resolved
// when the stack starts) or, with `loopback`, from any loopback address.
struct AllowedPeer {
  std::string identity;
  std::vector<std::string> addresses;
  bool loopback = false;
};

struct StackConfig {
  std::string identity;  // this node's Diameter identity (FQDN): Origin-Host
  std::string realm;     // Origin-Realm
  // TCP port to listen on; 0: do not listen (a client only).
  std::uint16_t listen_port = 0;
  // The IP address the listening socket binds to. The wildcard 0.0.0.0
  // listens on every IPv4 address, :: on every IPv4 and IPv6 address (as
  // the SIP listeners do). Empty: ::. Also our Host-IP-Address when specific.
  std::string listen_address;
  // Host-IP-Address values of our CER/CEA (RFC 6733 §5.3.5), IP literals:
  // where peers reach us. Empty: the listen address when it is specific,
  // else loopback.
  std::vector<std::string> host_ip_addresses;
  // Connected to at start and re-tried every reconnect interval (Tc). They are
  // also accepted inbound, from their address only.
  std::vector<DiameterPeer> peers;
  // Peers accepted inbound besides `peers`, identities compared ignoring case,
  // each only from its addresses (PeerAdmission). Any other CER is answered
  // DIAMETER_UNKNOWN_PEER, logged with the identity and address it came with,
  // and the connection closed.
  std::vector<AllowedPeer> allowed_peers;
  // TLS (RFC 6733 §13, freeDiameter's separate secure port). Off: SecPort = 0
  // and No_TLS with every peer, for loopback tests and labs.
  bool tls = false;
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
  std::filesystem::path tls_ca;
  std::chrono::seconds watchdog{30};   // Tw (RFC 3539), at least 6 s
  std::chrono::seconds reconnect{30};  // Tc: delay between connection attempts
  // How long a served request may wait for its handler's answer before the
  // stack answers DIAMETER_UNABLE_TO_COMPLY (5012) itself.
  std::chrono::milliseconds answer_timeout{5000};
  // Where the generated freeDiameter configuration is written (e.g. the
  // data dir's run/); created if missing.
  std::filesystem::path run_dir;
  std::filesystem::path extensions_dir = "/usr/lib/freeDiameter";
};

// Empty when the configuration is usable, else a message naming the option.
std::string validate(const StackConfig& config);

// The freeDiameter 1.2.1 configuration for `config`: Identity, Realm, Port
// (SecPort = 0 without TLS; no ListenOn: freeDiameter drops loopback
// addresses from it, the stack adds its addresses itself), No_SCTP (these kernels lack SCTP), NoRelay (we
// are not a Diameter agent), Tw/Tc, the dict_nasreq, dict_dcca and
// dict_dcca_3gpp extensions in that order (dict_dcca refuses to load before
// dict_nasreq), and one ConnectPeer per peer. Assumes validate() passed.
std::string freediameter_conf(const StackConfig& config);

// The addresses freeDiameter is given besides its file (fd_ep_add_merge,
// which would drop loopback ones from a ListenOn): `listen` are bound (none
// without a listen port), `advertised` are only announced as
// Host-IP-Address. At least one of them is never empty, so that
// freeDiameter needs no address of its own (it fails to start on a host
// with nothing but loopback otherwise). Assumes validate() passed.
struct LocalEndpoints {
  std::vector<boost::asio::ip::address> listen;
  std::vector<boost::asio::ip::address> advertised;
};
LocalEndpoints local_endpoints(const StackConfig& config);

// Where the stack writes that file: run_dir/freediameter-<identity>.conf.
std::filesystem::path conf_path(const StackConfig& config);

}  // namespace imsbox::diameter
