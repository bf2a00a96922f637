#include "diameter/fd_core.h"

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

namespace imsbox::diameter {

CxDictionary initialize_freediameter(const std::filesystem::path& conf) {
  // freeDiameter's own state is process-global; this flag only mirrors it.
  static std::atomic<bool> initialized{false};
  if (initialized.exchange(true))
    throw std::logic_error("freeDiameter is already initialized in this process (one stack per process)");
  if (const int rc = fd_core_initialize())
    throw std::runtime_error(std::string("fd_core_initialize: ") + std::strerror(rc));
  // freeDiameter keeps the pointer for the life of the process.
  char* path = strdup(conf.c_str());
  if (const int rc = fd_core_parseconf(path))
    throw std::runtime_error("freeDiameter refused " + conf.string() + ": " + std::strerror(rc));
  return CxDictionary::load();
}

}  // namespace imsbox::diameter
