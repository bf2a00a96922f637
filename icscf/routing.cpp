#include "icscf/routing.h"

#include <boost/algorithm/string/predicate.hpp>
#include <limits>

#include "ims/identity.h"
#include "sip/header_values.h"
#include "sip/uri.h"

namespace imsbox::icscf {

namespace {

using diameter::CxError;
using diameter::Result;
namespace exp = diameter::experimental_result;
namespace base = diameter::result_code;

// DIAMETER_AUTHORIZATION_REJECTED (RFC 6733 §7.1.5), a base Result-Code.
constexpr std::uint32_t kAuthorizationRejected = 5003;

std::string_view trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

bool contains(const std::vector<std::string>& list, std::string_view s) {
  for (const auto& e : list) {
    if (boost::algorithm::iequals(e, s)) return true;
  }
  return false;
}

bool is_3gpp(const Result& r, std::uint32_t code) {
  return r.experimental && r.vendor_id == diameter::kVendor3gpp && r.code == code;
}

bool is_base(const Result& r, std::uint32_t code) { return !r.experimental && r.code == code; }

std::string cx_error_text(const CxError& e) {
  switch (e.kind) {
    case CxError::Kind::timeout: return "no answer from the HSS in time";
    case CxError::Kind::unable_to_deliver: return "no connection to the HSS";
    case CxError::Kind::bad_answer: return "unusable answer from the HSS";
    case CxError::Kind::not_sent: return "request to the HSS not sent";
    case CxError::Kind::stopped: return "stopping";
  }
  return "HSS failure";
}

// The S-CSCF an answer names (unless excluded), else one chosen by its capabilities.
std::optional<std::string> server_for(const std::string& server_name,
                                      const std::optional<diameter::ServerCapabilities>& capabilities,
                                      const std::vector<std::string>& configured, bool& selected,
                                      const std::vector<std::string>& exclude = {}) {
  selected = false;
  if (!server_name.empty() && !contains(exclude, server_name)) return server_name;
  selected = true;
  return select_scscf(capabilities, configured, exclude);
}

}  // namespace

Outcome Outcome::forward(std::string scscf, std::string summary, bool assigned) {
  Outcome o;
  o.scscf = std::move(scscf);
  o.assigned = assigned;
  o.summary = std::move(summary);
  return o;
}

Outcome Outcome::answer(int status, std::string reason, std::string summary) {
  Outcome o;
  o.status = status;
  o.reason = std::move(reason);
  o.summary = std::move(summary);
  return o;
}

std::string describe(const Result& r) {
  return (r.experimental ? "experimental " : "") + std::to_string(r.code);
}

// ---- S-CSCF selection ------------------------------------------------------

std::optional<std::string> select_scscf(const std::optional<diameter::ServerCapabilities>& capabilities,
                                        const std::vector<std::string>& configured,
                                        const std::vector<std::string>& exclude) {
  if (capabilities) {
    const auto& names = capabilities->server_names;
    // A name the HSS prefers that we also know, then any name it prefers.
    for (const auto& n : names) {
      if (!n.empty() && contains(configured, n) && !contains(exclude, n)) return n;
    }
    for (const auto& n : names) {
      if (!n.empty() && !contains(exclude, n)) return n;
    }
  }
  for (const auto& c : configured) {
    if (!c.empty() && !contains(exclude, c)) return c;
  }
  return std::nullopt;
}

std::vector<std::string> split_uri_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string route_to(std::string_view server_name) {
  auto uri = trim(server_name);
  if (uri.size() >= 2 && uri.front() == '<' && uri.back() == '>') uri = uri.substr(1, uri.size() - 2);
  // a loose-routing parameter already there?
  bool has_lr = false;
  for (auto pos = uri.find(';'); pos != std::string_view::npos; pos = uri.find(';', pos + 1)) {
    const auto rest = uri.substr(pos + 1);
    if (boost::algorithm::istarts_with(rest, "lr") && (rest.size() == 2 || rest[2] == ';' || rest[2] == '=')) {
      has_lr = true;
    }
  }
  return "<" + std::string(uri) + (has_lr ? "" : ";lr") + ">";
}

// ---- REGISTER ---------------------------------------------------------------

bool is_deregistration(const sip::Message& request) {
  std::optional<std::uint64_t> header_expires;
  if (const auto* e = request.find(sip::HeaderId::expires)) {
    if (const auto n = sip::parse_number(trim(e->value), std::numeric_limits<std::uint32_t>::max())) {
      header_expires = n.value;
    }
  }
  bool any = false;
  for (const auto& field : request.headers()) {
    if (field.id != sip::HeaderId::contact) continue;
    if (trim(field.value) == "*") return true;  // remove every binding (RFC 3261 §10.2.2)
    const auto contacts = sip::parse_name_addr_list(field.value);
    if (!contacts) return false;  // the S-CSCF will refuse it
    for (const auto& c : contacts.value) {
      any = true;
      std::optional<std::uint64_t> expires = header_expires;
      if (const auto* p = sip::find_param(c.params, "expires"); p && p->has_value) {
        const auto n = sip::parse_number(sip::unquote(p->value), std::numeric_limits<std::uint32_t>::max());
        if (!n) return false;
        expires = n.value;
      }
      if (!expires || *expires != 0) return false;
    }
  }
  return any;
}

std::string visited_network(const sip::Message& request, std::string_view fallback) {
  const auto* field = request.find(sip::HeaderId::p_visited_network_id);
  if (field == nullptr) return std::string(fallback);
  const auto elements = sip::split_list(field->value);
  if (!elements || elements.value.empty()) return std::string(fallback);
  auto v = trim(elements.value.front());
  std::string out;
  if (!v.empty() && v.front() == '"') {
    // quoted-string, with its backslash escapes undone
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) {
        out += v[++i];
      } else if (v[i] == '"') {
        break;
      } else {
        out += v[i];
      }
    }
  } else {
    out = std::string(trim(v.substr(0, v.find(';'))));
  }
  out = std::string(trim(out));
  return out.empty() ? std::string(fallback) : out;
}

