#pragma once
// The supplementary-services resources of the provisioning API
// (provisioning_api.h; same bearer token, checked there first, same JSON
// errors): operators read and change a public identity's MMTEL services,
// the simservs document (TS 24.623) the TAS acts on and phones edit over
// Ut/XCAP. The IMPU in the path is percent-encoded and must be provisioned
// (else 404).
//
//   GET    /v1/public-identities/{impu}/services   200 {"impu", "services": [line...], "etag": string | null}
//   PATCH  /v1/public-identities/{impu}/services   200 as GET
//          {"cfu" | "cfb" | "cfnr" | "cfnl" | "cfnrc": "sip:..." | "tel:..." | "+33..." | "1002" | null (off),
//           "no_reply_timer": 5..180, "outgoing_barring": "all" | "international" | "none",
//           "incoming_barring": bool, "anonymous_call_rejection": bool, "oir": bool}
//          (settings_change.h: all or nothing; 400 naming the field, nothing stored)
//   GET    /v1/public-identities/{impu}/simservs   200 the document (application/simservs+xml, ETag;
//          an empty document without ETag when none is stored)
//   PUT    /v1/public-identities/{impu}/simservs   200 as GET .../services; the body is a whole
//          simservs document, validated (400 with the parser's reason, nothing stored)
//   DELETE /v1/public-identities/{impu}/simservs   204: all services off
//
// "services" are describe()'s lines (settings.h). Writes are one store
// transaction on `tas_db`, a connection opened for the "tas" owner: the
// documents are the TAS's table (tas_simservs), which the HSS's own
// connection may not write.
#include <optional>
#include <string>

#include "runtime/http_server.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

// Whether `request` names one of these resources (/v1/public-identities/{impu}/services|simservs).
bool is_services_resource(const runtime::HttpRequest& request);

// The response to such a request (is_services_resource), once authorized.
// `domain` completes local forwarding numbers. Never throws; a null
// `tas_db` answers 503.
runtime::HttpResponse serve_services_resource(store::Database* tas_db, const std::string& domain,
                                              const runtime::HttpRequest& request);

}  // namespace imsbox::hss
