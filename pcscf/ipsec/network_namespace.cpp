#include "pcscf/ipsec/network_namespace.h"

#include <sched.h>

#include <cerrno>
#include <thread>

namespace imsbox::pcscf::ipsec {

std::error_code run_in_new_network_namespace(const std::function<void()>& fn) {
  std::error_code ec;
  // A thread of our own: namespaces are per thread, and this one ends here.
  std::thread worker([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      ec = std::error_code(errno, std::system_category());
      return;
    }
    fn();
  });
  worker.join();
  return ec;
}

}  // namespace imsbox::pcscf::ipsec
