#pragma once
// What a Diameter stack is made from (plain values), and the freeDiameter
// configuration file generated from it. Pure: no freeDiameter here.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace imsbox::diameter {

// A peer this node connects to (and accepts connections from).
struct DiameterPeer {
  std::string identity;  // the Diameter identity (FQDN) it announces in CER/CEA
  std::string address;   // IP address or host name to connect to
  std::uint16_t port = 3868;
};

struct StackConfig {
  std::string identity;  // this node's Diameter identity (FQDN): Origin-Host
  std::string realm;     // Origin-Realm
  // TCP port to listen on; 0: do not listen (a client only). freeDiameter 1.2.1
  // listens on every address whatever listen_address says (see PEERS.md):
  // restrict who may talk with allowed_peers, not with the address.
  std::uint16_t listen_port = 0;
  std::string listen_address;  // written as ListenOn when set
  // Connected to at start and re-tried every reconnect interval (Tc). They are
  // also accepted inbound (freeDiameter knows them).
  std::vector<DiameterPeer> peers;
  // Identities accepted inbound besides `peers`, compared ignoring case. Any
  // other peer's CER is answered DIAMETER_UNKNOWN_PEER and the connection closed.
  std::vector<std::string> allowed_peers;
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
// (SecPort = 0 without TLS), No_SCTP (these kernels lack SCTP), NoRelay (we
// are not a Diameter agent), Tw/Tc, the dict_nasreq, dict_dcca and
// dict_dcca_3gpp extensions in that order (dict_dcca refuses to load before
// dict_nasreq), and one ConnectPeer per peer. Assumes validate() passed.
std::string freediameter_conf(const StackConfig& config);

// Where the stack writes that file: run_dir/freediameter-<identity>.conf.
std::filesystem::path conf_path(const StackConfig& config);

}  // namespace imsbox::diameter
