#include "store/simservs_table.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

#include "store/database.h"

namespace imsbox::store {

namespace {

std::string new_etag() {
  std::random_device random;  // /dev/urandom
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int i = 0; i < 4; ++i) {
    const std::uint32_t word = random();
    for (int shift = 28; shift >= 0; shift -= 4) tag += kHex[(word >> shift) & 0xf];
  }
  tag += '"';
  return tag;
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<StoredSimservs> SimservsTable::find(std::string_view impu) const {
  auto st = db_.cached("SELECT document, etag, updated_at FROM tas_simservs WHERE impu = ?1");
  st->bind(1, impu);
  if (!st->step()) return std::nullopt;
  return StoredSimservs{st->text(0), st->text(1), st->integer(2)};
}

std::string SimservsTable::put(std::string_view impu, std::string_view document) {
  std::string etag = new_etag();
  auto st = db_.cached(
      "INSERT INTO tas_simservs (impu, document, etag, updated_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (impu) DO UPDATE SET document = excluded.document, etag = excluded.etag, "
      "updated_at = excluded.updated_at");
  st->bind(1, impu).bind(2, document).bind(3, etag).bind(4, now_unix());
  st->run();
  return etag;
}

bool SimservsTable::erase(std::string_view impu) {
  auto st = db_.cached("DELETE FROM tas_simservs WHERE impu = ?1 RETURNING impu");
  st->bind(1, impu);
  return st->step();
}

}  // namespace imsbox::store
