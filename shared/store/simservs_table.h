#pragma once
// Typed access to the TAS's supplementary-services documents (store v10,
// tas_simservs): one simservs XML document (TS 24.623) per public user
// identity with its strong entity tag (RFC 7232 §2.3). The table stores text:
// validation is the TAS's (tas/simservs parses every document before it is
// put here and never stores an invalid one). Writes need a connection opened
// for the "tas" owner (or the administrative one).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsbox::store {

class Database;

struct StoredSimservs {
  std::string document;  // the XML as written
  std::string etag;      // quoted strong entity tag, e.g. "\"3f2a...\""
  std::int64_t updated_at = 0;  // unix seconds of the last write
  friend bool operator==(const StoredSimservs&, const StoredSimservs&) = default;
};

class SimservsTable {
 public:
  explicit SimservsTable(Database& db) : db_(db) {}

  std::optional<StoredSimservs> find(std::string_view impu) const;
  // Inserts or replaces the document of `impu`; returns its new entity tag,
  // 128 random bits in lower-case hex, quoted: never the tag of an earlier
  // version, so If-Match with an old tag fails.
  std::string put(std::string_view impu, std::string_view document);
  // False when `impu` had no document.
  bool erase(std::string_view impu);

 private:
  Database& db_;
};

}  // namespace imsbox::store
