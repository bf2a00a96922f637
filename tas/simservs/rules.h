#pragma once
// What a user's simservs document means for one call: the TAS's decisions for
// CDIV (TS 24.604), ICB / OCB / ACR (TS 24.611) and OIP / OIR (TS 24.607), as
// pure functions of the document and a CallContext the SIP side fills in.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tas/simservs/document.h"

namespace imsbox::tas::simservs {

enum class SessionCase { originating, terminating };

// Why the TAS asks about diversion (TS 24.604 §4.5.2.6): none is the initial
// request (CFU), then the events that start CFB, CFNR, CFNL, CFNRc and CD.
enum class DiversionEvent { none, busy, no_answer, not_registered, not_reachable, deflection };

struct CallContext {
  SessionCase session_case = SessionCase::terminating;
  std::string caller;  // P-Asserted-Identity (or From) URI of the calling party
  std::string callee;  // Request-URI / the called party
  bool caller_anonymous = false;         // see is_anonymous()
  std::vector<std::string> privacy;      // the caller's Privacy header values (RFC 3323)
  std::vector<std::string> media;        // media types of the SDP offer: "audio", "video"...
  DiversionEvent event = DiversionEvent::none;
  std::string deflection_target;         // CD: the Contact of the callee's 302
  bool served_user_roaming = false;      // for the roaming condition
  bool communication_diverted = false;   // the request was diverted before (History-Info)
};

// RFC 5079 / RFC 3323: the calling party is anonymous when its Privacy holds
// id, header or user, or its From is anonymous (anonymous.invalid).
bool is_anonymous(const std::vector<std::string>& privacy, std::string_view from_uri);

// The CDIV decision: divert to `target`.
struct Diversion {
  std::string rule_id;  // empty for communication deflection
  ForwardTo forward_to;
  int no_reply_timer = kDefaultNoReplyTimer;  // s, clamped to 5..180
  // RFC 4458 / TS 24.604 cause: 302 CFU, 486 CFB, 408 CFNR, 404 CFNL
  // (not registered), 503 CFNRc, 480 CD before alerting.
  int cause = 302;
};

// The first rule of communication-diversion in document order whose
// conditions all match `call` and that is not deactivated, when the service is
// active. A rule's event conditions (busy, no-answer, not-registered,
// not-reachable) must be exactly those of the event: a rule without any is
// unconditional (CFU) and matches only DiversionEvent::none. For
// DiversionEvent::deflection the target is the context's deflection_target.
std::optional<Diversion> communication_diversion(const Simservs& services, const CallContext& call);

// The no-reply timer to arm for CFNR (the service's, or the default).
int no_reply_timer(const Simservs& services);

// The barring decision: ICB on terminating calls, OCB on originating ones.
struct Barring {
  bool barred = false;
  int status = 0;        // 603 Decline, or 433 Anonymity Disallowed (ACR)
  std::string rule_id;   // the rule that barred
};

// Any matching active rule with allow=true wins; otherwise a matching rule
// with allow=false bars the call. `international` (and international-exHC,
// the same without a visited country) matches a '+' number of the other party
// whose country code is not `home_country_code` (digits, e.g. "33"). An ICB
// rule with the anonymous condition that bars gives 433 (anonymous
// communication rejection).
Barring communication_barring(const Simservs& services, const CallContext& call, std::string_view home_country_code);

// Whether `uri` (tel:+..., sip:+...;user=phone) is a number outside the home
// country. A URI that is not a global number is never international.
bool is_international(std::string_view uri, std::string_view home_country_code);

// OIR on an originating call: add "Privacy: id" when the served user has OIR
// active with presentation-restricted and the caller did not say Privacy: none;
// nothing to add when the caller already asked for id.
bool add_privacy_id(const Simservs& services, const CallContext& call);

// OIP on a terminating call: whether the served (called) user may see the
// caller's identity: not when the caller is anonymous, not when OIP is
// deactivated (active="false"); an absent OIP element means presentation.
bool present_originating_identity(const Simservs& services, const CallContext& call);

}  // namespace imsbox::tas::simservs
