#pragma once
// Routes SBI requests by method and path template (TS 29.501 §4.4: resource
// URIs "{apiRoot}/<apiName>/<apiVersion>/<apiSpecificResourceUriPart>"), for
// example
//
//   router.add("GET", "/nhss-ims-uecm/v1/{imsUeId}/registrations", handler);
//
// A {name} segment matches any one non-empty segment; its percent-decoded
// value lands in Request::params. Other segments match literally, after
// percent-decoding. When several templates match, the most specific wins:
// the first segment where they differ decides, literal before {param}.
// A path that matches templates but none with the request's method is
// "method not allowed", with the methods those templates do have.
//
// Pure: no I/O, no clock. Not thread-safe; the server calls it on its loop.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sbi/message.h"

namespace imsbox::sbi {

// A handler gets the request (its own copy, to keep as long as it likes) and
// a Responder to answer now or later. It should not throw; if it does, the
// server answers 500 (unless it already answered) and logs.
using Handler = std::function<void(Request request, Responder respond)>;

class Router {
 public:
  // Throws std::invalid_argument for an empty method, a template that does
  // not start with '/', an empty or malformed {param} segment, a parameter
  // name used twice, or a method+template pair registered twice.
  void add(std::string_view method, std::string_view path_template, Handler handler);

  struct Match {
    enum class Outcome { found, not_found, method_not_allowed, bad_path };
    Outcome outcome = Outcome::not_found;
    // found: the handler (shared, so that a route added during a call does
    // not pull it out from under the caller) and the decoded parameters.
    std::shared_ptr<const Handler> handler;
    PathParams params;
    // method_not_allowed: the value of the Allow header ("GET, PUT").
    std::string allow;
  };
  // `path` is the :path without the query, percent-encoded as received.
  // bad_path: not a valid percent-encoding.
  Match match(std::string_view method, std::string_view path) const;

  std::size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string path_template;
    std::vector<Segment> segments;
    std::shared_ptr<const Handler> handler;
  };
  std::vector<Route> routes_;
};

// "%41b" -> "Ab". nullopt for a '%' not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s);
// "a=1&b=x%20y&c" -> {{"a","1"},{"b","x y"},{"c",""}}; empty pairs ("&&")
// are skipped. nullopt for a bad percent-encoding.
std::optional<QueryParams> parse_query(std::string_view query);

}  // namespace imsbox::sbi
