// The notifier side of the reg event (RFC 3680, TS 24.229 §5.4.2.1.2): the
// subscriptions a SUBSCRIBE made (reg_subscribe_tsx.cpp), NOTIFYs on every
// change of a registration, the final ones when it ends or a subscription
// expires, and what a NOTIFY's failure does to the subscription.
#include <memory>
#include <vector>

#include "runtime/log.h"
#include "scscf/scscf_service.h"

namespace imsbox::scscf {

void ScscfService::registration_changed(const std::string& key, std::string_view contact_event) {
  const auto* r = registrar_.find(key);
  if (r) {
    auto [first, last] = subscription_ids_.equal_range(r->impu);
    for (auto it = first; it != last; ++it) {
      if (auto s = subscriptions_.find(it->second); s != subscriptions_.end()) send_notify(s->second, r, RegInfoOf::current, false, {}, contact_event);
    }
  }
  rearm_expiry();
}

void ScscfService::registration_ended(const Registration& r, std::string_view contact_event) {
  std::vector<RegSubscription> by_user, others;
  std::vector<std::string> ids;
  auto [first, last] = subscription_ids_.equal_range(r.impu);
  for (auto it = first; it != last; ++it) ids.push_back(it->second);
  for (const auto& id : ids) {
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) continue;
    if (timers_ && it->second.timer != 0) timers_->cancel(it->second.timer);
    (it->second.by_user ? by_user : others).push_back(std::move(it->second));
    erase_subscription(it);
  }
  // The UE's own subscriptions first, the P-CSCF's once those are through:
  // the P-CSCF drops the registration (and with it the way to the UE, a
  // WebSocket for instance) when it learns that it ended.
  auto rest = std::make_shared<std::function<void()>>(
      [this, r, event = std::string(contact_event), others = std::move(others)]() mutable {
        for (auto& s : others) send_notify(s, &r, RegInfoOf::end, true, "noresource", event);
      });
  if (by_user.empty()) return (*rest)();
  auto pending = std::make_shared<std::size_t>(by_user.size());
  for (auto& s : by_user) {
    send_notify(s, &r, RegInfoOf::end, true, "noresource", contact_event, [pending, rest] {
      if (--*pending == 0) (*rest)();
    });
  }
}

std::string ScscfService::add_subscription(RegSubscription s) {
  const auto id = s.call_id + ";" + s.local_tag;
  if (auto it = subscriptions_.find(id); it != subscriptions_.end()) erase_subscription(it);
  subscription_ids_.emplace(s.key, id);
  subscriptions_[id] = std::move(s);
  persist_subscription(id);
  return id;
}

void ScscfService::erase_subscription(std::map<std::string, RegSubscription>::iterator it) {
  auto [first, last] = subscription_ids_.equal_range(it->second.key);
  for (auto i = first; i != last; ++i) {
    if (i->second == it->first) {
      subscription_ids_.erase(i);
      break;
    }
  }
  persist_subscription(it->first);
  subscriptions_.erase(it);
}

RegSubscription* ScscfService::find_subscription(const std::string& call_id, const std::string& local_tag) {
  const auto it = subscriptions_.find(call_id + ";" + local_tag);
  return it == subscriptions_.end() ? nullptr : &it->second;
}

void ScscfService::notify(const std::string& id, bool terminate, std::string_view reason) {
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return;
  auto& s = it->second;
  const auto* r = registrar_.find(s.key);
  if (terminate || !r) {
    send_notify(s, r, RegInfoOf::current, true, r ? reason : "noresource", r ? "registered" : "unregistered");
    if (timers_ && s.timer != 0) timers_->cancel(s.timer);
    erase_subscription(it);
    return;
  }
  send_notify(s, r, RegInfoOf::current, false, {}, "registered");
  if (timers_) {
    if (s.timer != 0) timers_->cancel(s.timer);
    const auto delay = std::max(std::chrono::microseconds(0),
                                std::chrono::duration_cast<std::chrono::microseconds>(s.expires_at - clock_.now()));
    s.timer = timers_->schedule_after(delay, [this, id] { on_subscription_expiry(id); });
  }
}

void ScscfService::on_subscription_expiry(const std::string& id) {
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return;
  it->second.timer = 0;
  log_.info("reg event: subscription of " + it->second.subscriber + " to " + it->second.key + " expired");
  notify(id, true, "timeout");
}

void ScscfService::send_notify(RegSubscription& s, const Registration* r, RegInfoOf shows, bool terminated,
                               std::string_view reason, std::string_view contact_event, std::function<void()> after) {
  const auto now = clock_.now();
  ims::RegInfo info;
  if (r) {
    info = reginfo_for(*r, shows == RegInfoOf::current, contact_event, now, s.version);
  } else {
    info.version = s.version;
  }
  ++s.version;
  ++s.cseq;
  persist_subscription(s.call_id + ";" + s.local_tag);
  std::string state;
  if (terminated) {
    state = "terminated;reason=" + std::string(reason.empty() ? "noresource" : reason);
  } else {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(s.expires_at - now).count();
    state = "active;expires=" + std::to_string(left > 0 ? left : 0);
  }
  auto m = make_notify(s, options_.own_uri, state, info);
  const std::string what = "reg event: NOTIFY " + s.key + " to " + s.subscriber + " (" + state + ", version " +
                           std::to_string(info.version) + ")";
  if (!originator_) {
    log_.warning(what + ": no originator");
    if (after) after();
    return;
  }
  const auto id = s.call_id + ";" + s.local_tag;
  const auto call_id = s.call_id;
  std::weak_ptr<int> alive = alive_;
  const bool sent = originator_->originate(std::move(m), std::nullopt, [this, alive, id, what, call_id, after](const sip::Message& resp) {
    if (alive.expired()) return;
    log_.log(runtime::LogLevel::info, what + ": " + std::to_string(resp.status()), call_id);
    if (after) after();
    if (resp.status() == 481 || resp.status() == 404 || resp.status() == 408) {
      // The subscriber is gone (RFC 6665 §4.2.2): drop the subscription.
      const auto it = subscriptions_.find(id);
      if (it != subscriptions_.end()) {
        if (timers_ && it->second.timer != 0) timers_->cancel(it->second.timer);
        erase_subscription(it);
      }
    }
  });
  if (!sent) {
    log_.log(runtime::LogLevel::warning, what + ": could not be sent", call_id);
    if (after) after();
  }
}

}  // namespace imsbox::scscf
