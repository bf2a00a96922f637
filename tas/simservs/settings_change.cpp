#include "tas/simservs/settings_change.h"

#include <array>
#include <utility>

namespace imsbox::tas::simservs {

namespace {

struct ForwardingField {
  std::string_view name;
  Forwarding service;
  std::optional<ForwardingSetting> SettingsChange::*member;
};
constexpr std::array<ForwardingField, 5> kForwardingFields{{
    {"cfu", Forwarding::unconditional, &SettingsChange::cfu},
    {"cfb", Forwarding::busy, &SettingsChange::cfb},
    {"cfnr", Forwarding::no_reply, &SettingsChange::cfnr},
    {"cfnl", Forwarding::not_logged_in, &SettingsChange::cfnl},
    {"cfnrc", Forwarding::not_reachable, &SettingsChange::cfnrc},
}};

// The target of the document's plain CFNR rule (no-answer alone, nothing
// else but media), as set_forwarding writes it.
std::optional<std::string> cfnr_target(const Document& d) {
  const auto& cdiv = d.services().communication_diversion;
  if (!cdiv) return std::nullopt;
  for (const auto& r : cdiv->rules) {
    const auto& c = r.conditions;
    if (r.actions.forward_to && c.no_answer && !c.busy && !c.not_registered && !c.not_reachable &&
        !c.rule_deactivated) {
      return r.actions.forward_to->target;
    }
  }
  return std::nullopt;
}

}  // namespace

bool SettingsChange::empty() const {
  return !cfu && !cfb && !cfnr && !cfnl && !cfnrc && !no_reply_timer && !outgoing_barring && !incoming_barring &&
         !anonymous_call_rejection && !oir;
}

std::variant<Document, std::string> apply(const Document& d, const SettingsChange& change, std::string_view domain) {
  if (change.no_reply_timer &&
      (*change.no_reply_timer < kMinNoReplyTimer || *change.no_reply_timer > kMaxNoReplyTimer)) {
    return "no_reply_timer: must be " + std::to_string(kMinNoReplyTimer) + " to " +
           std::to_string(kMaxNoReplyTimer) + " s, not " + std::to_string(*change.no_reply_timer);
  }
  Document out = d;
  for (const auto& field : kForwardingFields) {
    const auto& setting = change.*field.member;
    if (!setting) continue;
    const bool timed = field.service == Forwarding::no_reply ? change.no_reply_timer.has_value() : false;
    if (!*setting) {
      if (timed) return "no_reply_timer: CFNR is being turned off";
      out = clear_forwarding(out, field.service);
      continue;
    }
    const auto target = forwarding_target(**setting, domain);
    if (!target) {
      return std::string(field.name) + ": '" + **setting + "' is not a phone number or a sip:, sips: or tel: URI";
    }
    auto set = set_forwarding(out, field.service, *target, timed ? change.no_reply_timer : std::nullopt);
    if (auto* error = std::get_if<std::string>(&set)) return std::string(field.name) + ": " + *error;
    out = std::get<Document>(std::move(set));
  }
  if (change.no_reply_timer && !change.cfnr) {
    const auto target = cfnr_target(out);
    if (!target) return std::string("no_reply_timer: there is no CFNR to time: set cfnr too");
    auto set = set_forwarding(out, Forwarding::no_reply, *target, change.no_reply_timer);
    if (auto* error = std::get_if<std::string>(&set)) return "no_reply_timer: " + *error;
    out = std::get<Document>(std::move(set));
  }
  if (change.outgoing_barring) out = set_outgoing_barring(out, *change.outgoing_barring);
  if (change.incoming_barring) out = set_incoming_barring(out, *change.incoming_barring);
  if (change.anonymous_call_rejection) out = set_anonymous_call_rejection(out, *change.anonymous_call_rejection);
  if (change.oir) out = set_identity_restriction(out, *change.oir);
  return out;
}

std::optional<OutgoingBarring> outgoing_barring_named(std::string_view name) {
  if (name == "all") return OutgoingBarring::all;
  if (name == "international") return OutgoingBarring::international;
  if (name == "none" || name == "off") return OutgoingBarring::none;
  return std::nullopt;
}

}  // namespace imsbox::tas::simservs
