#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "unit/test_dir.h"

namespace imsbox::store {
namespace {

using testing::TempDir;
using namespace std::chrono_literals;

constexpr Migration kV1[] = {
    {1, "notes", "CREATE TABLE admin_note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"},
};
constexpr Migration kV2[] = {
    {1, "notes", "CREATE TABLE admin_note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"},
    {2, "note authors", "ALTER TABLE admin_note ADD COLUMN author TEXT NOT NULL DEFAULT 'nobody';"},
};
constexpr Migration kV2Broken[] = {
    {1, "notes", "CREATE TABLE admin_note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"},
    {2, "half good", "ALTER TABLE admin_note ADD COLUMN author TEXT; THIS IS NOT SQL;"},
};

TEST(Migrations, FreshStoreGetsTheWholeBoxSchema) {
  TempDir dir;
  auto db = Database::open(dir / "box.db", "admin");
  EXPECT_EQ(db.schema_version(), box_schema().back().version);
  // the HSS tables exist and WAL and foreign keys are on
  db.prepare("SELECT impi, k, opc, amf, sqn, realm, ha1_md5, ha1_sha256 FROM hss_subscriber").run();
  db.prepare("SELECT impu, impi, position, barred FROM hss_public_identity").run();
  auto mode = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text(0), "wal");
  auto fk = db.prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk.step());
  EXPECT_EQ(fk.integer(0), 1);
}

TEST(Migrations, BoxSchemaVersionsAreConsecutive) {
  int expected = 1;
  for (const auto& m : box_schema()) EXPECT_EQ(m.version, expected++);
}

TEST(Migrations, UpgradeKeepsData) {
  TempDir dir;
  {
    auto db = Database::open(dir / "s.db", "admin", 1000ms, kV1);
    EXPECT_EQ(db.schema_version(), 1);
    db.prepare("INSERT INTO admin_note (text) VALUES (?1)").bind(1, std::string_view("kept")).run();
  }
  auto db = Database::open(dir / "s.db", "admin", 1000ms, kV2);
  EXPECT_EQ(db.schema_version(), 2);
  auto st = db.prepare("SELECT text, author FROM admin_note");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "kept");
  EXPECT_EQ(st.text(1), "nobody");
}

TEST(Migrations, ReopeningAnUpToDateStoreChangesNothing) {
  TempDir dir;
  { Database::open(dir / "s.db", "admin", 1000ms, kV2); }
  auto db = Database::open(dir / "s.db", "admin", 1000ms, kV2);
  EXPECT_EQ(db.schema_version(), 2);
}

TEST(Migrations, OlderBinaryRefusesNewerSchema) {
  TempDir dir;
  { Database::open(dir / "s.db", "admin", 1000ms, kV2); }
  try {
    Database::open(dir / "s.db", "admin", 1000ms, kV1);
    FAIL() << "an older schema list opened a newer store";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 2 is newer than this imsbox knows (1)"), std::string::npos)
        << e.what();
  }
  // and the store was not touched
  auto db = Database::open(dir / "s.db", "admin", 1000ms, kV2);
  EXPECT_EQ(db.schema_version(), 2);
}

TEST(Migrations, FailedMigrationIsRolledBackWhole) {
  TempDir dir;
  { Database::open(dir / "s.db", "admin", 1000ms, kV1); }
  try {
    Database::open(dir / "s.db", "admin", 1000ms, kV2Broken);
    FAIL() << "a broken migration was applied";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("migration 2 (half good) failed"), std::string::npos) << e.what();
  }
  auto db = Database::open(dir / "s.db", "admin", 1000ms, kV1);
  EXPECT_EQ(db.schema_version(), 1);
  // the first half of the broken migration (the new column) is gone too
  EXPECT_THROW(db.prepare("SELECT author FROM admin_note"), StoreError);
}

TEST(Migrations, UnopenableStoreIsAClearError) {
  try {
    Database::open("/nonexistent-dir/x.db", "admin");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.db"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace imsbox::store
