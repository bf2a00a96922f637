#pragma once
// A blocking HTTP/1.1 GET with an overall deadline, for the command-line tools
// (`imsbox status`) that query a node's loopback /health and /metrics. Not for
// use on an event loop.
#include <chrono>
#include <cstdint>
#include <string>

namespace imsbox::runtime {

struct HttpResult {
  int status = 0;     // 0 when no response came (refused, timeout, garbage)
  std::string body;
  std::string error;  // why there is no response
};

HttpResult http_get(const std::string& address, std::uint16_t port, const std::string& target,
                    std::chrono::milliseconds timeout);

}  // namespace imsbox::runtime
