#pragma once
// How the nodes of one box find and configure each other.
//
// URIs: every SIP URI a CSCF gives another node (its Path, Service-Route,
// Record-Route, reg-event Contact and P-Asserted-Identity, the default
// I-CSCF route, the S-CSCF's name at the HSS) is built on node_uri(): the
// operator's <node>.uri, else the advertised address with the node's
// <node>.sip_port, so that a third-party node (Kamailio's CSCFs, say) can
// follow it without DNS entries for this box. The nodes of a box share one
// address: the port tells them apart.
//
// Names: each node is also known as <node>.<domain> (pcscf.ims.example,
// scscf.ims.example, ...), its Diameter identity and, in SIP, the host of
// the URIs earlier versions handed out (still held by stored
// registrations). Within the box these names resolve to
// global.bind_address: the nodes run on one machine, so no DNS is needed.
//
// Pure functions of the configuration, except tls_files(), which writes a
// self-signed certificate when none exists.
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diameter/stack_config.h"
#include "runtime/config.h"
#include "sip/proxy/proxy_stack.h"

namespace imsbox::ims {

// "scscf.<domain>"
std::string node_host(const runtime::Config& c, std::string_view node);
// "sip:scscf.<domain>:6060": the node's name as a SIP URI (resolved within
// the box only).
std::string node_sip_uri(const runtime::Config& c, std::string_view node);

// The source address this host would send from toward other networks (its
// default route, IPv4 or IPv6), or nothing without such a route. Sends nothing.
using RouteSource = std::optional<boost::asio::ip::address> (*)(bool ipv6);
std::optional<boost::asio::ip::address> default_route_source(bool ipv6);

// The SIP URI a CSCF of this box (pcscf, icscf, scscf) is reached at by
// other nodes, ours or anyone's: <node>.uri when set (a name the operator
// has in DNS, say), else "sip:<advertised_host()>:<node>.sip_port". Every
// URI a node hands out is built on it (with_user() for Path and
// Service-Route). Throws runtime::ConfigError naming <node>.uri when that
// is not a sip: URI of a host and an optional port only, or naming
// global.advertised_address as advertised_host() does.
std::string node_uri(const runtime::Config& c, std::string_view node, RouteSource route_source = default_route_source);
// The URIs that name a CSCF of this box, in every form it has had:
// node_uri(), "sip:<advertised_host()>:<sip_port>" (Via and Record-Route
// carry it whatever <node>.uri says), its name node_sip_uri() (held by
// registrations made before the advertised address was used) and, for a
// specific bind address, "sip:<bind_address>:<sip_port>". A URI is the node's when host and port
// match one of them (sip::same_hostport): the nodes of a box share one
// address, so the port tells them apart. node_uri() first.
std::vector<std::string> node_uris(const runtime::Config& c, std::string_view node,
                                   RouteSource route_source = default_route_source);
// "sip:host:port" with a user part: with_user("sip:h:5060", "term") is
// "sip:term@h:5060" (a user part already there is replaced).
std::string with_user(std::string_view uri, std::string_view user);

// The S-CSCF's name at the HSS (scscf.name, or node_uri of the S-CSCF): the
// Server-Name the I-CSCF routes REGISTERs and terminating requests to.
std::string scscf_name(const runtime::Config& c, RouteSource route_source = default_route_source);
// The I-CSCF a CSCF sends to (<node>.icscf_uri: the P-CSCF's REGISTERs, the
// S-CSCF's originating requests to home users), or this box's (node_uri).
std::string icscf_uri(const runtime::Config& c, std::string_view node, RouteSource route_source = default_route_source);
// How long a CSCF waits for a Cx answer: <node>.hss_timeout_ms, between
// 100 ms and a second below the proxy core's wait limit, so that the CSCF's
// own answer to a HSS that is slow or down (a 5xx) is the one sent, in time.
std::chrono::milliseconds hss_timeout(const runtime::Config& c, std::string_view node,
                                      std::chrono::milliseconds wait_limit);
// "<uri;lr>" (a Route value) for a SIP URI given with or without ;lr and <>.
std::string loose_route(std::string uri);

// The address a host name of this box stands for (bind_address; loopback
// when that is the wildcard 0.0.0.0 or ::), an IP literal as it is (brackets
// allowed), or nothing for any other name. The names of this box: the
// <node>.<domain> names, the hosts of the <node>.uri options and
// global.advertised_address when it is a name.
std::optional<boost::asio::ip::address> resolve_box_host(const runtime::Config& c, std::string_view host);

// The host phones and other nodes reach the box's SIP listeners at, as Via,
// Record-Route and the S-CSCF's ISC URI carry it: global.advertised_address
// when set, else bind_address, and for a wildcard bind address (0.0.0.0, ::)
// the source address of the default route, since a wildcard in a
// Record-Route would send a phone's in-dialog requests to itself. IPv6 in
// brackets. Throws runtime::ConfigError for a wildcard on a host without a
// default route, naming global.advertised_address.
std::string advertised_host(const runtime::Config& c, RouteSource route_source = default_route_source);

// The addresses a node takes as its trust domain (TS 24.229 §4.4) besides
// loopback: global.bind_address (the box's other nodes send from it), for a
// wildcard bind address the advertised one (the nodes' URIs carry it: they
// send to it and from it), and the IP addresses listed in
// <node>.trusted_peers (comma- or space-separated). Throws
// runtime::ConfigError naming the option for an entry that is not an IP
// address (or as advertised_host() does).
std::vector<boost::asio::ip::address> trusted_peers(const runtime::Config& c, std::string_view node,
                                                   RouteSource route_source = default_route_source);

// A CSCF's SIP stack on global.bind_address: UDP and TCP on <node>.sip_port;
// for the P-CSCF also TLS, WS and WSS (certificate from tls_files()). Via and
// Record-Route carry advertised_host(); node_uris() count as the node's own
// URIs; names of this box resolve with resolve_box_host().
sip::proxy::ProxyStackConfig proxy_stack_config(const runtime::Config& c, std::string_view node);

// pcscf.tls_certificate and pcscf.tls_private_key; when both are missing, a
// self-signed certificate for the domain is made first. Throws
// std::runtime_error when only one of them exists or the files cannot be made.
struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};
TlsFiles tls_files(const runtime::Config& c);

