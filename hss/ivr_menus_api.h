#pragma once
// The IVR-menu resources of the provisioning API (provisioning_api.h; same
// bearer token, checked there first, same JSON errors): the MRF's menus
// (mrf/ivr_menu.h), kept in the store table `imsbox ivr` writes
// (mrf_ivr_menu). The MRF reads a menu when a call enters it, so a change
// holds from the next call on.
//
//   GET    /v1/ivr-menus           200 {"ivr_menus": [menu...]} (by name)
//   GET    /v1/ivr-menus/{name}    200 menu
//   PUT    /v1/ivr-menus/{name}    201 created / 200 replaced, the menu as stored
//          {"prompt": P, "choices": {"1": "play P" | "menu M" | "transfer URI" | "hangup", ...},
//           "invalid": P, "timeout_ms": 100..600000, "interdigit_ms": 100..600000, "retries": 0..10}
//          or {"definition": "<the text `imsbox ivr add` takes>"}; fields left
//          out take the defaults of a definition. Checked by the code that
//          checks `imsbox ivr add` (set_menu_key, check_menu): 400 with its
//          reason (naming the field or the line), nothing stored.
//   DELETE /v1/ivr-menus/{name}    204
//
// A menu: {"name", "uri": "sip:ivr@mrf.<domain>;menu=NAME", "prompt",
//   "choices": {digits: "verb target"}, "invalid", "timeout_ms",
//   "interdigit_ms", "retries", "definition": the stored text, "updated_at": unix seconds}.
// A stored definition that no longer parses is shown with "definition" and
// "error" only. Names are 1-64 of a-z, 0-9, '-', '_' (else 400).
//
// Writes are one store transaction on `mrf_db`, a connection opened for the
// "mrf" owner: the menus are the MRF's table, which the HSS's own
// connection may not write.
#include <string>

#include "runtime/http_server.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

// Whether `request` names one of these resources (/v1/ivr-menus[/{name}]).
bool is_ivr_menu_resource(const runtime::HttpRequest& request);

// The response to such a request (is_ivr_menu_resource), once authorized.
// `domain` makes the menus' URIs. Never throws; a null `mrf_db` answers 503.
runtime::HttpResponse serve_ivr_menu_resource(store::Database* mrf_db, const std::string& domain,
                                              const runtime::HttpRequest& request);

}  // namespace imsbox::hss
