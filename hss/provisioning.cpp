#include "hss/provisioning.h"

#include <algorithm>

#include <boost/algorithm/string/predicate.hpp>
#include <set>

#include "aka/digest.h"
#include "aka/milenage.h"
#include "ims/subscription.h"
#include "runtime/config.h"
#include "sip/uri.h"
#include "store/database.h"

namespace imsbox::hss {

namespace {

bool nai_user_char(char c) {
  // RFC 4282 username characters (alphanumerics and the RFC 2822 atext set, plus '.').
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

std::array<std::uint8_t, 16> block(const std::vector<std::uint8_t>& v) {
  std::array<std::uint8_t, 16> b{};
  std::copy(v.begin(), v.end(), b.begin());
  return b;
}

std::uint64_t sqn_value(const std::vector<std::uint8_t>& v) {
  std::uint64_t n = 0;
  for (auto byte : v) n = (n << 8) | byte;
  return n;
}

void check_identities(const std::string& impi, const std::vector<std::string>& impus) {
  if (auto err = check_impi(impi)) throw ProvisioningError("invalid --impi '" + impi + "': " + *err);
  std::set<std::string> seen;
  for (const auto& impu : impus) {
    if (auto err = check_impu(impu)) throw ProvisioningError("invalid --impu '" + impu + "': " + *err);
    if (!seen.insert(impu).second) throw ProvisioningError("--impu '" + impu + "' is given twice");
  }
}

// Builds SIM credentials from K and OP/OPc, or from the stored ones for what is not given.
store::SimCredentials sim_from(const std::optional<std::string>& k_hex, const std::optional<std::string>& op_hex,
                               const std::optional<std::string>& opc_hex, const std::optional<std::string>& amf_hex,
                               const std::optional<std::string>& sqn_hex, const store::SimCredentials* current) {
  if (op_hex && opc_hex) throw ProvisioningError("give --op or --opc, not both");
  store::SimCredentials sim;
  if (current) sim = *current;
  if (k_hex) sim.k = runtime::SecretBytes(parse_hex("--k", *k_hex, 16));
  if (sim.k.empty()) throw ProvisioningError("--k is required for a SIM subscriber");
  if (opc_hex) {
    sim.opc = runtime::SecretBytes(parse_hex("--opc", *opc_hex, 16));
  } else if (op_hex) {
    const auto opc = aka::compute_opc(block(sim.k.reveal()), block(parse_hex("--op", *op_hex, 16)));
    sim.opc = runtime::SecretBytes(std::vector<std::uint8_t>(opc.begin(), opc.end()));
  } else if (!current) {
    throw ProvisioningError("--k needs --op or --opc");
  } else if (k_hex) {
    // OPc is derived from K: a new K with the old OPc would be a different, wrong OP.
    throw ProvisioningError("a new --k needs --op or --opc as well");
  }
  if (amf_hex) {
    const auto amf = parse_hex("--amf", *amf_hex, 2);
    sim.amf = {amf[0], amf[1]};
  } else if (!current) {
    sim.amf = {0x80, 0x00};
  }
  if (sqn_hex) sim.sqn = sqn_value(parse_hex("--sqn", *sqn_hex, 6));
  return sim;
}

store::DigestCredentials digest_from(const std::string& impi, const std::string& realm, const std::string& password) {
  if (password.empty()) throw ProvisioningError("--password must not be empty");
  if (password.size() > 256) throw ProvisioningError("--password is longer than 256 characters");
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) throw ProvisioningError("--password must not contain control characters");
  }
  store::DigestCredentials d{
      realm, runtime::SecretString(aka::digest_ha1(aka::DigestAlgorithm::md5, impi, realm, password)),
      runtime::SecretString(aka::digest_ha1(aka::DigestAlgorithm::sha256, impi, realm, password)), {}, {}};
  // A client that sends the bare user name ("alice") digests with it; the
  // S-CSCF takes "alice@<realm>" for the IMPI (TS 23.003 §13.3), so only an
  // IMPI of the digest realm can be reached that way.
  const auto at = impi.rfind('@');
  if (at != std::string::npos && boost::algorithm::iequals(std::string_view(impi).substr(at + 1), realm)) {
    const std::string_view user(impi.data(), at);
    d.username_ha1_md5 = runtime::SecretString(aka::digest_ha1(aka::DigestAlgorithm::md5, user, realm, password));
    d.username_ha1_sha256 =
        runtime::SecretString(aka::digest_ha1(aka::DigestAlgorithm::sha256, user, realm, password));
  }
  return d;
}

// The allowed schemes, checked against the credentials they need.
std::vector<std::string> schemes_from(const std::string& list, const store::SubscriberRecord& r) {
  std::vector<std::string> out;
  std::string_view rest = list;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) continue;
    const bool aka = name == "Digest-AKAv1-MD5" || name == "Digest-AKAv2-MD5";
    if (!aka && name != "SIP Digest") {
      throw ProvisioningError("--schemes: unknown scheme '" + std::string(name) +
                              "' (Digest-AKAv1-MD5, Digest-AKAv2-MD5, SIP Digest)");
    }
    if (aka && !r.sim) throw ProvisioningError("--schemes: " + std::string(name) + " needs a SIM");
    if (!aka && !r.digest) throw ProvisioningError("--schemes: SIP Digest needs a password");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
  }
  return out;
}

}  // namespace

