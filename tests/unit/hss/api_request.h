#pragma once
// The runtime::HttpRequest the HTTP server makes of a request line, for the
// tests of the HSS's REST API (provisioning_api_test, services_api_test).
#include <optional>
#include <string>
#include <string_view>

#include "runtime/http_server.h"

namespace imsbox::hss::test {

inline runtime::HttpRequest make_request(std::string method, std::string target, std::string body,
                                         std::optional<std::string> auth) {
  runtime::HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  const auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  std::string_view rest = std::string_view(r.path).substr(1);
  while (true) {
    const auto slash = rest.find('/');
    r.segments.push_back(runtime::percent_decode(rest.substr(0, slash)).value());
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (auth) r.headers.emplace_back("Authorization", *auth);
  r.body = std::move(body);
  return r;
}

}  // namespace imsbox::hss::test
