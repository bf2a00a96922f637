#pragma once
// The S-CSCF's part in requests other than REGISTER and the reg event
// (TS 24.229 §5.4.3): which session case a request is in, whom it serves,
// and where it goes next. Pure: functions of the request and the registrar.
//
//   originating (the top Route is our Service-Route, user "orig"): the served
//     user is the P-Asserted-Identity the P-CSCF set; it must be registered
//     here and not barred (else 403).
//   originating on behalf of a user (the top Route is ours with the `orig`
//     parameter, TS 24.229 §5.4.3.2, §5.7.3: an AS originating for the
//     P-Asserted-Identity): as above, but a served user who is not
//     registered gets the iFCs of the unregistered part with session case
//     ORIGINATING_UNREGISTERED (profile by SAR UNREGISTERED_USER). A target of the home network (a sip: URI of the home
//     domain, any tel: URI) goes to the I-CSCF for its LIR; any other
//     Request-URI is routed as it stands.
//   terminating (any other initial request, from the I-CSCF): the served
//     user is the Request-URI; a barred identity -> 404; unregistered -> 480 (after the iFCs of the
//     unregistered part, fetched by SAR UNREGISTERED_USER); else one branch
//     per registered contact, through the Path it registered with.
//   back from an application server (the top Route is ours with an `odi`
//     parameter): the session case and served user of the request that went
//     to the AS, and the iFCs after the one that sent it there (OdiTable).
//   originating after diversion: a terminating request an AS sent back with
//     another Request-URI (call forwarding, TS 23.218 §6.4, TS 24.229
//     §5.4.3.3): the terminating iFCs end there; the served (diverting)
//     user's iFCs of session case ORIGINATING_CDIV apply, then the request
//     goes to its new target, home users through the I-CSCF.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ims/subscription.h"
#include "scscf/registrar.h"
#include "sip/message.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::scscf {

enum class SessionCase { originating, terminating, originating_cdiv };

// The session case of an initial request, from its Route as received:
// originating when the top Route is one of `own_uris` (host and port:
// sip::same_hostport) with the user part "orig" (the Service-Route we gave
// at registration, in whichever form we gave it).
SessionCase session_case(const sip::Message& request, std::span<const std::string> own_uris);

// Whether the top Route is one of `own_uris` (host and port) with the `orig`
// parameter: an AS originating on behalf of a user, which is originating
// too, whatever session_case() says.
bool originating_on_behalf(const sip::Message& request, std::span<const std::string> own_uris);

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

// The original dialog identifier (TS 24.229 §5.4.3.2 step 3, §5.4.3.3):
// where a request stood when it went to an application server.
struct OdiState {
  SessionCase session_case = SessionCase::originating;
  std::string served_identity;  // the public identity whose iFCs apply
  std::size_t next_ifc = 0;     // the position (in priority order) to go on from
  // An unregistered callee's profile (SAR UNREGISTERED_USER): its iFCs of the
  // unregistered part apply; null for a registered served user.
  std::shared_ptr<const ims::ImsSubscription> unregistered_profile;
};

// The ODIs handed out, by token. A token is random (nobody can guess one to
// skip a user's services) and lives until forget() or its lifetime ends; it
// may be used more than once (an AS may fork).
class OdiTable {
 public:
  static constexpr std::chrono::minutes kLifetime{5};  // longer than an INVITE may wait (timer C)
  void put(std::string token, OdiState state, Time now);
  const OdiState* find(std::string_view token, Time now) const;
  void forget(std::string_view token);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    OdiState state;
    Time expires_at;
  };
  std::map<std::string, Entry, std::less<>> entries_;
  std::multimap<Time, std::string> expiries_;
};

// The odi parameter of the top Route when that Route is ours (the host and
// port of one of `own_uris`); nothing otherwise.
std::optional<std::string> odi_of(const sip::Message& request, std::span<const std::string> own_uris);

// The Route set that sends a request to an application server and brings it
// back to us with that ODI token (TS 24.229 §5.4.3.2 step 4).
std::vector<std::string> application_server_routes(std::string_view server_name, std::string_view own_uri,
                                                   std::string_view odi_token);

// A node of this box reached by a host name of its own: mrf.<domain> ->
// "<sip:ADDRESS:MRF_PORT;lr>".
struct BoxNodeRoute {
  std::string host;
  std::string route;
};

// The target that sends a request whose Request-URI's host is one of
// `nodes` (case-insensitively) to that node; nothing for any other URI.
std::optional<sip::proxy::Target> box_node_target(std::string_view request_uri, std::span<const BoxNodeRoute> nodes);

// `unregistered_services`: the served user's unregistered services were
// applied (on behalf of an unregistered user), so no registration is needed.
// A Request-URI of one of `box_nodes` goes to that node.
SessionRoute route_originating(const sip::Message& request, const Registrar& registrar, Time now,
                               std::string_view home_domain, std::string_view icscf_route,
                               bool unregistered_services = false, std::span<const BoxNodeRoute> box_nodes = {});
SessionRoute route_terminating(const sip::Message& request, const Registrar& registrar, Time now);

}  // namespace imsbox::scscf
