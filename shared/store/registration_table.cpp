#include "store/registration_table.h"

#include "store/database.h"

namespace imsbox::store {

namespace {

constexpr const char* kColumns =
    "SELECT impu, state, impi, scscf_name, origin_host, origin_realm, updated_at FROM hss_registration ";

std::optional<std::string> optional_text(const Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  return st.text(column);
}

RegistrationRow read_row(const Statement& st) {
  return RegistrationRow{st.text(0),           static_cast<RegistrationState>(st.integer(1)),
                         optional_text(st, 2), st.text(3),
                         optional_text(st, 4), optional_text(st, 5),
                         st.integer(6)};
}

void bind_optional(Statement& st, int index, const std::optional<std::string>& value) {
  if (value) {
    st.bind(index, *value);
  } else {
    st.bind_null(index);
  }
}

}  // namespace

std::optional<RegistrationRow> RegistrationTable::find(const std::string& impu) {
  auto st = db_.cached(std::string(kColumns) + "WHERE impu = ?1");
  st->bind(1, impu);
  if (!st->step()) return std::nullopt;
  return read_row(*st);
}

std::vector<RegistrationRow> RegistrationTable::of_impi(const std::string& impi) {
  auto st = db_.cached(std::string(kColumns) + "WHERE impi = ?1 ORDER BY impu");
  st->bind(1, impi);
  std::vector<RegistrationRow> out;
  while (st->step()) out.push_back(read_row(*st));
  return out;
}

bool RegistrationTable::other_set_held(const std::string& impi, int implicit_set) {
  auto st = db_.cached(
      "SELECT EXISTS (SELECT 1 FROM hss_registration r JOIN hss_public_identity p ON p.impu = r.impu "
      "WHERE r.impi = ?1 AND p.implicit_set <> ?2)");
  st->bind(1, impi).bind(2, std::int64_t{implicit_set});
  return st->step() && st->integer(0) != 0;
}

void RegistrationTable::put(const RegistrationRow& row) {
  auto st = db_.cached(
      "INSERT OR REPLACE INTO hss_registration (impu, state, impi, scscf_name, origin_host, origin_realm, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  st->bind(1, row.impu).bind(2, static_cast<std::int64_t>(row.state));
  bind_optional(*st, 3, row.impi);
  st->bind(4, row.scscf_name);
  bind_optional(*st, 5, row.origin_host);
  bind_optional(*st, 6, row.origin_realm);
  st->bind(7, row.updated_at);
  st->run();
}

bool RegistrationTable::erase(const std::string& impu) {
  auto st = db_.cached("DELETE FROM hss_registration WHERE impu = ?1 RETURNING impu");
  st->bind(1, impu);
  return st->step();
}

}  // namespace imsbox::store