RegisterQuery register_query(const sip::Message& request, std::string_view home_domain) {
  RegisterQuery q;
  const auto impu = ims::register_impu(request);
  if (!impu) {
    q.reject = Outcome::answer(400, "Bad Request (no public identity in To)", "no public identity in To");
    return q;
  }
  const auto impi = ims::register_impi(request, home_domain);
  if (!impi) {
    q.reject = Outcome::answer(403, "Forbidden (no private identity)", "no private identity for " + *impu);
    return q;
  }
  q.uar.user_name = *impi;
  q.uar.public_identity = *impu;
  q.uar.visited_network_identifier = visited_network(request, home_domain);
  q.uar.authorization_type = is_deregistration(request) ? diameter::UserAuthorizationType::de_registration
                                                        : diameter::UserAuthorizationType::registration;
  return q;
}

bool reselects_after(int status) {
  return (status >= 300 && status < 400) || status == 408 || status == 480 || (status >= 500 && status < 600);
}

Outcome register_outcome(const diameter::AnswerOrError<diameter::UserAuthorizationAnswer>& answer,
                         const std::vector<std::string>& configured_scscfs, const std::vector<std::string>& exclude) {
  // TS 24.229 §5.3.1.3: "If the user registration status query procedure
  // cannot be completed, e.g. due to HSS time-out or to an incorrect response
  // from the HSS, the I-CSCF shall send back a 480 (Temporarily Unavailable)
  // response to the UE." That covers no answer in time, no connection, an
  // unusable answer and the HSS's own failures (DIAMETER_TOO_BUSY,
  // DIAMETER_UNABLE_TO_COMPLY, any other error that is not a refusal).
  if (const auto* error = std::get_if<CxError>(&answer)) {
    return Outcome::answer(480, "Temporarily Unavailable (HSS unavailable)", "UAR failed: " + cx_error_text(*error));
  }
  const auto& uaa = std::get<diameter::UserAuthorizationAnswer>(answer);
  const auto& r = uaa.header.result;
  const auto what = "UAA " + describe(r);
  if (r.is_success()) {
    bool selected = false;
    if (auto s = server_for(uaa.server_name, uaa.server_capabilities, configured_scscfs, selected, exclude)) {
      return Outcome::forward(*s, what + (selected ? ", selected " : ", assigned ") + *s, !selected);
    }
    // TS 24.229 §5.3.1.3: no S-CSCF fulfilling the capabilities -> 600.
    return Outcome::answer(600, "Busy Everywhere (no S-CSCF available)", what + ", no S-CSCF to select");
  }
  // TS 24.229 §5.3.1.3: "If the HSS sends a negative response to the user
  // registration status query request, the I-CSCF shall send back a 403
  // (Forbidden) response." The negative responses of TS 29.228 §6.1.1.1.
  if (is_3gpp(r, exp::error_user_unknown)) return Outcome::answer(403, "Forbidden (user unknown)", what);
  if (is_3gpp(r, exp::error_identities_dont_match)) {
    return Outcome::answer(403, "Forbidden (identities do not match)", what);
  }
  if (is_3gpp(r, exp::error_identity_not_registered)) {
    return Outcome::answer(403, "Forbidden (identity not registered)", what);
  }
  if (is_3gpp(r, exp::error_roaming_not_allowed)) return Outcome::answer(403, "Forbidden (roaming not allowed)", what);
  if (is_base(r, kAuthorizationRejected)) return Outcome::answer(403, "Forbidden (authorization rejected)", what);
  if (is_base(r, base::too_busy)) return Outcome::answer(480, "Temporarily Unavailable (HSS too busy)", what);
  return Outcome::answer(480, "Temporarily Unavailable (HSS failure)", what);
}

