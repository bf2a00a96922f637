#include "sdp/attributes.h"

#include <array>

#include "sdp/grammar.h"

namespace imsbox::sdp {

namespace {

using grammar::Fields;
using grammar::iequals;
using grammar::is_token;
using grammar::parse_uint;
using grammar::trim;

// "<head> <rest>": the first SP-separated field and what follows the single
// SP after it (rest may be empty when there is no SP)
std::pair<std::string_view, std::string_view> head_rest(std::string_view v) {
  const auto sp = v.find(' ');
  if (sp == std::string_view::npos) return {v, {}};
  return {v.substr(0, sp), v.substr(sp + 1)};
}

constexpr bool is_ice_char(char c) { return grammar::is_alpha(c) || grammar::is_digit(c) || c == '+' || c == '/'; }

bool is_ice_string(std::string_view s, std::size_t min, std::size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (!is_ice_char(c)) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 4> kDirections{"sendrecv", "sendonly", "recvonly", "inactive"};
constexpr std::array<std::string_view, 4> kSetups{"actpass", "active", "passive", "holdconn"};

}  // namespace

// ---- rtpmap ----

std::optional<Rtpmap> parse_rtpmap(std::string_view value) {
  const auto [pt_text, rest] = head_rest(trim(value));
  const auto pt = parse_uint<std::uint8_t>(pt_text, 127);
  if (!pt || rest.empty()) return std::nullopt;
  std::string_view r = rest;
  const auto encoding = grammar::split_first(r, '/');
  if (!is_token(encoding) || rest.size() == encoding.size()) return std::nullopt;
  const bool has_params = r.find('/') != std::string_view::npos;
  const auto clock = parse_uint<std::uint32_t>(grammar::split_first(r, '/'));
  if (!clock || *clock == 0) return std::nullopt;
  Rtpmap out{*pt, std::string(encoding), *clock, std::nullopt};
  if (has_params) {
    const auto channels = parse_uint<std::uint32_t>(r);
    if (!channels) return std::nullopt;
    out.channels = *channels;
  }
  return out;
}

std::string format(const Rtpmap& r) {
  std::string out = std::to_string(r.payload_type) + ' ' + r.encoding + '/' + std::to_string(r.clock_rate);
  if (r.channels) out += '/' + std::to_string(*r.channels);
  return out;
}

Attribute to_attribute(const Rtpmap& r) { return {"rtpmap", format(r)}; }

// ---- fmtp ----

std::optional<std::string_view> Fmtp::get(std::string_view name) const {
  for (const auto& p : parameters) {
    if (iequals(p.name, name)) return p.value ? std::string_view(*p.value) : std::string_view{};
  }
  return std::nullopt;
}

void Fmtp::set(std::string_view name, std::optional<std::string> value) {
  for (auto& p : parameters) {
    if (iequals(p.name, name)) {
      p.value = std::move(value);
      return;
    }
  }
  parameters.push_back(FmtpParameter{std::string(name), std::move(value)});
}

bool Fmtp::remove(std::string_view name) {
  return std::erase_if(parameters, [&](const FmtpParameter& p) { return iequals(p.name, name); }) > 0;
}

std::optional<Fmtp> parse_fmtp(std::string_view value) {
  value = trim(value);
  const auto sp = value.find_first_of(" \t");
  const auto fmt = value.substr(0, sp);
  if (!is_token(fmt)) return std::nullopt;
  Fmtp out{std::string(fmt), {}};
  std::string_view rest = sp == std::string_view::npos ? std::string_view{} : trim(value.substr(sp + 1));
  while (!rest.empty()) {
    const auto item = trim(grammar::split_first(rest, ';'));
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      out.parameters.push_back(FmtpParameter{std::string(item), std::nullopt});
      continue;
    }
    const auto name = trim(item.substr(0, eq));
    if (name.empty()) return std::nullopt;
    out.parameters.push_back(FmtpParameter{std::string(name), std::string(trim(item.substr(eq + 1)))});
  }
  return out;
}

std::string format(const Fmtp& f) {
  std::string out = f.format;
  char sep = ' ';
  for (const auto& p : f.parameters) {
    out += sep;
    sep = ';';
    out += p.name;
    if (p.value) {
      out += '=';
      out += *p.value;
    }
  }
  return out;
}

Attribute to_attribute(const Fmtp& f) { return {"fmtp", format(f)}; }

// ---- ptime ----

std::optional<std::uint32_t> parse_ptime(std::string_view value) {
  value = trim(value);
  const auto dot = value.find('.');
  const auto whole = parse_uint<std::uint32_t>(value.substr(0, dot));
  if (!whole) return std::nullopt;
  if (dot != std::string_view::npos && !parse_uint<std::uint64_t>(value.substr(dot + 1))) return std::nullopt;
  return whole;
}

// ---- direction ----

std::string_view to_string(Direction d) { return kDirections[static_cast<std::size_t>(d)]; }

std::optional<Direction> parse_direction(std::string_view attribute_name) {
  for (std::size_t i = 0; i < kDirections.size(); ++i) {
    if (iequals(attribute_name, kDirections[i])) return static_cast<Direction>(i);
  }
  return std::nullopt;
}

std::optional<Direction> direction_of(const Attributes& attributes) {
  std::optional<Direction> found;
  for (const auto& a : attributes) {
    if (auto d = parse_direction(a.name)) found = d;
  }
  return found;
}

Direction direction(const SessionDescription& session, const MediaDescription& media) {
  if (auto d = direction_of(media.attributes)) return *d;
  return direction_of(session.attributes).value_or(Direction::sendrecv);
}

void set_direction(Attributes& attributes, Direction d) {
  std::size_t first = Attributes::npos;
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    if (parse_direction(attributes[i].name)) {
      first = i;
      break;
    }
  }
  if (first == Attributes::npos) {
    attributes.add(std::string(to_string(d)));
    return;
  }
  attributes[first] = Attribute{std::string(to_string(d)), std::nullopt};
  std::size_t i = 0;
  attributes.remove_if([&](const Attribute& a) { return i++ != first && parse_direction(a.name).has_value(); });
}

