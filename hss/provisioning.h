#pragma once
// Subscriber provisioning: the HSS is the master of subscriber data, so the
// rules of what a valid subscriber is live here, whatever front end (the
// `imsbox subscriber` command today, an HTTP API later) drives them.
//
// Every operation validates all of its input before it writes anything and
// writes in one transaction: a subscriber is stored whole or not at all.
// Errors are ProvisioningError with a message meant for the person typing.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/service_data_table.h"
#include "store/subscriber_table.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

class ProvisioningError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A new subscriber as given on the command line: a SIM (K with OP or OPc),
// a password, or both.
struct NewSubscriber {
  std::string impi;
  std::vector<std::string> impus;
  std::optional<std::string> k, op, opc, amf, sqn;  // hex
  std::optional<std::string> password;
  // Comma-separated SIP-Authentication-Scheme names it may use (Digest-AKAv1-MD5,
  // Digest-AKAv2-MD5, SIP Digest); none: every scheme its credentials allow.
  std::optional<std::string> schemes;
  // The service profile of every one of its public identities: none: the
  // default profile add() is given; "": no profile; else a profile that
  // must exist (ProvisioningError otherwise).
  std::optional<std::string> service_profile;
};

// What add() did beyond storing the subscriber.
struct AddOutcome {
  std::optional<std::string> service_profile;  // the one its identities got; none: none
  // Set when the default profile was asked for but does not exist: the
  // identities got none. Meant for a log line or a warning, not an error.
  std::optional<std::string> warning;
};

// The box's own MMTEL service profile (issue 18): an application server
// (the TAS) and a service profile whose one iFC sends INVITEs to it in the
// session cases the TAS serves (TS 29.228 Annex E tSessionCase):
//   method INVITE AND session case ORIGINATING_REGISTERED (0),
//   TERMINATING_REGISTERED (1), TERMINATING_UNREGISTERED (2, for CFNL of a
//   callee who is not registered) or ORIGINATING_CDIV (4, a forwarded call's
//   originating-cdiv services),
// default handling SESSION_CONTINUED (calls complete while the TAS is down).
struct MmtelProfile {
  std::string application_server = "tas";
  std::string service_profile = "mmtel";
  std::string server_name;  // the TAS's ISC URI, sip:<advertised address>:<tas.sip_port> or tas.uri
  // Given, when the profile is first created in this store, to every public
  // identity without a service profile (a data dir from before the box had
  // one); false leaves them alone.
  bool assign_to_identities_without_profile = true;
};

struct MmtelProfileOutcome {
  bool application_server_created = false;
  bool server_name_changed = false;  // an existing application server now names server_name
  bool service_profile_created = false;
  std::int64_t identities_assigned = 0;
};

// The iFC of the MMTEL profile `service_profile` (priority 0, no profile part
// indicator: registered and unregistered alike) to `application_server`.
store::IfcRow mmtel_ifc(const std::string& service_profile, const std::string& application_server);

// Changes to an existing subscriber; what is not given stays as it is.
struct SubscriberChange {
  std::optional<std::string> k, op, opc, amf, sqn;  // hex
  std::optional<std::string> password;
  std::optional<std::string> schemes;  // as in NewSubscriber; "" lifts the restriction
  bool remove_sim = false;
  bool remove_password = false;
  std::vector<std::string> add_impus;
  std::vector<std::string> remove_impus;
};

// Each returns an error text, or nothing when the value is valid.
std::optional<std::string> check_impi(const std::string& impi);
std::optional<std::string> check_impu(const std::string& impu);

// Parses exactly `bytes` bytes of hex (case-insensitive); throws
// ProvisioningError naming `what` otherwise.
std::vector<std::uint8_t> parse_hex(const std::string& what, const std::string& hex, std::size_t bytes);

class Provisioning {
 public:
  // `realm` is the digest realm password subscribers are challenged with:
  // the home domain.
  Provisioning(store::Database& db, std::string realm) : db_(db), realm_(std::move(realm)) {}

  // Every public identity gets s.service_profile, or when that is not given
  // `default_service_profile` ("" or a profile that does not exist: none,
  // the latter with AddOutcome::warning).
  AddOutcome add(const NewSubscriber& s, std::int64_t now_unix, const std::string& default_service_profile = {});
  // Creates or updates the box's MMTEL profile, in one transaction:
  //  * the application server: created with default handling
  //    SESSION_CONTINUED, or its server_name set to p.server_name when it
  //    differs (the rest, an operator's, stays; an unchanged one is not
  //    written, so that no Cx PPR follows);
  //  * the service profile: created with mmtel_ifc() only when it does not
  //    exist (an operator's edits survive restarts);
  //  * the first time in a store (neither the application server nor the
  //    profile existed), every public identity without a service profile
  //    gets it when p.assign_to_identities_without_profile.
  MmtelProfileOutcome ensure_mmtel_profile(const MmtelProfile& p);
  void change(const std::string& impi, const SubscriberChange& c);
  void remove(const std::string& impi);
  // Asks the running HSS to deregister the subscriber (an RTR to its S-CSCF,
  // TS 29.228 §6.1.3); returns the request's id for deregistration_outcome().
  std::int64_t request_deregistration(const std::string& impi, const std::string& reason, std::int64_t now_unix);
  // What the HSS reported, once it handled the request; none while pending.
  std::optional<std::string> deregistration_outcome(std::int64_t id);
  std::optional<store::SubscriberRecord> find(const std::string& impi);
  std::vector<store::SubscriberRecord> list();

 private:
  store::Database& db_;
  std::string realm_;
};

}  // namespace imsbox::hss
