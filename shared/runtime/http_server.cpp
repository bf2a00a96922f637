#include "runtime/http_server.h"
#include "runtime/ascii.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>
#include <unordered_set>

#include "runtime/log.h"

namespace imsbox::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

using ascii::iequals;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool safe_header_text(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Splits an absolute path into percent-decoded segments; nullopt on a bad encoding.
std::optional<std::vector<std::string>> decode_segments(std::string_view path) {
  std::vector<std::string> out;
  path.remove_prefix(1);  // the leading '/'
  while (true) {
    const auto slash = path.find('/');
    auto decoded = percent_decode(path.substr(0, slash));
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::optional<std::string_view> find_http_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::string percent_encode_segment(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("-._~!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, tcp::endpoint ep, Handler h, Logger& l, HttpServerOptions o)
      : acceptor(io), endpoint(ep), handler(std::move(h)), log(l), options(std::move(o)) {}

  void accept();

  tcp::acceptor acceptor;
  tcp::endpoint endpoint;
  Handler handler;
  Logger& log;
  HttpServerOptions options;
  std::uint16_t bound_port = 0;
  bool stopped = false;
  bool refusing = false;  // over max_connections: logged once per episode
  // The open connections, for max_connections and for stop(). A session
  // adds itself when made and removes itself when destroyed.
  std::unordered_set<Session*> sessions;
};

namespace {

// One connection: read a request, answer it, repeat while keep-alive. Kept
// alive by its own pending operation (shared_from_this), as in Beast's
// advanced server example.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)),
        // Room for a whole header plus one read's worth of what follows it.
        buffer_(server->options.header_limit + 64 * 1024),
        server_(std::move(server)) {
    server_->sessions.insert(this);
  }
  ~Session() { server_->sessions.erase(this); }

  void run() { read_request(); }

  // From stop(): the pending operation completes with an error and the
  // session goes away.
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  const HttpServerOptions& options() const { return server_->options; }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(options().header_limit, UINT32_MAX)));
    parser_->body_limit(options().body_limit);
    stream_.expires_after(options().read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (server_->stopped) return;
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    const auto expect = req[http::field::expect];
    if (!parser_->is_done() && iequals(expect, "100-continue")) {
      continue_.emplace(http::status::continue_, req.version());
      // The request's deadline still runs: a client gets no more time for asking.
      http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (self->server_->stopped) return;
        if (ec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (ec == http::error::body_limit) {
      return answer_error(413, "request body larger than " + std::to_string(options().body_limit) + " bytes\n");
    }
    if (ec == http::error::header_limit) {
      return answer_error(431, "request header larger than " + std::to_string(options().header_limit) + " bytes\n");
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return answer_error(400, "malformed request: " + ec.message() + "\n");
    }
    // Closed by the client, reset, timed out: nobody to answer.
    if (ec == beast::error::timeout) server_->log.debug(server_->options.name + ": request read timed out");
    close();
  }

  void on_read(beast::error_code ec) {
    if (server_->stopped) return;
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    const unsigned version = req.version();
    const bool head = req.method() == http::verb::head;
    ++served_;
    bool keep_alive = options().keep_alive && req.keep_alive() && served_ < options().max_requests_per_connection;

    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    HttpResponse response;
    if (!build_request(request, req)) {
      response.status = 400;
      response.body = "bad request-target: an absolute path with a valid percent-encoding is expected\n";
    } else {
      try {
        response = server_->handler(request);
      } catch (const std::exception& e) {
        server_->log.error(options().name + ": handler of " + request.method + " " + request.path +
                           " threw: " + e.what());
        response = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n", {}};
      } catch (...) {
        server_->log.error(options().name + ": handler of " + request.method + " " + request.path + " threw");
        response = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n", {}};
      }
    }
    write_response(std::move(response), version, keep_alive, head);
  }

  // Fills path, segments, query, headers and body; false when the target is unusable.
  bool build_request(HttpRequest& r, http::request<http::string_body>& req) {
    for (const auto& field : req) r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    r.body = std::move(req.body());
    const std::string_view target = r.target;
    if (target.empty() || target.front() != '/') return false;
    const auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    auto segments = decode_segments(r.path);
    if (!segments) return false;
    r.segments = std::move(*segments);
    return true;
  }

  void write_response(HttpResponse r, unsigned version, bool keep_alive, bool head) {
    if (r.status < 200 || r.status > 599) {
      server_->log.error(options().name + ": handler answered status " + std::to_string(r.status) + "; sent 500");
      r = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n", {}};
    }
    if (server_->stopped) keep_alive = false;
    response_.emplace();
    auto& res = *response_;
    res.version(version);
    res.result(static_cast<unsigned>(r.status));
    res.set(http::field::server, "imsbox");
    for (const auto& [name, value] : r.headers) {
      if (name.empty() || !safe_header_text(name) || !safe_header_text(value)) {
        server_->log.error(options().name + ": dropped a response header field with CR, LF or NUL");
        continue;
      }
      res.insert(name, value);
    }
    const bool bodiless = r.status == 204 || r.status == 304;
    if (!bodiless) res.set(http::field::content_type, r.content_type);
    res.keep_alive(keep_alive);
    if (!bodiless) res.body() = std::move(r.body);
    res.prepare_payload();
    if (head) res.body().clear();  // Content-Length stays that of the body a GET would get
    stream_.expires_after(options().write_timeout);
    http::async_write(stream_, res, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (!keep_alive || self->server_->stopped) return self->linger();
      self->read_request();
    });
  }

  // For requests the parser refused: answer, then close.
  void answer_error(int status, std::string text) {
    write_response(HttpResponse{status, "text/plain; charset=utf-8", std::move(text), {}}, 11, false, false);
  }

  // Closing with unread input makes the kernel send a reset, which can
  // destroy the response before the client read it. So: stop sending, read
  // and discard until the client closes, for a bounded time.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min<std::chrono::milliseconds>(options().read_timeout, std::chrono::seconds(1)));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> response_;
  std::array<char, 4096> discard_{};
  std::size_t served_ = 0;
  std::shared_ptr<HttpServer::Impl> server_;  // keeps the handler alive while we answer
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || self->stopped || !self->acceptor.is_open()) return;
    if (ec) {
      self->log.warning(self->options.name + " accept failed: " + ec.message());
    } else if (self->sessions.size() >= self->options.max_connections) {
      if (!self->refusing) {
        self->log.warning(self->options.name + ": " + std::to_string(self->options.max_connections) +
                          " connections open, closing new ones");
      }
      self->refusing = true;
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      self->refusing = false;
      std::make_shared<Session>(std::move(socket), self)->run();
    }
    self->accept();
  });
}

