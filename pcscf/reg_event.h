#pragma once
// The P-CSCF's subscription to the registration event package (RFC 3680,
// TS 24.229 §5.2.3): the SUBSCRIBE it sends after a UE's initial
// registration, its refreshes, and what a NOTIFY's reginfo does to the
// registration cache. Pure: pcscf_service.h sends and schedules.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ims/reginfo.h"
#include "pcscf/registrations.h"
#include "sip/message.h"

namespace imsbox::pcscf {

// One reg-event subscription (the dialog state of its UAC side).
struct RegSubscription {
  std::string impu;                     // the registered IMPU subscribed to (Request-URI, To)
  std::string call_id;
  std::string from_tag;
  std::string to_tag;                   // from the 200 OK (or the first NOTIFY)
  std::uint32_t cseq = 0;               // of the last SUBSCRIBE sent
  std::string remote_target;            // the S-CSCF's Contact; empty before the 200
  std::vector<std::string> route_set;   // Service-Route first; then the 200's Record-Route reversed
  bool established() const { return !to_tag.empty(); }
};

// The next SUBSCRIBE of `s` (initial, refresh, or with expires 0 the end):
// Request-URI the IMPU (initial) or the remote target, Route the route set,
// From <pcscf_uri>;tag, To <impu>[;tag], Event: reg, Expires, Accept:
// application/reginfo+xml, Contact and P-Asserted-Identity <pcscf_uri>.
// Counts s.cseq up.
sip::Message make_reg_subscribe(RegSubscription& s, std::string_view pcscf_uri, std::uint32_t expires);

// Takes the dialog from a 2xx to the SUBSCRIBE (To tag, Contact, Record-Route);
// returns the expiry it grants (its Expires, else `requested`).
std::uint32_t subscribe_accepted(RegSubscription& s, const sip::Message& ok, std::uint32_t requested);

// When to refresh a subscription that lasts `expires` seconds: 600 s before
// its end, or halfway for short ones (at least 1 s).
std::uint32_t refresh_after(std::uint32_t expires);

// What a NOTIFY did to the cache.
struct RegInfoEffect {
  std::vector<std::string> removed_impus;                         // registrations dropped
  std::vector<std::pair<std::string, std::string>> removed_contacts;  // (IMPU, contact) unbound, those of removed IMPUs too
};

// Applies a reginfo document: a registration in state "terminated" drops
// that IMPU's registration (or, for an identity only in a P-Associated-URI
// set, the identity from the set); a contact in state "terminated" drops
// that binding.
RegInfoEffect apply_reginfo(RegistrationCache& cache, const ims::RegInfo& info, Time now);

// Whether a NOTIFY's Subscription-State ends the subscription ("terminated").
bool subscription_terminated(const sip::Message& notify);

}  // namespace imsbox::pcscf
