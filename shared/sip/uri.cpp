#include "sip/uri.h"
#include "runtime/ascii.h"

#include <charconv>

namespace imsbox::sip {

namespace {

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool hexdig(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool mark(char c) {
  switch (c) {
    case '-': case '_': case '.': case '!': case '~': case '*': case '\'': case '(': case ')': return true;
    default: return false;
  }
}
bool unreserved(char c) { return alnum(c) || mark(c); }
bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

// Checks that every byte is in the class or starts a valid %HH escape.
template <typename Pred>
bool all_of_escaped(std::string_view s, Pred ok) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !hexdig(s[i + 1]) || !hexdig(s[i + 2])) return false;
      i += 2;
    } else if (!ok(s[i])) {
      return false;
    }
  }
  return true;
}

using ascii::iequals;

bool valid_hostname(std::string_view h) {
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);  // a fully qualified name
  if (h.empty()) return false;
  std::size_t start = 0;
  std::string_view last;
  while (true) {
    const auto dot = h.find('.', start);
    const auto label = h.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
    for (char c : label) if (!alnum(c) && c != '-') return false;
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return !digit(last.front());  // toplabel = ALPHA ...
}

bool valid_ipv4(std::string_view h) {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const auto dot = h.find('.', start);
    const auto p = h.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || p.size() > 3 || ec != std::errc{} || end != p.data() + p.size() || v > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

// RFC 3261 IPv6reference: "[" IPv6address "]" (RFC 4291 text form, with an
// optional trailing IPv4 part).
bool valid_ipv6_reference(std::string_view h) {
  if (h.size() < 4 || h.front() != '[' || h.back() != ']') return false;
  std::string_view a = h.substr(1, h.size() - 2);
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (a.starts_with("::")) {
    compressed = true;
    i = 2;
    if (a.size() == 2) return true;
  }
  while (i < a.size()) {
    const auto colon = a.find(':', i);
    const auto piece = a.substr(i, colon == std::string_view::npos ? std::string_view::npos : colon - i);
    if (colon == std::string_view::npos && piece.find('.') != std::string_view::npos) {
      if (!valid_ipv4(piece)) return false;
      groups += 2;
      break;
    }
    if (piece.empty() || piece.size() > 4) return false;
    for (char c : piece) if (!hexdig(c)) return false;
    ++groups;
    if (colon == std::string_view::npos) break;
    i = colon + 1;
    if (i < a.size() && a[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
    } else if (i == a.size()) {
      return false;  // trailing single ':'
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

// ";name[=value]" list, as in RFC 3261 uri-parameters.
bool valid_sip_params(std::string_view p) {
  std::size_t start = 0;
  while (start <= p.size()) {
    const auto semi = p.find(';', start);
    const auto param = p.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start);
    const auto eq = param.find('=');
    const auto name = param.substr(0, eq);
    const auto paramchar = [](char c) { return unreserved(c) || in(c, "[]/:&+$"); };
    if (name.empty() || !all_of_escaped(name, paramchar)) return false;
    if (eq != std::string_view::npos) {
      const auto value = param.substr(eq + 1);
      if (value.empty() || !all_of_escaped(value, paramchar)) return false;
    }
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  return true;
}

bool valid_headers(std::string_view h) {
  std::size_t start = 0;
  while (true) {
    const auto amp = h.find('&', start);
    const auto header = h.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    const auto eq = header.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    const auto hnv = [](char c) { return unreserved(c) || in(c, "[]/?:+$"); };
    if (!all_of_escaped(header.substr(0, eq), hnv) || !all_of_escaped(header.substr(eq + 1), hnv)) return false;
    if (amp == std::string_view::npos) return true;
    start = amp + 1;
  }
}

}  // namespace

bool is_valid_host(std::string_view h) { return valid_hostname(h) || valid_ipv4(h) || valid_ipv6_reference(h); }

namespace {

UriParse fail(std::string why) { return UriParse{std::nullopt, std::move(why)}; }

UriParse parse_sip(std::string_view rest, Uri::Scheme scheme) {
  Uri u;
  u.scheme = scheme;
  // '@' never appears unescaped after the userinfo (not in params, not in
  // headers), while the user part may hold '?', ';' and ',': split there first.
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      u.password = userinfo.substr(colon + 1);
      userinfo = userinfo.substr(0, colon);
      if (!all_of_escaped(u.password, [](char c) { return unreserved(c) || in(c, "&=+$,"); }))
        return fail("invalid character in the password part");
    }
    u.user = userinfo;
    if (u.user.empty()) return fail("empty user part before '@'");
    if (!all_of_escaped(u.user, [](char c) { return unreserved(c) || in(c, "&=+$,;?/"); }))
      return fail("invalid character in the user part '" + std::string(u.user) + "'");
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    u.headers = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (!valid_headers(u.headers)) return fail("malformed URI headers after '?'");
  }
  if (const auto semi = rest.find(';'); semi != std::string_view::npos) {
    u.params = rest.substr(semi + 1);
    rest = rest.substr(0, semi);
    if (!valid_sip_params(u.params)) return fail("malformed URI parameters");
  }
  // hostport; an IPv6 reference contains colons of its own
  std::string_view hostport = rest;
  std::size_t port_colon = std::string_view::npos;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 reference");
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return fail("unexpected text after the IPv6 reference");
      port_colon = close + 1;
    }
  } else {
    port_colon = hostport.find(':');
  }
  u.host = hostport.substr(0, port_colon);
  if (port_colon != std::string_view::npos) {
    const auto p = hostport.substr(port_colon + 1);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || v > 65535)
      return fail("invalid port '" + std::string(p) + "'");
    u.port = static_cast<std::uint16_t>(v);
  }
  if (u.host.empty()) return fail("missing host");
  if (!is_valid_host(u.host))
    return fail("invalid host '" + std::string(u.host) + "'");
  return UriParse{u, {}};
}

