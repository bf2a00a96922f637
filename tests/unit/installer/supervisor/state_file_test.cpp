#include "supervisor/state_file.h"

#include <gtest/gtest.h>

#include "unit/test_dir.h"

namespace imsbox::supervisor {
namespace {

TEST(StateFile, RoundTripsThroughTheFile) {
  testing::TempDir dir;
  const std::vector<NodeState> nodes = {{"hss", 1234, 1700000000, 0, "running"},
                                        {"pcscf", 0, 1700000001, 3, "restarting"},
                                        {"mrf", 0, 0, 0, "disabled"}};
  write_state_file(dir / "supervisor.state", nodes);
  EXPECT_EQ(read_state_file(dir / "supervisor.state"), nodes);
  EXPECT_FALSE(std::filesystem::exists(dir / "supervisor.state.tmp"));
  EXPECT_FALSE(read_state_file(dir / "missing"));
}

TEST(StateFile, SkipsLinesItCannotRead) {
  const auto nodes = parse_state("# comment\nhss 1 2 3 running\ngarbage\nscscf x 2 3 running\n"
                                 "icscf 1 2 3 running extra\n\npcscf 9 8 7 stopping\n");
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "hss");
  EXPECT_EQ(nodes[1], (NodeState{"pcscf", 9, 8, 7, "stopping"}));
}

}  // namespace
}  // namespace imsbox::supervisor