Direction reverse(Direction d) {
  switch (d) {
    case Direction::sendonly: return Direction::recvonly;
    case Direction::recvonly: return Direction::sendonly;
    default: return d;
  }
}

// ---- rtcp ----

std::optional<Rtcp> parse_rtcp(std::string_view value) {
  Fields f(trim(value));
  const auto port = f.next();
  if (!port) return std::nullopt;
  const auto number = parse_uint<std::uint16_t>(*port);
  if (!number) return std::nullopt;
  Rtcp out{*number, std::nullopt, std::nullopt, std::nullopt};
  if (f.at_end()) return out;
  const auto nettype = f.next(), addrtype = f.next(), address = f.next();
  if (!address || f.bad() || !f.at_end() || !is_token(*nettype) || !is_token(*addrtype) ||
      !grammar::is_non_ws_string(*address))
    return std::nullopt;
  out.nettype = std::string(*nettype);
  out.addrtype = std::string(*addrtype);
  out.address = std::string(*address);
  return out;
}

std::string format(const Rtcp& r) {
  std::string out = std::to_string(r.port);
  if (r.nettype && r.addrtype && r.address) out += ' ' + *r.nettype + ' ' + *r.addrtype + ' ' + *r.address;
  return out;
}

Attribute to_attribute(const Rtcp& r) { return {"rtcp", format(r)}; }

// ---- group, mid ----

std::optional<Group> parse_group(std::string_view value) {
  Fields f(value);
  const auto semantics = f.next();
  if (!semantics || !is_token(*semantics)) return std::nullopt;
  Group out{std::string(*semantics), {}};
  while (auto mid = f.next()) {
    if (!is_token(*mid)) return std::nullopt;
    out.mids.emplace_back(*mid);
  }
  if (f.bad()) return std::nullopt;
  return out;
}

std::string format(const Group& g) {
  std::string out = g.semantics;
  for (const auto& m : g.mids) out += ' ' + m;
  return out;
}

Attribute to_attribute(const Group& g) { return {"group", format(g)}; }

std::optional<Group> find_group(const Attributes& attributes, std::string_view semantics) {
  for (const auto v : attributes.values("group")) {
    auto g = parse_group(v);
    if (g && iequals(g->semantics, semantics)) return g;
  }
  return std::nullopt;
}

std::optional<std::string_view> parse_mid(std::string_view value) {
  if (!is_token(value)) return std::nullopt;
  return value;
}

// ---- ICE ----

bool is_ice_ufrag(std::string_view value) { return is_ice_string(value, 4, 256); }
bool is_ice_pwd(std::string_view value) { return is_ice_string(value, 22, 256); }

std::optional<std::vector<std::string>> parse_ice_options(std::string_view value) {
  Fields f(value);
  std::vector<std::string> out;
  while (auto tag = f.next()) {
    if (!is_token(*tag)) return std::nullopt;
    out.emplace_back(*tag);
  }
  if (f.bad() || out.empty()) return std::nullopt;
  return out;
}

// ---- fingerprint ----

