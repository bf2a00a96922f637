#pragma once
// One change of a user's supplementary services as an operator asks for it
// (`imsbox services set`, PATCH /v1/public-identities/{impu}/services):
// several settings at once, applied all or nothing to the simservs document
// with the edits of settings.h. The CLI and the REST API both build a
// SettingsChange and call apply(); neither edits documents itself. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "tas/simservs/document.h"
#include "tas/simservs/settings.h"

namespace imsbox::tas::simservs {

// A forwarding setting: a target ("sip:...", "tel:+33...", "+33...",
// "1002": see forwarding_target), or off (nullopt).
using ForwardingSetting = std::optional<std::string>;

// Each member left empty is left as it is in the document.
struct SettingsChange {
  std::optional<ForwardingSetting> cfu, cfb, cfnr, cfnl, cfnrc;
  // CFNR's no-reply timer, 5..180 s; with cfnr set, or alone for the CFNR
  // the document already has.
  std::optional<int> no_reply_timer;
  std::optional<OutgoingBarring> outgoing_barring;
  std::optional<bool> incoming_barring;          // ICB of every call
  std::optional<bool> anonymous_call_rejection;  // ACR
  std::optional<bool> oir;                       // OIR, number hidden by default

  bool empty() const;
};

// The names the REST API and the CLI give the settings ("cfu", "cfb",
// "cfnr", "cfnl", "cfnrc", "no_reply_timer", "outgoing_barring",
// "incoming_barring", "anonymous_call_rejection", "oir"); errors start with
// the one they are about.
//
// `d` with every setting of `change` applied, or the first error ("cfb: 'x'
// is not a phone number or a sip:, sips: or tel: URI", "no_reply_timer: must
// be 5 to 180 s", "no_reply_timer: there is no CFNR to time: set cfnr too")
// and no document: nothing of a change with an error is to be stored.
// `domain` makes local numbers ("1002") sip:1002@<domain>;user=phone.
std::variant<Document, std::string> apply(const Document& d, const SettingsChange& change, std::string_view domain);

// "all", "international", "none" (and "off" for none), for the CLI and REST.
std::optional<OutgoingBarring> outgoing_barring_named(std::string_view name);

}  // namespace imsbox::tas::simservs
