#include "sip/ua/dialog.h"
#include "runtime/ascii.h"

#include <algorithm>

#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::sip::ua {

namespace {

using ascii::iequals;

// The URI of the first Contact, if any.
std::optional<std::string> contact_uri(const Message& m) {
  const auto* h = m.find(HeaderId::contact);
  if (!h) return std::nullopt;
  const auto list = parse_name_addr_list(h->value);
  if (!list || list.value.empty()) return std::nullopt;
  return std::string(list.value.front().uri);
}

// Every Record-Route value, in the order of the message, as written.
std::optional<std::vector<std::string>> record_routes(const Message& m) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id != HeaderId::record_route) continue;
    const auto list = split_list(h.value);
    if (!list) return std::nullopt;
    for (auto element : list.value) {
      if (!parse_name_addr(element)) return std::nullopt;
      out.emplace_back(element);
    }
  }
  return out;
}

// A route set entry's URI (the entry is a name-addr that parsed before).
std::string route_uri(const std::string& entry) { return std::string(parse_name_addr(entry).value.uri); }

// Whether a URI carries the lr parameter (a loose router, RFC 3261 §19.1.1).
bool has_lr(std::string_view uri_text) {
  const auto parsed = parse_uri(uri_text);
  if (!parsed.uri) return false;
  std::string_view params = parsed.uri->params;
  while (!params.empty()) {
    const auto semi = params.find(';');
    auto param = params.substr(0, semi);
    param = param.substr(0, param.find('='));
    if (iequals(param, "lr")) return true;
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return false;
}

std::string name_addr(const std::string& uri, const std::string& tag) {
  std::string out = "<" + uri + ">";
  if (!tag.empty()) out += ";tag=" + tag;
  return out;
}

}  // namespace

std::size_t DialogIdHash::operator()(const DialogId& id) const noexcept {
  const std::hash<std::string> h;
  return h(id.call_id) ^ (h(id.local_tag) * 31) ^ (h(id.remote_tag) * 1009);
}

DialogId incoming_dialog_id(const Message& request) {
  return DialogId{std::string(request.call_id()), std::string(request.to().tag()), std::string(request.from().tag())};
}

bool is_target_refresh(std::string_view method) {
  return method == "INVITE" || method == "UPDATE" || method == "SUBSCRIBE" || method == "NOTIFY" ||
         method == "REFER";
}

std::optional<Dialog> Dialog::from_uac(const Message& request, const Message& response, bool secure) {
  const int status = response.status();
  const auto to = response.to();
  if (status < 101 || status > 299) return std::nullopt;
  if (to.tag().empty() || request.from().tag().empty() || request.call_id().empty()) return std::nullopt;
  auto routes = record_routes(response);
  auto target = contact_uri(response);
  if (!routes || (!target && status >= 200)) return std::nullopt;

  Dialog d;
  d.id_ = DialogId{std::string(request.call_id()), std::string(request.from().tag()), std::string(to.tag())};
  d.state_ = status >= 200 ? DialogState::confirmed : DialogState::early;
  d.local_seq_ = request.cseq().number;
  d.creating_cseq_ = request.cseq().number;
  d.local_uri_ = std::string(request.from().uri);
  d.remote_uri_ = std::string(to.uri);
  d.remote_target_ = target ? *target : std::string(request.request_uri());
  d.local_target_ = contact_uri(request).value_or("");
  std::reverse(routes->begin(), routes->end());
  d.route_set_ = std::move(*routes);
  d.secure_ = secure;
  return d;
}

std::optional<Dialog> Dialog::from_uas(const Message& request, const Message& response, bool secure) {
  const int status = response.status();
  const auto to = response.to();
  if (status < 101 || status > 299) return std::nullopt;
  if (to.tag().empty() || request.from().tag().empty() || request.call_id().empty()) return std::nullopt;
  auto routes = record_routes(request);
  auto target = contact_uri(request);
  if (!routes || !target) return std::nullopt;

  Dialog d;
  d.id_ = DialogId{std::string(request.call_id()), std::string(to.tag()), std::string(request.from().tag())};
  d.state_ = status >= 200 ? DialogState::confirmed : DialogState::early;
  d.remote_seq_ = request.cseq().number;
  d.creating_cseq_ = request.cseq().number;
  d.local_uri_ = std::string(to.uri);
  d.remote_uri_ = std::string(request.from().uri);
  d.remote_target_ = std::move(*target);
  d.local_target_ = contact_uri(response).value_or("");
  d.route_set_ = std::move(*routes);
  d.secure_ = secure;
  return d;
}

bool Dialog::on_response(const Message& response) {
  if (response.call_id() != id_.call_id || response.from().tag() != id_.local_tag ||
      response.to().tag() != id_.remote_tag) {
    return false;
  }
  const int status = response.status();
  if (status < 200 || status > 299) return true;
  const auto cseq = response.cseq();
  if (state_ == DialogState::early && cseq.number == creating_cseq_) {
    // §13.2.2.4: confirmed, route set recomputed from the 2xx (§12.1.2).
    auto routes = record_routes(response);
    if (routes) {
      std::reverse(routes->begin(), routes->end());
      route_set_ = std::move(*routes);
    }
    state_ = DialogState::confirmed;
  }
  if (is_target_refresh(cseq.method)) {
    if (auto target = contact_uri(response)) remote_target_ = std::move(*target);
  }
  return true;
}

Message Dialog::build(std::string_view method, std::uint32_t cseq) const {
  std::string request_uri = remote_target_;
  std::vector<std::string> routes = route_set_;
  if (!routes.empty() && !has_lr(route_uri(routes.front()))) {
    // §12.2.1.1, strict router: it becomes the Request-URI, the remote
    // target goes last in the Route.
    request_uri = route_uri(routes.front());
    routes.erase(routes.begin());
    routes.push_back("<" + remote_target_ + ">");
  }
  Message m = Message::request(std::string(method), std::move(request_uri));
  for (auto& r : routes) m.append(HeaderId::route, std::move(r));
  m.append(HeaderId::max_forwards, "70");
  m.append(HeaderId::from, name_addr(local_uri_, id_.local_tag));
  m.append(HeaderId::to, name_addr(remote_uri_, id_.remote_tag));
  m.append(HeaderId::call_id, id_.call_id);
  m.append(HeaderId::cseq, std::to_string(cseq) + " " + std::string(method));
  if (is_target_refresh(method) && !local_target_.empty()) m.append(HeaderId::contact, "<" + local_target_ + ">");
  return m;
}

Message Dialog::make_request(std::string_view method) {
  std::uint32_t cseq = local_seq_.value_or(0);
  if (method != "ACK" && method != "CANCEL") {
    cseq = local_seq_ ? *local_seq_ + 1 : 1;
    local_seq_ = cseq;
  }
  return build(method, cseq);
}

Message Dialog::make_ack(std::uint32_t invite_cseq) const { return build("ACK", invite_cseq); }

std::optional<int> Dialog::on_request(const Message& request) {
  const auto method = request.method();
  if (method == "ACK" || method == "CANCEL") return std::nullopt;
  const auto cseq = request.cseq().number;
  if (remote_seq_ && cseq < *remote_seq_) return 500;
  remote_seq_ = cseq;
  return std::nullopt;
}

void Dialog::refresh_target(const Message& request) {
  if (!is_target_refresh(request.method())) return;
  if (auto target = contact_uri(request)) remote_target_ = std::move(*target);
}

}  // namespace imsbox::sip::ua
