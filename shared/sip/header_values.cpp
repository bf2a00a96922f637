#include "sip/header_values.h"

#include <charconv>

#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::sip {

using namespace text;

namespace {

// A cursor over one value; every scanner leaves it after what it read.
struct Scanner {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  void skip_ws() {
    while (!done() && is_wsp(s[i])) ++i;
  }
  bool eat(char c) {
    skip_ws();
    if (peek() != c) return false;
    ++i;
    skip_ws();
    return true;
  }
  std::string_view token() {
    const auto start = i;
    while (!done() && is_token_char(s[i])) ++i;
    return s.substr(start, i - start);
  }
  // quoted-string; returns it with its quotes, or nothing when unterminated.
  std::optional<std::string_view> quoted() {
    const auto start = i;
    if (peek() != '"') return std::nullopt;
    ++i;
    while (!done()) {
      const char c = s[i];
      if (c == '\\') {
        if (i + 1 >= s.size() || s[i + 1] == '\r' || s[i + 1] == '\n') return std::nullopt;
        i += 2;
      } else if (c == '"') {
        ++i;
        return s.substr(start, i - start);
      } else if (c == '\r' || c == '\n') {
        return std::nullopt;
      } else {
        ++i;
      }
    }
    return std::nullopt;
  }
  std::string_view rest() const { return done() ? std::string_view() : s.substr(i); }
};

// gen-value = token / host / quoted-string
bool read_gen_value(Scanner& sc, std::string_view& value) {
  if (sc.peek() == '"') {
    const auto q = sc.quoted();
    if (!q) return false;
    value = *q;
    return true;
  }
  const auto start = sc.i;
  while (!sc.done() && (is_token_char(sc.s[sc.i]) || sc.s[sc.i] == '[' || sc.s[sc.i] == ']' || sc.s[sc.i] == ':'))
    ++sc.i;
  value = sc.s.substr(start, sc.i - start);
  return !value.empty();
}

// *( SEMI generic-param ) up to the end of the scanner's text.
const char* read_params(Scanner& sc, Params& out) {
  sc.skip_ws();
  while (!sc.done()) {
    if (!sc.eat(';')) return "unexpected text where ';' parameters should follow";
    Param p;
    p.name = sc.token();
    if (p.name.empty()) return "empty or invalid parameter name";
    sc.skip_ws();
    if (sc.eat('=')) {
      if (!read_gen_value(sc, p.value)) return "invalid parameter value";
      p.has_value = true;
    }
    out.push_back(p);
    sc.skip_ws();
  }
  return nullptr;
}

bool valid_uri_in_header(std::string_view uri) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos) return false;
  const auto scheme = uri.substr(0, colon);
  if (iequals(scheme, "sip") || iequals(scheme, "sips") || iequals(scheme, "tel")) {
    return parse_uri(uri).uri.has_value();
  }
  return is_absolute_uri(uri);
}

template <typename T, typename F>
Parsed<std::vector<T>> parse_list(std::string_view value, F&& parse_one) {
  Parsed<std::vector<T>> out;
  auto parts = split_list(value);
  if (!parts) {
    out.error = parts.error;
    return out;
  }
  for (auto part : parts.value) {
    auto one = parse_one(part);
    if (!one) {
      out.error = one.error;
      return out;
    }
    out.value.push_back(std::move(one.value));
  }
  return out;
}

}  // namespace

const Param* find_param(const Params& params, std::string_view name) {
  for (const auto& p : params) {
    if (iequals(p.name, name)) return &p;
  }
  return nullptr;
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

Parsed<std::vector<std::string_view>> split_list(std::string_view value) {
  Parsed<std::vector<std::string_view>> out;
  std::size_t start = 0;
  bool in_quotes = false, in_angle = false;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size()) {
      const char c = value[i];
      if (in_quotes) {
        if (c == '\\') ++i;
        else if (c == '"') in_quotes = false;
        continue;
      }
      if (c == '"') {
        in_quotes = true;
        continue;
      }
      if (c == '<') in_angle = true;
      else if (c == '>') in_angle = false;
      if (c != ',' || in_angle) continue;
    }
    const auto part = trim(value.substr(start, i - start));
    if (part.empty()) {
      out.error = "empty element in a comma-separated list";
      return out;
    }
    out.value.push_back(part);
    start = i + 1;
  }
  if (in_quotes) out.error = "unterminated quoted string";
  return out;
}