// The directory of the web client the P-CSCF serves (the WWSF role):
// pcscf.web_root, relative to the data dir, or, when empty, <build>/web-client
// beside <build>/bin of the running executable, where the build bundles it.
// Throws runtime::ConfigError naming the option when a configured directory
// is not there; the default may be missing (a build without the client).
std::filesystem::path web_root(const runtime::Config& c);

// The Diameter peer a node reaches the HSS through: <node>.hss_peer
// ("identity@address:port") or this box's HSS. Throws runtime::ConfigError
// naming the option when the value is malformed.
diameter::DiameterPeer hss_peer(const runtime::Config& c, std::string_view node);

// A Cx client's stack (the I-CSCF's, the S-CSCF's): identity from
// <node>.diameter_identity or <node>.<domain>, the home realm, no listening
// port, the HSS as its one peer, diameter_host_addresses(), files under
// data_dir/run.
diameter::StackConfig cx_client_config(const runtime::Config& c, std::string_view node,
                                       RouteSource route_source = default_route_source);

// The Host-IP-Address a Diameter node of the box announces in CER/CEA:
// global.bind_address, or for a wildcard one global.advertised_address when
// that is an IP address, else the source address of the default route,
// else loopback (never the wildcard).
std::vector<std::string> diameter_host_addresses(const runtime::Config& c,
                                                 RouteSource route_source = default_route_source);

// The peers the HSS admits over Cx, from hss.diameter_peers: entries
// separated by commas or spaces, each IDENTITY (a node of this box: from
// loopback and global.bind_address) or IDENTITY@ADDRESS (from that address
// only: an IP address, IPv6 with or without brackets, or a host name
// resolved when the HSS starts); an identity given several times may
// connect from each. Empty: the box's I-CSCF and S-CSCF (their
// diameter_identity or <node>.<domain>) as nodes of this box. Throws
// runtime::ConfigError naming the option for a malformed entry.
std::vector<diameter::AllowedPeer> hss_diameter_peers(const runtime::Config& c);

// The HSS's Cx stack: hss.diameter_identity or hss.<domain>, the home realm,
// TCP hss.diameter_port on global.bind_address only, hss_diameter_peers(),
// diameter_host_addresses(), files under data_dir/run.
diameter::StackConfig hss_diameter_config(const runtime::Config& c, RouteSource route_source = default_route_source);

}  // namespace imsbox::ims
