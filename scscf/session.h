#pragma once
// The S-CSCF's part in requests other than REGISTER and the reg event
// (TS 24.229 §5.4.3): which session case a request is in, whom it serves,
// and where it goes next. Pure: functions of the request and the registrar.
//
//   originating (the top Route is our Service-Route, user "orig"): the served
//     user is the P-Asserted-Identity the P-CSCF set; it must be registered
//     here (else 403). A target of the home network (a sip: URI of the home
//     domain, any tel: URI) goes to the I-CSCF for its LIR; any other
//     Request-URI is routed as it stands.
//   terminating (any other initial request, from the I-CSCF): the served
//     user is the Request-URI; unregistered -> 480; else one branch per
//     registered contact, through the Path it registered with.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scscf/registrar.h"
#include "sip/message.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::scscf {

enum class SessionCase { originating, terminating };

// The session case of an initial request, from its Route as received:
// originating when the top Route is `own_uri` (host and port) with the
// user part "orig" (the Service-Route we gave at registration).
SessionCase session_case(const sip::Message& request, std::string_view own_uri);

// The served user of an originating request: the first P-Asserted-Identity
// as a public identity (the P-CSCF asserted it); nothing when none.
std::optional<std::string> originating_identity(const sip::Message& request);

// Whether a target URI is a user of the home network: tel: URIs and sip:
// URIs whose host is the home domain.
bool is_home_target(std::string_view uri, std::string_view home_domain);

// Where a request goes next, or the answer instead.
struct SessionRoute {
  std::vector<sip::proxy::Target> targets;  // empty: as the Request-URI / Route lead
  int status = 0;                           // non-zero: answer this instead
  std::string reason;
  std::string summary;                      // for the log line
};

SessionRoute route_originating(const sip::Message& request, const Registrar& registrar, Time now,
                               std::string_view home_domain, std::string_view icscf_route);
SessionRoute route_terminating(const sip::Message& request, const Registrar& registrar, Time now);

}  // namespace imsbox::scscf
