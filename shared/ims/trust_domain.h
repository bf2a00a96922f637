#pragma once
// The trust domain of a node (TS 24.229 §4.4, RFC 3325): who may assert
// identities and carry the other header fields that only mean something
// between the operator's own nodes, and what happens to those fields where
// a request comes in from outside or a response goes out to it.
//
// Pure functions: the addresses come from ims::trusted_peers() (box.h).
#include <boost/asio/ip/address.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "sip/message.h"

namespace imsbox::ims {

// Whether a request from `source` comes from inside the trust domain:
// 127.0.0.1 or ::1 (the box's own nodes, when bind_address is a wildcard),
// or one of `peers` (ims::trusted_peers(): global.bind_address and
// <node>.trusted_peers). Other 127.0.0.0/8 addresses are outside: any
// local process can send from them. An IPv4-mapped IPv6 address counts as
// its IPv4 address.
bool in_trust_domain(const boost::asio::ip::address& source, std::span<const boost::asio::ip::address> peers);

// A request that came in from outside the trust domain, made fit to route
// inside it: the header fields whose values only the trust domain may set
// are removed (P-Asserted-Identity, P-Served-User, P-Profile-Key,
// P-Asserted-Service, P-Private-Network-Indication, P-Access-Network-Info,
// Cellular-Network-Info, P-Charging-Function-Addresses, P-Early-Media,
// Resource-Priority), and a P-Charging-Vector keeps only what networks
// exchange (icid-value, icid-generated-at, orig-ioi, term-ioi, transit-ioi),
// not the access network's charging information. Returns the names of the
// fields removed or changed, for a log line.
std::vector<std::string_view> enter_trust_domain(sip::Message& request);

// A response about to go to a node outside the trust domain: the same
// fields go, except P-Asserted-Identity, which stays unless the response
// asks for privacy of the identity (Privacy: id, RFC 3325 §7, RFC 3323).
std::vector<std::string_view> leave_trust_domain(sip::Message& response);

}  // namespace imsbox::ims
