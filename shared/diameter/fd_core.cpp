#include "diameter/fd_core.h"

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

namespace imsbox::diameter {
namespace {

void add_endpoint(const boost::asio::ip::address& a, std::uint32_t flags) {
  sockaddr_storage ss{};
  socklen_t length = 0;
  if (a.is_v4()) {
    auto& sin = reinterpret_cast<sockaddr_in&>(ss);
    sin.sin_family = AF_INET;
    const auto bytes = a.to_v4().to_bytes();
    std::memcpy(&sin.sin_addr, bytes.data(), bytes.size());
    length = sizeof sin;
  } else {
    auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
    sin6.sin6_family = AF_INET6;
    const auto bytes = a.to_v6().to_bytes();
    std::memcpy(&sin6.sin6_addr, bytes.data(), bytes.size());
    sin6.sin6_scope_id = a.to_v6().scope_id();
    length = sizeof sin6;
  }
  // EP_ACCEPTALL: without it fd_ep_add_merge silently drops loopback and
  // wildcard addresses, which is what leaves ListenOn = "127.0.0.1" unused.
  if (const int rc = fd_ep_add_merge(&fd_g_config->cnf_endpoints, reinterpret_cast<sockaddr*>(&ss), length,
                                     flags | EP_ACCEPTALL))
    throw std::runtime_error("freeDiameter refused the local address " + a.to_string() + ": " + std::strerror(rc));
}

}  // namespace

CxDictionary initialize_freediameter(const std::filesystem::path& conf, const LocalEndpoints& endpoints) {
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
  // The servers bind the EP_FL_CONF endpoints; the others are only announced.
  for (const auto& a : endpoints.listen) add_endpoint(a, EP_FL_CONF);
  for (const auto& a : endpoints.advertised) add_endpoint(a, EP_FL_DISC);
  return CxDictionary::load();
}

}  // namespace imsbox::diameter
