#include "sdp/candidate.h"

#include "sdp/grammar.h"

namespace imsbox::sdp {

namespace {

using grammar::Fields;
using grammar::iequals;
using grammar::parse_uint;

constexpr bool is_ice_char(char c) { return grammar::is_alpha(c) || grammar::is_digit(c) || c == '+' || c == '/'; }

bool is_foundation(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!is_ice_char(c)) return false;
  }
  return true;
}

// extension-att-value = *VCHAR; one field here, as every sender writes it
bool is_vchars(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

bool Candidate::is_mdns() const { return grammar::iends_with(address, ".local"); }

bool Candidate::is_udp() const { return iequals(transport, "UDP"); }

std::optional<std::string_view> Candidate::extension(std::string_view name) const {
  for (const auto& [n, v] : extensions) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<Candidate> parse_candidate(std::string_view value) {
  if (value.size() >= 10 && iequals(value.substr(0, 10), "candidate:")) value.remove_prefix(10);
  Fields f(value);
  const auto foundation = f.next(), component = f.next(), transport = f.next(), priority = f.next(),
             address = f.next(), port = f.next(), typ = f.next(), type = f.next();
  if (!type || f.bad()) return std::nullopt;
  Candidate c;
  if (!is_foundation(*foundation)) return std::nullopt;
  c.foundation = std::string(*foundation);
  const auto comp = parse_uint<std::uint16_t>(*component, 256);
  if (!comp || *comp == 0 || component->size() > 3) return std::nullopt;
  c.component = *comp;
  if (!grammar::is_token(*transport)) return std::nullopt;
  c.transport = std::string(*transport);
  const auto prio = parse_uint<std::uint32_t>(*priority);
  if (!prio || priority->size() > 10) return std::nullopt;
  c.priority = *prio;
  if (!grammar::is_non_ws_string(*address)) return std::nullopt;
  c.address = std::string(*address);
  const auto p = parse_uint<std::uint16_t>(*port);
  if (!p) return std::nullopt;
  c.port = *p;
  if (*typ != "typ" || !grammar::is_token(*type)) return std::nullopt;
  c.type = std::string(*type);
  // [raddr <addr>] [rport <port>] then extension pairs
  auto name = f.next();
  if (name && *name == "raddr") {
    const auto raddr = f.next();
    if (!raddr || !grammar::is_non_ws_string(*raddr)) return std::nullopt;
    c.related_address = std::string(*raddr);
    name = f.next();
  }
  if (name && *name == "rport") {
    const auto rport = f.next();
    const auto rp = rport ? parse_uint<std::uint16_t>(*rport) : std::nullopt;
    if (!rp) return std::nullopt;
    c.related_port = *rp;
    name = f.next();
  }
  while (name) {
    const auto ext_value = f.next();
    if (!ext_value || !grammar::is_token(*name) || !is_vchars(*ext_value)) return std::nullopt;
    c.extensions.emplace_back(std::string(*name), std::string(*ext_value));
    name = f.next();
  }
  if (f.bad()) return std::nullopt;
  return c;
}

std::string format(const Candidate& c) {
  std::string out;
  out.reserve(96);
  out += c.foundation;
  out += ' ';
  out += std::to_string(c.component);
  out += ' ';
  out += c.transport;
  out += ' ';
  out += std::to_string(c.priority);
  out += ' ';
  out += c.address;
  out += ' ';
  out += std::to_string(c.port);
  out += " typ ";
  out += c.type;
  if (c.related_address) {
    out += " raddr ";
    out += *c.related_address;
  }
  if (c.related_port) {
    out += " rport ";
    out += std::to_string(*c.related_port);
  }
  for (const auto& [n, v] : c.extensions) {
    out += ' ';
    out += n;
    out += ' ';
    out += v;
  }
  return out;
}

Attribute to_attribute(const Candidate& c) { return {"candidate", format(c)}; }

}  // namespace imsbox::sdp