std::optional<std::string> check_impi(const std::string& impi) {
  // TS 23.003 §13.3: the IMPI takes the form of a NAI, username@realm.
  const auto at = impi.find('@');
  if (at == std::string::npos || impi.find('@', at + 1) != std::string::npos)
    return "a private identity is a NAI of the form user@realm (TS 23.003 §13.3)";
  const std::string_view user(impi.data(), at);
  const std::string_view realm(impi.data() + at + 1, impi.size() - at - 1);
  if (user.empty()) return "the user part before '@' is empty";
  for (char c : user) {
    if (!nai_user_char(c)) return "character '" + std::string(1, c) + "' is not allowed in a NAI user part";
  }
  if (!runtime::is_domain_name(realm)) return "'" + std::string(realm) + "' is not a domain name";
  return std::nullopt;
}

std::optional<std::string> check_impu(const std::string& impu) {
  const auto parsed = sip::parse_uri(impu);
  if (!parsed.uri) return parsed.error;
  const auto& u = *parsed.uri;
  if (u.scheme == sip::Uri::Scheme::sips) return "a public identity is a sip: or tel: URI, not sips:";
  if (u.scheme == sip::Uri::Scheme::sip) {
    if (u.user.empty()) return "a sip: public identity needs a user part (sip:user@domain)";
    if (!u.password.empty()) return "a public identity must not carry a password";
    if (!u.headers.empty()) return "a public identity must not carry URI headers";
    if (u.port) return "a public identity must not carry a port";
  }
  return std::nullopt;
}

std::vector<std::uint8_t> parse_hex(const std::string& what, const std::string& hex, std::size_t bytes) {
  std::string_view h = hex;
  if (h.starts_with("0x") || h.starts_with("0X")) h.remove_prefix(2);
  if (h.size() != bytes * 2) {
    throw ProvisioningError(what + " must be " + std::to_string(bytes * 2) + " hex digits (" +
                            std::to_string(bytes * 8) + " bits), got " + std::to_string(h.size()));
  }
  const auto nibble = [&](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw ProvisioningError(what + " contains '" + std::string(1, c) + "', which is not a hex digit");
  };
  std::vector<std::uint8_t> out(bytes);
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::uint8_t>(nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]));
  return out;
}

