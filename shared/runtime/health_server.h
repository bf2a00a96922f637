#pragma once
// The loopback HTTP endpoint every node serves: GET /health (200 "ok" or 503
// with the reason) and GET /metrics (Prometheus text format), on HttpServer
// (http_server.h). This header is cheap to include.
//
// Runs on the caller's io_context; start() binds (throws std::runtime_error
// naming the address when the port is taken) and accepts until stop(). Each
// connection gets one request (5 s read timeout, 8 KiB header limit, no
// body), then is closed.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {

class HttpServer;
class Logger;
class Metrics;

class HealthServer {
 public:
  // Returns an empty string when healthy, else why not. Asked on every
  // GET /health, on the loop's thread.
  using HealthCheck = std::function<std::string()>;
  // More plain-text pages of a node (the P-CSCF's /ipsec): path and what
  // GET returns, asked on the loop's thread.
  using Pages = std::vector<std::pair<std::string, std::function<std::string()>>>;

  // `metrics`, `check`'s captures and `log` must outlive the server.
  HealthServer(boost::asio::io_context& io, std::string address, std::uint16_t port, Metrics& metrics,
               HealthCheck check, Logger& log, Pages pages = {});
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  void start();
  void stop();
  std::uint16_t port() const;  // the bound port (useful with port 0 in tests)

 private:
  std::unique_ptr<HttpServer> server_;
};

}  // namespace imsbox::runtime
