#pragma once
// One SQLite connection to the box's store (ARCHITECTURE.md: one file shared
// by the co-located nodes). Opened in WAL mode with a busy timeout and foreign
// keys on; the schema is brought up to date by numbered migrations on open.
//
// Ownership of tables: every table's name starts with its owner's name and an
// underscore (hss_subscriber, scscf_registration, ...). A connection opened for
// an owner may read every table but write only its own; SQLite's authorizer
// refuses anything else when the statement is prepared. Only the
// administrative owner (migrations, tests) writes everything.
//
// Data access goes through prepared statements with bound parameters only.
// Not thread-safe: one Database per thread (per event loop).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace imsbox::store {

namespace detail {
struct BusyWait;  // database.cpp
}

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Migration;

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_blob(int index, std::span<const std::uint8_t> blob);
  Statement& bind_null(int index);

  // Advances to the next row; false when done. Throws StoreError on failure.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  void reset();

  bool is_null(int column) const;
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  std::vector<std::uint8_t> blob(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // The prefix of the tables a connection may write; "admin" writes all.
  static constexpr std::string_view kAdmin = "admin";

  // Opens (creating if absent) the store at `path`, applies the pending
  // migrations of `schema`, then restricts writes to `owner`'s tables. Throws
  // StoreError when the file cannot be opened or its schema is newer than
  // this binary knows.
  static Database open(const std::filesystem::path& path, std::string owner,
                       std::chrono::milliseconds busy_timeout, std::span<const Migration> schema);
  // The same with the box's own schema (migrations.cpp).
  static Database open(const std::filesystem::path& path, std::string owner,
                       std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));

  Database(Database&& other) noexcept;  // statements in the cache move along
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;
  ~Database();

  Statement prepare(std::string_view sql);
  // A statement prepared once per connection and reused: for the queries a
  // node runs per request. The lease resets the statement when it goes out
  // of scope, so no half-read query keeps an old snapshot of the store open.
  // One lease per SQL text at a time (a second one throws std::logic_error).
  class CachedStatement {
   public:
    CachedStatement(CachedStatement&& other) noexcept : entry_(other.entry_) { other.entry_ = nullptr; }
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    CachedStatement& operator=(CachedStatement&&) = delete;
    ~CachedStatement();
    Statement& operator*() const;
    Statement* operator->() const { return &**this; }

   private:
    friend class Database;
    struct Entry;
    explicit CachedStatement(Entry* e) : entry_(e) {}
    Entry* entry_;
  };
  CachedStatement cached(std::string_view sql);
  // Schema version recorded in the file (PRAGMA user_version).
  int schema_version();
  const std::string& owner() const { return *owner_; }

  // BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed uncommitted (an
  // exception on the way out leaves nothing half-written).
  class Transaction {
   public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

   private:
    Database& db_;
    bool done_ = false;
  };

 private:
  friend class Transaction;
  friend void migrate(Database& db, std::span<const Migration> schema);
  Database(sqlite3* db, std::string owner);
  // Multi-statement SQL without parameters: pragmas, migrations, BEGIN/COMMIT.
  void exec_script(const char* sql);
  void restrict_writes_to_owner();
  sqlite3* db_;
  // On the heap: the authorizer keeps its address across moves.
  std::unique_ptr<const std::string> owner_;
  // The busy handler's: how long to wait for another process's write lock,
  // and since when this wait runs. On the heap for the same reason.
  std::unique_ptr<detail::BusyWait> busy_;
  std::map<std::string, std::unique_ptr<CachedStatement::Entry>, std::less<>> cache_;
};

}  // namespace imsbox::store
