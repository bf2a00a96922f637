#include "mrf/service_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "sip/uri.h"

namespace imsbox::mrf {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// %HH decoded (URI parameters carry them escaped, RFC 3261 §19.1.2).
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<long long> number(std::string_view s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

ServiceRefusal bad(std::string reason) { return ServiceRefusal{400, std::move(reason)}; }

}  // namespace

std::string prompt_name_of(std::string_view play) {
  std::string value = unescape(play);
  if (value.find(':') != std::string::npos || value.find('/') != std::string::npos) {
    // a URL: its last path segment, without a query
    if (const auto q = value.find_first_of("?#"); q != std::string::npos) value.resize(q);
    const auto slash = value.find_last_of("/:");
    value = value.substr(slash + 1);
  }
  if (value.size() > 4 && lower(value.substr(value.size() - 4)) == ".wav") value.resize(value.size() - 4);
  // NAME.16k / NAME.8k (the store's own file names) name the prompt too
  for (const std::string_view rate : {".16k", ".8k"}) {
    if (value.size() > rate.size() && value.ends_with(rate)) value.resize(value.size() - rate.size());
  }
  return value;
}

std::variant<ServiceRequest, ServiceRefusal> parse_service_request(std::string_view request_uri) {
  const auto parsed = sip::parse_uri(request_uri);
  if (!parsed.uri || parsed.uri->scheme == sip::Uri::Scheme::tel) {
    return ServiceRefusal{404, "Not Found (not a service of this MRF)"};
  }
  const auto user = lower(parsed.uri->user);
  ServiceRequest out;
  if (user == "annc") {
    out.service = Service::annc;
  } else if (user == "echo") {
    out.service = Service::echo;
  } else if (user == "ivr") {
    out.service = Service::ivr;
  } else {
    return ServiceRefusal{404, "Not Found (no service '" + std::string(parsed.uri->user) + "')"};
  }
  bool has_play = false;
  std::string_view params = parsed.uri->params;
  while (!params.empty()) {
    const auto semi = params.find(';');
    const auto item = params.substr(0, semi);
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    const auto eq = item.find('=');
    const auto name = lower(item.substr(0, eq));
    const std::string value = eq == std::string_view::npos ? std::string() : unescape(item.substr(eq + 1));
    if (name == "play") {
      out.announcement.prompt = prompt_name_of(item.substr(eq == std::string_view::npos ? item.size() : eq + 1));
      if (out.announcement.prompt.empty()) return bad("Bad Request (play names no prompt)");
      has_play = true;
    } else if (name == "repeat") {
      if (lower(value) == "forever") {
        out.announcement.repeat = 0;
      } else {
        const auto n = number(value);
        if (!n || *n < 1 || *n > 1000) return bad("Bad Request (repeat must be 1-1000 or forever)");
        out.announcement.repeat = static_cast<int>(*n);
      }
    } else if (name == "delay") {
      const auto n = number(value);
      if (!n || *n > 600000) return bad("Bad Request (delay must be 0-600000 ms)");
      out.announcement.delay = std::chrono::milliseconds(*n);
    } else if (name == "duration") {
      const auto n = number(value);
      if (!n || *n < 1 || *n > 3600000) return bad("Bad Request (duration must be 1-3600000 ms)");
      out.announcement.duration = std::chrono::milliseconds(*n);
    } else if (name == "early") {
      const auto n = number(value);
      if (!n || *n < 400 || *n > 699) return bad("Bad Request (early must be a final status 400-699)");
      out.early_status = static_cast<int>(*n);
    } else if (name == "menu") {
      if (value.empty()) return bad("Bad Request (menu names no menu)");
      out.menu = value;
    }
    // locale, transport, user=phone and anything else: ignored
  }
  if (out.service == Service::annc && !has_play) return bad("Bad Request (annc needs play=<prompt>)");
  if (out.service == Service::ivr && out.menu.empty()) return bad("Bad Request (ivr needs menu=<name>)");
  if (out.service != Service::annc && out.early_status) return bad("Bad Request (early is for annc only)");
  return out;
}

}  // namespace imsbox::mrf
