#pragma once
// A small HTTP/1.1 server for the loopback endpoints of the nodes (/health,
// /metrics, the HSS's provisioning API). Requests go to one handler, a plain
// function of a request value to a response value, so what a node serves can
// be unit-tested without sockets. Beast stays in the .cpp; this header is
// cheap to include.
//
// Threading and lifetime: runs on the caller's io_context (one thread).
// start() binds and listens (throws std::runtime_error naming the address,
// e.g. "cannot listen on 127.0.0.1:9081: Address already in use"), then
// accepts until stop(). stop() closes the listener and every open
// connection; once it has returned (called on the loop's thread, or while
// the loop does not run) the handler is never called again, so whatever the
// handler refers to only has to outlive the stop() call. The destructor
// stops. The handler is called on the loop's thread, one request at a time.
//
// Connections (the bounds are HttpServerOptions):
//  * keep-alive (HTTP/1.1 default, "Connection: close" honoured, HTTP/1.0
//    closes unless it asks for keep-alive), up to max_requests_per_connection;
//    requests pipelined by a client are answered in order;
//  * each request (header and body) must arrive within read_timeout of the
//    start of its read, idle time of a kept-alive connection included; on
//    timeout the connection is closed without an answer;
//  * a header over header_limit gets 431, a body over body_limit 413 (a
//    Content-Length over it is refused before the body is read), a request
//    Beast cannot parse 400; each then closes the connection;
//  * "Expect: 100-continue" is answered with 100 Continue before the body is
//    read (unless the declared length is already over the limit: 413);
//  * a request-target that is not an absolute path ("/a/b?q"), or whose path
//    has a bad percent-encoding, gets 400 (the connection stays usable);
//  * beyond max_connections a new connection is closed at once;
//  * a handler that throws gets the client a 500 and the log an error line;
//  * HEAD: the handler sees "HEAD"; the server sends the response's headers
//    (Content-Length of the body the handler returned) without the body.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {

class Logger;

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The first value of a header by case-insensitive name; nullopt when absent.
std::optional<std::string_view> find_http_header(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // as received, e.g. "GET" (methods are case-sensitive, RFC 9110 §9.1)
  std::string target;  // the request-target as received: path and query, percent-encoded
  std::string path;    // the path part of target, still percent-encoded
  // The path's segments, percent-decoded: "/v1/subscribers/sip%3Aa%40b" gives
  // {"v1", "subscribers", "sip:a@b"}; "/" gives {""}, "/a/" gives {"a", ""}.
  // A decoded segment may contain '/' (from %2F): segments are split first.
  std::vector<std::string> segments;
  std::string query;  // the raw query after '?', without it; empty when none
  HttpHeaders headers;  // in the order received
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const { return find_http_header(headers, name); }
};

struct HttpResponse {
  int status = 200;  // 200..599; anything else is sent as 500 (and logged)
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra header fields (Allow, Location, WWW-Authenticate, ...). The server
  // sets Server, Content-Type, Content-Length and Connection itself; a field
  // whose name or value holds CR, LF or NUL is dropped (and logged).
  HttpHeaders headers;
};

struct HttpServerOptions {
  std::string name = "HTTP server";  // for log lines: "<name> accept failed: ..."
  std::size_t header_limit = 8 * 1024;  // request line and header fields
  std::size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds read_timeout{5000};   // per request; also the idle keep-alive timeout
  std::chrono::milliseconds write_timeout{5000};  // per response
  std::size_t max_connections = 64;
  std::size_t max_requests_per_connection = 1000;  // then "Connection: close"
  bool keep_alive = true;  // false: one request per connection
};

// Percent-decoding (RFC 3986 §2.1); nullopt for a '%' not followed by two
// hex digits. '+' stays '+'.
std::optional<std::string> percent_decode(std::string_view text);
// Percent-encodes what may not stand in a path segment as it is: everything
// but unreserved characters, sub-delims, ':' and '@' (RFC 3986 §3.3).
std::string percent_encode_segment(std::string_view text);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // `address` is an IP literal (throws std::invalid_argument naming it
  // otherwise); port 0 picks a free port (see port()). `log` must outlive
  // the server and any connection still closing after stop().
  HttpServer(boost::asio::io_context& io, std::string address, std::uint16_t port, Handler handler, Logger& log,
             HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();
  std::uint16_t port() const;  // the bound port once started (useful with port 0)
  std::size_t open_connections() const;

  struct Impl;  // opaque; public only so that the .cpp's sessions can share it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::runtime
