#include "sdp/parser.h"

#include <string>
#include <utility>

#include "sdp/grammar.h"

namespace imsbox::sdp {

std::string ParseResult::error() const {
  if (line == 0) return reason;
  return "line " + std::to_string(line) + ": " + reason;
}

namespace {

using grammar::Fields;
using grammar::is_non_ws_string;
using grammar::is_token;
using grammar::parse_uint;

// Where a line may stand: its rank in RFC 8866's order within a section.
// Lines must come in non-decreasing rank; `single` ones at most once.
struct Slot {
  int rank;
  bool single;
};

// session: v o s i u e p c b (t r z) k a
std::optional<Slot> session_slot(char type) {
  switch (type) {
    case 'v': return Slot{0, true};
    case 'o': return Slot{1, true};
    case 's': return Slot{2, true};
    case 'i': return Slot{3, true};
    case 'u': return Slot{4, true};
    case 'e': return Slot{5, false};
    case 'p': return Slot{6, false};
    case 'c': return Slot{7, true};
    case 'b': return Slot{8, false};
    case 't':
    case 'r':
    case 'z': return Slot{9, false};
    case 'k': return Slot{10, true};
    case 'a': return Slot{11, false};
    default: return std::nullopt;
  }
}

// media: m i c b k a
std::optional<Slot> media_slot(char type) {
  switch (type) {
    case 'm': return Slot{0, true};
    case 'i': return Slot{1, true};
    case 'c': return Slot{2, false};
    case 'b': return Slot{3, false};
    case 'k': return Slot{4, true};
    case 'a': return Slot{5, false};
    default: return std::nullopt;
  }
}

constexpr bool is_known_type(char t) { return t != '\0' && std::string_view("vosiuepcbtrzkam").find(t) != std::string_view::npos; }

// Thrown nowhere: every step returns the reason it failed, empty on success.
using Fault = std::string;

// 1*DIGIT kept as text (o= numbers: some senders use more than 64 bits)
bool is_number_text(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!grammar::is_digit(c)) return false;
  }
  return true;
}

