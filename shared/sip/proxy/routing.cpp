#include "sip/proxy/routing.h"

#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::sip::proxy {

std::optional<std::string> first_uri(const Message& m, HeaderId id) {
  const auto* h = m.find(id);
  if (!h) return std::nullopt;
  const auto list = parse_name_addr_list(h->value);
  if (!list || list.value.empty()) return std::nullopt;
  return std::string(list.value.front().uri);
}

namespace {

std::optional<std::string> last_uri(const Message& m, HeaderId id) {
  const HeaderField* last = nullptr;
  for (const auto& h : m.headers()) {
    if (h.id == id) last = &h;
  }
  if (!last) return std::nullopt;
  const auto list = parse_name_addr_list(last->value);
  if (!list || list.value.empty()) return std::nullopt;
  return std::string(list.value.back().uri);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = text::lower(c);
  return out;
}

}  // namespace

void preprocess_route(Message& request, const std::function<bool(std::string_view uri)>& is_own) {
  if (is_own(request.request_uri())) {
    if (auto last = last_uri(request, HeaderId::route)) {
      request.set_request_uri(std::move(*last));
      request.remove_last_value(HeaderId::route);
    }
  }
  // Every Route of ours at the top: a Record-Route across two transports
  // (RFC 5658) or a node serving both ends of a dialog put two in a row.
  while (auto top = first_uri(request, HeaderId::route)) {
    if (!is_own(*top)) break;
    request.remove_first_value(HeaderId::route);
  }
}

std::string Interface::sent_by() const {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Interface::record_route_uri(std::string_view user) const {
  std::string uri = "<sip:" + (user.empty() ? std::string() : std::string(user) + "@") + sent_by();
  if (transport != Transport::udp) uri += ";transport=" + lower(to_string(transport));
  return uri + ";lr>";
}

Message prepare_forward(const Message& request, const ForwardPlan& plan) {
  return prepare_forward(request.clone(), plan);
}

Message prepare_forward(Message&& copy, const ForwardPlan& plan) {
  Message m = std::move(copy);
  if (!plan.request_uri.empty()) m.set_request_uri(plan.request_uri);
  if (m.find(HeaderId::max_forwards)) {
    const auto mf = m.max_forwards();
    m.set(HeaderId::max_forwards, std::to_string(mf && *mf > 0 ? *mf - 1 : 0));
  } else {
    m.append(HeaderId::max_forwards, "70");
  }
  if (plan.record_route) {
    const bool changes_interface =
        plan.inbound.transport != plan.outbound.transport || plan.inbound.sent_by() != plan.outbound.sent_by();
    if (changes_interface) m.prepend(HeaderId::record_route, plan.inbound.record_route_uri(plan.record_route_user));
    m.prepend(HeaderId::record_route, plan.outbound.record_route_uri(plan.record_route_user));
  }
  std::string via = "SIP/2.0/" + std::string(to_string(plan.outbound.transport)) + " " + plan.outbound.sent_by() +
                    ";branch=" + plan.branch;
  if (plan.outbound.transport == Transport::udp) via += ";rport";
  m.prepend(HeaderId::via, std::move(via));
  return m;
}

std::optional<Peer> next_hop(const Message& request,
                             const std::function<std::optional<boost::asio::ip::address>(std::string_view host)>& resolve) {
  const auto route = first_uri(request, HeaderId::route);
  const std::string target = route ? *route : std::string(request.request_uri());
  const auto parsed = parse_uri(target);
  if (!parsed.uri || parsed.uri->scheme == Uri::Scheme::tel) return std::nullopt;
  const auto& u = *parsed.uri;
  Peer peer;
  peer.transport = u.scheme == Uri::Scheme::sips ? Transport::tls : Transport::udp;
  // ;transport= (case-insensitive)
  std::string_view rest = u.params;
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    const auto param = rest.substr(0, semi);
    const auto eq = param.find('=');
    if (eq != std::string_view::npos && text::iequals(param.substr(0, eq), "transport")) {
      if (const auto t = transport_from_string(param.substr(eq + 1))) peer.transport = *t;
    }
    if (semi == std::string_view::npos) break;
    rest = rest.substr(semi + 1);
  }
  peer.port = u.port ? *u.port : (is_secure(peer.transport) ? 5061 : 5060);
  std::string_view host = u.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  peer.address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) {
    const auto resolved = resolve(u.host);
    if (!resolved) return std::nullopt;
    peer.address = *resolved;
  }
  return peer;
}

std::size_t best_response(std::span<const int> statuses) {
  std::size_t best = 0;
  const auto rank = [](int s) {
    // lower is better
    if (s >= 600) return 0;
    if (s >= 200 && s < 300) return 1;
    if (s >= 300 && s < 400) return 2;
    if (s == 401 || s == 407 || s == 415 || s == 420 || s == 484) return 3;
    if (s >= 400 && s < 500) return 4;
    return 5;
  };
  for (std::size_t i = 1; i < statuses.size(); ++i) {
    if (rank(statuses[i]) < rank(statuses[best])) best = i;
  }
  return best;
}

}  // namespace imsbox::sip::proxy
