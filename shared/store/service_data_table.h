#pragma once
// Typed access to the HSS's service data (store v2): application servers,
// service profiles and their initial filter criteria, and the per-IMPU
// settings that tie a public identity to them (implicit registration set,
// service profile, barring, display name). Writes need a connection opened
// for the "hss" owner and are grouped by the caller in a
// Database::Transaction. Foreign keys make the store refuse (StoreError) a
// dangling reference, e.g. an iFC naming an unknown application server.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imsbox::store {

class Database;

struct ApplicationServerRow {
  std::string name;
  std::string server_name;  // SIP URI
  int default_handling = 0;  // 0 SESSION_CONTINUED, 1 SESSION_TERMINATED
  std::optional<std::string> service_info;
  bool include_register_request = false;
  bool include_register_response = false;
  friend bool operator==(const ApplicationServerRow&, const ApplicationServerRow&) = default;
};

struct IfcRow {
  std::string service_profile;
  int priority = 0;
  std::string application_server;            // an ApplicationServerRow name
  std::optional<std::string> trigger_point;  // JSON (ims::trigger_point_from_json); none: always
  std::optional<int> profile_part_indicator;  // 0 REGISTERED, 1 UNREGISTERED; none: both
  friend bool operator==(const IfcRow&, const IfcRow&) = default;
};

struct PublicIdentityRow {
  std::string impu;
  std::string impi;
  int position = 0;
  bool barred = false;
  int implicit_set = 1;
  std::optional<std::string> service_profile;
  std::optional<std::string> display_name;
  friend bool operator==(const PublicIdentityRow&, const PublicIdentityRow&) = default;
};

class ServiceDataTable {
 public:
  explicit ServiceDataTable(Database& db) : db_(db) {}

  // Insert or replace by name.
  void put_application_server(const ApplicationServerRow& row);
  // False when there is none; StoreError while an iFC uses it.
  bool remove_application_server(const std::string& name);
  std::optional<ApplicationServerRow> application_server(const std::string& name);
  std::vector<ApplicationServerRow> application_servers();

  void add_service_profile(const std::string& name);
  // Its iFCs go with it; identities using it are left without a profile.
  bool remove_service_profile(const std::string& name);
  bool has_service_profile(const std::string& name);
  std::vector<std::string> service_profiles();

  // Insert or replace by (service_profile, priority).
  void put_ifc(const IfcRow& row);
  bool remove_ifc(const std::string& service_profile, int priority);
  std::vector<IfcRow> ifcs(const std::string& service_profile);  // by priority

  std::optional<PublicIdentityRow> public_identity(const std::string& impu);
  std::vector<PublicIdentityRow> public_identities_of(const std::string& impi);  // by position
  // The IMPUs of one implicit registration set of an IMPI, by position.
  std::vector<PublicIdentityRow> implicit_set(const std::string& impi, int implicit_set);
  // Replaces the settings of an existing IMPU (impi and position stay).
  void update_public_identity(const PublicIdentityRow& row);

 private:
  Database& db_;
};

}  // namespace imsbox::store