std::string_view NameAddr::tag() const {
  const auto* p = find_param(params, "tag");
  return p ? p->value : std::string_view();
}

Parsed<NameAddr> parse_name_addr(std::string_view element) {
  Parsed<NameAddr> out;
  auto& na = out.value;
  Scanner sc{trim(element)};
  if (sc.done()) {
    out.error = "empty address";
    return out;
  }
  if (sc.peek() == '"') {
    const auto q = sc.quoted();
    if (!q) {
      out.error = "unterminated quoted display name";
      return out;
    }
    na.display_name = *q;
    sc.skip_ws();
    if (sc.peek() != '<') {
      out.error = "a quoted display name must be followed by <URI>";
      return out;
    }
  } else {
    // display-name = *(token LWS) before '<', or no '<' at all (addr-spec)
    const auto start = sc.i;
    std::size_t j = start;
    while (j < sc.s.size() && (is_token_char(sc.s[j]) || is_wsp(sc.s[j]))) ++j;
    if (j < sc.s.size() && sc.s[j] == '<') {
      na.display_name = trim(sc.s.substr(start, j - start));
      sc.i = j;
    }
  }
  if (sc.peek() == '<') {
    ++sc.i;
    const auto close = sc.s.find('>', sc.i);
    if (close == std::string_view::npos) {
      out.error = "missing '>' after the URI";
      return out;
    }
    na.uri = sc.s.substr(sc.i, close - sc.i);
    na.bracketed = true;
    sc.i = close + 1;
    if (!valid_uri_in_header(na.uri)) {
      out.error = "malformed URI in <>";
      return out;
    }
  } else {
    // addr-spec: the URI must not contain ',', '?' or ';' (they start header params)
    const auto semi = sc.s.find(';', sc.i);
    na.uri = trim(sc.s.substr(sc.i, semi == std::string_view::npos ? std::string_view::npos : semi - sc.i));
    sc.i = semi == std::string_view::npos ? sc.s.size() : semi;
    if (na.uri.find_first_of("?, \t") != std::string_view::npos) {
      out.error = "a URI with '?', ',' or spaces must be enclosed in <>";
      return out;
    }
    if (!valid_uri_in_header(na.uri)) {
      out.error = "malformed URI";
      return out;
    }
  }
  out.error = read_params(sc, na.params);
  return out;
}

Parsed<std::vector<NameAddr>> parse_name_addr_list(std::string_view value) {
  return parse_list<NameAddr>(value, parse_name_addr);
}

std::string_view Via::branch() const {
  const auto* p = find_param(params, "branch");
  return p ? p->value : std::string_view();
}

