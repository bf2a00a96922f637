#pragma once
// The supplementary-service settings an operator or a star code changes, as
// edits of a simservs document (TS 24.623): each writes the same XML a phone
// would write over Ut, so the TAS reads every setting the one way (rules.h),
// whoever made it. Rules a setting adds carry the ids phones commonly use
// ("call-diversion-busy"...); a setting replaces any rule of the same kind
// whatever its id and leaves every other rule, service, element and
// attribute as it was. Pure: documents in, documents out.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tas/simservs/document.h"

namespace imsbox::tas::simservs {

// The CDIV services of TS 24.604 a forwarding setting names.
enum class Forwarding {
  unconditional,  // CFU
  busy,           // CFB
  no_reply,       // CFNR
  not_logged_in,  // CFNL
  not_reachable,  // CFNRc
};
// "CFU", "CFB", "CFNR", "CFNL", "CFNRc".
std::string_view name_of(Forwarding f);
// The service of a name (case-insensitive): cfu, cfb, cfnr, cfnl, cfnrc.
std::optional<Forwarding> forwarding_named(std::string_view name);

// Outgoing barring (TS 24.611 OCB): all calls, calls to international
// numbers (the `international` condition), or none.
enum class OutgoingBarring { none, all, international };

// A forwarding target as a URI: sip:, sips: and tel: URIs as given; a global
// number ("+33123...") as tel:+33123...; local digits ("1002") as
// sip:1002@<domain>;user=phone. Nothing for anything else.
std::optional<std::string> forwarding_target(std::string_view number_or_uri, std::string_view domain);

// Forwards calls on `f` to `target` (a URI, see forwarding_target), replacing
// the service's earlier rule for that condition; communication-diversion is
// created or made active. `no_reply_timer` (CFNR) is written as the
// service's NoReplyTimer (5..180 s). Errors: a target that is not a URI, a
// timer out of range, a timer for another service.
std::variant<Document, std::string> set_forwarding(const Document& d, Forwarding f, std::string_view target,
                                                   std::optional<int> no_reply_timer = std::nullopt);
// Removes the forwarding rules of `f` (those whose event conditions are
// exactly `f`'s and that forward).
Document clear_forwarding(const Document& d, Forwarding f);

// Outgoing barring: `all` or `international` replace the barring rules
// (allow=false) of outgoing-communication-barring with one rule; `none`
// removes them. Rules that allow are kept.
Document set_outgoing_barring(const Document& d, OutgoingBarring b);
// Incoming barring of every call (ICB, a rule without conditions) on or off.
Document set_incoming_barring(const Document& d, bool all);
// Anonymous communication rejection (ACR, TS 24.611: an ICB rule with the
// anonymous condition) on or off.
Document set_anonymous_call_rejection(const Document& d, bool on);
// OIR (TS 24.607) in temporary mode with presentation restricted by default
// (on), or deactivated (off).
Document set_identity_restriction(const Document& d, bool on);

// The services as an operator reads them, one line each, in a fixed order:
// "CFU to sip:carl@d", "CFNR to tel:+331 after 20 s", "outgoing barring: all",
// "incoming barring: anonymous (ACR)", "OIR: on"... Rules of a kind not set
// here (other conditions) are shown as "CDIV rule r1 (busy, media audio) to ...".
// An empty list when no service is set.
std::vector<std::string> describe(const Simservs& s);

}  // namespace imsbox::tas::simservs
