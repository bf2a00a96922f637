#pragma once
// Star codes (supplementary service codes dialled as a number): what a user
// dials to change the services of its simservs document from any phone or
// the browser, in the MMI style of TS 22.030 §6.5 where one exists
// (`*` activate, `**` register and activate, `#` deactivate, `##` erase;
// fields separated by `*`, ended by `#`):
//
//   *21*N#  **21*N#   CFU to N          #21#  ##21#   CFU off
//   *67*N#  **67*N#   CFB to N          #67#  ##67#   CFB off
//   *61*N#  *61*N*T#  CFNR to N, no-reply timer T (5..180 s);
//   *61*N**T#  *61*N*11*T#  (the same with an empty / telephony basic service)
//                                       #61#  ##61#   CFNR off
//   *62*N#  **62*N#   CFNRc to N        #62#  ##62#   CFNRc off
//   *63*N#  **63*N#   CFNL to N         #63#  ##63#   CFNL off  (no TS 22.030 code: ours)
//   ##002#  #002#     all forwarding off
//   ##004#  #004#     all conditional forwarding off (CFB, CFNR, CFNRc, CFNL)
//   *33#     all outgoing calls barred  #33#   outgoing barring off
//   *331#    outgoing international calls barred  #331#  outgoing barring off
//   *35#     all incoming calls barred  #35#   incoming barring off
//   #330#    all barring off (outgoing and incoming)
//   *77#     anonymous call rejection on  #77#   off (as in North America)
//   *31#     OIR on (number hidden)     #31#   OIR off
//
// The barring codes take TS 22.030's password field (`*33*1234#`); the TAS
// has no barring password (the user is the one IMS registration
// authenticated), so it is accepted and not checked.
// N is a global number (+33612345678), local digits (1003: the home domain's
// number, sip:1003@<domain>;user=phone) or, from the browser, a user name
// (carl: sip:carl@<domain>).
// Pure: strings in, values out.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tas/simservs/document.h"
#include "tas/simservs/settings.h"

namespace imsbox::tas {

// One change of the served user's document a star code asks for.
struct SetForwarding {
  simservs::Forwarding service = simservs::Forwarding::unconditional;
  std::string target;                 // a URI (forwarding_target())
  std::optional<int> no_reply_timer;  // CFNR only
};
struct ClearForwarding {
  std::vector<simservs::Forwarding> services;
};
struct SetOutgoingBarring {
  simservs::OutgoingBarring barring = simservs::OutgoingBarring::none;
};
struct SetIncomingBarring {
  bool all = false;
};
struct SetAnonymousCallRejection {
  bool on = false;
};
struct SetIdentityRestriction {
  bool on = false;
};
using StarCodeChange = std::variant<SetForwarding, ClearForwarding, SetOutgoingBarring, SetIncomingBarring,
                                    SetAnonymousCallRejection, SetIdentityRestriction>;

struct StarCode {
  std::string dialled;                  // as decoded: "*21*1003#"
  std::vector<StarCodeChange> changes;  // applied in order
};

// The dialled string does not start with '*' or '#': an ordinary call.
struct NotStarCode {};
// It does, but is no code we know or its fields are wrong (484).
struct MalformedStarCode {
  std::string dialled;  // as decoded (or as received when it does not decode), for logs
  std::string reason;
};

using StarCodeParse = std::variant<NotStarCode, MalformedStarCode, StarCode>;

// The longest dialled string taken as a star code (decoded); a longer one
// starting with '*' or '#' is malformed.
inline constexpr std::size_t kMaxStarCodeLength = 64;

// The dialled string of a Request-URI: the user part of a sip:/sips: URI
// (up to its first ';', percent-decoded; ";user=phone" or not), the number
// of a tel: URI (up to its first ';', with or without phone-context,
// percent-decoded). Nothing for another scheme, a sip: URI without a user
// part or an escape that does not decode.
std::optional<std::string> dialled_string(std::string_view request_uri);

// The star code a Request-URI dials, if it dials one; `domain` is the home
// domain for local numbers and user names.
StarCodeParse parse_star_code(std::string_view request_uri, std::string_view domain);
// The same on a dialled string ("*21*1003#").
StarCodeParse parse_dialled(std::string_view dialled, std::string_view domain);

// The served user's document with the code's changes made; an error (from
// the settings) when one cannot be made.
std::variant<simservs::Document, std::string> apply(const StarCode& code, const simservs::Document& document);

// What the code does, for logs and announcements: "CFU to sip:carl@d",
// "CFNR to tel:+331 after 30 s", "all forwarding off", "outgoing barring:
// international", "OIR on"...; several changes joined by ", ".
std::string describe(const StarCode& code);

}  // namespace imsbox::tas
