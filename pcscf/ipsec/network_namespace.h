#pragma once
// Runs a function on a thread of its own in a fresh, empty network namespace
// (unshare(CLONE_NEWNET) on that thread only: the rest of the process stays
// where it is). Sockets the function opens belong to that namespace; it goes
// away with the last of them. Needs CAP_SYS_ADMIN.
#include <functional>
#include <system_error>

namespace imsbox::pcscf::ipsec {

// The unshare error, in which case `fn` did not run; empty once `fn` has returned.
std::error_code run_in_new_network_namespace(const std::function<void()>& fn);

}  // namespace imsbox::pcscf::ipsec
