#include "sbi/router.h"

#include <algorithm>
#include <stdexcept>

namespace imsbox::sbi {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "/a/b/c" into "a", "b", "c" ("/" gives one empty segment, "/a/"
// gives "a" and ""). The leading '/' must have been checked by the caller.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool valid_param_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<QueryParams> parse_query(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

void Router::add(std::string_view method, std::string_view path_template, Handler handler) {
  const std::string where = std::string(method) + " " + std::string(path_template);
  if (method.empty()) throw std::invalid_argument("route without a method: " + where);
  if (path_template.empty() || path_template.front() != '/')
    throw std::invalid_argument("route template must start with '/': " + where);
  if (!handler) throw std::invalid_argument("route without a handler: " + where);
  Route route{std::string(method), std::string(path_template), {}, nullptr};
  for (const auto seg : split_path(path_template)) {
    if (!seg.empty() && seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}' || !valid_param_name(seg.substr(1, seg.size() - 2)))
        throw std::invalid_argument("malformed {param} segment '" + std::string(seg) + "' in route " + where);
      const std::string name(seg.substr(1, seg.size() - 2));
      for (const auto& s : route.segments) {
        if (s.is_param && s.text == name)
          throw std::invalid_argument("parameter {" + name + "} used twice in route " + where);
      }
      route.segments.push_back({name, true});
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos)
        throw std::invalid_argument("a {param} must be a whole segment in route " + where);
      route.segments.push_back({std::string(seg), false});
    }
  }
  for (const auto& r : routes_) {
    if (r.method != route.method || r.segments.size() != route.segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < r.segments.size() && same; ++i) {
      same = r.segments[i].is_param == route.segments[i].is_param &&
             (r.segments[i].is_param || r.segments[i].text == route.segments[i].text);
    }
    if (same) throw std::invalid_argument("route registered twice: " + where + " (as " + r.path_template + ")");
  }
  route.handler = std::make_shared<const Handler>(std::move(handler));
  routes_.push_back(std::move(route));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  if (path.empty() || path.front() != '/') return result;  // "*" (OPTIONS) or garbage
  std::vector<std::string> segments;
  for (const auto seg : split_path(path)) {
    auto decoded = percent_decode(seg);
    if (!decoded) {
      result.outcome = Match::Outcome::bad_path;
      return result;
    }
    segments.push_back(std::move(*decoded));
  }

  // Specificity: compare segment by segment, literal beats parameter.
  const auto more_specific = [](const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
    }
    return false;
  };
  const Route* best = nullptr;
  std::vector<std::string> methods;  // of matching templates, for Allow
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& s = route.segments[i];
      ok = s.is_param ? !segments[i].empty() : s.text == segments[i];
    }
    if (!ok) continue;
    if (route.method == method) {
      if (!best || more_specific(route, *best)) best = &route;
    } else if (std::find(methods.begin(), methods.end(), route.method) == methods.end()) {
      methods.push_back(route.method);
    }
  }
  if (best) {
    result.outcome = Match::Outcome::found;
    result.handler = best->handler;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (best->segments[i].is_param) result.params.emplace(best->segments[i].text, std::move(segments[i]));
    }
    return result;
  }
  if (!methods.empty()) {
    result.outcome = Match::Outcome::method_not_allowed;
    std::sort(methods.begin(), methods.end());
    for (const auto& m : methods) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
    }
  }
  return result;
}

}  // namespace imsbox::sbi