Parsed<Via> parse_via(std::string_view element) {
  Parsed<Via> out;
  auto& v = out.value;
  Scanner sc{trim(element)};
  v.protocol_name = sc.token();
  if (v.protocol_name.empty() || !sc.eat('/')) {
    out.error = "malformed Via sent-protocol";
    return out;
  }
  v.protocol_version = sc.token();
  if (v.protocol_version.empty() || !sc.eat('/')) {
    out.error = "malformed Via sent-protocol";
    return out;
  }
  v.transport = sc.token();
  if (v.transport.empty() || !is_wsp(sc.peek())) {
    out.error = "malformed Via transport";
    return out;
  }
  sc.skip_ws();
  const auto start = sc.i;
  if (sc.peek() == '[') {
    const auto close = sc.s.find(']', sc.i);
    if (close == std::string_view::npos) {
      out.error = "malformed Via host";
      return out;
    }
    sc.i = close + 1;
  } else {
    while (!sc.done() && (is_alnum(sc.peek()) || sc.peek() == '-' || sc.peek() == '.')) ++sc.i;
  }
  v.host = sc.s.substr(start, sc.i - start);
  if (!is_valid_host(v.host)) {
    out.error = "malformed Via host";
    return out;
  }
  const auto after_host = sc.i;
  sc.skip_ws();
  if (sc.peek() == ':') {
    ++sc.i;
    sc.skip_ws();
    const auto ps = sc.i;
    while (!sc.done() && is_digit(sc.peek())) ++sc.i;
    unsigned port = 0;
    const auto digits = sc.s.substr(ps, sc.i - ps);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port > 65535) {
      out.error = "malformed Via port";
      return out;
    }
    v.port = static_cast<std::uint16_t>(port);
    v.sent_by = trim(sc.s.substr(start, sc.i - start));
  } else {
    v.sent_by = sc.s.substr(start, after_host - start);
  }
  out.error = read_params(sc, v.params);
  if (!out.error) {
    for (const auto& p : v.params) {
      if (p.has_value ? p.value.empty() : false) out.error = "empty Via parameter value";
    }
  }
  return out;
}

Parsed<std::vector<Via>> parse_via_list(std::string_view value) { return parse_list<Via>(value, parse_via); }

Parsed<std::uint64_t> parse_number(std::string_view value, std::uint64_t max) {
  Parsed<std::uint64_t> out;
  const auto v = trim(value);
  if (v.empty() || v.size() > 20) {
    out.error = v.empty() ? "missing number" : "number too large";
    return out;
  }
  for (char c : v) {
    if (!is_digit(c)) {
      out.error = "not a number";
      return out;
    }
  }
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out.value);
  if (ec != std::errc{} || out.value > max) out.error = "number too large";
  return out;
}

Parsed<CSeq> parse_cseq(std::string_view value) {
  Parsed<CSeq> out;
  Scanner sc{trim(value)};
  const auto start = sc.i;
  while (!sc.done() && is_digit(sc.peek())) ++sc.i;
  const auto number = parse_number(sc.s.substr(start, sc.i - start), 0xffffffffULL);
  if (!number) {
    out.error = "malformed or too large CSeq number";
    return out;
  }
  out.value.number = static_cast<std::uint32_t>(number.value);
  if (!is_wsp(sc.peek())) {
    out.error = "malformed CSeq";
    return out;
  }
  sc.skip_ws();
  out.value.method = sc.token();
  if (out.value.method.empty() || !sc.done()) out.error = "malformed CSeq method";
  return out;
}

bool is_valid_call_id(std::string_view value) {
  const auto at = value.find('@');
  const auto word_ok = [](std::string_view w) {
    if (w.empty()) return false;
    for (char c : w) {
      if (!is_word_char(c)) return false;
    }
    return true;
  };
  if (at == std::string_view::npos) return word_ok(value);
  return word_ok(value.substr(0, at)) && word_ok(value.substr(at + 1));
}

Parsed<std::vector<std::string_view>> parse_token_list(std::string_view value) {
  Parsed<std::vector<std::string_view>> out;
  if (trim(value).empty()) return out;  // "Supported:" with no option tags is allowed
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] != ',' && value[i] != ';') continue;
    const auto t = trim(value.substr(start, i - start));
    if (!is_token(t)) {
      out.error = "malformed token list";
      return out;
    }
    out.value.push_back(t);
    start = i + 1;
  }
  return out;
}

Parsed<ValueWithParams> parse_value_with_params(std::string_view element) {
  Parsed<ValueWithParams> out;
  Scanner sc{trim(element)};
  const auto start = sc.i;
  while (!sc.done() && sc.peek() != ';' && !is_wsp(sc.peek())) {
    if (sc.peek() == '"') {
      if (!sc.quoted()) {
        out.error = "unterminated quoted string";
        return out;
      }
    } else {
      ++sc.i;
    }
  }
  out.value.value = sc.s.substr(start, sc.i - start);
  // the value may continue after LWS (e.g. "SIP ;cause=..." or a type "/" subtype)
  out.error = read_params(sc, out.value.params);
  return out;
}

