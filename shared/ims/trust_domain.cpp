#include "ims/trust_domain.h"

#include <algorithm>
#include <array>
#include <string>

#include "sip/header_values.h"
#include "sip/text.h"

namespace imsbox::ims {

namespace {

// The fields only the trust domain may set (TS 24.229 §4.4; RFC 3325,
// RFC 5502, RFC 5002, RFC 6050, RFC 7316, RFC 7315, RFC 5009, RFC 4412),
// besides P-Asserted-Identity and P-Charging-Vector, which have rules of
// their own below.
constexpr std::array<std::string_view, 9> kTrustDomainFields = {
    "P-Served-User",       "P-Profile-Key",       "P-Asserted-Service",
    "P-Private-Network-Indication", "P-Access-Network-Info", "Cellular-Network-Info",
    "P-Charging-Function-Addresses", "P-Early-Media", "Resource-Priority",
};

// The P-Charging-Vector parameters networks exchange (RFC 7315 §4.6): the
// charging identifier and the inter-operator identifiers. The rest (access
// network charging information: ggsn, gcid, pdp-info, bras, ...) is the
// trust domain's.
constexpr std::array<std::string_view, 5> kExchangedChargingParams = {
    "icid-value", "icid-generated-at", "orig-ioi", "term-ioi", "transit-ioi",
};

bool exchanged(std::string_view param) {
  const auto name = sip::text::trim(param.substr(0, param.find('=')));
  return std::any_of(kExchangedChargingParams.begin(), kExchangedChargingParams.end(),
                     [name](std::string_view p) { return sip::text::iequals(p, name); });
}

// The ';'-separated parts of a value, quoted strings kept whole.
std::vector<std::string_view> split_params(std::string_view value) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      out.push_back(sip::text::trim(value.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(sip::text::trim(value.substr(start)));
  return out;
}

// P-Charging-Vector without the trust domain's parameters; true when it changed.
bool trim_charging_vector(sip::Message& m) {
  const auto* field = m.find(sip::HeaderId::p_charging_vector);
  if (!field) return false;
  std::string kept;
  bool dropped = false;
  for (const auto part : split_params(field->value)) {
    if (part.empty()) continue;
    if (!exchanged(part)) {
      dropped = true;
      continue;
    }
    kept += (kept.empty() ? "" : ";") + std::string(part);
  }
  if (!dropped && m.count(sip::HeaderId::p_charging_vector) == 1) return false;
  // one field at most (RFC 7315: a single value), and only with its icid
  m.remove_all(sip::HeaderId::p_charging_vector);
  if (kept.find("icid-value") != std::string::npos) m.append(sip::HeaderId::p_charging_vector, std::move(kept));
  return true;
}

bool asks_identity_privacy(const sip::Message& m) {
  for (const auto& f : m.headers()) {
    if (f.id != sip::HeaderId::privacy) continue;
    const auto values = sip::parse_token_list(f.value);
    if (!values) return true;  // unreadable: err on the side of privacy
    for (const auto v : values.value) {
      if (sip::text::iequals(v, "id")) return true;
    }
  }
  return false;
}

std::vector<std::string_view> remove_fields(sip::Message& m, bool asserted_identity) {
  std::vector<std::string_view> removed;
  if (asserted_identity && m.remove_all(sip::HeaderId::p_asserted_identity) > 0) {
    removed.push_back("P-Asserted-Identity");
  }
  for (const auto name : kTrustDomainFields) {
    if (m.remove_all(name) > 0) removed.push_back(name);
  }
  if (trim_charging_vector(m)) removed.push_back("P-Charging-Vector");
  return removed;
}

}  // namespace

bool in_trust_domain(const boost::asio::ip::address& source, std::span<const boost::asio::ip::address> peers) {
  auto address = source;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  // The box's own nodes: 127.0.0.1 / ::1 when bind_address is a wildcard
  // (they reach each other on loopback), else bind_address, one of `peers`.
  // Not the rest of 127.0.0.0/8: any local process may send from there.
  if (address == boost::asio::ip::address_v4::loopback() || address == boost::asio::ip::address_v6::loopback()) {
    return true;
  }
  return std::find(peers.begin(), peers.end(), address) != peers.end();
}

std::vector<std::string_view> enter_trust_domain(sip::Message& request) { return remove_fields(request, true); }

std::vector<std::string_view> leave_trust_domain(sip::Message& response) {
  return remove_fields(response, asks_identity_privacy(response));
}

}  // namespace imsbox::ims
