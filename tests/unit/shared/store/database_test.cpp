#include "store/database.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "store/migrations.h"
#include "unit/test_dir.h"

namespace imsbox::store {
namespace {

using testing::TempDir;
using namespace std::chrono_literals;

constexpr Migration kNotes[] = {{1, "notes", "CREATE TABLE admin_note (id INTEGER PRIMARY KEY, text TEXT);"}};

TEST(Database, BindAndReadEveryType) {
  TempDir dir;
  auto db = Database::open(dir / "s.db", "admin", 1000ms, kNotes);
  const std::vector<std::uint8_t> blob = {0, 1, 0xff};
  auto st = db.prepare("SELECT ?1, ?2, ?3, ?4");
  st.bind(1, std::string_view("text")).bind(2, std::int64_t{1} << 40).bind_blob(3, blob).bind_null(4);
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "text");
  EXPECT_EQ(st.integer(1), std::int64_t{1} << 40);
  EXPECT_EQ(st.blob(2), blob);
  EXPECT_TRUE(st.is_null(3));
  EXPECT_FALSE(st.step());
  EXPECT_THROW(db.prepare("SELEC nonsense"), StoreError);
}

TEST(Database, CachedStatementIsReusedAndReleasesItsSnapshot) {
  TempDir dir;
  auto reader = Database::open(dir / "s.db", "admin", 1000ms, kNotes);
  auto writer = Database::open(dir / "s.db", "admin", 1000ms, kNotes);
  const auto count = [&] {
    auto st = reader.cached("SELECT count(*) FROM admin_note");
    st->step();  // one row read, statement not run to its end
    return st->integer(0);
  };
  EXPECT_EQ(count(), 0);
  // the lease reset the statement, so the reader sees the writer's commit
  writer.prepare("INSERT INTO admin_note (text) VALUES ('x')").run();
  EXPECT_EQ(count(), 1);
  const Statement* first = &*reader.cached("SELECT count(*) FROM admin_note");
  const Statement* second = &*reader.cached("SELECT count(*) FROM admin_note");
  EXPECT_EQ(first, second);
}

TEST(Database, OneLeasePerCachedStatement) {
  TempDir dir;
  auto db = Database::open(dir / "s.db", "admin", 1000ms, kNotes);
  auto lease = db.cached("SELECT 1");
  EXPECT_THROW(db.cached("SELECT 1"), std::logic_error);
  EXPECT_NO_THROW(db.cached("SELECT 2"));
}

TEST(Database, WritersWaitForEachOtherWithinTheBusyTimeout) {
  TempDir dir;
  auto a = Database::open(dir / "s.db", "admin", 50ms, kNotes);
  auto b = Database::open(dir / "s.db", "admin", 50ms, kNotes);
  Database::Transaction tx(a);
  // b cannot take the write lock while a holds it: a clear error after the timeout
  EXPECT_THROW(Database::Transaction{b}, StoreError);
  tx.commit();
  Database::Transaction tx2(b);
  tx2.commit();
}

TEST(Database, AWriterGetsTheLockOnceTheOtherLetsGo) {
  TempDir dir;
  auto a = Database::open(dir / "s.db", "admin", 5000ms, kNotes);
  auto b = Database::open(dir / "s.db", "admin", 5000ms, kNotes);
  std::optional<Database::Transaction> held;
  held.emplace(a);
  a.prepare("INSERT INTO admin_note (text) VALUES ('a')").run();
  std::thread other([&] {
    std::this_thread::sleep_for(30ms);
    held->commit();
  });
  {
    Database::Transaction tx(b);  // waits in the busy handler until a commits
    b.prepare("INSERT INTO admin_note (text) VALUES ('b')").run();
    tx.commit();
  }
  other.join();
  auto st = b.prepare("SELECT count(*) FROM admin_note");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 2);
}

}  // namespace
}  // namespace imsbox::store
