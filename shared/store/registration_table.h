#pragma once
// Typed access to hss_registration: the registration state of each IMPU as
// the HSS knows it (TS 29.228 §8.1.2) and the S-CSCF assigned to it. No row
// means NOT_REGISTERED with no S-CSCF. Written by the HSS only (Cx SAR/MAR,
// administrative deregistration); callers group writes in a transaction.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imsbox::store {

class Database;

enum class RegistrationState { not_registered = 0, registered = 1, unregistered = 2 };

struct RegistrationRow {
  std::string impu;
  RegistrationState state = RegistrationState::not_registered;
  std::optional<std::string> impi;  // who registered it
  std::string scscf_name;           // SIP URI of the S-CSCF
  std::optional<std::string> origin_host, origin_realm;  // the S-CSCF's Diameter identity
  std::int64_t updated_at = 0;
  friend bool operator==(const RegistrationRow&, const RegistrationRow&) = default;
};

class RegistrationTable {
 public:
  explicit RegistrationTable(Database& db) : db_(db) {}

  std::optional<RegistrationRow> find(const std::string& impu);
  std::vector<RegistrationRow> of_impi(const std::string& impi);
  // Whether the IMPI has a row for an IMPU outside that implicit set (stops
  // at the first: an IMPI may have thousands).
  bool other_set_held(const std::string& impi, int implicit_set);
  void put(const RegistrationRow& row);  // insert or replace
  bool erase(const std::string& impu);

 private:
  Database& db_;
};

}  // namespace imsbox::store