std::optional<Fingerprint> parse_fingerprint(std::string_view value) {
  const auto [hash, hex] = head_rest(trim(value));
  if (!is_token(hash) || hex.empty()) return std::nullopt;
  // 2HEX *(":" 2HEX), at most 64 bytes (SHA-512)
  if ((hex.size() + 1) % 3 != 0 || (hex.size() + 1) / 3 > 64) return std::nullopt;
  Fingerprint out{std::string(hash), {}};
  out.bytes.reserve((hex.size() + 1) / 3);
  const auto nibble = [](char c) {
    return static_cast<std::uint8_t>(grammar::is_digit(c) ? c - '0' : grammar::lower(c) - 'a' + 10);
  };
  for (std::size_t i = 0; i < hex.size(); i += 3) {
    if (!grammar::is_hex(hex[i]) || !grammar::is_hex(hex[i + 1])) return std::nullopt;
    if (i + 2 < hex.size() && hex[i + 2] != ':') return std::nullopt;
    out.bytes.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

std::string format(const Fingerprint& f) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = f.hash_function;
  out.reserve(out.size() + 1 + 3 * f.bytes.size());
  for (std::size_t i = 0; i < f.bytes.size(); ++i) {
    out += i == 0 ? ' ' : ':';
    out += kHex[f.bytes[i] >> 4];
    out += kHex[f.bytes[i] & 0xf];
  }
  return out;
}

Attribute to_attribute(const Fingerprint& f) { return {"fingerprint", format(f)}; }

// ---- setup ----

std::string_view to_string(Setup s) { return kSetups[static_cast<std::size_t>(s)]; }

std::optional<Setup> parse_setup(std::string_view value) {
  value = trim(value);
  for (std::size_t i = 0; i < kSetups.size(); ++i) {
    if (iequals(value, kSetups[i])) return static_cast<Setup>(i);
  }
  return std::nullopt;
}

// ---- rtcp-fb ----

std::optional<RtcpFb> parse_rtcp_fb(std::string_view value) {
  const auto [fmt, rest] = head_rest(trim(value));
  if (fmt != "*" && !is_token(fmt)) return std::nullopt;
  const auto [type, params] = head_rest(rest);
  if (!is_token(type)) return std::nullopt;
  RtcpFb out{std::string(fmt), std::string(type), std::nullopt};
  if (rest.size() > type.size()) {
    if (params.empty()) return std::nullopt;
    out.parameters = std::string(params);
  }
  return out;
}

std::string format(const RtcpFb& f) {
  std::string out = f.format + ' ' + f.type;
  if (f.parameters) out += ' ' + *f.parameters;
  return out;
}

Attribute to_attribute(const RtcpFb& f) { return {"rtcp-fb", format(f)}; }

// ---- extmap ----

std::optional<Extmap> parse_extmap(std::string_view value) {
  const auto [id_dir, rest] = head_rest(trim(value));
  std::string_view id_rest = id_dir;
  const auto id = parse_uint<std::uint16_t>(grammar::split_first(id_rest, '/'), 4351);
  if (!id || *id == 0) return std::nullopt;
  Extmap out{*id, std::nullopt, {}, std::nullopt};
  if (id_dir.find('/') != std::string_view::npos) {
    out.direction = parse_direction(id_rest);
    if (!out.direction) return std::nullopt;
  }
  const auto [uri, attributes] = head_rest(rest);
  if (!grammar::is_non_ws_string(uri)) return std::nullopt;
  out.uri = std::string(uri);
  if (rest.size() > uri.size()) {
    if (attributes.empty()) return std::nullopt;
    out.attributes = std::string(attributes);
  }
  return out;
}

std::string format(const Extmap& e) {
  std::string out = std::to_string(e.id);
  if (e.direction) out += '/' + std::string(to_string(*e.direction));
  out += ' ' + e.uri;
  if (e.attributes) out += ' ' + *e.attributes;
  return out;
}

Attribute to_attribute(const Extmap& e) { return {"extmap", format(e)}; }

// ---- ssrc ----

std::optional<Ssrc> parse_ssrc(std::string_view value) {
  const auto [id, rest] = head_rest(value);
  const auto ssrc = parse_uint<std::uint32_t>(id);
  if (!ssrc) return std::nullopt;
  const auto colon = rest.find(':');
  const auto attribute = rest.substr(0, colon);
  if (!is_token(attribute)) return std::nullopt;
  Ssrc out{*ssrc, std::string(attribute), std::nullopt};
  if (colon != std::string_view::npos) out.value = std::string(rest.substr(colon + 1));
  return out;
}

std::string format(const Ssrc& s) {
  std::string out = std::to_string(s.ssrc) + ' ' + s.attribute;
  if (s.value) out += ':' + *s.value;
  return out;
}

Attribute to_attribute(const Ssrc& s) { return {"ssrc", format(s)}; }

// ---- msid ----

std::optional<Msid> parse_msid(std::string_view value) {
  Fields f(trim(value));
  const auto id = f.next();
  if (!id || !is_token(*id) || id->size() > 64) return std::nullopt;
  Msid out{std::string(*id), std::nullopt};
  if (auto track = f.next()) {
    if (!is_token(*track) || track->size() > 64 || !f.at_end()) return std::nullopt;
    out.track_id = std::string(*track);
  }
  if (f.bad()) return std::nullopt;
  return out;
}

std::string format(const Msid& m) {
  std::string out = m.stream_id;
  if (m.track_id) out += ' ' + *m.track_id;
  return out;
}

Attribute to_attribute(const Msid& m) { return {"msid", format(m)}; }

}  // namespace imsbox::sdp
