#include "tas/simservs/rules.h"

#include <algorithm>
#include <cctype>

namespace imsbox::tas::simservs {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(const std::vector<std::string>& values, std::string_view value) {
  return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return lower(v) == lower(value); });
}

// "sip:user@host;params" -> "host" (lower case); tel URIs have none.
std::string domain_of(std::string_view uri) {
  const auto at = uri.find('@');
  if (at == std::string_view::npos) return {};
  auto host = uri.substr(at + 1);
  host = host.substr(0, host.find_first_of(";?>:"));
  return lower(host);
}

// The digits of a global number ("+33 1-23" -> "33123"), or empty.
std::string global_number(std::string_view uri) {
  std::string_view user;
  const std::string scheme = lower(uri.substr(0, uri.find(':') == std::string_view::npos ? 0 : uri.find(':')));
  if (scheme == "tel") {
    user = uri.substr(4);
    user = user.substr(0, user.find(';'));
  } else if (scheme == "sip" || scheme == "sips") {
    user = uri.substr(scheme.size() + 1);
    const auto at = user.find('@');
    if (at == std::string_view::npos) return {};
    user = user.substr(0, at);
    user = user.substr(0, user.find(';'));
  } else {
    return {};
  }
  if (user.empty() || user.front() != '+') return {};
  std::string digits;
  for (const char c : user.substr(1)) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) digits += c;
    else if (c != '-' && c != '.' && c != '(' && c != ')' && c != ' ') return {};
  }
  return digits;
}

bool identity_matches(const Conditions& c, std::string_view party) {
  const std::string uri = lower(party);
  const std::string domain = domain_of(party);
  for (const auto& x : c.identity_except) {
    if (x.starts_with('@') ? lower(x.substr(1)) == domain : lower(x) == uri) return false;
  }
  if (contains(c.identity_one, party)) return true;
  return std::any_of(c.identity_many.begin(), c.identity_many.end(),
                     [&](const std::string& d) { return d.empty() || lower(d) == domain; });
}

// The conditions every service shares. `other_party` is the caller on
// terminating calls, the callee on originating ones.
bool common_conditions_match(const Conditions& c, const CallContext& call, std::string_view other_party,
                             std::string_view home_country_code) {
  if (c.rule_deactivated || !c.unsupported.empty()) return false;
  if (c.anonymous && !call.caller_anonymous) return false;
  if (c.roaming && !call.served_user_roaming) return false;
  if (c.communication_diverted && !call.communication_diverted) return false;
  if ((c.international || c.international_ex_hc) && !is_international(other_party, home_country_code)) return false;
  for (const auto& m : c.media) {
    if (!contains(call.media, m)) return false;
  }
  if (c.identity && !identity_matches(c, other_party)) return false;
  return true;
}

bool event_matches(const Conditions& c, DiversionEvent event) {
  return c.busy == (event == DiversionEvent::busy) && c.no_answer == (event == DiversionEvent::no_answer) &&
         c.not_registered == (event == DiversionEvent::not_registered) &&
         c.not_reachable == (event == DiversionEvent::not_reachable);
}

int cause_of(DiversionEvent event) {
  switch (event) {
    case DiversionEvent::none: return 302;
    case DiversionEvent::busy: return 486;
    case DiversionEvent::no_answer: return 408;
    case DiversionEvent::not_registered: return 404;
    case DiversionEvent::not_reachable: return 503;
    case DiversionEvent::deflection: return 480;
  }
  return 302;
}

std::string_view other_party(const CallContext& call) {
  return call.session_case == SessionCase::terminating ? call.caller : call.callee;
}

}  // namespace

bool is_anonymous(const std::vector<std::string>& privacy, std::string_view from_uri) {
  for (const auto& p : privacy) {
    const std::string v = lower(p);
    if (v == "id" || v == "header" || v == "user") return true;
  }
  return domain_of(from_uri) == "anonymous.invalid";
}

bool is_international(std::string_view uri, std::string_view home_country_code) {
  const std::string digits = global_number(uri);
  if (digits.empty()) return false;
  // E.164 country codes are prefix-free: the home code is a prefix or not.
  return home_country_code.empty() || !digits.starts_with(home_country_code);
}

int no_reply_timer(const Simservs& services) {
  return services.communication_diversion ? services.communication_diversion->effective_no_reply_timer()
                                          : kDefaultNoReplyTimer;
}

std::optional<Diversion> communication_diversion(const Simservs& services, const CallContext& call) {
  const auto& cdiv = services.communication_diversion;
  if (!cdiv || !cdiv->active) return std::nullopt;
  Diversion d;
  d.no_reply_timer = cdiv->effective_no_reply_timer();
  d.cause = cause_of(call.event);
  if (call.event == DiversionEvent::deflection) {
    if (call.deflection_target.empty()) return std::nullopt;
    d.forward_to.target = call.deflection_target;
    return d;
  }
  for (const auto& rule : cdiv->rules) {
    const Conditions& c = rule.conditions;
    if (!rule.actions.forward_to || !event_matches(c, call.event)) continue;
    // the CDIV conditions concern the calling party (TS 24.604 §4.9.1)
    if (!common_conditions_match(c, call, call.caller, {})) continue;
    if (c.international || c.international_ex_hc) continue;  // not a CDIV condition
    d.rule_id = rule.id;
    d.forward_to = *rule.actions.forward_to;
    return d;
  }
  return std::nullopt;
}

Barring communication_barring(const Simservs& services, const CallContext& call, std::string_view home_country_code) {
  const bool terminating = call.session_case == SessionCase::terminating;
  const auto& service =
      terminating ? services.incoming_communication_barring : services.outgoing_communication_barring;
  Barring result;
  if (!service || !service->active) return result;
  const Rule* barring_rule = nullptr;
  bool anonymous_rejection = false;
  for (const auto& rule : service->rules) {
    if (!rule.actions.allow) continue;  // a rule without allow decides nothing
    if (!common_conditions_match(rule.conditions, call, other_party(call), home_country_code)) continue;
    if (*rule.actions.allow) return result;  // TS 24.611 §4.5.2.6.1: allow=true wins
    if (barring_rule == nullptr) barring_rule = &rule;
    if (terminating && rule.conditions.anonymous && !anonymous_rejection) {
      anonymous_rejection = true;
      barring_rule = &rule;
    }
  }
  if (barring_rule == nullptr) return result;
  result.barred = true;
  result.status = anonymous_rejection ? 433 : 603;
  result.rule_id = barring_rule->id;
  return result;
}

bool add_privacy_id(const Simservs& services, const CallContext& call) {
  const auto& oir = services.originating_identity_presentation_restriction;
  if (!oir || !oir->active) return false;
  if (oir->default_behaviour != DefaultBehaviour::presentation_restricted) return false;
  if (contains(call.privacy, "none") || contains(call.privacy, "id")) return false;
  return true;
}

bool present_originating_identity(const Simservs& services, const CallContext& call) {
  if (call.caller_anonymous) return false;
  const auto& oip = services.originating_identity_presentation;
  return !oip || oip->active;
}

}  // namespace imsbox::tas::simservs
