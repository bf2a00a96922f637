#include "runtime/health_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "runtime/log.h"
#include "runtime/metrics.h"

namespace imsbox::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HealthServer::Impl : std::enable_shared_from_this<HealthServer::Impl> {
  Impl(asio::io_context& io, tcp::endpoint ep, Metrics& m, HealthCheck c, Logger& l)
      : acceptor(io), endpoint(ep), metrics(m), check(std::move(c)), log(l) {}

  void accept();

  tcp::acceptor acceptor;
  tcp::endpoint endpoint;
  Metrics& metrics;
  HealthCheck check;
  Logger& log;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HealthServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}

  void run() {
    parser_.header_limit(8 * 1024);
    parser_.body_limit(0);
    stream_.expires_after(std::chrono::seconds(5));
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec) return;  // timeout, reset or a malformed request: just close
    const auto& req = parser_.get();
    response_.version(req.version());
    response_.keep_alive(false);
    response_.set(http::field::server, "imsbox");
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::allow, "GET, HEAD");
      response_.body() = "method not allowed\n";
    } else if (req.target() == "/health") {
      const std::string problem = server_->check();
      response_.result(problem.empty() ? http::status::ok : http::status::service_unavailable);
      response_.body() = problem.empty() ? "ok\n" : problem + "\n";
    } else if (req.target() == "/metrics") {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response_.body() = server_->metrics.render();
    } else {
      response_.result(http::status::not_found);
      response_.body() = "not found: try /health or /metrics\n";
    }
    response_.prepare_payload();
    if (req.method() == http::verb::head) response_.body().clear();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<HealthServer::Impl> server_;  // keeps the check alive while we answer
};

}  // namespace

void HealthServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (ec) {
      self->log.warning("health endpoint accept failed: " + ec.message());
    } else {
      std::make_shared<Session>(std::move(socket), self)->run();
    }
    self->accept();
  });
}

HealthServer::HealthServer(asio::io_context& io, std::string address, std::uint16_t port, Metrics& metrics,
                           HealthCheck check, Logger& log)
    : impl_(std::make_shared<Impl>(io, tcp::endpoint(asio::ip::make_address(address), port), metrics,
                                   std::move(check), log)) {}

HealthServer::~HealthServer() { stop(); }

void HealthServer::start() {
  auto& a = impl_->acceptor;
  try {
    a.open(impl_->endpoint.protocol());
    a.set_option(tcp::acceptor::reuse_address(true));
    a.bind(impl_->endpoint);
    a.listen();
  } catch (const boost::system::system_error& e) {
    beast::error_code ignored;
    a.close(ignored);
    const auto& ep = impl_->endpoint;
    const std::string addr = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    throw std::runtime_error("cannot listen on " + addr + ":" + std::to_string(ep.port()) + ": " +
                             e.code().message());
  }
  impl_->accept();
}

void HealthServer::stop() {
  beast::error_code ignored;
  if (impl_->acceptor.is_open()) impl_->acceptor.close(ignored);
}

std::uint16_t HealthServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace imsbox::runtime
