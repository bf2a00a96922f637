#include "agw/port_pool.h"

#include <gtest/gtest.h>

namespace imsbox::agw {
namespace {

TEST(PortPool, EvenPairsLeastRecentlyReleasedFirst) {
  PortPool p(30001, 30008);  // pairs 30002, 30004, 30006 (30008 has no 30009)
  EXPECT_EQ(p.capacity(), 3u);
  EXPECT_EQ(p.acquire(), 30002);
  EXPECT_EQ(p.acquire(), 30004);
  p.release(30002);
  EXPECT_EQ(p.acquire(), 30006);
  EXPECT_EQ(p.acquire(), 30002);
  EXPECT_FALSE(p.acquire());
  {
    PortLease lease(p, 30004);
    EXPECT_EQ(p.available(), 0u);
  }
  EXPECT_EQ(p.available(), 1u);
}

TEST(PortPool, SplitGivesEachWorkerWholePairs) {
  const auto s = PortPool::split(30000, 39999, 3);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].first, 30000);
  EXPECT_EQ(s[2].second, 39999);
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].first % 2, 0);
    EXPECT_EQ(s[i].second % 2, 1);
    if (i > 0) {
      EXPECT_EQ(s[i].first, s[i - 1].second + 1);
    }
    pairs += PortPool(s[i].first, s[i].second).capacity();
  }
  EXPECT_EQ(pairs, 5000u);
  EXPECT_TRUE(PortPool::split(30000, 30003, 3).empty());  // two pairs, three workers
  EXPECT_EQ(PortPool::split(30000, 30005, 3).size(), 3u);
}

}  // namespace
}  // namespace imsbox::agw
