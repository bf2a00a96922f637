#include "sip/transaction/branch.h"

#include <set>

#include <gtest/gtest.h>

namespace imsbox::sip::transaction {
namespace {

TEST(Branch, MagicCookie) {
  EXPECT_TRUE(has_magic_cookie("z9hG4bK776asdhds"));
  EXPECT_FALSE(has_magic_cookie("z9hg4bk776asdhds"));  // the cookie is case-sensitive
  EXPECT_FALSE(has_magic_cookie("776asdhds"));
  EXPECT_FALSE(has_magic_cookie("z9hG4bK"));  // nothing unique after it
  EXPECT_FALSE(has_magic_cookie(""));
}

TEST(Branch, GeneratedBranchesCarryTheCookieAndDiffer) {
  BranchGenerator g(1);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto b = g.next();
    ASSERT_TRUE(has_magic_cookie(b)) << b;
    EXPECT_EQ(b.size(), 7u + 32u);
    EXPECT_EQ(b.find_first_not_of("0123456789abcdef", 7), std::string::npos) << b;
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Branch, SameSeedSameSequenceOtherSeedOther) {
  BranchGenerator a(42), b(42), c(43);
  const auto first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
  EXPECT_NE(a.next(), first);
}

TEST(Branch, UnseededGeneratorsDiffer) {
  BranchGenerator a, b;
  EXPECT_NE(a.next(), b.next());
}

}  // namespace
}  // namespace imsbox::sip::transaction
