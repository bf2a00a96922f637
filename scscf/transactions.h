#pragma once
// The S-CSCF's proxy transactions, one file each; ScscfService::on_request()
// picks one per request:
//  * register_tsx.cpp: REGISTER (TS 24.229 §5.4.1): Cx MAR, the challenge,
//    the answer checked, Cx SAR, the binding, the 200 OK with Service-Route;
//  * reg_subscribe_tsx.cpp: SUBSCRIBE to the reg event (RFC 3680, §5.4.2.1);
//  * session_tsx.cpp: every other initial request (§5.4.3): iFCs, application
//    servers over ISC, then the route on; and in-dialog BYEs for the call records.
#include <memory>
#include <optional>
#include <string>

#include "scscf/session.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::scscf {

class ScscfService;

std::unique_ptr<sip::proxy::ProxyTsx> make_register_tsx(ScscfService& service);
std::unique_ptr<sip::proxy::ProxyTsx> make_reg_subscribe_tsx(ScscfService& service);
// `back`: the request returns from an AS with that ODI (else a fresh one).
// `on_behalf`: an AS originates for a user (originating_on_behalf()).
std::unique_ptr<sip::proxy::ProxyTsx> make_session_tsx(ScscfService& service, SessionCase session_case, bool on_behalf,
                                                       std::optional<OdiState> back);
// A BYE in a dialog we record-routed: the end of its call record; the core
// forwards it along its Route.
std::unique_ptr<sip::proxy::ProxyTsx> make_bye_tsx(ScscfService& service);

}  // namespace imsbox::scscf
