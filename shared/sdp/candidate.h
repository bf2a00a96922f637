#pragma once
// a=candidate (RFC 8839 §5.1): one ICE candidate.
//
//   candidate-attribute = "candidate" ":" foundation SP component-id SP
//                         transport SP priority SP connection-address SP
//                         port SP "typ" SP cand-type [SP "raddr" SP addr]
//                         [SP "rport" SP port] *(SP extension-name SP extension-value)
//
// The address is an IPv4 or IPv6 address or a name: browsers that hide their
// addresses send mDNS names (RFC 8839 §5.1 allows an FQDN; Firefox and
// Chromium use "<uuid>.local"), which the AGW cannot reach but learns the
// real address of from the checks (peer-reflexive): is_mdns() tells them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sdp/session_description.h"

namespace imsbox::sdp {

struct Candidate {
  std::string foundation;        // 1..32 ice-chars
  std::uint16_t component = 1;   // 1..256 (1 RTP, 2 RTCP)
  std::string transport;         // "UDP", "udp", "TCP", ... as written (compare case-insensitively)
  std::uint32_t priority = 0;
  std::string address;           // IP address or name (non-ws-string)
  std::uint16_t port = 0;
  std::string type;              // host, srflx, prflx, relay, or another token
  std::optional<std::string> related_address;  // raddr
  std::optional<std::uint16_t> related_port;   // rport
  std::vector<std::pair<std::string, std::string>> extensions;  // generation 0, ufrag x, network-id 1, tcptype active, ...

  // a name ending in ".local" (an mDNS name, RFC 6762), not an address
  bool is_mdns() const;
  bool is_udp() const;
  // the value of an extension ("tcptype", "generation"), if present
  std::optional<std::string_view> extension(std::string_view name) const;
  bool operator==(const Candidate&) const = default;
};

// a candidate attribute's value; also accepts the "candidate:" prefix that
// trickled candidates carry (RTCIceCandidate.candidate)
std::optional<Candidate> parse_candidate(std::string_view value);
std::string format(const Candidate& c);  // the value, without "candidate:"
Attribute to_attribute(const Candidate& c);

}  // namespace imsbox::sdp
