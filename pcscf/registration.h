#pragma once
// What the P-CSCF does to a REGISTER and its responses (TS 24.229 §5.2.2,
// RFC 3327; the contract with the S-CSCF: /work/issue5-contract.md). Pure
// functions of messages: pcscf_service.h applies them on the proxy core.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pcscf/registrations.h"
#include "sip/message.h"

namespace imsbox::pcscf {

// Why a REGISTER from a UE is refused with a 400 before anything is
// forwarded (a static text fit for the reason phrase), or null: no To URI
// that is a public identity, a malformed Contact, Expires or expires
// parameter, "Contact: *" with other contacts or a non-zero Expires.
const char* check_register(const sip::Message& request);

// What this P-CSCF puts into a REGISTER it forwards.
struct RegisterEdits {
  std::string path;               // "<sip:term@ADDRESS:PORT;lr>" (pcscf_options())
  std::string visited_network;    // the P-Visited-Network-ID value, quoted as sent: "\"D\""
  std::string icid;               // a fresh icid-value
  std::string icid_generated_at;  // the bind address
};

// Whether a Require, Proxy-Require or Supported field of `m` lists `option`.
bool lists_option(const sip::Message& m, sip::HeaderId id, std::string_view option);

// Removes P-Asserted-Identity and P-Preferred-Identity (never trusted from a UE).
void strip_identities(sip::Message& request);

// Path on top, Require: path, Supported: path when missing,
// P-Visited-Network-ID and P-Charging-Vector (replacing the UE's), no
// P-Asserted-Identity / P-Preferred-Identity, no Route of the UE's.
void prepare_register(sip::Message& request, const RegisterEdits& edits);

// The integrity and cipher keys a 401 to an IMS-AKA REGISTER carries toward
// the P-CSCF (TS 33.203 §7.4): hex, as received. Secrets: never logged.
struct AuthKeys {
  std::string ck;
  std::string ik;
  bool empty() const { return ck.empty() && ik.empty(); }
};

// A WWW-Authenticate value without its ck= and ik= parameters; every other
// parameter is kept as written. The removed values go to `keys` (unquoted)
// when given.
std::string without_auth_keys(std::string_view value, AuthKeys* keys = nullptr);

// A challenge or credentials value (scheme, auth-params) with the params
// `keep` refuses left out (it sees each name and the whole "name=value"
// as written) and `extra` ("name=value") added at the end; the rest as
// written. A value that does not parse comes back unchanged.
std::string edit_auth_params(std::string_view value,
                             const std::function<bool(std::string_view name, std::string_view param)>& keep,
                             std::string_view extra = {});

// Rewrites every WWW-Authenticate of a response with without_auth_keys();
// the keys of the first challenge that had any.
AuthKeys remove_auth_keys(sip::Message& response);

// The URIs of every value of every field `id` (P-Associated-URI), in order.
std::vector<std::string> header_uris(const sip::Message& m, sip::HeaderId id);
// Every value of every field `id` as written (Service-Route, Path), in order.
std::vector<std::string> header_values(const sip::Message& m, sip::HeaderId id);

// What the 200 OK to `request` (a REGISTER for `impu` from `source`) means
// for the cache: each contact of the REGISTER with the expiry the 200 OK
// lists for it (its expires parameter, else the 200's Expires, else
// `default_expires`), or 0 when the 200 no longer lists it.
RegisterOk register_ok(const sip::Message& request, const sip::Message& ok, std::string impu, const sip::Peer& source,
                       std::string path, std::chrono::seconds default_expires = std::chrono::seconds(3600));

}  // namespace imsbox::pcscf
