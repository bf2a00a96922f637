#include "store/ivr_menu_table.h"

#include <chrono>

#include "store/database.h"

namespace imsbox::store {

std::optional<StoredIvrMenu> IvrMenuTable::find(std::string_view name) const {
  auto st = db_.cached("SELECT name, definition, updated_at FROM mrf_ivr_menu WHERE name = ?1");
  st->bind(1, name);
  if (!st->step()) return std::nullopt;
  return StoredIvrMenu{st->text(0), st->text(1), st->integer(2)};
}

std::vector<StoredIvrMenu> IvrMenuTable::list() const {
  auto st = db_.cached("SELECT name, definition, updated_at FROM mrf_ivr_menu ORDER BY name");
  std::vector<StoredIvrMenu> out;
  while (st->step()) out.push_back(StoredIvrMenu{st->text(0), st->text(1), st->integer(2)});
  return out;
}

void IvrMenuTable::put(std::string_view name, std::string_view definition) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto st = db_.cached(
      "INSERT INTO mrf_ivr_menu (name, definition, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at");
  st->bind(1, name).bind(2, definition).bind(3, static_cast<std::int64_t>(now));
  st->run();
}

bool IvrMenuTable::erase(std::string_view name) {
  auto st = db_.cached("DELETE FROM mrf_ivr_menu WHERE name = ?1 RETURNING name");
  st->bind(1, name);
  return st->step();
}

}  // namespace imsbox::store
