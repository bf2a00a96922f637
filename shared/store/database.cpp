#include "store/database.h"

#include <thread>

#include <sqlite3.h>

#include "store/migrations.h"

namespace imsbox::store {

namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw StoreError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// Lets a connection write only tables named "<owner>_...". Reads are free.
int authorize(void* user, int action, const char* arg1, const char*, const char*, const char*) {
  const std::string& owner = *static_cast<const std::string*>(user);
  switch (action) {
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE: {
      const std::string_view table = arg1 ? arg1 : "";
      if (table.starts_with("sqlite_")) return SQLITE_OK;  // sqlite_sequence and friends
      const bool own = table.size() > owner.size() && table.starts_with(owner) && table[owner.size()] == '_';
      return own ? SQLITE_OK : SQLITE_DENY;
    }
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_VIEW:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_VIEW:
    case SQLITE_ALTER_TABLE:
      return SQLITE_DENY;  // the schema changes only through migrations
    default:
      return SQLITE_OK;
  }
}

}  // namespace

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> blob) {
  if (sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::vector<std::uint8_t> Statement::blob(int column) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}

// ---- Database ----

// SQLite's own busy timeout sleeps 1, 2, 5, 10 ... up to 100 ms between tries.
// The nodes of a box write the one store from several processes (the HSS and
// the S-CSCF at every registration), each holding the write lock for well
// under a millisecond: sleeping tens of milliseconds per collision blocked an
// event loop for that long and made registrations under load fail. This
// handler tries again after yielding, then after short sleeps, until the
// timeout.
struct detail::BusyWait {
  std::chrono::milliseconds timeout;
  std::chrono::steady_clock::time_point started;
};

namespace {

int on_busy(void* context, int tries) {
  auto& wait = *static_cast<detail::BusyWait*>(context);
  const auto now = std::chrono::steady_clock::now();
  if (tries == 0) wait.started = now;
  if (now - wait.started >= wait.timeout) return 0;  // give up: SQLITE_BUSY
  if (tries < 16) {
    std::this_thread::yield();
  } else {
    std::this_thread::sleep_for(std::chrono::microseconds(tries < 200 ? 100 : 1000));
  }
  return 1;
}

}  // namespace

Database Database::open(const std::filesystem::path& path, std::string owner,
                        std::chrono::milliseconds busy_timeout, std::span<const Migration> schema) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  Database db(raw, std::move(owner));
  if (rc != SQLITE_OK) fail(raw, "cannot open store " + path.string());
  sqlite3_extended_result_codes(raw, 1);
  db.busy_ = std::make_unique<detail::BusyWait>(detail::BusyWait{busy_timeout, {}});
  sqlite3_busy_handler(raw, on_busy, db.busy_.get());
  db.exec_script("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
  migrate(db, schema);
  if (*db.owner_ != kAdmin) db.restrict_writes_to_owner();
  return db;
}

Database Database::open(const std::filesystem::path& path, std::string owner, std::chrono::milliseconds busy_timeout) {
  return open(path, std::move(owner), busy_timeout, box_schema());
}

Database::Database(sqlite3* db, std::string owner)
    : db_(db), owner_(std::make_unique<const std::string>(std::move(owner))) {}

Database::Database(Database&& other) noexcept
    : db_(other.db_), owner_(std::move(other.owner_)), busy_(std::move(other.busy_)), cache_(std::move(other.cache_)) {
  other.db_ = nullptr;
}

Database::~Database() {
  cache_.clear();  // finalize before closing
  sqlite3_close_v2(db_);
}

struct Database::CachedStatement::Entry {
  Statement statement;
  bool leased = false;
};

Database::CachedStatement::~CachedStatement() {
  if (!entry_) return;
  entry_->statement.reset();
  entry_->leased = false;
}

Statement& Database::CachedStatement::operator*() const { return entry_->statement; }

Database::CachedStatement Database::cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), std::make_unique<CachedStatement::Entry>(CachedStatement::Entry{prepare(sql)}))
             .first;
  }
  if (it->second->leased) throw std::logic_error("cached statement already in use: " + std::string(sql));
  it->second->leased = true;
  return CachedStatement(it->second.get());
}

void Database::restrict_writes_to_owner() { sqlite3_set_authorizer(db_, authorize, const_cast<std::string*>(owner_.get())); }

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr) != SQLITE_OK) {
    fail(db_, "prepare '" + std::string(sql) + "'");
  }
  return Statement(db_, stmt);
}

void Database::exec_script(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw StoreError(msg);
  }
}

int Database::schema_version() {
  auto st = prepare("PRAGMA user_version");
  st.step();
  return static_cast<int>(st.integer(0));
}

Database::Transaction::Transaction(Database& db) : db_(db) { db_.exec_script("BEGIN IMMEDIATE"); }

Database::Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec_script("ROLLBACK");
    } catch (const StoreError&) {
      // nothing more to undo: SQLite rolled back already
    }
  }
}

void Database::Transaction::commit() {
  db_.exec_script("COMMIT");
  done_ = true;
}

}  // namespace imsbox::store
