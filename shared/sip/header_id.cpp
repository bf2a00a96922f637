#include "sip/header_id.h"

#include <array>
#include <cstdint>
#include <iterator>

#include "sip/text.h"

namespace imsbox::sip {

namespace {

struct Entry {
  HeaderId id;
  std::string_view name;
  char compact;  // 0 when none
};

constexpr Entry kHeaders[] = {
    {HeaderId::via, "Via", 'v'},
    {HeaderId::from, "From", 'f'},
    {HeaderId::to, "To", 't'},
    {HeaderId::call_id, "Call-ID", 'i'},
    {HeaderId::cseq, "CSeq", 0},
    {HeaderId::contact, "Contact", 'm'},
    {HeaderId::expires, "Expires", 0},
    {HeaderId::route, "Route", 0},
    {HeaderId::record_route, "Record-Route", 0},
    {HeaderId::path, "Path", 0},
    {HeaderId::service_route, "Service-Route", 0},
    {HeaderId::max_forwards, "Max-Forwards", 0},
    {HeaderId::p_asserted_identity, "P-Asserted-Identity", 0},
    {HeaderId::p_preferred_identity, "P-Preferred-Identity", 0},
    {HeaderId::p_associated_uri, "P-Associated-URI", 0},
    {HeaderId::p_visited_network_id, "P-Visited-Network-ID", 0},
    {HeaderId::p_access_network_info, "P-Access-Network-Info", 0},
    {HeaderId::p_charging_vector, "P-Charging-Vector", 0},
    {HeaderId::p_charging_function_addresses, "P-Charging-Function-Addresses", 0},
    {HeaderId::p_served_user, "P-Served-User", 0},
    {HeaderId::security_client, "Security-Client", 0},
    {HeaderId::security_server, "Security-Server", 0},
    {HeaderId::security_verify, "Security-Verify", 0},
    {HeaderId::authorization, "Authorization", 0},
    {HeaderId::www_authenticate, "WWW-Authenticate", 0},
    {HeaderId::proxy_authorization, "Proxy-Authorization", 0},
    {HeaderId::proxy_authenticate, "Proxy-Authenticate", 0},
    {HeaderId::authentication_info, "Authentication-Info", 0},
    {HeaderId::supported, "Supported", 'k'},
    {HeaderId::require, "Require", 0},
    {HeaderId::proxy_require, "Proxy-Require", 0},
    {HeaderId::unsupported, "Unsupported", 0},
    {HeaderId::session_expires, "Session-Expires", 'x'},
    {HeaderId::min_se, "Min-SE", 0},
    {HeaderId::rseq, "RSeq", 0},
    {HeaderId::rack, "RAck", 0},
    {HeaderId::event, "Event", 'o'},
    {HeaderId::subscription_state, "Subscription-State", 0},
    {HeaderId::allow, "Allow", 0},
    {HeaderId::allow_events, "Allow-Events", 'u'},
    {HeaderId::accept_contact, "Accept-Contact", 'a'},
    {HeaderId::reject_contact, "Reject-Contact", 'j'},
    {HeaderId::request_disposition, "Request-Disposition", 'd'},
    {HeaderId::reason, "Reason", 0},
    {HeaderId::privacy, "Privacy", 0},
    {HeaderId::content_type, "Content-Type", 'c'},
    {HeaderId::content_length, "Content-Length", 'l'},
    {HeaderId::content_encoding, "Content-Encoding", 'e'},
    {HeaderId::subject, "Subject", 's'},
    {HeaderId::refer_to, "Refer-To", 'r'},
    {HeaderId::referred_by, "Referred-By", 'b'},
    {HeaderId::identity, "Identity", 'y'},
    {HeaderId::identity_info, "Identity-Info", 'n'},
    {HeaderId::date, "Date", 0},
    {HeaderId::min_expires, "Min-Expires", 0},
    {HeaderId::retry_after, "Retry-After", 0},
    {HeaderId::warning, "Warning", 0},
    {HeaderId::accept, "Accept", 0},
    {HeaderId::user_agent, "User-Agent", 0},
    {HeaderId::server, "Server", 0},
    {HeaderId::timestamp, "Timestamp", 0},
};

// (length, lower-case first and last letter) packed in one integer: one
// compare rules out nearly every entry before the full comparison.
constexpr std::uint32_t key(std::string_view n) {
  return static_cast<std::uint32_t>(n.size()) << 16 | static_cast<std::uint32_t>(static_cast<unsigned char>(text::lower(n.front()))) << 8 |
         static_cast<unsigned char>(text::lower(n.back()));
}

constexpr std::size_t slot_of(std::uint32_t k) { return (k * 2654435761u) >> 24; }  // 256 slots

// Open addressing over the keys: index + 1 of the entry, 0 = empty.
constexpr auto kTable = [] {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t i = 0; i < std::size(kHeaders); ++i) {
    auto slot = slot_of(key(kHeaders[i].name));
    while (table[slot] != 0) slot = (slot + 1) & 0xff;
    table[slot] = static_cast<std::uint8_t>(i + 1);
  }
  return table;
}();

}  // namespace

HeaderId header_id(std::string_view name) {
  if (name.empty()) return HeaderId::other;
  if (name.size() == 1) {
    const char c = text::lower(name[0]);
    for (const auto& e : kHeaders) {
      if (e.compact == c) return e.id;
    }
    return HeaderId::other;
  }
  const auto k = key(name);
  for (auto slot = slot_of(k); kTable[slot] != 0; slot = (slot + 1) & 0xff) {
    const auto& e = kHeaders[kTable[slot] - 1];
    if (key(e.name) == k && text::iequals(e.name, name)) return e.id;
  }
  return HeaderId::other;
}

std::string_view header_name(HeaderId id) {
  for (const auto& e : kHeaders) {
    if (e.id == id) return e.name;
  }
  return {};
}

}  // namespace imsbox::sip
