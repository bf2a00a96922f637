#pragma once
// The registration event package (RFC 3680): the reginfo document the
// S-CSCF sends in NOTIFY (application/reginfo+xml) to the UE and the P-CSCF,
// as TS 24.229 §5.4.2.1.2 fills it. Plain values, XML out and in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::ims {

struct RegInfoContact {
  std::string id;     // stable per contact (e.g. a hash of IMPU and contact URI)
  std::string state;  // "active" | "terminated"
  // "registered" "created" "refreshed" "shortened" "expired" "deactivated"
  // "probation" "unregistered" "rejected"
  std::string event;
  std::optional<std::uint32_t> expires;  // seconds left (active contacts)
  std::string uri;                       // the contact address
  std::optional<std::string> instance;   // +sip.instance value, without the <> or quotes
  std::optional<std::uint32_t> reg_id;   // RFC 5626 reg-id
  friend bool operator==(const RegInfoContact&, const RegInfoContact&) = default;
};

struct RegInfoRegistration {
  std::string aor;    // the public identity
  std::string id;     // stable per registration
  std::string state;  // "init" | "active" | "terminated"
  std::vector<RegInfoContact> contacts;
  friend bool operator==(const RegInfoRegistration&, const RegInfoRegistration&) = default;
};

struct RegInfo {
  std::uint32_t version = 0;  // increases by one with every NOTIFY of a subscription
  bool full = true;           // state="full" (we always send full state)
  std::vector<RegInfoRegistration> registrations;
  friend bool operator==(const RegInfo&, const RegInfo&) = default;
};

// <?xml ...?><reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version=".." state="full">...
// with XML escaping of every value.
std::string to_xml(const RegInfo& info);

// Parses a reginfo document (any namespace prefix, unknown elements and
// attributes ignored); nothing when it is not well-formed XML or not a
// reginfo document. Never throws, never reads files or the network.
std::optional<RegInfo> parse_reginfo(std::string_view xml);

}  // namespace imsbox::ims
