#include "agw/descriptor_table.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace imsbox::agw {

namespace {
constexpr std::size_t kBrowserLegDescriptors = 5;  // browser_leg.h
constexpr std::size_t kNodeDescriptors = 256;      // logs, ng, health, store, libraries
}  // namespace

std::size_t media_descriptors(std::uint16_t port_min, std::uint16_t port_max) {
  const std::size_t pairs = port_max > port_min ? (static_cast<std::size_t>(port_max) - port_min + 1) / 2 : 0;
  return pairs * kBrowserLegDescriptors + kNodeDescriptors;
}

std::size_t reserve_descriptor_table(std::size_t count) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    count = std::min<std::size_t>(count, limit.rlim_cur);
  }
  if (count > 1) {
    const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (probe >= 0) {
      // the lowest free descriptor from count - 1 on: the table grows to hold it
      const int top = ::fcntl(probe, F_DUPFD_CLOEXEC, static_cast<int>(count - 1));
      if (top >= 0) ::close(top);
      ::close(probe);
    }
  }
  return descriptor_table_size();
}

std::size_t descriptor_table_size() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("FDSize:", 0) == 0) return static_cast<std::size_t>(std::stoull(line.substr(7)));
  }
  return 0;
}

}  // namespace imsbox::agw
