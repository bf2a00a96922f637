#include "hss/sqn.h"

#include <gtest/gtest.h>

namespace imsbox::hss {
namespace {

TEST(Sqn, NextTakesTheNextSeqAndCyclesInd) {
  const SqnPolicy p(5);
  // SEQ 0, IND 31 -> SEQ 1, IND 0 (IND wraps, SEQ always grows)
  EXPECT_EQ(p.next(31), std::optional<std::uint64_t>((1u << 5) | 0));
  // SEQ 1, IND 0 -> SEQ 2, IND 1
  EXPECT_EQ(p.next(32), std::optional<std::uint64_t>((2u << 5) | 1));
  EXPECT_EQ(p.seq(0x0000000000a3), 0x5u);
  EXPECT_EQ(p.ind(0x0000000000a3), 0x3u);
}

TEST(Sqn, WithoutIndEverySqnIsTheLastPlusOne) {
  const SqnPolicy p(0);
  EXPECT_EQ(p.next(31), std::optional<std::uint64_t>(32));
}

TEST(Sqn, ContinuesFromTheUsimsSqnAfterResync) {
  // ../shared/testdata/auts_resync_vectors.csv, libosmocore row: SQN_MS = 31;
  // "the next vector uses SQN=32 (ind_bitlen=0) or 42 (ind_bitlen=5, ind=10)"
  const SqnPolicy none(0);
  EXPECT_EQ(none.next(none.after_resync(1000, 31)), std::optional<std::uint64_t>(32));
  const SqnPolicy five(5);
  const std::uint64_t last_with_ind_9 = (7u << 5) | 9;
  EXPECT_EQ(five.next(five.after_resync(last_with_ind_9, 31)), std::optional<std::uint64_t>(42));
}

TEST(Sqn, RefusesToWrapSeq) {
  const SqnPolicy p(5);
  EXPECT_FALSE(p.next(kSqnMask));
  EXPECT_TRUE(p.next(kSqnMask - 32));
  EXPECT_THROW(SqnPolicy(11), std::invalid_argument);
}

}  // namespace
}  // namespace imsbox::hss
