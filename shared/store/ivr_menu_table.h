#pragma once
// Typed access to the MRF's IVR menus (store v12, mrf_ivr_menu): one
// definition text per menu name (the format of mrf/ivr_menu.h, which the
// writer parses before it stores). Writes need a connection opened for the
// "mrf" owner (or the administrative one: `imsbox ivr`).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::store {

class Database;

struct StoredIvrMenu {
  std::string name;
  std::string definition;
  std::int64_t updated_at = 0;  // unix seconds
};

class IvrMenuTable {
 public:
  explicit IvrMenuTable(Database& db) : db_(db) {}
  std::optional<StoredIvrMenu> find(std::string_view name) const;
  std::vector<StoredIvrMenu> list() const;  // by name
  void put(std::string_view name, std::string_view definition);
  bool erase(std::string_view name);  // false when there was none

 private:
  Database& db_;
};

}  // namespace imsbox::store
