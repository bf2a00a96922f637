#include "pcscf/reg_event.h"

#include <algorithm>

#include "pcscf/registration.h"
#include "sip/header_values.h"
#include "sip/text.h"

namespace imsbox::pcscf {

using sip::HeaderId;

sip::Message make_reg_subscribe(RegSubscription& s, std::string_view pcscf_uri, std::uint32_t expires) {
  const bool in_dialog = s.established() && !s.remote_target.empty();
  auto m = sip::Message::request("SUBSCRIBE", in_dialog ? s.remote_target : s.impu);
  for (const auto& r : s.route_set) m.append(HeaderId::route, r);
  const std::string own = "<" + std::string(pcscf_uri) + ">";
  m.append(HeaderId::from, own + ";tag=" + s.from_tag);
  m.append(HeaderId::to, "<" + s.impu + ">" + (s.to_tag.empty() ? "" : ";tag=" + s.to_tag));
  m.append(HeaderId::call_id, s.call_id);
  m.append(HeaderId::cseq, std::to_string(++s.cseq) + " SUBSCRIBE");
  m.append(HeaderId::event, "reg");
  m.append(HeaderId::expires, std::to_string(expires));
  m.append(HeaderId::accept, "application/reginfo+xml");
  m.append(HeaderId::contact, own);
  m.append(HeaderId::p_asserted_identity, own);
  return m;
}

std::uint32_t subscribe_accepted(RegSubscription& s, const sip::Message& ok, std::uint32_t requested) {
  if (const auto tag = ok.to().tag(); !tag.empty()) s.to_tag = std::string(tag);
  if (const auto contacts = header_uris(ok, HeaderId::contact); !contacts.empty()) s.remote_target = contacts.front();
  // RFC 3261 §12.1.2: the route set is the Record-Route of the 2xx, reversed;
  // none (no proxy stayed on the path): straight to the remote target
  auto rr = header_values(ok, HeaderId::record_route);
  if (!s.remote_target.empty()) {
    std::reverse(rr.begin(), rr.end());
    s.route_set = std::move(rr);
  }
  if (const auto* e = ok.find(HeaderId::expires)) {
    if (const auto n = sip::parse_number(e->value, 0xFFFFFFFFu)) return static_cast<std::uint32_t>(n.value);
  }
  return requested;
}

std::uint32_t refresh_after(std::uint32_t expires) {
  if (expires > 1200) return expires - 600;
  return std::max<std::uint32_t>(1, expires / 2);
}

RegInfoEffect apply_reginfo(RegistrationCache& cache, const ims::RegInfo& info, Time now) {
  RegInfoEffect effect;
  for (const auto& r : info.registrations) {
    if (r.state == "terminated") {
      std::vector<std::string> contacts;
      if (const auto* reg = cache.find(r.aor, Time::min())) {
        for (const auto& b : reg->bindings) contacts.push_back(b.contact);
      }
      if (cache.remove(r.aor, now)) {
        for (auto& c : contacts) effect.removed_contacts.emplace_back(r.aor, std::move(c));
        effect.removed_impus.push_back(r.aor);
      } else {
        cache.forget_associated(r.aor);
      }
      continue;
    }
    for (const auto& c : r.contacts) {
      if (c.state != "terminated") continue;
      if (!cache.unbind(r.aor, c.uri, now)) continue;
      effect.removed_contacts.emplace_back(r.aor, c.uri);
      if (!cache.find(r.aor, Time::min())) effect.removed_impus.push_back(r.aor);
    }
  }
  return effect;
}

bool subscription_terminated(const sip::Message& notify) {
  const auto* h = notify.find(HeaderId::subscription_state);
  if (!h) return false;
  const auto v = sip::parse_value_with_params(h->value);
  return v && sip::text::iequals(v.value.value, "terminated");
}

std::optional<std::chrono::seconds> resubscribe_after(const sip::Message& notify) {
  const auto* h = notify.find(HeaderId::subscription_state);
  if (!h) return std::chrono::seconds(0);
  const auto v = sip::parse_value_with_params(h->value);
  if (!v) return std::chrono::seconds(0);  // terminated, but unreadable: as with no reason
  const auto* reason = sip::find_param(v.value.params, "reason");
  const std::string_view why = reason && reason->has_value ? reason->value : std::string_view();
  std::optional<std::chrono::seconds> after;
  if (const auto* p = sip::find_param(v.value.params, "retry-after"); p && p->has_value) {
    if (const auto n = sip::parse_number(p->value, 0xFFFFFFFFu)) after = std::chrono::seconds(n.value);
  }
  const auto is = [&](std::string_view r) { return sip::text::iequals(why, r); };
  if (is("rejected") || is("noresource") || is("invariant")) return std::nullopt;
  if (is("deactivated") || is("timeout")) return std::chrono::seconds(0);
  if (is("probation")) return after.value_or(kProbationRetry);
  return after.value_or(std::chrono::seconds(0));  // giveup, none, unknown
}

SubscribeFailure subscribe_failure(int status, bool refresh) {
  if (status == 408 || (status >= 500 && status < 600)) return SubscribeFailure::retry;
  return refresh ? SubscribeFailure::resubscribe : SubscribeFailure::give_up;
}

std::optional<std::chrono::seconds> retry_after(const sip::Message& response) {
  const auto* h = response.find(HeaderId::retry_after);
  if (!h) return std::nullopt;
  // Retry-After: delta-seconds [comment] *(; params)
  auto v = sip::text::trim(h->value);
  std::size_t n = 0;
  while (n < v.size() && v[n] >= '0' && v[n] <= '9') ++n;
  const auto number = sip::parse_number(v.substr(0, n), 0xFFFFFFFFu);
  if (!number) return std::nullopt;
  return std::chrono::seconds(number.value);
}

}  // namespace imsbox::pcscf
