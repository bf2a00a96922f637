#include "store/subscriber_table.h"

#include "store/database.h"

#include <algorithm>

namespace imsbox::store {

namespace {


SubscriberRecord read_row(const Statement& st) {
  SubscriberRecord r;
  r.impi = st.text(0);
  if (!st.is_null(1)) {
    SimCredentials sim;
    sim.k = runtime::SecretBytes(st.blob(1));
    sim.opc = runtime::SecretBytes(st.blob(2));
    const auto amf = st.blob(3);
    if (amf.size() == 2) sim.amf = {amf[0], amf[1]};
    sim.sqn = static_cast<std::uint64_t>(st.integer(4));
    r.sim = std::move(sim);
  }
  if (!st.is_null(5)) {
    r.digest = DigestCredentials{st.text(5), runtime::SecretString(st.text(6)), runtime::SecretString(st.text(7)),
                                 runtime::SecretString(st.is_null(9) ? std::string() : st.text(9)),
                                 runtime::SecretString(st.is_null(10) ? std::string() : st.text(10))};
  }
  if (!st.is_null(8)) {
    std::string list = st.text(8);
    for (std::size_t start = 0; start <= list.size();) {
      const auto comma = std::min(list.find(',', start), list.size());
      if (comma > start) r.auth_schemes.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return r;
}

void bind_credentials(Statement& st, const SubscriberRecord& r, int first) {
  if (r.sim) {
    st.bind_blob(first, r.sim->k.reveal());
    st.bind_blob(first + 1, r.sim->opc.reveal());
    st.bind_blob(first + 2, r.sim->amf);
    st.bind(first + 3, static_cast<std::int64_t>(r.sim->sqn));
  } else {
    for (int i = 0; i < 4; ++i) st.bind_null(first + i);
  }
  if (r.digest) {
    st.bind(first + 4, r.digest->realm);
    st.bind(first + 5, r.digest->ha1_md5.reveal());
    st.bind(first + 6, r.digest->ha1_sha256.reveal());
  } else {
    for (int i = 4; i < 7; ++i) st.bind_null(first + i);
  }
  // the bare user name's HA1 values: NULL when there are none
  const auto bind_or_null = [&](int index, const std::string& hex) {
    if (hex.empty()) {
      st.bind_null(index);
    } else {
      st.bind(index, hex);
    }
  };
  bind_or_null(first + 8, r.digest ? r.digest->username_ha1_md5.reveal() : std::string());
  bind_or_null(first + 9, r.digest ? r.digest->username_ha1_sha256.reveal() : std::string());
  if (r.auth_schemes.empty()) {
    st.bind_null(first + 7);
  } else {
    std::string list;
    for (const auto& scheme : r.auth_schemes) list += (list.empty() ? "" : ",") + scheme;
    st.bind(first + 7, list);
  }
}

}  // namespace

std::vector<std::string> SubscriberTable::impus_of(const std::string& impi) {
  auto st = db_.cached("SELECT impu FROM hss_public_identity WHERE impi = ?1 ORDER BY position");
  st->bind(1, impi);
  std::vector<std::string> out;
  while (st->step()) out.push_back(st->text(0));
  return out;
}

std::optional<SubscriberRecord> SubscriberTable::find(const std::string& impi) {
  auto r = credentials(impi);
  if (r) r->impus = impus_of(r->impi);
  return r;
}

std::optional<SubscriberRecord> SubscriberTable::credentials(const std::string& impi) {
  auto st = db_.cached("SELECT impi, k, opc, amf, sqn, realm, ha1_md5, ha1_sha256, auth_schemes, username_ha1_md5, "
      "username_ha1_sha256 FROM hss_subscriber WHERE impi = ?1");
  st->bind(1, impi);
  if (!st->step()) return std::nullopt;
  return read_row(*st);
}

bool SubscriberTable::exists(const std::string& impi) {
  auto st = db_.cached("SELECT 1 FROM hss_subscriber WHERE impi = ?1");
  st->bind(1, impi);
  return st->step();
}

std::vector<SubscriberRecord> SubscriberTable::list() {
  auto st = db_.cached("SELECT impi, k, opc, amf, sqn, realm, ha1_md5, ha1_sha256, auth_schemes, username_ha1_md5, "
      "username_ha1_sha256 FROM hss_subscriber ORDER BY impi");
  std::vector<SubscriberRecord> out;
  while (st->step()) out.push_back(read_row(*st));
  for (auto& r : out) r.impus = impus_of(r.impi);
  return out;
}

std::optional<SimCredentials> SubscriberTable::sim(const std::string& impi) {
  auto st = db_.cached(
      "SELECT impi, k, opc, amf, sqn, NULL, NULL, NULL, NULL, NULL, NULL FROM hss_subscriber WHERE impi = ?1");
  st->bind(1, impi);
  if (!st->step()) return std::nullopt;
  return read_row(*st).sim;
}

void SubscriberTable::set_sqn(const std::string& impi, std::uint64_t sqn) {
  auto st = db_.cached("UPDATE hss_subscriber SET sqn = ?2 WHERE impi = ?1 AND k IS NOT NULL");
  st->bind(1, impi).bind(2, static_cast<std::int64_t>(sqn));
  st->run();
}

std::optional<std::string> SubscriberTable::impi_of(const std::string& impu) {
  auto st = db_.cached("SELECT impi FROM hss_public_identity WHERE impu = ?1");
  st->bind(1, impu);
  if (!st->step()) return std::nullopt;
  return st->text(0);
}

void SubscriberTable::insert(const SubscriberRecord& r, std::int64_t created_at_unix) {
  auto st = db_.cached(
      "INSERT INTO hss_subscriber (impi, k, opc, amf, sqn, realm, ha1_md5, ha1_sha256, auth_schemes, "
      "username_ha1_md5, username_ha1_sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  st->bind(1, r.impi);
  bind_credentials(*st, r, 2);
  st->bind(12, created_at_unix);
  st->run();
  for (const auto& impu : r.impus) add_impu(r.impi, impu);
}

void SubscriberTable::update_credentials(const SubscriberRecord& r) {
  auto st = db_.cached(
      "UPDATE hss_subscriber SET k = ?2, opc = ?3, amf = ?4, sqn = ?5, realm = ?6, ha1_md5 = ?7, "
      "ha1_sha256 = ?8, auth_schemes = ?9, username_ha1_md5 = ?10, username_ha1_sha256 = ?11 WHERE impi = ?1");
  st->bind(1, r.impi);
  bind_credentials(*st, r, 2);
  st->run();
}

void SubscriberTable::add_impu(const std::string& impi, const std::string& impu) {
  auto st = db_.cached(
      "INSERT INTO hss_public_identity (impu, impi, position) VALUES (?1, ?2, "
      "(SELECT coalesce(max(position), 0) + 1 FROM hss_public_identity WHERE impi = ?2))");
  st->bind(1, impu).bind(2, impi);
  st->run();
}

bool SubscriberTable::remove_impu(const std::string& impi, const std::string& impu) {
  auto st = db_.cached("DELETE FROM hss_public_identity WHERE impi = ?1 AND impu = ?2 RETURNING impu");
  st->bind(1, impi).bind(2, impu);
  return st->step();
}

bool SubscriberTable::erase(const std::string& impi) {
  auto st = db_.cached("DELETE FROM hss_subscriber WHERE impi = ?1 RETURNING impi");
  st->bind(1, impi);
  return st->step();
}

}  // namespace imsbox::store
