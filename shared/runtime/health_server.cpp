#include "runtime/health_server.h"

#include <algorithm>

#include "runtime/http_server.h"
#include "runtime/metrics.h"

namespace imsbox::runtime {

namespace {

HttpResponse serve(const HttpRequest& req, Metrics& metrics, const HealthServer::HealthCheck& check,
                   const HealthServer::Pages& pages) {
  HttpResponse res;
  if (req.method != "GET" && req.method != "HEAD") {
    res.status = 405;
    res.headers.emplace_back("Allow", "GET, HEAD");
    res.body = "method not allowed\n";
  } else if (req.target == "/health") {
    const std::string problem = check();
    res.status = problem.empty() ? 200 : 503;
    res.body = problem.empty() ? "ok\n" : problem + "\n";
  } else if (req.target == "/metrics") {
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics.render();
  } else if (const auto page = std::find_if(pages.begin(), pages.end(), [&](const auto& p) { return p.first == req.target; });
             page != pages.end()) {
    res.body = page->second();
  } else {
    res.status = 404;
    res.body = "not found: try /health or /metrics\n";
  }
  return res;
}

HttpServerOptions health_options() {
  HttpServerOptions o;
  o.name = "health endpoint";
  o.header_limit = 8 * 1024;
  o.body_limit = 0;
  o.read_timeout = std::chrono::seconds(5);
  o.keep_alive = false;
  o.max_connections = 32;
  return o;
}

}  // namespace

HealthServer::HealthServer(boost::asio::io_context& io, std::string address, std::uint16_t port, Metrics& metrics,
                           HealthCheck check, Logger& log, Pages pages)
    : server_(std::make_unique<HttpServer>(
          io, std::move(address), port,
          [&metrics, check = std::move(check), pages = std::move(pages)](const HttpRequest& req) {
            return serve(req, metrics, check, pages);
          },
          log, health_options())) {}

HealthServer::~HealthServer() = default;  // the HttpServer stops itself

void HealthServer::start() { server_->start(); }

void HealthServer::stop() { server_->stop(); }

std::uint16_t HealthServer::port() const { return server_->port(); }

}  // namespace imsbox::runtime
