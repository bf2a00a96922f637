#include "store/service_data_table.h"

#include "store/database.h"

namespace imsbox::store {

namespace {

std::optional<std::string> optional_text(const Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  return st.text(column);
}

void bind_optional(Statement& st, int index, const std::optional<std::string>& value) {
  if (value) {
    st.bind(index, *value);
  } else {
    st.bind_null(index);
  }
}

ApplicationServerRow read_application_server(const Statement& st) {
  return ApplicationServerRow{st.text(0), st.text(1), static_cast<int>(st.integer(2)), optional_text(st, 3),
                              st.integer(4) != 0, st.integer(5) != 0};
}

PublicIdentityRow read_identity(const Statement& st) {
  return PublicIdentityRow{st.text(0), st.text(1), static_cast<int>(st.integer(2)), st.integer(3) != 0,
                           static_cast<int>(st.integer(4)), optional_text(st, 5), optional_text(st, 6)};
}

constexpr const char* kAsColumns =
    "SELECT name, server_name, default_handling, service_info, include_register_request, include_register_response "
    "FROM hss_application_server ";
constexpr const char* kIdentityColumns =
    "SELECT impu, impi, position, barred, implicit_set, service_profile, display_name FROM hss_public_identity ";

}  // namespace

void ServiceDataTable::put_application_server(const ApplicationServerRow& row) {
  auto st = db_.cached(
      "INSERT INTO hss_application_server (name, server_name, default_handling, service_info, "
      "include_register_request, include_register_response) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT (name) DO UPDATE SET server_name = excluded.server_name, default_handling = "
      "excluded.default_handling, service_info = excluded.service_info, include_register_request = "
      "excluded.include_register_request, include_register_response = excluded.include_register_response");
  st->bind(1, row.name).bind(2, row.server_name).bind(3, std::int64_t{row.default_handling});
  bind_optional(*st, 4, row.service_info);
  st->bind(5, std::int64_t{row.include_register_request}).bind(6, std::int64_t{row.include_register_response});
  st->run();
}

bool ServiceDataTable::remove_application_server(const std::string& name) {
  auto st = db_.cached("DELETE FROM hss_application_server WHERE name = ?1 RETURNING name");
  st->bind(1, name);
  return st->step();
}

std::optional<ApplicationServerRow> ServiceDataTable::application_server(const std::string& name) {
  auto st = db_.cached(std::string(kAsColumns) + "WHERE name = ?1");
  st->bind(1, name);
  if (!st->step()) return std::nullopt;
  return read_application_server(*st);
}

std::vector<ApplicationServerRow> ServiceDataTable::application_servers() {
  auto st = db_.cached(std::string(kAsColumns) + "ORDER BY name");
  std::vector<ApplicationServerRow> out;
  while (st->step()) out.push_back(read_application_server(*st));
  return out;
}

void ServiceDataTable::add_service_profile(const std::string& name) {
  auto st = db_.cached("INSERT INTO hss_service_profile (name) VALUES (?1)");
  st->bind(1, name);
  st->run();
}

bool ServiceDataTable::remove_service_profile(const std::string& name) {
  auto st = db_.cached("DELETE FROM hss_service_profile WHERE name = ?1 RETURNING name");
  st->bind(1, name);
  return st->step();
}

bool ServiceDataTable::has_service_profile(const std::string& name) {
  auto st = db_.cached("SELECT 1 FROM hss_service_profile WHERE name = ?1");
  st->bind(1, name);
  return st->step();
}

std::vector<std::string> ServiceDataTable::service_profiles() {
  auto st = db_.cached("SELECT name FROM hss_service_profile ORDER BY name");
  std::vector<std::string> out;
  while (st->step()) out.push_back(st->text(0));
  return out;
}

void ServiceDataTable::put_ifc(const IfcRow& row) {
  auto st = db_.cached(
      "INSERT INTO hss_ifc (service_profile, priority, application_server, trigger_point, profile_part_indicator) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (service_profile, priority) DO UPDATE SET application_server = "
      "excluded.application_server, trigger_point = excluded.trigger_point, profile_part_indicator = "
      "excluded.profile_part_indicator");
  st->bind(1, row.service_profile).bind(2, std::int64_t{row.priority}).bind(3, row.application_server);
  bind_optional(*st, 4, row.trigger_point);
  if (row.profile_part_indicator) {
    st->bind(5, std::int64_t{*row.profile_part_indicator});
  } else {
    st->bind_null(5);
  }
  st->run();
}

bool ServiceDataTable::remove_ifc(const std::string& service_profile, int priority) {
  auto st = db_.cached("DELETE FROM hss_ifc WHERE service_profile = ?1 AND priority = ?2 RETURNING priority");
  st->bind(1, service_profile).bind(2, std::int64_t{priority});
  return st->step();
}

std::vector<IfcRow> ServiceDataTable::ifcs(const std::string& service_profile) {
  auto st = db_.cached(
      "SELECT service_profile, priority, application_server, trigger_point, profile_part_indicator FROM hss_ifc "
      "WHERE service_profile = ?1 ORDER BY priority");
  st->bind(1, service_profile);
  std::vector<IfcRow> out;
  while (st->step()) {
    IfcRow r{st->text(0), static_cast<int>(st->integer(1)), st->text(2), optional_text(*st, 3), std::nullopt};
    if (!st->is_null(4)) r.profile_part_indicator = static_cast<int>(st->integer(4));
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<PublicIdentityRow> ServiceDataTable::public_identity(const std::string& impu) {
  auto st = db_.cached(std::string(kIdentityColumns) + "WHERE impu = ?1");
  st->bind(1, impu);
  if (!st->step()) return std::nullopt;
  return read_identity(*st);
}

std::vector<PublicIdentityRow> ServiceDataTable::public_identities_of(const std::string& impi) {
  auto st = db_.cached(std::string(kIdentityColumns) + "WHERE impi = ?1 ORDER BY position");
  st->bind(1, impi);
  std::vector<PublicIdentityRow> out;
  while (st->step()) out.push_back(read_identity(*st));
  return out;
}

std::vector<PublicIdentityRow> ServiceDataTable::implicit_set(const std::string& impi, int implicit_set) {
  auto st = db_.cached(std::string(kIdentityColumns) + "WHERE impi = ?1 AND implicit_set = ?2 ORDER BY position");
  st->bind(1, impi).bind(2, std::int64_t{implicit_set});
  std::vector<PublicIdentityRow> out;
  while (st->step()) out.push_back(read_identity(*st));
  return out;
}

void ServiceDataTable::update_public_identity(const PublicIdentityRow& row) {
  auto st = db_.cached(
      "UPDATE hss_public_identity SET barred = ?2, implicit_set = ?3, service_profile = ?4, display_name = ?5 "
      "WHERE impu = ?1");
  st->bind(1, row.impu).bind(2, std::int64_t{row.barred}).bind(3, std::int64_t{row.implicit_set});
  bind_optional(*st, 4, row.service_profile);
  bind_optional(*st, 5, row.display_name);
  st->run();
}

}  // namespace imsbox::store
