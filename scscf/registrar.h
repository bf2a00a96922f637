#pragma once
// The S-CSCF's registrar (RFC 3261 §10.3, RFC 3327, RFC 5626, TS 24.229
// §5.4.1.2.2): which contacts are bound to which public identities, until
// when, through which Path, with the user's profile from the HSS.
//
// A registration is one implicit registration set: the IMPU the UE
// registered (the key) and the other identities the User-Data gives it,
// all sharing the same contacts. Pure: times are arguments (a monotonic
// clock), nothing here schedules or sends; the service does that.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ims/subscription.h"
#include "runtime/clock.h"
#include "sip/message.h"

namespace imsbox::scscf {

using Time = runtime::Clock::MonotonicTime;

struct Binding {
  std::string uri;                      // the contact URI
  std::string contact;                  // the Contact value as sent (for the 200 OK), without expires
  std::optional<std::string> instance;  // +sip.instance, without <> and quotes
  std::optional<std::uint32_t> reg_id;
  std::vector<std::string> path;        // the Path values of the REGISTER, in order
  std::string call_id;
  std::uint32_t cseq = 0;
  Time expires_at{};
};

struct Registration {
  std::string impu;                     // as registered (the key)
  std::string impi;
  std::vector<std::string> identities;  // the implicit set, impu first, barred ones left out
  ims::ImsSubscription profile;
  std::vector<Binding> bindings;
};

// What one REGISTER asks for, parsed and checked (contact_changes()).
struct ContactChange {
  std::string uri;
  std::string contact;  // the value without its expires parameter
  std::optional<std::string> instance;
  std::optional<std::uint32_t> reg_id;
  std::uint32_t expires = 0;  // seconds, already clamped; 0 removes
};
struct RegisterRequest {
  bool wildcard = false;  // Contact: * with Expires: 0
  std::vector<ContactChange> contacts;
  std::vector<std::string> path;
  std::string call_id;
  std::uint32_t cseq = 0;
};

// Parses Contact / Expires / Path of a REGISTER; expiries clamped to
// [min_expires, max_expires] (0 stays 0). On error: the status to answer
// (400, or 423 when an expiry is below min_expires) and a reason.
struct RegisterParse {
  std::optional<RegisterRequest> request;
  int status = 0;
  std::string reason;
};
RegisterParse parse_register(const sip::Message& request, std::uint32_t min_expires, std::uint32_t max_expires);

class Registrar {
 public:
  // What applying a REGISTER would do.
  enum class Kind {
    initial,          // nothing registered yet, contacts to bind
    refresh,          // registered, contacts left afterwards
    deregistration,   // registered, no contact left afterwards
    fetch_unregistered,  // not registered and nothing to bind (Expires: 0 / no Contact)
  };
  struct Check {
    std::optional<Kind> kind;
    std::string error;  // a Call-ID/CSeq ordering violation (RFC 3261 §10.3 step 7): answer 500
  };
  Check check(const std::string& impu, const RegisterRequest& r, Time now) const;

  // Applies a checked REGISTER (after the SAR). `identities` is the implicit
  // set from the User-Data (empty: keep what is known, or just the impu).
  // Returns the registration, or null when no contact is left (then it is gone).
  const Registration* apply(const std::string& impu, const std::string& impi, const RegisterRequest& r,
                            std::optional<ims::ImsSubscription> profile, Time now);

  // Puts back a registration read from the store (replacing one with its key).
  const Registration* insert(Registration r);
  // The registration an identity (any of its implicit set) belongs to.
  const Registration* find(std::string_view identity) const;
  Registration* find(std::string_view identity);
  // Removes a registration (by any identity of its set). Returns it.
  std::optional<Registration> remove(std::string_view identity);
  // Drops the bindings expired at `now`; returns the keys of the
  // registrations left without any (they are removed and returned in `gone`).
  // `changed` (optional) gets the keys of the registrations that lost some
  // contacts but not all.
  std::vector<Registration> expire(Time now, std::vector<std::string>* changed = nullptr);
  // The earliest expiry of any binding.
  std::optional<Time> next_expiry() const;
  // Replaces the profile of the registrations of an IMPI that it describes
  // (whose registered IMPU it lists: a PPR carries one implicit set, and the
  // other sets of the IMPI keep theirs); the keys of those replaced.
  std::vector<std::string> update_profile(const std::string& impi, const ims::ImsSubscription& profile);
  std::vector<std::string> keys_of_impi(const std::string& impi) const;
  // The registration whose profile lists `identity` as barred, if any.
  const Registration* find_barred(std::string_view identity) const;
  std::size_t size() const { return registrations_.size(); }

 private:
  // index()/unindex() file a registration under its identities and its
  // earliest expiry; its bindings must not change in between.
  void index(const Registration& r);
  void unindex(const Registration& r);

  std::map<std::string, Registration, std::less<>> registrations_;  // by registered IMPU
  std::map<std::string, std::string, std::less<>> by_identity_;     // every identity -> key
  std::map<std::string, std::string, std::less<>> barred_;          // every barred identity -> key
  std::set<std::pair<Time, std::string>> expiries_;  // each registration's earliest binding expiry, with its key
};

// The implicit set of `impu` in a User-Data: impu first, then every other
// identity of the subscription that is not barred.
std::vector<std::string> implicit_set(const ims::ImsSubscription& profile, const std::string& impu);

// Whether a User-Data lists `identity` as barred (TS 29.228 Annex B
// IdentityBarring: it may not originate, nor be reached).
bool is_barred(const ims::ImsSubscription& profile, std::string_view identity);

}  // namespace imsbox::scscf
