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
};

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

  void add(const NewSubscriber& s, std::int64_t now_unix);
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
