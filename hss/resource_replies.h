#pragma once
// What the provisioning API's resources beside the HSS's own (the TAS's
// services, the MRF's IVR menus) share: a refusal thrown from anywhere in
// serving a request and turned into a JSON error reply (`{"error": ...}`),
// JSON replies, and 405 with Allow for a method a resource does not take.
// Only for .cpp files that serve such a resource (Boost.JSON is heavy).
#include <boost/json.hpp>
#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/http_server.h"

namespace imsbox::hss::resource {

struct Refusal {
  int status;
  std::string message;
  runtime::HttpHeaders headers = {};
};

[[noreturn]] inline void refuse(int status, std::string message, runtime::HttpHeaders headers = {}) {
  throw Refusal{status, std::move(message), std::move(headers)};
}

inline runtime::HttpResponse json_reply(int status, const boost::json::value& v) {
  return runtime::HttpResponse{status, "application/json", boost::json::serialize(v) + "\n", {}};
}

// Returns when the request's method is one of `methods`; else refuses with 405.
inline void allow(const runtime::HttpRequest& req, std::initializer_list<std::string_view> methods) {
  std::string list;
  for (auto m : methods) {
    if (req.method == m) return;
    list += (list.empty() ? "" : ", ") + std::string(m);
  }
  refuse(405, "method " + req.method + " is not allowed on " + req.path + " (allowed: " + list + ")",
         {{"Allow", list}});
}

// A request body that must be one JSON object (at most 8 levels deep).
inline boost::json::object json_object_body(const std::string& body) {
  if (body.empty()) refuse(400, "the request needs a JSON object as its body");
  boost::json::parse_options options;
  options.max_depth = 8;
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec, {}, options);
  if (ec) refuse(400, "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) refuse(400, "the body must be a JSON object");
  return std::move(v.as_object());
}

// serve(): its reply, or the JSON error of what it refused (or of a store
// failure: 500).
template <typename Serve>
runtime::HttpResponse answer(Serve&& serve) {
  try {
    return serve();
  } catch (const Refusal& r) {
    auto response = json_reply(r.status, boost::json::object{{"error", r.message}});
    response.headers = r.headers;
    return response;
  } catch (const std::exception& e) {
    return json_reply(500, boost::json::object{{"error", std::string("store error: ") + e.what()}});
  }
}

}  // namespace imsbox::hss::resource