HttpServer::HttpServer(asio::io_context& io, std::string address, std::uint16_t port, Handler handler, Logger& log,
                       HttpServerOptions options) {
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) throw std::invalid_argument("'" + address + "' is not an IP address");
  impl_ = std::make_shared<Impl>(io, tcp::endpoint(ip, port), std::move(handler), log, std::move(options));
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  auto& a = impl_->acceptor;
  try {
    a.open(impl_->endpoint.protocol());
    a.set_option(tcp::acceptor::reuse_address(true));
    a.bind(impl_->endpoint);
    a.listen();
    impl_->bound_port = a.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    beast::error_code ignored;
    a.close(ignored);
    const auto& ep = impl_->endpoint;
    const std::string addr = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    throw std::runtime_error("cannot listen on " + addr + ":" + std::to_string(ep.port()) + ": " +
                             e.code().message());
  }
  impl_->stopped = false;
  impl_->accept();
}

void HttpServer::stop() {
  impl_->stopped = true;
  beast::error_code ignored;
  if (impl_->acceptor.is_open()) impl_->acceptor.close(ignored);
  // Closing only cancels: every session stays alive until its completion
  // runs, so iterating over a copy is safe.
  const std::vector<Session*> open(impl_->sessions.begin(), impl_->sessions.end());
  for (auto* s : open) s->close();
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

std::size_t HttpServer::open_connections() const { return impl_->sessions.size(); }

}  // namespace imsbox::runtime
