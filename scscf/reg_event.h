#pragma once
// The reg event package at the S-CSCF (RFC 3680, RFC 6665, TS 24.229
// §5.4.2.1): a subscription's dialog state and the NOTIFY it gets. Pure
// functions; the service keeps the subscriptions, sends and times them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ims/reginfo.h"
#include "runtime/timer_queue.h"
#include "scscf/registrar.h"
#include "sip/message.h"

namespace imsbox::scscf {

// One reg-event subscription: the dialog of the SUBSCRIBE, seen from us (the notifier).
struct RegSubscription {
  std::string key;            // the registration it watches (Registrar key)
  std::string call_id;
  std::string local_tag;      // our To tag
  std::string local_uri;      // the SUBSCRIBE's To URI (what NOTIFYs come From)
  std::string remote;         // the SUBSCRIBE's From value, tag included (NOTIFY's To)
  std::string remote_target;  // the subscriber's Contact URI (NOTIFY's Request-URI)
  std::vector<std::string> route_set;  // the SUBSCRIBE's Record-Route values, in order (RFC 3261 §12.1.1)
  std::string subscriber;     // who, for logs
  bool by_user = false;       // the UE itself (From in the implicit set), not the P-CSCF
  std::uint32_t cseq = 0;     // of our last NOTIFY
  std::uint32_t version = 0;  // reginfo version of the next NOTIFY
  Time expires_at{};
  runtime::TimerQueue::TimerId timer = 0;
};

// The full reginfo of a registration: one <registration> per identity of
// its implicit set, every contact under each. `state` is "active" or
// "terminated"; contact_event is the event of every contact ("registered",
// "refreshed", "unregistered", "expired", "deactivated", ...).
ims::RegInfo reginfo_for(const Registration& r, bool active, std::string_view contact_event, Time now,
                         std::uint32_t version);

// A NOTIFY in the subscription's dialog (its cseq must already be the new one).
// subscription_state: "active;expires=N" or "terminated;reason=...".
sip::Message make_notify(const RegSubscription& s, std::string_view own_uri, std::string_view subscription_state,
                         const ims::RegInfo& body);

// A stable identifier for XML ids: a hex hash of the parts.
std::string stable_id(std::string_view a, std::string_view b = {});

}  // namespace imsbox::scscf
