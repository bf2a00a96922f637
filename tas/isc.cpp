#include "tas/isc.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>

#include "sip/header_values.h"

namespace imsbox::tas {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

constexpr std::string_view kHistoryInfo = "History-Info";

struct HistoryEntry {
  std::string uri;
  std::string index;
};

std::vector<HistoryEntry> history(const sip::Message& request) {
  std::vector<HistoryEntry> out;
  for (const auto& h : request.headers()) {
    if (!boost::algorithm::iequals(h.name, kHistoryInfo)) continue;
    const auto elements = sip::split_list(h.value);
    if (!elements) continue;
    for (const auto element : elements.value) {
      const auto entry = sip::parse_name_addr(element);
      if (!entry) continue;
      const auto* index = sip::find_param(entry.value.params, "index");
      out.push_back({std::string(entry.value.uri), index ? std::string(index->value) : std::string()});
    }
  }
  return out;
}

// Whether the URI's parameters (after the user/host or number, before any
// ?headers) hold cause (RFC 4458).
bool has_cause(std::string_view uri) {
  uri = uri.substr(0, uri.find('?'));
  const auto at = uri.find('@');
  std::string_view params = uri.substr(at == std::string_view::npos ? 0 : at);
  params = params.substr(std::min(params.size(), params.find(';')));
  while (!params.empty()) {
    params.remove_prefix(1);  // the ';'
    const auto end = params.find(';');
    if (boost::algorithm::istarts_with(params.substr(0, end), "cause=")) return true;
    params = end == std::string_view::npos ? std::string_view() : params.substr(end);
  }
  return false;
}

// `uri` with ";cause=N" among its parameters (before any ?headers).
std::string with_cause(std::string_view uri, int cause) {
  const auto q = uri.find('?');
  const auto base = uri.substr(0, q);
  const auto headers = q == std::string_view::npos ? std::string_view() : uri.substr(q);
  return std::string(base) + ";cause=" + std::to_string(cause) + std::string(headers);
}

}  // namespace

std::optional<ServedUser> served_user(const sip::Message& request) {
  const auto* h = request.find(sip::HeaderId::p_served_user);
  if (!h) return std::nullopt;
  const auto parsed = sip::parse_name_addr(h->value);
  if (!parsed || parsed.value.uri.empty()) return std::nullopt;
  ServedUser out;
  out.identity = std::string(parsed.value.uri);
  const auto& params = parsed.value.params;
  const auto* sescase = sip::find_param(params, "sescase");
  if (sip::find_param(params, "orig-cdiv")) {
    out.session_case = ServedCase::originating_cdiv;
  } else if (sescase && boost::algorithm::iequals(sescase->value, "orig")) {
    out.session_case = ServedCase::originating;
  } else if (sescase && boost::algorithm::iequals(sescase->value, "term")) {
    out.session_case = ServedCase::terminating;
  } else {
    return std::nullopt;
  }
  if (const auto* regstate = sip::find_param(params, "regstate")) {
    out.registered = !boost::algorithm::iequals(regstate->value, "unreg");
  }
  return out;
}

std::string calling_party(const sip::Message& request) {
  if (const auto* pai = request.find(sip::HeaderId::p_asserted_identity)) {
    if (const auto list = sip::parse_name_addr_list(pai->value); list && !list.value.empty()) {
      return std::string(list.value.front().uri);
    }
  }
  return std::string(request.from().uri);
}

std::vector<std::string> privacy_values(const sip::Message& request) {
  std::vector<std::string> out;
  for (const auto& h : request.headers()) {
    if (h.id != sip::HeaderId::privacy) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      const auto end = rest.find_first_of(";,");
      const auto value = trim(rest.substr(0, end));
      if (!value.empty()) out.emplace_back(value);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  return out;
}

std::vector<std::string> offered_media(const sip::Message& request) {
  std::vector<std::string> out;
  std::string_view body = request.body();
  while (!body.empty()) {
    const auto end = body.find('\n');
    const auto line = trim(body.substr(0, end));
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (!line.starts_with("m=")) continue;
    const auto media = line.substr(2, line.find(' ') == std::string_view::npos ? std::string_view::npos : line.find(' ') - 2);
    if (!media.empty()) out.emplace_back(media);
  }
  return out;
}

int diversion_count(const sip::Message& request) {
  int n = 0;
  for (const auto& e : history(request)) {
    if (has_cause(e.uri)) ++n;
  }
  return n;
}

void add_diversion_history(sip::Message& request, std::string_view target, int cause, bool hide_served_user) {
  auto entries = history(request);
  std::string last = entries.empty() ? std::string() : entries.back().index;
  if (last.empty()) {
    // the served user's entry: the target the request reached us with
    last = entries.empty() ? "1" : std::to_string(entries.size() + 1);
    const std::string served(request.request_uri());
    const bool has_headers = served.find('?') != std::string::npos;
    const std::string shown = hide_served_user ? served + (has_headers ? "&" : "?") + "Privacy=history" : served;
    request.append(std::string(kHistoryInfo), "<" + shown + ">;index=" + last);
  }
  request.append(std::string(kHistoryInfo), "<" + with_cause(target, cause) + ">;index=" + last + ".1;mp=" + last);
}

void hide_originating_identity(sip::Message& request) {
  const auto tag = std::string(request.from().tag());
  request.set(sip::HeaderId::from,
              "\"Anonymous\" <sip:anonymous@anonymous.invalid>" + (tag.empty() ? std::string() : ";tag=" + tag));
  request.remove_all(sip::HeaderId::p_asserted_identity);
  request.remove_all(sip::HeaderId::p_preferred_identity);
}

void add_privacy_id(sip::Message& request) {
  std::string value;
  for (const auto& v : privacy_values(request)) value += (value.empty() ? "" : ";") + v;
  request.remove_all(sip::HeaderId::privacy);
  request.append(sip::HeaderId::privacy, value.empty() ? "id" : value + ";id");
}

}  // namespace imsbox::tas
