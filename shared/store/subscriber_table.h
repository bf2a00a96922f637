#pragma once
// Typed access to the HSS's subscriber tables (hss_subscriber,
// hss_public_identity). Only a connection opened for the "hss" owner (or the
// administrative one) can write them. Writes do not open transactions of
// their own: callers group them in a Database::Transaction so that a
// subscriber is stored whole or not at all.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/secret.h"

namespace imsbox::store {

class Database;

// What a SIM (USIM / ISIM) shares with the HSS for IMS AKA (TS 33.203).
struct SimCredentials {
  runtime::SecretBytes k;    // 16 bytes
  runtime::SecretBytes opc;  // 16 bytes
  std::array<std::uint8_t, 2> amf{};
  std::uint64_t sqn = 0;     // 48 bits
};

// What SIP digest needs for a password subscriber; the password itself is not kept.
struct DigestCredentials {
  std::string realm;
  runtime::SecretString ha1_md5;     // lower-case hex, H(IMPI:realm:password)
  runtime::SecretString ha1_sha256;  // lower-case hex
  // The same over the IMPI's user part alone (H(user:realm:password)), for
  // clients that send the bare user name; empty: none (a password set
  // before they were kept, or an IMPI whose realm is not `realm`).
  runtime::SecretString username_ha1_md5{};
  runtime::SecretString username_ha1_sha256{};
};

struct SubscriberRecord {
  std::string impi;
  std::optional<SimCredentials> sim;
  std::optional<DigestCredentials> digest;
  std::vector<std::string> impus;  // in provisioning order
  // SIP-Authentication-Scheme names the subscriber may use; empty: every
  // scheme its credentials allow.
  std::vector<std::string> auth_schemes;
};

class SubscriberTable {
 public:
  explicit SubscriberTable(Database& db) : db_(db) {}

  std::optional<SubscriberRecord> find(const std::string& impi);
  // The credentials alone (impus left empty): what Cx needs of an IMPI that
  // may have thousands of public identities.
  std::optional<SubscriberRecord> credentials(const std::string& impi);
  bool exists(const std::string& impi);
  std::vector<SubscriberRecord> list();
  // The SIM credentials alone (no IMPUs): what authentication needs.
  std::optional<SimCredentials> sim(const std::string& impi);
  // The last SQN issued; the subscriber must have a SIM.
  void set_sqn(const std::string& impi, std::uint64_t sqn);
  // The IMPI an IMPU belongs to.
  std::optional<std::string> impi_of(const std::string& impu);

  void insert(const SubscriberRecord& record, std::int64_t created_at_unix);
  // Replaces credentials; IMPUs are left alone.
  void update_credentials(const SubscriberRecord& record);
  void add_impu(const std::string& impi, const std::string& impu);
  bool remove_impu(const std::string& impi, const std::string& impu);
  bool erase(const std::string& impi);

 private:
  std::vector<std::string> impus_of(const std::string& impi);
  Database& db_;
};

}  // namespace imsbox::store
