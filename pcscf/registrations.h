#pragma once
// The P-CSCF's registration cache (TS 24.229 §5.2.2.2, §5.2.3): for every
// public identity a UE registered through this P-CSCF, the contacts it bound
// (each with its expiry and the transport source of its REGISTER), the
// P-Associated-URI set, the Service-Route and the Path we inserted.
//
// Pure: no I/O, no timers; time comes in as arguments (ARCHITECTURE.md §7).
// Expired bindings are invisible to every lookup at once and are removed by
// expire() (the service calls it from a timer). Lookups by IMPU, source and
// contact are indexed (O(log n) or O(1) plus the IMPUs found), so that the
// cache holds 100,000s of contacts. Single-threaded.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "runtime/clock.h"
#include "sip/peer.h"

namespace imsbox::pcscf {

using Time = runtime::Clock::MonotonicTime;

// One contact a UE bound through us.
//
// Its flow (RFC 5626 §3.2) is `source`: the connection (or, over UDP, the
// address and port) its last REGISTER came from. A REGISTER of the same
// contact from another source moves the binding to that flow; one with the
// same +sip.instance and reg-id under another contact URI replaces the
// binding (RFC 5626 §6, the S-CSCF's rule too), whose old contact URI stays
// an alias of it (`replaced`): requests within dialogs the UE set up with
// its old contact then reach it on its new flow. A binding never lingers on
// a flow its UE has left.
struct Binding {
  std::string contact;  // the contact URI (as listed in the 200 OK)
  std::string key;      // contact_key(contact)
  Time expires_at{};
  sip::Peer source;     // where its REGISTER came from: its flow
  std::optional<std::string> instance;  // +sip.instance, without <> and quotes
  std::optional<std::uint32_t> reg_id;  // RFC 5626 reg-id
  std::vector<std::string> replaced;    // contact keys it replaced, newest last (a few at most)
};

struct Registration {
  std::string impu;                        // the public identity registered (the To of the REGISTER)
  std::vector<std::string> associated;     // P-Associated-URI URIs, in order (the registered one first)
  std::vector<std::string> service_route;  // Service-Route values as written: "<sip:orig@scscf...;lr>"
  std::string path;                        // the Path value this P-CSCF inserted
  std::vector<Binding> bindings;
};

// One contact of a REGISTER with the expiry its 200 OK gives it (0: removed).
struct RegisteredContact {
  std::string uri;
  std::chrono::seconds expires{0};
  std::optional<std::string> instance;  // +sip.instance of the REGISTER's Contact
  std::optional<std::uint32_t> reg_id;  // its reg-id
  friend bool operator==(const RegisteredContact&, const RegisteredContact&) = default;
};

// What a 200 OK to a REGISTER says about one IMPU, as the cache takes it.
struct RegisterOk {
  std::string impu;
  std::vector<std::string> associated;
  std::vector<std::string> service_route;
  std::string path;
  sip::Peer source;
  // the contacts of the REGISTER with the expiry the 200 OK gives them (0: removed)
  std::vector<RegisteredContact> contacts;
  bool remove_all = false;  // "Contact: *" (every binding of the IMPU removed)
};

// A binding that apply() moved to the REGISTER's flow.
struct FlowChange {
  std::string old_contact;  // the contact it had: `contact` itself, or the one it replaced
  std::string contact;
  sip::Peer old_source;     // the flow it left
};

// What apply() changed.
struct RegisterChange {
  std::vector<std::string> bound;    // contacts registered or refreshed
  std::vector<std::string> unbound;  // contacts removed
  std::vector<FlowChange> moved;     // bindings now on the REGISTER's flow (a subset of `bound`)
  bool created = false;              // the IMPU had no registration before
  bool removed = false;              // the IMPU has none any more
};

// The key two contact URIs are the same contact by: scheme, user, host
// (case-insensitive) and port; URI parameters are ignored. A URI that does
// not parse is its own key.
std::string contact_key(std::string_view uri);

// Whether a request from `now` comes from the UE that registered from
// `registered`: the same connection for stream transports (TCP, TLS, WS,
// WSS), else the same transport, address, port and local port (a UE's
// protected and unprotected datagrams are different flows).
bool same_source(const sip::Peer& registered, const sip::Peer& now);
// What same_source() compares, as a string: equal keys for equal sources.
std::string source_key(const sip::Peer& p);

class RegistrationCache {
 public:
  RegisterChange apply(const RegisterOk& ok, Time now);

  // Removes an IMPU's registration; false when there was none.
  bool remove(std::string_view impu, Time now);
  // Removes one contact of an IMPU (the registration with it when it was
  // the last); false when there was no such binding.
  bool unbind(std::string_view impu, std::string_view contact, Time now);
  // Drops an identity from every P-Associated-URI set (a deregistered
  // implicitly registered identity); returns how many sets had it.
  std::size_t forget_associated(std::string_view uri);

  // The live registration of an IMPU, or null.
  const Registration* find(std::string_view impu, Time now) const;
  // The live registrations with a binding from `source` (same_source), in
  // IMPU order.
  std::vector<const Registration*> from_source(const sip::Peer& source, Time now) const;
  // Whether any live registration has a binding from `source` (stops at the first).
  bool has_source(const sip::Peer& source, Time now) const;
  // The live binding for a contact URI (contact_key), or for a contact URI
  // it replaced, and its registration.
  struct Found {
    const Registration* registration = nullptr;
    const Binding* binding = nullptr;
  };
  std::optional<Found> by_contact(std::string_view contact, Time now) const;

  // Where a contact removed in the last kDepartedGrace registered from: the
  // requests that end its dialogs (the final NOTIFY of the UE's own reg-event
  // subscription, a BYE) still reach a UE behind a WebSocket.
  static constexpr std::chrono::seconds kDepartedGrace{64};
  std::optional<sip::Peer> departed_source(std::string_view contact, Time now) const;

  // Removes the bindings expired at `now` (and the registrations left with
  // none); returns them as (IMPU, contact). O(expired * log n).
  std::vector<std::pair<std::string, std::string>> expire(Time now);
  // The earliest expiry of any binding.
  std::optional<Time> next_expiry() const;

  std::size_t size() const { return registrations_.size(); }
  std::size_t bindings() const;

 private:
  using Expiry = std::tuple<Time, std::string, std::string>;  // (expires_at, IMPU, contact key)
  // How many replaced contact URIs a binding keeps as aliases.
  static constexpr std::size_t kMaxReplaced = 4;
  void index(const Registration& reg, const Binding& b);
  void unindex(const Registration& reg, const Binding& b);
  void unindex_all(const Registration& reg) {
    for (const auto& b : reg.bindings) unindex(reg, b);
  }
  void remember(const Binding& b, Time now);

  std::map<std::string, Registration, std::less<>> registrations_;
  std::set<Expiry> expiries_;  // every binding's, earliest first
  std::unordered_multimap<std::string, std::string> by_contact_;  // contact key -> IMPU, one per binding and alias
  std::unordered_multimap<std::string, std::string> by_source_;   // source_key -> IMPU, one per binding
  struct Departed {
    sip::Peer source;
    Time until;
  };
  std::unordered_map<std::string, Departed> departed_;     // by contact key
  std::deque<std::pair<Time, std::string>> departed_order_;  // (until, contact key), oldest first
};

}  // namespace imsbox::pcscf
