#pragma once
// The loopback HTTP endpoint every node serves: GET /health (200 "ok" or 503
// with the reason) and GET /metrics (Prometheus text format). Beast stays in
// the .cpp; this header is cheap to include.
//
// Runs on the caller's io_context; start() binds (throws std::runtime_error
// naming the address when the port is taken) and accepts until stop(). Each connection gets one
// request with a 5 s read timeout and an 8 KiB header limit, then is closed.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {

class Logger;
class Metrics;

class HealthServer {
 public:
  // Returns an empty string when healthy, else why not.
  using HealthCheck = std::function<std::string()>;

  HealthServer(boost::asio::io_context& io, std::string address, std::uint16_t port, Metrics& metrics,
               HealthCheck check, Logger& log);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  void start();
  void stop();
  std::uint16_t port() const;  // the bound port (useful with port 0 in tests)

  struct Impl;  // opaque; public only so that the .cpp's sessions can share it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::runtime