// proto = token *("/" token)
bool is_proto(std::string_view s) {
  for (;;) {
    const auto slash = s.find('/');
    if (!is_token(s.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    s.remove_prefix(slash + 1);
  }
}

Fault parse_origin(std::string_view v, Origin& o) {
  Fields f(v);
  const auto username = f.next(), id = f.next(), version = f.next(), nettype = f.next(), addrtype = f.next(),
             address = f.next();
  if (!address || f.bad()) return "o= line: needs 6 fields separated by single spaces";
  if (!f.at_end()) return "o= line: more than 6 fields";
  if (!is_non_ws_string(*username)) return "o= line: bad username";
  if (!is_number_text(*id)) return "o= line: session id is not a number of at most 64 digits";
  if (!is_number_text(*version)) return "o= line: session version is not a number of at most 64 digits";
  if (!is_token(*nettype)) return "o= line: bad network type";
  if (!is_token(*addrtype)) return "o= line: bad address type";
  if (!is_non_ws_string(*address)) return "o= line: bad address";
  o = Origin{std::string(*username), std::string(*id),       std::string(*version),
             std::string(*nettype),  std::string(*addrtype), std::string(*address)};
  return {};
}

Fault parse_connection(std::string_view v, Connection& c) {
  Fields f(v);
  const auto nettype = f.next(), addrtype = f.next(), address = f.next();
  if (!address || f.bad()) return "c= line: needs 3 fields separated by single spaces";
  if (!f.at_end()) return "c= line: more than 3 fields";
  if (!is_token(*nettype)) return "c= line: bad network type";
  if (!is_token(*addrtype)) return "c= line: bad address type";
  if (!is_non_ws_string(*address)) return "c= line: bad address";
  c = Connection{std::string(*nettype), std::string(*addrtype), {}, std::nullopt, std::nullopt};
  const bool in = grammar::iequals(*nettype, "IN");
  const bool ip4 = in && grammar::iequals(*addrtype, "IP4");
  const bool ip6 = in && grammar::iequals(*addrtype, "IP6");
  if (!ip4 && !ip6) {
    c.address = std::string(*address);
    return {};
  }
  std::string_view rest = *address;
  const auto host = grammar::split_first(rest, '/');
  if (host.empty()) return "c= line: empty address";
  c.address = std::string(host);
  if (address->find('/') == std::string_view::npos) return {};
  const auto first = grammar::split_first(rest, '/');
  const auto n1 = parse_uint<std::uint32_t>(first);
  if (!n1) return ip4 ? "c= line: bad TTL" : "c= line: bad number of addresses";
  if (ip6) {
    if (address->find('/', host.size() + 1) != std::string_view::npos) return "c= line: IP6 address with a TTL";
    c.count = *n1;
    return {};
  }
  if (*n1 > 255) return "c= line: TTL above 255";
  c.ttl = *n1;
  if (address->find('/', host.size() + 1) == std::string_view::npos) return {};
  const auto n2 = parse_uint<std::uint32_t>(rest);
  if (!n2) return "c= line: bad number of addresses";
  c.count = *n2;
  return {};
}

Fault parse_bandwidth(std::string_view v, Bandwidth& b) {
  std::string_view rest = v;
  const auto type = grammar::split_first(rest, ':');
  if (type.size() == v.size()) return "b= line: no ':'";
  if (!is_token(type)) return "b= line: bad bandwidth type";
  const auto value = parse_uint<std::uint64_t>(rest);
  if (!value) return "b= line: bandwidth is not a number";
  b = Bandwidth{std::string(type), *value};
  return {};
}

Fault parse_timing(std::string_view v, Timing& t) {
  Fields f(v);
  const auto start = f.next(), stop = f.next();
  if (!stop || f.bad()) return "t= line: needs start and stop time separated by a single space";
  if (!f.at_end()) return "t= line: more than 2 fields";
  const auto a = parse_uint<std::uint64_t>(*start), b = parse_uint<std::uint64_t>(*stop);
  if (!a || !b) return "t= line: time is not a number";
  t = Timing{*a, *b, {}, std::nullopt};
  return {};
}

Fault parse_media_line(std::string_view v, const Limits& limits, MediaDescription& m) {
  Fields f(v);
  const auto media = f.next(), port = f.next(), proto = f.next();
  if (!proto || f.bad()) return "m= line: needs media, port, proto and formats separated by single spaces";
  if (!is_token(*media)) return "m= line: bad media type";
  std::string_view port_rest = *port;
  const auto port_number = parse_uint<std::uint16_t>(grammar::split_first(port_rest, '/'));
  if (!port_number) return "m= line: port is not a number from 0 to 65535";
  m.media = std::string(*media);
  m.port = *port_number;
  if (port->find('/') != std::string_view::npos) {
    const auto count = parse_uint<std::uint32_t>(port_rest);
    if (!count) return "m= line: bad number of ports";
    m.port_count = *count;
  }
  if (!is_proto(*proto)) return "m= line: bad transport protocol";
  m.proto = std::string(*proto);
  while (auto fmt = f.next()) {
    if (!is_token(*fmt)) return "m= line: bad format";
    if (m.formats.size() == limits.max_formats) return "m= line: more than " + std::to_string(limits.max_formats) + " formats";
    m.formats.emplace_back(*fmt);
  }
  if (f.bad()) return "m= line: formats must be separated by single spaces";
  if (m.formats.empty()) return "m= line: no format";
  return {};
}

Fault parse_attribute(std::string_view v, Attribute& a) {
  const auto colon = v.find(':');
  const auto name = v.substr(0, colon);
  if (!is_token(name)) return name.empty() ? "a= line: no attribute name" : "a= line: bad attribute name";
  a.name = std::string(name);
  if (colon == std::string_view::npos) {
    a.value.reset();
  } else {
    a.value = std::string(v.substr(colon + 1));
  }
  return {};
}

class Parser {
 public:
  explicit Parser(const Limits& limits) : limits_(limits) {}

  ParseResult run(std::string_view body) {
    ParseResult r;
    if (body.size() > limits_.max_body_bytes) {
      r.reason = "body of " + std::to_string(body.size()) + " bytes is larger than " +
                 std::to_string(limits_.max_body_bytes);
      return r;
    }
    std::size_t pos = 0;
    std::size_t number = 0;
    std::size_t first_empty = 0;  // number of the first empty line seen (0: none)
    while (pos < body.size()) {
      ++number;
      const auto nl = body.find('\n', pos);
      std::string_view line = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? body.size() : nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      Fault fault;
      if (line.empty()) {
        if (first_empty == 0) first_empty = number;
        continue;
      }
      if (first_empty != 0) {
        r.line = first_empty;
        r.reason = "empty line";
        return r;
      }
      fault = take(line);
      if (!fault.empty()) {
        r.line = number;
        r.reason = std::move(fault);
        return r;
      }
    }
    if (number == 0 || state_ == State::start) {
      r.reason = "empty body";
      return r;
    }
    if (state_ != State::session && state_ != State::media) {
      r.line = number;
      r.reason = state_ == State::after_v ? "o= line missing" : "s= line missing";
      return r;
    }
    r.description = std::move(d_);
    return r;
  }

 private:
  enum class State { start, after_v, after_o, session, media };

  Fault take(std::string_view line) {
    if (line.find('\r') != std::string_view::npos) return "CR inside a line";
    if (line.find('\0') != std::string_view::npos) return "NUL byte";
    if (line.size() < 2 || line[1] != '=') {
      if (line.find('=') == std::string_view::npos) return "line without '='";
      return "line does not start with <letter>=";
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (!is_known_type(type)) return std::string("unknown line type '") + type + "='";
    switch (state_) {
      case State::start:
        if (type != 'v') return "first line is not v=";
        if (value != "0") return "v= line: version is not 0";
        state_ = State::after_v;
        return {};
      case State::after_v:
        if (type != 'o') return "o= line missing after v=";
        state_ = State::after_o;
        return parse_origin(value, d_.origin);
      case State::after_o:
        if (type != 's') return "s= line missing after o=";
        state_ = State::session;
        rank_ = 2;
        last_ = 's';
        d_.session_name = std::string(value);
        return {};
      case State::session:
        return session_line(type, value);
      case State::media:
        return media_line(type, value);
    }
    return "internal state";
  }

  Fault order(const std::optional<Slot>& slot, char type, bool in_media) {
    if (!slot) return std::string(1, type) + "= line not allowed in " + (in_media ? "a media section" : "the session part");
    if (slot->rank < rank_) return std::string(1, type) + "= line after " + last_ + "= line (wrong order)";
    if (slot->rank == rank_ && slot->single && last_ == type) return "second " + std::string(1, type) + "= line";
    rank_ = slot->rank;
    return {};
  }

  Fault counted(std::size_t& n, char type) {
    if (++n > limits_.max_repeated_lines)
      return "more than " + std::to_string(limits_.max_repeated_lines) + " " + std::string(1, type) + "= lines";
    return {};
  }

  Fault session_line(char type, std::string_view value) {
    if (type == 'm') return start_media(value);
    const auto slot = session_slot(type);
    if (type == 'r' && last_ != 't' && last_ != 'r') return "r= line not after a t= or r= line";
    if (type == 'z' && last_ != 't' && last_ != 'r') return "z= line not after a t= or r= line";
    if (auto f = order(slot, type, false); !f.empty()) return f;
    last_ = type;
    Fault f;
    switch (type) {
      case 'v':
      case 'o':
      case 's': return std::string(1, type) + "= line repeated";
      case 'i': d_.information = std::string(value); return {};
      case 'u': d_.uri = std::string(value); return {};
      case 'e':
        if (f = counted(e_count_, type); !f.empty()) return f;
        d_.emails.emplace_back(value);
        return {};
      case 'p':
        if (f = counted(p_count_, type); !f.empty()) return f;
        d_.phones.emplace_back(value);
        return {};
      case 'c': return parse_connection(value, d_.connection.emplace());
      case 'b':
        if (f = counted(b_count_, type); !f.empty()) return f;
        return parse_bandwidth(value, d_.bandwidths.emplace_back());
      case 't':
        if (f = counted(t_count_, type); !f.empty()) return f;
        return parse_timing(value, d_.timings.emplace_back());
      case 'r':
        if (f = counted(r_count_, type); !f.empty()) return f;
        d_.timings.back().repeats.emplace_back(value);
        return {};
      case 'z':
        d_.timings.back().zone = std::string(value);
        return {};
      case 'k': d_.key = std::string(value); return {};
      case 'a':
        if (d_.attributes.size() == limits_.max_attributes)
          return "more than " + std::to_string(limits_.max_attributes) + " session attributes";
        return parse_attribute(value, d_.attributes.items().emplace_back());
    }
    return "internal type";
  }

  Fault start_media(std::string_view value) {
    if (d_.media.size() == limits_.max_media)
      return "more than " + std::to_string(limits_.max_media) + " media sections";
    state_ = State::media;
    rank_ = 0;
    last_ = 'm';
    c_count_ = b_count_ = 0;
    return parse_media_line(value, limits_, d_.media.emplace_back());
  }

  Fault media_line(char type, std::string_view value) {
    if (type == 'm') return start_media(value);
    if (auto f = order(media_slot(type), type, true); !f.empty()) return f;
    last_ = type;
    MediaDescription& m = d_.media.back();
    Fault f;
    switch (type) {
      case 'i': m.title = std::string(value); return {};
      case 'c':
        if (f = counted(c_count_, type); !f.empty()) return f;
        return parse_connection(value, m.connections.emplace_back());
      case 'b':
        if (f = counted(b_count_, type); !f.empty()) return f;
        return parse_bandwidth(value, m.bandwidths.emplace_back());
      case 'k': m.key = std::string(value); return {};
      case 'a':
        if (m.attributes.size() == limits_.max_attributes)
          return "more than " + std::to_string(limits_.max_attributes) + " attributes in a media section";
        return parse_attribute(value, m.attributes.items().emplace_back());
    }
    return "internal type";
  }

  const Limits& limits_;
  SessionDescription d_;
  State state_ = State::start;
  int rank_ = 0;
  char last_ = 'v';
  std::size_t e_count_ = 0, p_count_ = 0, b_count_ = 0, t_count_ = 0, r_count_ = 0, c_count_ = 0;
};

}  // namespace

ParseResult parse(std::string_view body, const Limits& limits) { return Parser(limits).run(body); }

}  // namespace imsbox::sdp
