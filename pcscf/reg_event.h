#pragma once
// The P-CSCF's subscription to the registration event package (RFC 3680,
// TS 24.229 §5.2.3): the SUBSCRIBE it sends after a UE's initial
// registration, its refreshes, and what a NOTIFY's reginfo does to the
// registration cache. Pure: pcscf_service.h sends and schedules.
#include <chrono>
#include <cstdint>
#include <optional>
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

// How long to wait before subscribing again after a NOTIFY ended the
// subscription (RFC 6665 §4.1.3), as long as the UE stays registered; nothing:
// do not subscribe again.
//  * "deactivated", "timeout": at once (retry-after has no meaning there);
//  * "probation": after its retry-after, else kProbationRetry;
//  * "giveup", no reason or an unknown one: after its retry-after, else at once;
//  * "rejected", "noresource", "invariant": never.
constexpr std::chrono::seconds kProbationRetry{30};
std::optional<std::chrono::seconds> resubscribe_after(const sip::Message& notify);

// What to do when a SUBSCRIBE got a final response other than 2xx.
enum class SubscribeFailure {
  resubscribe,  // a refresh refused (481: the S-CSCF forgot it, RFC 6665 §4.1.2.2): a new subscription
  retry,        // 408 or 5xx (the S-CSCF unreachable, restarting, overloaded): try again later
  give_up,      // refused on purpose (403, 489, ...): it will not get better by itself
};
// A refresh (`refresh`) that fails otherwise than with 408/5xx starts afresh,
// as a 481 does; an initial SUBSCRIBE refused so is given up.
SubscribeFailure subscribe_failure(int status, bool refresh);
// The Retry-After of a response (its delta-seconds), if any.
std::optional<std::chrono::seconds> retry_after(const sip::Message& response);

}  // namespace imsbox::pcscf
