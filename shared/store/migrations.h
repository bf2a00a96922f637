#pragma once
// The store's schema as numbered migrations. Version N is applied once, in a
// transaction of its own together with PRAGMA user_version = N, so a crash
// leaves the store at N-1 or N, never in between. Migrations are append-only:
// a released one is never edited; change the schema with a new number.
#include <span>
#include <string_view>

namespace imsbox::store {

class Database;

struct Migration {
  int version;  // 1, 2, 3, ... without gaps
  std::string_view description;
  std::string_view sql;
};

// The box's schema, newest last.
std::span<const Migration> box_schema();

// Applies every migration of `schema` newer than the file's version. Throws
// StoreError when the file's version is newer than the last one known (an
// older binary must not touch a newer store) or a migration fails (that
// migration is rolled back). Safe to run from several processes at once.
void migrate(Database& db, std::span<const Migration> schema);

}  // namespace imsbox::store