AddOutcome Provisioning::add(const NewSubscriber& s, std::int64_t now_unix, const std::string& default_service_profile) {
  check_identities(s.impi, s.impus);
  if (s.impus.empty()) throw ProvisioningError("give at least one --impu");
  const bool sim_given = s.k || s.op || s.opc || s.amf || s.sqn;
  if (!sim_given && !s.password) throw ProvisioningError("give a SIM (--k with --op or --opc), a --password, or both");

  store::SubscriberRecord r;
  r.impi = s.impi;
  r.impus = s.impus;
  if (sim_given) r.sim = sim_from(s.k, s.op, s.opc, s.amf, s.sqn, nullptr);
  if (s.password) r.digest = digest_from(s.impi, realm_, *s.password);
  if (s.schemes) r.auth_schemes = schemes_from(*s.schemes, r);

  store::Database::Transaction tx(db_);
  store::SubscriberTable table(db_);
  if (table.find(s.impi)) throw ProvisioningError("subscriber " + s.impi + " already exists");
  for (const auto& impu : s.impus) {
    if (auto owner = table.impi_of(impu)) throw ProvisioningError("public identity " + impu + " already belongs to " + *owner);
  }
  AddOutcome outcome;
  store::ServiceDataTable services(db_);
  if (s.service_profile) {
    if (!s.service_profile->empty() && !services.has_service_profile(*s.service_profile)) {
      throw ProvisioningError("--service-profile: no service profile '" + *s.service_profile + "'");
    }
    if (!s.service_profile->empty()) outcome.service_profile = *s.service_profile;
  } else if (!default_service_profile.empty()) {
    if (services.has_service_profile(default_service_profile)) {
      outcome.service_profile = default_service_profile;
    } else {
      outcome.warning = "the default service profile '" + default_service_profile + "' (hss.default_service_profile)" +
                        " does not exist: " + s.impi + " has no service profile";
    }
  }
  table.insert(r, now_unix);
  if (outcome.service_profile) {
    for (const auto& impu : s.impus) {
      auto row = services.public_identity(impu);
      if (!row) throw std::logic_error("public identity " + impu + " vanished after it was inserted");
      row->service_profile = outcome.service_profile;
      services.update_public_identity(*row);
    }
  }
  tx.commit();
  return outcome;
}

store::IfcRow mmtel_ifc(const std::string& service_profile, const std::string& application_server) {
  // Conjunctive normal form: group 0 AND group 1, each an OR of its SPTs.
  ims::TriggerPoint tp;
  tp.cnf = true;
  tp.spts.push_back({0, false, ims::MethodCondition{"INVITE"}, {}});
  for (const auto sc : {ims::SessionCase::originating, ims::SessionCase::terminating_registered,
                        ims::SessionCase::terminating_unregistered, ims::SessionCase::originating_cdiv}) {
    tp.spts.push_back({1, false, sc, {}});
  }
  store::IfcRow row;
  row.service_profile = service_profile;
  row.priority = 0;
  row.application_server = application_server;
  row.trigger_point = ims::to_json(tp);
  return row;  // no profile part indicator: registered and unregistered alike
}

MmtelProfileOutcome Provisioning::ensure_mmtel_profile(const MmtelProfile& p) {
  if (p.server_name.empty()) throw ProvisioningError("the MMTEL application server needs a server name");
  MmtelProfileOutcome outcome;
  store::Database::Transaction tx(db_);
  store::ServiceDataTable table(db_);
  auto as = table.application_server(p.application_server);
  const bool profile_existed = table.has_service_profile(p.service_profile);
  const bool first_time = !as && !profile_existed;
  if (!as) {
    store::ApplicationServerRow row;
    row.name = p.application_server;
    row.server_name = p.server_name;
    row.default_handling = static_cast<int>(ims::DefaultHandling::session_continued);
    table.put_application_server(row);
    outcome.application_server_created = true;
  } else if (as->server_name != p.server_name) {
    as->server_name = p.server_name;
    table.put_application_server(*as);
    outcome.server_name_changed = true;
  }
  if (!profile_existed) {
    table.add_service_profile(p.service_profile);
    table.put_ifc(mmtel_ifc(p.service_profile, p.application_server));
    outcome.service_profile_created = true;
  }
  if (first_time && p.assign_to_identities_without_profile) {
    auto st = db_.cached("UPDATE hss_public_identity SET service_profile = ?1 WHERE service_profile IS NULL RETURNING impu");
    st->bind(1, p.service_profile);
    while (st->step()) ++outcome.identities_assigned;
  }
  tx.commit();
  return outcome;
}