// RFC 3966: global-number / local-number with a mandatory phone-context.
UriParse parse_tel(std::string_view rest) {
  Uri u;
  u.scheme = Uri::Scheme::tel;
  const auto semi = rest.find(';');
  u.number = rest.substr(0, semi);
  if (semi != std::string_view::npos) u.params = rest.substr(semi + 1);
  const auto visual = [](char c) { return in(c, "-.()"); };
  bool has_digit = false;
  if (!u.number.empty() && u.number.front() == '+') {
    u.global_number = true;
    for (char c : u.number.substr(1)) {
      if (digit(c)) has_digit = true;
      else if (!visual(c)) return fail("invalid character '" + std::string(1, c) + "' in a global number");
    }
  } else {
    for (char c : u.number) {
      if (hexdig(c) || c == '*' || c == '#') has_digit = true;
      else if (!visual(c)) return fail("invalid character '" + std::string(1, c) + "' in a local number");
    }
  }
  if (!has_digit) return fail("a tel URI needs at least one digit");
  bool has_context = false;
  if (semi != std::string_view::npos) {
    std::size_t start = 0;
    while (true) {
      const auto next = u.params.find(';', start);
      const auto param = u.params.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
      const auto eq = param.find('=');
      const auto name = param.substr(0, eq);
      if (name.empty()) return fail("empty tel URI parameter");
      for (char c : name) if (!alnum(c) && c != '-') return fail("invalid tel URI parameter name");
      if (eq != std::string_view::npos) {
        const auto value = param.substr(eq + 1);
        if (value.empty() || !all_of_escaped(value, [](char c) { return unreserved(c) || in(c, "[]/:&+$"); }))
          return fail("invalid value of tel URI parameter '" + std::string(name) + "'");
      }
      if (iequals(name, "phone-context")) has_context = true;
      if (next == std::string_view::npos) break;
      start = next + 1;
    }
  }
  if (!u.global_number && !has_context) return fail("a local tel number needs a phone-context parameter");
  return UriParse{u, {}};
}

}  // namespace

UriParse parse_uri(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return fail("not a URI: no scheme");
  const auto scheme = text.substr(0, colon);
  const auto rest = text.substr(colon + 1);
  if (iequals(scheme, "sip")) return parse_sip(rest, Uri::Scheme::sip);
  if (iequals(scheme, "sips")) return parse_sip(rest, Uri::Scheme::sips);
  if (iequals(scheme, "tel")) return parse_tel(rest);
  return fail("unsupported URI scheme '" + std::string(scheme) + "' (sip, sips or tel)");
}

bool is_absolute_uri(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  const auto scheme = text.substr(0, colon);
  if (!((scheme[0] >= 'a' && scheme[0] <= 'z') || (scheme[0] >= 'A' && scheme[0] <= 'Z'))) return false;
  for (char c : scheme) {
    if (!alnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  // RFC 2396 uric: reserved / unreserved / escaped
  return all_of_escaped(text.substr(colon + 1), [](char c) { return unreserved(c) || in(c, ";/?:@&=+$,"); });
}

std::uint16_t port_or_default(const Uri& uri) {
  if (uri.port) return *uri.port;
  if (uri.scheme == Uri::Scheme::sips) return 5061;
  std::string_view params = uri.params;
  while (!params.empty()) {
    const auto end = params.find(';');
    const auto p = params.substr(0, end);
    params = end == std::string_view::npos ? std::string_view() : params.substr(end + 1);
    const auto eq = p.find('=');
    if (eq != std::string_view::npos && iequals(p.substr(0, eq), "transport") && iequals(p.substr(eq + 1), "tls")) {
      return 5061;
    }
  }
  return 5060;
}

bool same_hostport(const Uri& a, const Uri& b) {
  if (a.scheme == Uri::Scheme::tel || b.scheme == Uri::Scheme::tel) return false;
  const auto bare = [](std::string_view host) {
    return host.size() > 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
  };
  return iequals(bare(a.host), bare(b.host)) && port_or_default(a) == port_or_default(b);
}

}  // namespace imsbox::sip
