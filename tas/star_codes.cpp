#include "tas/star_codes.h"

#include <algorithm>
#include <cctype>

namespace imsbox::tas {

namespace {

namespace ss = simservs;

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.1; nothing for a '%' without two hex digits.
std::optional<std::string> percent_decoded(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    const int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A user name as the browser client dials it: a letter, then letters,
// digits, '.', '_' or '-'.
bool user_name(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

std::optional<ss::Forwarding> forwarding_code(std::string_view sc) {
  if (sc == "21") return ss::Forwarding::unconditional;
  if (sc == "67") return ss::Forwarding::busy;
  if (sc == "61") return ss::Forwarding::no_reply;
  if (sc == "62") return ss::Forwarding::not_reachable;
  if (sc == "63") return ss::Forwarding::not_logged_in;
  return std::nullopt;
}

// A basic service field (SIB): empty, or telephony (11) / all teleservices (10).
bool telephony(std::string_view bs) { return bs.empty() || bs == "11" || bs == "10"; }

std::string describe(const StarCodeChange& change) {
  struct Describe {
    std::string operator()(const SetForwarding& f) const {
      std::string s = std::string(ss::name_of(f.service)) + " to " + f.target;
      if (f.no_reply_timer) s += " after " + std::to_string(*f.no_reply_timer) + " s";
      return s;
    }
    std::string operator()(const ClearForwarding& f) const {
      if (f.services.size() == 5) return "all forwarding off";
      if (f.services.size() == 4) return "all conditional forwarding off";
      std::string s;
      for (const auto service : f.services) s += (s.empty() ? "" : ", ") + std::string(ss::name_of(service));
      return s + " off";
    }
    std::string operator()(const SetOutgoingBarring& b) const {
      switch (b.barring) {
        case ss::OutgoingBarring::none: return "outgoing barring off";
        case ss::OutgoingBarring::all: return "outgoing barring: all";
        case ss::OutgoingBarring::international: return "outgoing barring: international";
      }
      return "";
    }
    std::string operator()(const SetIncomingBarring& b) const {
      return b.all ? "incoming barring: all" : "incoming barring off";
    }
    std::string operator()(const SetAnonymousCallRejection& a) const { return a.on ? "ACR on" : "ACR off"; }
    std::string operator()(const SetIdentityRestriction& o) const { return o.on ? "OIR on" : "OIR off"; }
  };
  return std::visit(Describe{}, change);
}

}  // namespace

std::optional<std::string> dialled_string(std::string_view uri) {
  std::string_view user;
  if (starts_with_nocase(uri, "sip:") || starts_with_nocase(uri, "sips:")) {
    uri.remove_prefix(uri.find(':') + 1);
    const auto at = uri.rfind('@');
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    user = uri.substr(0, at);
  } else if (starts_with_nocase(uri, "tel:")) {
    user = uri.substr(4);
  } else {
    return std::nullopt;
  }
  // tel parameters (phone-context, isub...), or a user part's own ones
  user = user.substr(0, user.find(';'));
  return percent_decoded(user);
}

StarCodeParse parse_star_code(std::string_view request_uri, std::string_view domain) {
  const auto dialled = dialled_string(request_uri);
  if (!dialled) {
    // an escape that does not decode in what looks like a code is still a code, and a bad one
    std::string_view tail = request_uri.substr(std::min(request_uri.find(':') + 1, request_uri.size()));
    if (!tail.empty() && (tail.front() == '*' || tail.front() == '#' || tail.front() == '%')) {
      return MalformedStarCode{std::string(tail.substr(0, kMaxStarCodeLength)), "an escape that does not decode"};
    }
    return NotStarCode{};
  }
  return parse_dialled(*dialled, domain);
}

StarCodeParse parse_dialled(std::string_view dialled, std::string_view domain) {
  if (dialled.empty() || (dialled.front() != '*' && dialled.front() != '#')) return NotStarCode{};
  const auto malformed = [&](std::string reason) -> StarCodeParse {
    return MalformedStarCode{std::string(dialled.substr(0, kMaxStarCodeLength)), std::move(reason)};
  };
  if (dialled.size() > kMaxStarCodeLength) return malformed("longer than " + std::to_string(kMaxStarCodeLength));
  if (dialled.size() < 3 || dialled.back() != '#') return malformed("a code ends with '#'");
  std::string_view body = dialled.substr(0, dialled.size() - 1);
  // TS 22.030 §6.5.2: the procedure, then SC*SIA*SIB*SIC
  std::string_view procedure;
  for (const std::string_view p : {"**", "##", "*#", "*", "#"}) {
    if (body.starts_with(p)) {
      procedure = p;
      break;
    }
  }
  body.remove_prefix(procedure.size());
  if (procedure == "*#") return malformed("interrogation (*#SC#) is not supported");
  const bool on = procedure.front() == '*';
  if (body.find('#') != std::string_view::npos) return malformed("a '#' inside the code");
  const auto fields = split(body, '*');
  const std::string_view sc = fields.front();
  if (!all_digits(sc)) return malformed("no service code");
  const std::size_t extra = fields.size() - 1;  // supplementary information fields

  StarCode code;
  code.dialled = std::string(dialled);
  if (const auto service = forwarding_code(sc)) {
    if (!on) {
      if (extra != 0) return malformed("deactivation takes no number");
      code.changes.push_back(ClearForwarding{{*service}});
      return code;
    }
    if (extra == 0 || fields[1].empty()) return malformed("forwarding needs a number: *" + std::string(sc) + "*N#");
    std::optional<int> timer;
    if (*service == ss::Forwarding::no_reply && extra >= 2) {
      // *61*N*T#, *61*N**T#, *61*N*BS*T#
      if (extra > 3 || (extra == 3 && !telephony(fields[2]))) return malformed("*61*N*T# or *61*N*BS*T#");
      const auto t = fields.back();
      if (!all_digits(t) || t.size() > 3) return malformed("the no-reply timer is seconds");
      timer = std::stoi(std::string(t));
      if (*timer < 5 || *timer > 180) return malformed("the no-reply timer must be 5 to 180 s");
    } else if (extra == 2 && !telephony(fields[2])) {
      return malformed("a basic service other than telephony");
    } else if (extra > 2) {
      return malformed("too many fields");
    }
    const std::string_view n = fields[1];
    std::optional<std::string> target;
    if (user_name(n)) {
      if (!domain.empty()) target = "sip:" + std::string(n) + "@" + std::string(domain);
    } else {
      target = ss::forwarding_target(n, domain);
    }
    if (!target || (!user_name(n) && !all_digits(n.front() == '+' ? n.substr(1) : n))) {
      return malformed("'" + std::string(n) + "' is neither a number nor a user name");
    }
    code.changes.push_back(SetForwarding{*service, std::move(*target), timer});
    return code;
  }
  if (sc == "002" || sc == "004") {
    if (on) return malformed("registering all forwardings at once is not supported");
    if (extra != 0) return malformed("deactivation takes no number");
    std::vector<ss::Forwarding> services{ss::Forwarding::busy, ss::Forwarding::no_reply, ss::Forwarding::not_reachable,
                                         ss::Forwarding::not_logged_in};
    if (sc == "002") services.insert(services.begin(), ss::Forwarding::unconditional);
    code.changes.push_back(ClearForwarding{std::move(services)});
    return code;
  }
  // the rest take no number; barring takes a password field, not checked
  const bool barring = sc == "33" || sc == "331" || sc == "35" || sc == "330";
  if (extra > (barring ? 1u : 0u) || (extra == 1 && !all_digits(fields[1]))) return malformed("unexpected fields");
  if (procedure.size() == 2 && !barring) return malformed("use *" + std::string(sc) + "# or #" + std::string(sc) + "#");
  if (sc == "33") {
    code.changes.push_back(SetOutgoingBarring{on ? ss::OutgoingBarring::all : ss::OutgoingBarring::none});
  } else if (sc == "331") {
    code.changes.push_back(SetOutgoingBarring{on ? ss::OutgoingBarring::international : ss::OutgoingBarring::none});
  } else if (sc == "35") {
    code.changes.push_back(SetIncomingBarring{on});
  } else if (sc == "330") {
    if (on) return malformed("#330# turns all barring off; *330# is not a code");
    code.changes.push_back(SetOutgoingBarring{ss::OutgoingBarring::none});
    code.changes.push_back(SetIncomingBarring{false});
  } else if (sc == "77") {
    code.changes.push_back(SetAnonymousCallRejection{on});
  } else if (sc == "31") {
    code.changes.push_back(SetIdentityRestriction{on});
  } else {
    return malformed("unknown service code " + std::string(sc));
  }
  return code;
}

std::variant<simservs::Document, std::string> apply(const StarCode& code, const simservs::Document& document) {
  simservs::Document d = document;
  for (const auto& change : code.changes) {
    if (const auto* f = std::get_if<SetForwarding>(&change)) {
      auto changed = ss::set_forwarding(d, f->service, f->target, f->no_reply_timer);
      if (auto* error = std::get_if<std::string>(&changed)) return std::move(*error);
      d = std::get<simservs::Document>(std::move(changed));
    } else if (const auto* c = std::get_if<ClearForwarding>(&change)) {
      for (const auto service : c->services) d = ss::clear_forwarding(d, service);
    } else if (const auto* o = std::get_if<SetOutgoingBarring>(&change)) {
      d = ss::set_outgoing_barring(d, o->barring);
    } else if (const auto* i = std::get_if<SetIncomingBarring>(&change)) {
      d = ss::set_incoming_barring(d, i->all);
    } else if (const auto* a = std::get_if<SetAnonymousCallRejection>(&change)) {
      d = ss::set_anonymous_call_rejection(d, a->on);
    } else if (const auto* r = std::get_if<SetIdentityRestriction>(&change)) {
      d = ss::set_identity_restriction(d, r->on);
    }
  }
  return d;
}

std::string describe(const StarCode& code) {
  std::string s;
  for (const auto& change : code.changes) s += (s.empty() ? "" : ", ") + describe(change);
  return s;
}

}  // namespace imsbox::tas
