// The mode our AMR encoder sends: mode-set, CMR, mode-change-period and
// mode-change-neighbor.
#include <gtest/gtest.h>

#include "media/amr_mode.h"

namespace imsbox::media {
namespace {

std::uint16_t set_of(std::initializer_list<int> modes) {
  std::uint16_t s = 0;
  for (int m : modes) s = static_cast<std::uint16_t>(s | (1u << m));
  return s;
}

TEST(AmrMode, StartsAtTheHighestModeOfTheSet) {
  EXPECT_EQ(AmrModeControl(AmrKind::nb, {}).next_frame_mode(), 7);
  EXPECT_EQ(AmrModeControl(AmrKind::wb, {}).next_frame_mode(), 8);
  EXPECT_EQ(AmrModeControl(AmrKind::wb, {.mode_set = set_of({0, 1, 2})}).next_frame_mode(), 2);
  EXPECT_EQ(AmrModeControl(AmrKind::nb, {.mode_set = set_of({0, 2, 4, 7}), .initial_mode = 4}).next_frame_mode(), 4);
  // an initial mode outside the set is not used
  EXPECT_EQ(AmrModeControl(AmrKind::nb, {.mode_set = set_of({0, 2}), .initial_mode = 4}).next_frame_mode(), 2);
  // bits above the codec's modes are dropped: AMR has no mode 8
  EXPECT_EQ(AmrModeControl(AmrKind::nb, {.mode_set = set_of({3, 8})}).next_frame_mode(), 3);
}

TEST(AmrMode, CmrIsObeyedWithinTheModeSet) {
  AmrModeControl c(AmrKind::wb, {.mode_set = set_of({0, 2, 4, 8})});
  EXPECT_EQ(c.next_frame_mode(), 8);
  c.on_mode_request(4);
  EXPECT_EQ(c.next_frame_mode(), 4);
  c.on_mode_request(3);  // not in the set: the closest lower mode
  EXPECT_EQ(c.next_frame_mode(), 2);
  c.on_mode_request(7);
  EXPECT_EQ(c.next_frame_mode(), 4);
  // a request stays in force until the next one
  EXPECT_EQ(c.next_frame_mode(), 4);
  EXPECT_EQ(c.next_frame_mode(), 4);
  c.on_mode_request(15);  // no request: back to our own choice
  EXPECT_EQ(c.next_frame_mode(), 8);
}

TEST(AmrMode, RequestBelowTheSetGetsItsLowestMode) {
  AmrModeControl c(AmrKind::nb, {.mode_set = set_of({5, 7})});
  c.on_mode_request(1);
  EXPECT_EQ(c.next_frame_mode(), 5);
}

TEST(AmrMode, ValuesThatNameNoModeAreIgnored) {
  AmrModeControl nb(AmrKind::nb, {});
  nb.on_mode_request(3);
  nb.on_mode_request(8);   // AMR 8 is SID, not a mode
  nb.on_mode_request(12);
  EXPECT_EQ(nb.next_frame_mode(), 3);
  AmrModeControl wb(AmrKind::wb, {});
  wb.on_mode_request(8);   // AMR-WB 8 is 23.85
  EXPECT_EQ(wb.next_frame_mode(), 8);
  wb.on_mode_request(1);
  wb.on_mode_request(9);
  wb.on_mode_request(14);
  EXPECT_EQ(wb.next_frame_mode(), 1);
}

TEST(AmrMode, ModeChangePeriodTwoChangesOnlyEveryOtherFrame) {
  AmrModeControl c(AmrKind::nb, {.mode_change_period = 2});
  EXPECT_EQ(c.next_frame_mode(), 7);  // frame 0
  c.on_mode_request(2);
  EXPECT_EQ(c.next_frame_mode(), 7);  // frame 1: no change allowed
  EXPECT_EQ(c.next_frame_mode(), 2);  // frame 2
  c.on_mode_request(5);
  EXPECT_EQ(c.next_frame_mode(), 2);  // frame 3
  EXPECT_EQ(c.next_frame_mode(), 5);  // frame 4
}

TEST(AmrMode, ModeChangeNeighborStepsThroughTheSet) {
  AmrModeControl c(AmrKind::nb, {.mode_set = set_of({0, 2, 4, 7}), .mode_change_neighbor = true});
  EXPECT_EQ(c.next_frame_mode(), 7);
  c.on_mode_request(0);
  EXPECT_EQ(c.next_frame_mode(), 4);
  EXPECT_EQ(c.next_frame_mode(), 2);
  EXPECT_EQ(c.next_frame_mode(), 0);
  EXPECT_EQ(c.next_frame_mode(), 0);
  c.on_mode_request(15);
  EXPECT_EQ(c.next_frame_mode(), 2);
  EXPECT_EQ(c.next_frame_mode(), 4);
  EXPECT_EQ(c.next_frame_mode(), 7);
}

}  // namespace
}  // namespace imsbox::media