Parsed<std::vector<ValueWithParams>> parse_value_with_params_list(std::string_view value) {
  return parse_list<ValueWithParams>(value, parse_value_with_params);
}

Parsed<Params> parse_auth_params(std::string_view value) {
  Parsed<Params> out;
  auto parts = split_list(value);
  if (!parts) {
    out.error = parts.error;
    return out;
  }
  for (auto part : parts.value) {
    Scanner sc{part};
    Param p;
    p.name = sc.token();
    if (p.name.empty() || !sc.eat('=')) {
      out.error = "malformed auth-param";
      return out;
    }
    if (sc.peek() == '"') {
      const auto q = sc.quoted();
      if (!q) {
        out.error = "unterminated quoted auth-param";
        return out;
      }
      p.value = *q;
    } else {
      // token, leniently anything without spaces (nc=00000001, algorithm=AKAv1-MD5)
      const auto start = sc.i;
      while (!sc.done() && !is_wsp(sc.peek())) ++sc.i;
      p.value = sc.s.substr(start, sc.i - start);
      if (p.value.empty()) {
        out.error = "empty auth-param value";
        return out;
      }
    }
    p.has_value = true;
    sc.skip_ws();
    if (!sc.done()) {
      out.error = "malformed auth-param";
      return out;
    }
    out.value.push_back(p);
  }
  return out;
}

Parsed<AuthField> parse_auth(std::string_view value) {
  Parsed<AuthField> out;
  Scanner sc{trim(value)};
  out.value.scheme = sc.token();
  if (out.value.scheme.empty()) {
    out.error = "missing authentication scheme";
    return out;
  }
  if (sc.done()) return out;
  if (!is_wsp(sc.peek())) {
    out.error = "malformed authentication scheme";
    return out;
  }
  auto params = parse_auth_params(sc.rest());
  out.error = params.error;
  out.value.params = std::move(params.value);
  return out;
}

Parsed<RAck> parse_rack(std::string_view value) {
  Parsed<RAck> out;
  Scanner sc{trim(value)};
  const auto num = [&](std::uint32_t& target) {
    sc.skip_ws();
    const auto start = sc.i;
    while (!sc.done() && is_digit(sc.peek())) ++sc.i;
    const auto n = parse_number(sc.s.substr(start, sc.i - start), 0xffffffffULL);
    target = static_cast<std::uint32_t>(n.value);
    return static_cast<bool>(n) && is_wsp(sc.peek());
  };
  if (!num(out.value.rseq) || !num(out.value.cseq)) {
    out.error = "malformed RAck";
    return out;
  }
  sc.skip_ws();
  out.value.method = sc.token();
  if (out.value.method.empty() || !sc.done()) out.error = "malformed RAck method";
  return out;
}

bool is_valid_sip_date(std::string_view value) {
  // wkday "," SP date1 SP time SP "GMT"; date1 = 2DIGIT SP month SP 4DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
  const auto v = trim(value);
  if (v.size() != 29) return false;
  static constexpr std::string_view days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  bool day_ok = false, month_ok = false;
  for (auto d : days) day_ok |= v.substr(0, 3) == d;
  for (auto m : months) month_ok |= v.substr(8, 3) == m;
  const auto digits = [&](std::size_t pos, std::size_t n) {
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (!is_digit(v[i])) return false;
    }
    return true;
  };
  return day_ok && month_ok && v.substr(3, 2) == ", " && digits(5, 2) && v[7] == ' ' && v[11] == ' ' &&
         digits(12, 4) && v[16] == ' ' && digits(17, 2) && v[19] == ':' && digits(20, 2) && v[22] == ':' &&
         digits(23, 2) && v.substr(25) == " GMT";
}

}  // namespace imsbox::sip
