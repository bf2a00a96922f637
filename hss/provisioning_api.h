#pragma once
// The HSS's provisioning REST API: JSON over HTTP/1.1, as a pure function
// of a request to a response over the store (no sockets: the HSS node serves
// it with runtime::HttpServer on hss.api_address:hss.api_port, tests call it
// directly). Validation is that of provisioning.h and ims/subscription.h.
//
// Every request needs "Authorization: Bearer <hss.api_token>" (compared in
// constant time). With no token configured every request gets 403; a missing
// or wrong token 401 with "WWW-Authenticate: Bearer". Bodies are JSON (the
// Content-Type is not checked); unknown fields are refused, so a typo does
// not pass silently. Errors are {"error": "message"}:
//   400 invalid JSON or value (the message names the field), 401, 403,
//   404 unknown resource, 405 wrong method (with Allow), 409 conflict
//   (duplicate IMPI/IMPU, deleting an application server an iFC uses),
//   500 store failure.
// Identities and names in paths are percent-encoded (sip%3Aalice%40example.org).
//
//   GET    /v1/subscribers                     200 {"subscribers": [subscriber...]}
//   POST   /v1/subscribers                     201 subscriber (+ Location)
//          {"impi", "impus": [...], "k", "op" | "opc", "amf", "sqn", "password",
//           "service_profile": name | null}  (absent: the default profile, see
//           ProvisioningApiOptions; null: none; an unknown name: 400)
//   GET    /v1/subscribers/{impi}              200 subscriber
//   PATCH  /v1/subscribers/{impi}              200 subscriber
//          {"k", "op", "opc", "amf", "sqn", "password", "remove_sim": bool,
//           "remove_password": bool, "add_impus": [...], "remove_impus": [...]}
//   DELETE /v1/subscribers/{impi}              204
//   GET    /v1/public-identities/{impu}        200 public identity
//   PUT    /v1/public-identities/{impu}        200 public identity; fields left out keep their value
//          {"barred": bool, "implicit_set": int >= 1, "service_profile": name | null,
//           "display_name": string | null}
//   GET    /v1/application-servers             200 {"application_servers": [...]}
//   GET    /v1/application-servers/{name}      200 application server
//   PUT    /v1/application-servers/{name}      201 created / 200 replaced; fields left out take defaults
//          {"server_name": "sip:..." (required), "default_handling": "SESSION_CONTINUED" |
//           "SESSION_TERMINATED", "service_info": string | null,
//           "include_register_request": bool, "include_register_response": bool}
//   DELETE /v1/application-servers/{name}      204; 409 while an iFC uses it
//   GET    /v1/service-profiles                200 {"service_profiles": [...]}
//   GET    /v1/service-profiles/{name}         200 service profile
//   PUT    /v1/service-profiles/{name}         201 created / 200 replaced (the iFCs as a whole)
//          {"ifcs": [{"priority": int >= 0, "application_server": name,
//                     "trigger_point": {...} | null, "profile_part_indicator":
//                     "REGISTERED" | "UNREGISTERED" | null}]}
//   DELETE /v1/service-profiles/{name}         204 (identities using it are left without one)
//
// A subscriber as returned never holds K, OPc or the HA1 values:
//   {"impi", "sim": bool, "amf": "8000", "sqn": "000000000000" (both only with a SIM),
//    "password": bool, "impus": [public identity...]}
// A public identity: {"impu", "impi", "barred", "implicit_set", "service_profile",
//   "display_name", "registration_state": "NOT_REGISTERED" | "REGISTERED" |
//   "UNREGISTERED", "scscf_name": string | null}
// A PUT body may also carry the resource's own "name" (or "impu"), which must
// then match the path.
//
// The supplementary services of a public identity (.../{impu}/services and
// .../{impu}/simservs) are services_api.h's, the MRF's IVR menus
// (/v1/ivr-menus[/{name}]) ivr_menus_api.h's, served here after the token.
//
// Every write runs in one store transaction. Not thread-safe: call it on the
// thread that owns `db` (the node's event loop).
#include <functional>
#include <string>

#include "runtime/http_server.h"

namespace imsbox::runtime {
class Clock;
class Logger;
}  // namespace imsbox::runtime
namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

struct ProvisioningApiOptions {
  std::string realm;  // the digest realm password subscribers get: the home domain
  std::string token;  // the bearer token (hss.api_token); empty: the API refuses every request
  // The profile a new subscriber's identities get when the request names
  // none (hss.default_service_profile); empty: none. When it does not exist
  // they get none and a warning is logged.
  std::string default_service_profile;
  // Called with an IMPI after a committed change to what an S-CSCF holds as
  // that subscriber's user profile (TS 29.228 §6.1.6: the HSS then pushes it
  // with a Cx PPR): IMPUs added or removed, settings of one of its IMPUs,
  // the iFCs of a service profile one of its IMPUs uses (PUT or DELETE of
  // the profile) and an application server such an iFC names (PUT). Once
  // per subscriber and request, after the commit and before the response.
  // Not called for new subscribers (nobody holds their profile yet), for
  // deleted ones (that is deregistration, not a profile push) nor for
  // credential-only changes. It should not throw; an exception is logged
  // (when `log` is set) and does not change the response: the change stands.
  std::function<void(const std::string& impi)> on_subscriber_changed;
  runtime::Logger* log = nullptr;  // optional
  // A connection opened for the "tas" owner, for the supplementary-services
  // resources (services_api.h); null: they answer 503.
  store::Database* services_store = nullptr;
  // A connection opened for the "mrf" owner, for the IVR-menu resources
  // (ivr_menus_api.h); null: they answer 503.
  store::Database* ivr_store = nullptr;
};

class ProvisioningApi {
 public:
  // `db` (a connection opened for the "hss" owner) and `clock` must outlive
  // the object.
  ProvisioningApi(store::Database& db, const runtime::Clock& clock, ProvisioningApiOptions options);

  // Never throws: every failure is a response.
  runtime::HttpResponse operator()(const runtime::HttpRequest& request);

 private:
  store::Database& db_;
  const runtime::Clock& clock_;
  ProvisioningApiOptions options_;
};

}  // namespace imsbox::hss
