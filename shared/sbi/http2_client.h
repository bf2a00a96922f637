#pragma once
// An HTTP/2 client for the service-based interfaces: one h2c connection
// (prior knowledge, RFC 9113 §3.3) to one host:port, many requests
// multiplexed on it. nghttp2 and Asio's sockets stay in the .cpp.
//
// The connection opens on the first request and again on the first request
// after it dropped (or after the server sent GOAWAY). Requests made while it
// connects wait for it. Every request ends in exactly one callback: the
// response (any status: a 404 is a response, not an error), or an error
// (timeout, connect failure, connection lost, stream reset, too large, ...).
// Each request has its own timeout, which covers connecting too, so nothing
// hangs. A request the server refused unprocessed (RST_STREAM
// REFUSED_STREAM, or above the last stream id of its GOAWAY; RFC 9113 §8.7)
// is retried once on a new connection.
//
// Threading: single-threaded. request() and stop() must be called on the
// thread that runs the io_context; callbacks run there, always later, never
// from inside request().
//
// Ownership and lifetime: the io_context, Logger and Metrics are borrowed and
// must outlive the client. stop() fails what is pending with
// ClientError::stopped (callbacks still run) and closes the connection with
// a GOAWAY. Destroying the client closes at once and invokes no callback
// any more.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sbi/message.h"

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {
class Logger;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::sbi {

// Limits, with their defaults (documented here, the one place).
struct Http2ClientConfig {
  // Names the client in log lines and in the `client` label of its metrics.
  std::string name = "sbi";
  // :authority of the requests; empty: host:port.
  std::string authority;
  // A TCP connect (with name resolution) taking longer fails the requests
  // waiting for it (each request's own timeout may fire first).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(3)};
  // Requests not yet answered, in total; more fail at once with too_many_pending.
  std::size_t max_pending_requests = 1024;
  // Response body cap; over it the request fails with response_too_large
  // (and the stream is reset).
  std::size_t max_response_body_bytes = 1024 * 1024;
  // Response header list cap (name + value + 32 per field); likewise.
  std::size_t max_header_list_bytes = 16 * 1024;
};

enum class ClientError {
  none,
  timeout,             // no complete response within the request's timeout
  connect_failed,      // cannot resolve or connect (or connect timeout)
  connection_lost,     // the connection closed before the response was complete
  stream_reset,        // the server reset the stream (RST_STREAM)
  response_too_large,  // over max_response_body_bytes or max_header_list_bytes
  too_many_pending,    // max_pending_requests reached
  invalid_request,     // a method or path we cannot send
  stopped,             // stop() was called
};
std::string_view to_string(ClientError e);

struct ClientResult {
  ClientError error = ClientError::none;
  std::string message;  // what happened, for logs; empty when ok
  Response response;    // valid when ok()
  bool ok() const { return error == ClientError::none; }
};

class Http2Client {
 public:
  using Callback = std::function<void(ClientResult result)>;

  // `host` is an IP literal or a name (resolved on each connect).
  Http2Client(boost::asio::io_context& io, std::string host, std::uint16_t port, Http2ClientConfig config,
              runtime::Logger& log, runtime::Metrics& metrics);
  ~Http2Client();  // closes at once; no callback runs afterwards
  Http2Client(const Http2Client&) = delete;
  Http2Client& operator=(const Http2Client&) = delete;

  // Sends `method` `path` (with its query, percent-encoded: "/a/b?c=d").
  // Header names are lower-cased; connection-specific ones, content-length
  // (set from the body) and invalid ones (not a token, CR/LF/NUL in the
  // value) are dropped. `timeout` runs from now and covers connecting.
  void request(std::string method, std::string path, Headers headers, std::string body,
               std::chrono::milliseconds timeout, Callback done);

  // Fails every pending request with ClientError::stopped and closes the
  // connection with GOAWAY; later requests fail with `stopped` too. Idempotent.
  void stop();

  bool connected() const;             // a connection is established now
  std::size_t pending_count() const;  // requests not yet completed

  struct Impl;  // opaque; public only so that the .cpp's sessions can share it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::sbi
