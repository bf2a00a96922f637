#pragma once
// Initial filter criteria evaluation (TS 29.228 Annex C and F, TS 23.218
// §6): whether a trigger point matches a request. Pure.
//
// Used for REGISTER (third-party registration, TS 24.229 §5.4.1.7) and for
// the other initial requests of a served user (§5.4.3.2, §5.4.3.3).
#include <optional>
#include <string>
#include <vector>

#include "ims/subscription.h"
#include "sip/message.h"

namespace imsbox::scscf {

// What is known of the request being matched. A null request (an expiry, an
// RTR: no REGISTER at hand) matches Method REGISTER only.
struct TriggerContext {
  std::string method;                                  // "REGISTER"
  const sip::Message* request = nullptr;               // for Request-URI, header and SDP conditions
  std::optional<ims::SessionCase> session_case;        // none for REGISTER
  std::optional<ims::RegistrationType> registration_type;  // REGISTER only
};

bool trigger_matches(const ims::TriggerPoint& tp, const TriggerContext& context);

// The application servers whose registered-part iFCs of the service profile
// holding `impu` match a REGISTER of that type, in priority order.
std::vector<ims::ApplicationServer> register_application_servers(const ims::ImsSubscription& profile,
                                                                 const std::string& impu,
                                                                 const TriggerContext& context);

// The next application server for an initial request of a served user: the
// first iFC at or after `from` in the priority order of the service profile
// holding `impu` that applies to the `part` of the profile (an iFC without a
// ProfilePartIndicator applies to both) and whose trigger point matches.
// `position` + 1 is where the evaluation goes on when the request comes back.
struct IfcMatch {
  std::size_t position = 0;
  ims::ApplicationServer server;
};
std::optional<IfcMatch> next_application_server(const ims::ImsSubscription& profile, const std::string& impu,
                                                const TriggerContext& context, std::size_t from,
                                                ims::ProfilePartIndicator part);

}  // namespace imsbox::scscf