void Provisioning::change(const std::string& impi, const SubscriberChange& c) {
  if (auto err = check_impi(impi)) throw ProvisioningError("invalid IMPI '" + impi + "': " + *err);
  check_identities(impi, c.add_impus);
  if ((c.k || c.op || c.opc || c.amf || c.sqn) && c.remove_sim) throw ProvisioningError("--no-sim cannot go with SIM options");
  if (c.password && c.remove_password) throw ProvisioningError("--no-password cannot go with --password");

  store::Database::Transaction tx(db_);
  store::SubscriberTable table(db_);
  auto r = table.find(impi);
  if (!r) throw ProvisioningError("no subscriber " + impi);
  if (c.remove_sim) {
    r->sim.reset();
  } else if (c.k || c.op || c.opc || c.amf || c.sqn) {
    r->sim = sim_from(c.k, c.op, c.opc, c.amf, c.sqn, r->sim ? &*r->sim : nullptr);
  }
  if (c.remove_password) {
    r->digest.reset();
  } else if (c.password) {
    r->digest = digest_from(impi, realm_, *c.password);
  }
  if (!r->sim && !r->digest) throw ProvisioningError("a subscriber needs a SIM or a password; this change would leave neither");
  if (c.schemes) {
    r->auth_schemes = schemes_from(*c.schemes, *r);
  } else if (!r->auth_schemes.empty()) {
    r->auth_schemes = schemes_from([&] {
      std::string list;
      for (const auto& scheme : r->auth_schemes) list += scheme + ",";
      return list;
    }(), *r);  // the credentials changed: the allowed schemes must still have theirs
  }

  std::set<std::string> impus(r->impus.begin(), r->impus.end());
  for (const auto& impu : c.remove_impus) {
    if (!impus.erase(impu)) throw ProvisioningError("public identity " + impu + " does not belong to " + impi);
  }
  for (const auto& impu : c.add_impus) {
    // Re-adding an identity removed by this same change is fine; anything else already owned is not.
    const auto owner = table.impi_of(impu);
    if (owner && (*owner != impi || impus.contains(impu))) {
      throw ProvisioningError("public identity " + impu + " already belongs to " + *owner);
    }
    impus.insert(impu);
  }
  if (impus.empty()) throw ProvisioningError("a subscriber needs at least one public identity; this change would leave none");

  table.update_credentials(*r);
  for (const auto& impu : c.remove_impus) table.remove_impu(impi, impu);
  for (const auto& impu : c.add_impus) table.add_impu(impi, impu);
  tx.commit();
}

void Provisioning::remove(const std::string& impi) {
  store::Database::Transaction tx(db_);
  if (!store::SubscriberTable(db_).erase(impi)) throw ProvisioningError("no subscriber " + impi);
  tx.commit();
}

std::int64_t Provisioning::request_deregistration(const std::string& impi, const std::string& reason,
                                                  std::int64_t now_unix) {
  store::Database::Transaction tx(db_);
  if (!store::SubscriberTable(db_).find(impi)) throw ProvisioningError("no subscriber " + impi);
  std::int64_t id = 0;
  {
    auto st = db_.cached(
        "INSERT INTO hss_deregistration_request (impi, reason, requested_at) VALUES (?1, ?2, ?3) RETURNING id");
    st->bind(1, impi).bind(2, reason).bind(3, now_unix);
    st->step();
    id = st->integer(0);
  }  // the statement is done before the commit
  tx.commit();
  return id;
}

std::optional<std::string> Provisioning::deregistration_outcome(std::int64_t id) {
  auto st = db_.cached("SELECT outcome FROM hss_deregistration_request WHERE id = ?1 AND done_at IS NOT NULL");
  st->bind(1, id);
  if (!st->step()) return std::nullopt;
  return st->text(0);
}

std::optional<store::SubscriberRecord> Provisioning::find(const std::string& impi) {
  return store::SubscriberTable(db_).find(impi);
}

std::vector<store::SubscriberRecord> Provisioning::list() { return store::SubscriberTable(db_).list(); }

}  // namespace imsbox::hss
