#pragma once
// An HTTP/2 server for the service-based interfaces (TS 29.500 §5: HTTP/2
// over TCP; here cleartext "h2c" with prior knowledge, RFC 9113 §3.3, what
// `curl --http2-prior-knowledge` and `nghttp` speak). nghttp2 and Asio's
// sockets stay in the .cpp; this header is cheap to include.
//
// Requests are routed by method and path template (see router.h). The body
// is collected up to a cap; the handler then gets the Request and a
// Responder it may call now or later. The server itself answers, with
// application/problem+json:
//   400 INVALID_MSG_FORMAT / INVALID_QUERY_PARAM  bad percent-encoding
//   404 RESOURCE_URI_STRUCTURE_NOT_FOUND          no route for the path
//   405 (with Allow)                              the path exists, the method not
//   413                                           body over max_request_body_bytes
//   431                                           header list over max_header_list_bytes
//   500 SYSTEM_FAILURE                            a handler threw
//
// Bad network input never takes the server down: a client that does not
// speak HTTP/2 (an HTTP/1.1 request, garbage) or breaks the protocol gets a
// GOAWAY and a closed connection, with a log line and a counter; the other
// connections carry on.
//
// Threading: single-threaded. Every member function must be called on the
// thread that runs the io_context (before run(), or from a handler on it);
// handlers are invoked there. Nothing is locked.
//
// Ownership and lifetime: the io_context, Logger and Metrics are borrowed and
// must outlive the server. stop() closes the listener and sends every
// connection a GOAWAY, closing it once written (the io_context must keep
// running for that); the destructor stops and closes everything at once.
// Responses to requests still pending then are dropped, which is safe: a
// Responder never dangles. Handlers are not called after stop().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sbi/message.h"
#include "sbi/router.h"

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {
class Logger;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::sbi {

// Limits, with their defaults (documented here, the one place).
struct Http2ServerConfig {
  // Names the server in log lines and in the `server` label of its metrics.
  std::string name = "sbi";
  // SETTINGS_MAX_CONCURRENT_STREAMS: requests in progress per connection,
  // including those a handler has not answered yet. nghttp2 refuses more
  // (RST_STREAM REFUSED_STREAM).
  std::uint32_t max_concurrent_streams = 100;
  // Open connections; one more is accepted and closed at once.
  std::size_t max_connections = 256;
  // Request body cap; over it the request gets 413 at once (at the HEADERS
  // when content-length says so). The rest of the body is read and dropped
  // up to max(1 MiB, 4 x this cap), so clients that mishandle an early reset
  // still see the 413; a client that sends more gets RST_STREAM NO_ERROR.
  std::size_t max_request_body_bytes = 64 * 1024;
  // Request header list cap (RFC 9113 §6.5.2 accounting: name + value + 32
  // per field, pseudo-headers included); advertised as
  // SETTINGS_MAX_HEADER_LIST_SIZE; over it the request gets 431.
  std::size_t max_header_list_bytes = 16 * 1024;
  // A connection with nothing received for this long and no request that a
  // handler is still working on gets a GOAWAY and is closed (requests the
  // client began but never finished do not keep it).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
  // How long stop() (or a protocol error) waits for a GOAWAY to be written
  // before closing anyway.
  std::chrono::milliseconds goaway_grace{std::chrono::seconds(1)};
};

class Http2Server {
 public:
  // `address` is an IPv4 or IPv6 literal; port 0 picks a free port (see
  // port()). Nothing is bound before start().
  Http2Server(boost::asio::io_context& io, std::string address, std::uint16_t port, Http2ServerConfig config,
              runtime::Logger& log, runtime::Metrics& metrics);
  ~Http2Server();  // closes listener and connections at once
  Http2Server(const Http2Server&) = delete;
  Http2Server& operator=(const Http2Server&) = delete;

  // Adds a route (see Router::add, which throws std::invalid_argument for a
  // bad template or a duplicate). Allowed before and after start().
  void route(std::string_view method, std::string_view path_template, Handler handler);
  Router& router();

  // Binds and listens; throws std::runtime_error naming address:port when
  // it cannot (then nothing stays bound). Call once.
  void start();
  // Closes the listener; every connection gets GOAWAY (NO_ERROR) and closes.
  // Idempotent.
  void stop();

  std::uint16_t port() const;  // the bound port, after start()
  std::size_t connection_count() const;

  struct Impl;  // opaque; public only so that the .cpp's sessions can share it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::sbi
