// The AGW's descriptor table grown at start (agw/descriptor_table.h): once
// reserved, opening that many descriptors does not grow it (the kernel's
// growth waits for an RCU grace period in a threaded process: milliseconds
// on an ng offer).
#include "agw/descriptor_table.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vector>

namespace imsbox::agw {
namespace {

TEST(DescriptorTable, FivePerPortPairPlusTheNodesOwn) {
  EXPECT_EQ(media_descriptors(30000, 39999), 5000u * 5 + 256);  // the default range
  EXPECT_EQ(media_descriptors(40000, 40199), 100u * 5 + 256);    // the integration tests'
  EXPECT_EQ(media_descriptors(40000, 40000), 256u);
}

TEST(DescriptorTable, ReservedRoomIsNotGrownByTheDescriptorsThatFillIt) {
  const std::size_t before = descriptor_table_size();
  ASSERT_GT(before, 0u) << "no FDSize in /proc/self/status";
  const std::size_t want = before * 8;
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < want + 16) GTEST_SKIP() << "open files limit " << limit.rlim_cur << " is below " << want;

  const std::size_t reserved = reserve_descriptor_table(want);
  EXPECT_GE(reserved, want);
  // fill it: the table keeps its size
  std::vector<int> fds;
  while (fds.size() + before < want) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  EXPECT_EQ(descriptor_table_size(), reserved);
  for (const int fd : fds) ::close(fd);
}

}  // namespace
}  // namespace imsbox::agw
