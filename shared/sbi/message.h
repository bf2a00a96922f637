#pragma once
// The values an SBI handler works with: a received Request, the Response it
// answers with, and the Responder that carries the answer back to the stream
// it came from. Plain values with no I/O, so node logic can be unit-tested
// with a Responder made from a lambda.
//
// Header names are lower case (HTTP/2 sends them so; RFC 9113 §8.2.2); the
// lookups below compare case-insensitively anyway. Pseudo-header fields
// (":method", ":path", ...) are not in `headers`: their values are in the
// named members.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imsbox::sbi {

using Headers = std::vector<std::pair<std::string, std::string>>;
// Path parameters by name, from the {name} segments of the matched route,
// percent-decoded.
using PathParams = std::map<std::string, std::string, std::less<>>;
// Query parameters in the order received, names and values percent-decoded
// ('+' stays '+': RFC 3986 query, not HTML form encoding).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The first value of a header, case-insensitive; nullopt when absent.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

struct Request {
  std::string method;     // "GET", "PUT", ... as received (case-sensitive, RFC 9110 §9.1)
  std::string path;       // the :path without the query, still percent-encoded
  std::string query_string;  // the raw query after '?', without it; empty when none
  std::string authority;     // :authority (or empty)
  PathParams params;
  QueryParams query;
  Headers headers;
  std::string body;

  // The decoded value of a path parameter; empty when the route has none by that name.
  std::string_view param(std::string_view name) const;
  // The first value of a query parameter; nullopt when absent.
  std::optional<std::string_view> query_value(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

struct Response {
  int status = 200;  // a final status, 200..599; anything else is sent as 500
  Headers headers;   // content-length is set by the server; names are lower-cased
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

// Carries a handler's answer back to its stream, now or later. Copies share
// one state: the first send() wins, later ones are ignored. When the stream
// or connection is gone by then (the client reset it, timed out, went away,
// or the server stopped) the response is silently dropped; a Responder never
// dangles, whatever outlives what.
//
// Threading: send() must be called on the thread running the server's
// io_context (post to it from elsewhere).
class Responder {
 public:
  using Sink = std::function<void(Response&&)>;

  Responder() = default;  // inert: send() does nothing
  // A Responder that hands the response to `sink` (at most once). The
  // server builds its own this way; tests can too.
  explicit Responder(Sink sink);

  void send(Response response) const;
  // True until send() was called on this Responder or a copy of it.
  bool pending() const;

 private:
  struct State {
    Sink sink;
    bool sent = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace imsbox::sbi
