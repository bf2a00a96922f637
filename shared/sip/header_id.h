#pragma once
// The header fields the stack knows by name (RFC 3261, the 3GPP P-headers,
// RFC 3329, RFC 3262, RFC 4028, RFC 6665, RFC 3841, ...). Lookup is
// case-insensitive and knows the compact forms (RFC 3261 §7.3.3 and later).
// Every other header is HeaderId::other and is kept byte for byte.
#include <cstdint>
#include <string_view>

namespace imsbox::sip {

enum class HeaderId : std::uint8_t {
  other,
  via, from, to, call_id, cseq, contact, expires, route, record_route, path, service_route, max_forwards,
  p_asserted_identity, p_preferred_identity, p_associated_uri, p_visited_network_id, p_access_network_info,
  p_charging_vector, p_charging_function_addresses, p_served_user,
  security_client, security_server, security_verify,
  authorization, www_authenticate, proxy_authorization, proxy_authenticate, authentication_info,
  supported, require, proxy_require, unsupported,
  session_expires, min_se, rseq, rack, event, subscription_state, allow, allow_events,
  accept_contact, reject_contact, request_disposition, reason, privacy,
  content_type, content_length, content_encoding, subject, refer_to, referred_by, identity, identity_info,
  date, min_expires, retry_after, warning, accept, user_agent, server, timestamp,
};

HeaderId header_id(std::string_view name);
// The canonical name ("Call-ID"); empty for HeaderId::other.
std::string_view header_name(HeaderId id);

}  // namespace imsbox::sip
