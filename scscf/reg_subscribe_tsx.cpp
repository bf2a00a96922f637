// SUBSCRIBE to the reg event (RFC 3680, TS 24.229 §5.4.2.1): who may watch
// a registration, the subscription dialog made or refreshed (or ended with
// Expires: 0), the first NOTIFY sent at once (reg_event_notify.cpp).
#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <cctype>

#include "ims/identity.h"
#include "scscf/answering_tsx.h"
#include "scscf/transactions.h"
#include "sip/header_values.h"
#include "sip/uri.h"

namespace imsbox::scscf {

namespace {

using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

// host[:port] of a URI, lower-case; empty when it does not parse.
std::string host_port(std::string_view uri) {
  const auto parsed = sip::parse_uri(uri);
  if (!parsed.uri || parsed.uri->scheme == sip::Uri::Scheme::tel) return {};
  std::string out(parsed.uri->host);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (parsed.uri->port) out += ":" + std::to_string(*parsed.uri->port);
  return out;
}

// Who may watch a registration (TS 24.229 §5.4.2.1.1): the user (an
// identity of the implicit set asserted by its P-CSCF, or in From), or the
// P-CSCF on the path of one of its contacts.
bool may_subscribe(const sip::Message& request, const Registration& reg) {
  std::vector<std::string> who;
  for (const auto& f : request.headers()) {
    if (f.id != sip::HeaderId::p_asserted_identity) continue;
    const auto list = sip::parse_name_addr_list(f.value);
    if (list) {
      for (const auto& na : list.value) who.emplace_back(na.uri);
    }
  }
  if (who.empty()) who.emplace_back(request.from().uri);
  for (const auto& w : who) {
    const auto identity = ims::public_identity(w);
    if (identity && std::find(reg.identities.begin(), reg.identities.end(), *identity) != reg.identities.end()) {
      return true;
    }
    const auto hp = host_port(w);
    if (hp.empty()) continue;
    for (const auto& b : reg.bindings) {
      if (b.path.empty()) continue;
      const auto first = sip::parse_name_addr(b.path.front());
      if (first && host_port(first.value.uri) == hp) return true;
    }
  }
  return false;
}

class RegSubscribeTsx final : public AnsweringTsx {
 public:
  explicit RegSubscribeTsx(ScscfService& service) : AnsweringTsx(service) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    helper_ = &helper;
    return on_subscribe();
  }

 private:
  Verdict on_subscribe() {
    const auto& request = helper_->request();
    what_ = "SUBSCRIBE " + std::string(request.request_uri());
    const auto* event = request.find(sip::HeaderId::event);
    const auto parsed_event = event ? sip::parse_value_with_params(event->value) : sip::Parsed<sip::ValueWithParams>{};
    if (!event || !parsed_event || !boost::algorithm::iequals(parsed_event.value.value, "reg")) {
      auto r = response(489, "Bad Event");
      r.append(sip::HeaderId::allow_events, "reg");
      return send(std::move(r), "not the reg event");
    }
    const auto& o = service_.options();
    std::uint32_t expires = o.max_subscription_expires;
    if (const auto* e = request.find(sip::HeaderId::expires)) {
      const auto n = sip::parse_number(e->value, 0xffffffffu);
      if (!n) return answer(400, "Bad Request (Expires)", "malformed Expires");
      expires = static_cast<std::uint32_t>(std::min<std::uint64_t>(n.value, o.max_subscription_expires));
    }
    const auto now = service_.now();
    const auto to_tag = std::string(request.to().tag());
    if (!to_tag.empty()) {
      // A refresh or an unsubscribe in an existing dialog.
      auto* s = service_.find_subscription(std::string(request.call_id()), to_tag);
      if (!s) return answer(481, "Subscription Does Not Exist", "no such subscription");
      s->expires_at = now + std::chrono::seconds(expires);
      const auto id = s->call_id + ";" + s->local_tag;
      auto r = sip::make_response(request, 200, "OK");
      r.append(sip::HeaderId::contact, "<" + o.own_uri + ">");
      r.append(sip::HeaderId::expires, std::to_string(expires));
      const auto verdict = send(std::move(r), expires == 0 ? "200 OK, unsubscribed" : "200 OK, refreshed");
      service_.notify(id, expires == 0, "timeout");
      return verdict;
    }
    const auto identity = ims::public_identity(request.request_uri());
    const auto* reg = identity ? service_.registrar().find(*identity) : nullptr;
    if (!reg) return answer(403, "Forbidden", "not a registered identity");
    if (!may_subscribe(request, *reg)) {
      return answer(403, "Forbidden", "the subscriber is neither the user nor its P-CSCF");
    }
    const auto* contact = request.find(sip::HeaderId::contact);
    const auto target = contact ? sip::parse_name_addr_list(contact->value) : sip::Parsed<std::vector<sip::NameAddr>>{};
    if (!contact || !target || target.value.empty()) return answer(400, "Bad Request (Contact)", "no Contact");
    RegSubscription s;
    s.key = reg->impu;
    s.call_id = std::string(request.call_id());
    s.local_tag = service_.new_tag();
    s.local_uri = std::string(request.to().uri);
    s.remote = std::string(request.find(sip::HeaderId::from)->value);
    s.remote_target = std::string(target.value.front().uri);
    for (const auto& field : request.headers()) {
      if (field.id != sip::HeaderId::record_route) continue;
      const auto list = sip::split_list(field.value);
      if (!list) continue;
      for (const auto v : list.value) s.route_set.emplace_back(v);
    }
    const auto from = ims::public_identity(request.from().uri);
    s.by_user = from && std::find(reg->identities.begin(), reg->identities.end(), *from) != reg->identities.end();
    const auto* pai = request.find(sip::HeaderId::p_asserted_identity);
    s.subscriber = pai ? std::string(pai->value) : std::string(request.from().uri);
    s.expires_at = now + std::chrono::seconds(expires);
    const auto local_tag = s.local_tag;
    const auto who = s.subscriber;
    const auto id = service_.add_subscription(std::move(s));
    auto r = sip::make_response(request, 200, "OK", local_tag);
    r.append(sip::HeaderId::contact, "<" + o.own_uri + ">");
    r.append(sip::HeaderId::expires, std::to_string(expires));
    const auto verdict = send(std::move(r), "200 OK, subscribed by " + who + " for " + std::to_string(expires) + " s");
    service_.notify(id, expires == 0, "timeout");
    return verdict;
  }
};

}  // namespace

std::unique_ptr<sip::proxy::ProxyTsx> make_reg_subscribe_tsx(ScscfService& service) {
  return std::make_unique<RegSubscribeTsx>(service);
}

}  // namespace imsbox::scscf
