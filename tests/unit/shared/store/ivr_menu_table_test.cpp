#include "store/ivr_menu_table.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "unit/test_dir.h"

namespace imsbox::store {
namespace {

TEST(IvrMenuTable, PutFindListErase) {
  testing::TempDir dir;
  auto db = Database::open(dir / "box.db", "mrf");
  IvrMenuTable t(db);
  EXPECT_FALSE(t.find("main"));
  t.put("main", "prompt = menu-main\nchoice 9 = hangup\n");
  t.put("sub", "prompt = welcome\nchoice 1 = hangup\n");
  t.put("main", "prompt = menu-main\nchoice 1 = hangup\n");  // replaced
  const auto m = t.find("main");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->definition, "prompt = menu-main\nchoice 1 = hangup\n");
  EXPECT_GT(m->updated_at, 0);
  const auto all = t.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "main");
  EXPECT_EQ(all[1].name, "sub");
  EXPECT_TRUE(t.erase("sub"));
  EXPECT_FALSE(t.erase("sub"));
  EXPECT_EQ(t.list().size(), 1u);
}

TEST(IvrMenuTable, OnlyTheMrfWritesIt) {
  testing::TempDir dir;
  auto tas = Database::open(dir / "box.db", "tas");
  EXPECT_THROW(IvrMenuTable(tas).put("main", "x"), StoreError);
}

}  // namespace
}  // namespace imsbox::store
