// Each node writes only its own tables (ARCHITECTURE.md "Each node owns its tables").
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/migrations.h"
#include "unit/test_dir.h"

namespace imsbox::store {
namespace {

using testing::TempDir;

TEST(Ownership, OwnerWritesItsTablesOthersOnlyRead) {
  TempDir dir;
  {
    auto hss = Database::open(dir / "box.db", "hss");
    hss.prepare("INSERT INTO hss_subscriber (impi, realm, ha1_md5, ha1_sha256, created_at) VALUES "
                "('a@x.org', 'x.org', 'h1', 'h2', 0)")
        .run();
  }
  auto pcscf = Database::open(dir / "box.db", "pcscf");
  // reading is fine
  auto st = pcscf.prepare("SELECT impi FROM hss_subscriber");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "a@x.org");
  // writing another node's table is refused when the statement is prepared
  EXPECT_THROW(pcscf.prepare("DELETE FROM hss_subscriber"), StoreError);
  EXPECT_THROW(pcscf.prepare("UPDATE hss_subscriber SET realm = 'y'"), StoreError);
  EXPECT_THROW(pcscf.prepare("INSERT INTO hss_public_identity (impu, impi, position) VALUES ('sip:a@x.org', "
                             "'a@x.org', 1)"),
               StoreError);
  // and so is changing the schema outside a migration
  EXPECT_THROW(pcscf.prepare("CREATE TABLE pcscf_x (a)"), StoreError);
  EXPECT_THROW(pcscf.prepare("DROP TABLE hss_subscriber"), StoreError);
}

TEST(Ownership, PrefixMustBeFollowedByUnderscore) {
  TempDir dir;
  // "hs" must not write "hss_..." tables
  auto hs = Database::open(dir / "box.db", "hs");
  EXPECT_THROW(hs.prepare("DELETE FROM hss_subscriber"), StoreError);
}

TEST(Ownership, TransactionRollsBackWhenNotCommitted) {
  TempDir dir;
  auto hss = Database::open(dir / "box.db", "hss");
  {
    Database::Transaction tx(hss);
    hss.prepare("INSERT INTO hss_subscriber (impi, realm, ha1_md5, ha1_sha256, created_at) VALUES "
                "('a@x.org', 'x.org', 'h1', 'h2', 0)")
        .run();
  }
  auto st = hss.prepare("SELECT count(*) FROM hss_subscriber");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 0);
}

}  // namespace
}  // namespace imsbox::store