// ---- terminating requests (LIR) ----------------------------------------------

std::optional<std::string> terminating_identity(std::string_view request_uri, std::string_view home_domain) {
  const auto parsed = sip::parse_uri(request_uri);
  if (!parsed.uri) return std::nullopt;
  const auto& u = *parsed.uri;
  if (u.scheme == sip::Uri::Scheme::tel) {
    if (u.number.empty()) return std::nullopt;
    return ims::public_identity(request_uri);
  }
  if (u.user.empty() || !boost::algorithm::iequals(u.host, home_domain)) return std::nullopt;
  // a number of the home network written as a SIP URI (user=phone): its tel: IMPU
  if (auto id = ims::public_identity(request_uri); id && id->starts_with("tel:")) return id;
  return "sip:" + std::string(u.user) + "@" + std::string(home_domain);
}

Outcome terminating_outcome(const diameter::AnswerOrError<diameter::LocationInfoAnswer>& answer,
                            const std::vector<std::string>& configured_scscfs) {
  // HSS trouble on a terminating request is the network's failure, not the
  // callee's: 504 when the HSS did not answer in time (RFC 3261 §21.5.5, "did
  // not receive a timely response from an external server"), 503 when there
  // is no connection to it, 500 for an unusable answer or an HSS error.
  if (const auto* error = std::get_if<CxError>(&answer)) {
    const auto what = "LIR failed: " + cx_error_text(*error);
    switch (error->kind) {
      case CxError::Kind::timeout: return Outcome::answer(504, "Server Time-out (HSS did not answer)", what);
      case CxError::Kind::unable_to_deliver:
      case CxError::Kind::stopped:
      case CxError::Kind::not_sent: return Outcome::answer(503, "Service Unavailable (HSS unreachable)", what);
      case CxError::Kind::bad_answer: break;
    }
    return Outcome::answer(500, "Server Internal Error (HSS failure)", what);
  }
  const auto& lia = std::get<diameter::LocationInfoAnswer>(answer);
  const auto& r = lia.header.result;
  const auto what = "LIA " + describe(r);
  if (r.is_success()) {
    // 2001 with the S-CSCF's name; DIAMETER_UNREGISTERED_SERVICE (2003) with
    // the name of the S-CSCF kept for the unregistered user, or with
    // capabilities to select one (TS 29.228 §6.1.4.1).
    bool selected = false;
    if (auto s = server_for(lia.server_name, lia.server_capabilities, configured_scscfs, selected)) {
      return Outcome::forward(*s, what + (selected ? ", selected " : ", assigned ") + *s);
    }
    return Outcome::answer(480, "Temporarily Unavailable (no S-CSCF available)", what + ", no S-CSCF to select");
  }
  // TS 24.229 §5.3.2.2 / TS 23.228 §5.15: an unknown user -> 404; a known
  // one without registration or unregistered services -> 480.
  if (is_3gpp(r, exp::error_user_unknown)) return Outcome::answer(404, "Not Found", what);
  if (is_3gpp(r, exp::error_identity_not_registered)) {
    return Outcome::answer(480, "Temporarily Unavailable (not registered)", what);
  }
  if (is_base(r, kAuthorizationRejected)) return Outcome::answer(403, "Forbidden (authorization rejected)", what);
  if (is_base(r, base::too_busy)) return Outcome::answer(503, "Service Unavailable (HSS too busy)", what);
  return Outcome::answer(500, "Server Internal Error (HSS failure)", what);
}

}  // namespace imsbox::icscf
