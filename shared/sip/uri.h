#pragma once
// sip:, sips: (RFC 3261 §19.1, §25.1) and tel: (RFC 3966) URIs. Pure: parsing
// is a function of the bytes and the result holds views into them, so the
// input must outlive it. Escapes (%HH) are validated but not decoded.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsbox::sip {

struct Uri {
  enum class Scheme { sip, sips, tel };
  Scheme scheme = Scheme::sip;
  // sip/sips
  std::string_view user;      // may be empty (sip:example.com)
  std::string_view password;  // RFC 3261 discourages it; kept for completeness
  std::string_view host;      // hostname, IPv4 or [IPv6] with the brackets
  std::optional<std::uint16_t> port;
  std::string_view headers;   // after '?', without it
  // tel
  std::string_view number;    // "+1-555-0100" or a local number
  bool global_number = false; // starts with '+'
  // both: every ";name[=value]" after the user/host or number, without the first ';'
  std::string_view params;
};

struct UriParse {
  std::optional<Uri> uri;
  std::string error;  // why not, when uri is empty
};

// Strict parse of a sip:, sips: or tel: URI; any other scheme is an error.
UriParse parse_uri(std::string_view text);

// host = hostname / IPv4address / IPv6reference (with its brackets).
bool is_valid_host(std::string_view host);

// The port a sip:/sips: URI leads to: its own, else 5061 for sips: and
// ;transport=tls, else 5060 (RFC 3263 §4.2 without DNS).
std::uint16_t port_or_default(const Uri& uri);

// Whether two sip:/sips: URIs name the same host (case-insensitively; an
// IPv6 reference with or without brackets) and port (port_or_default): the
// same SIP endpoint, whatever their user parts and parameters. tel: URIs
// name no host: false.
bool same_hostport(const Uri& a, const Uri& b);

// Whether text is an absoluteURI of any scheme (RFC 3261 §25.1, RFC 2396):
// what SIP accepts, without understanding it, in a Request-URI or a name-addr.
bool is_absolute_uri(std::string_view text);

}  // namespace imsbox::sip
