#include "pcscf/registrations.h"

#include <algorithm>
#include <unordered_set>

#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::pcscf {

std::string contact_key(std::string_view uri) {
  const auto parsed = sip::parse_uri(uri);
  if (!parsed.uri) return std::string(uri);
  const auto& u = *parsed.uri;
  if (u.scheme == sip::Uri::Scheme::tel) return "tel:" + std::string(u.number);
  std::string key = u.scheme == sip::Uri::Scheme::sips ? "sips:" : "sip:";
  key += u.user;
  key += '@';
  for (char c : u.host) key += sip::text::lower(c);
  if (u.port) key += ":" + std::to_string(*u.port);
  return key;
}

bool same_source(const sip::Peer& registered, const sip::Peer& now) {
  if (registered.transport != now.transport) return false;
  if (sip::is_reliable(registered.transport) && registered.connection != 0) {
    return registered.connection == now.connection;
  }
  return registered.address == now.address && registered.port == now.port && registered.local_port == now.local_port;
}

std::string source_key(const sip::Peer& p) {
  std::string key(sip::to_string(p.transport));
  if (sip::is_reliable(p.transport) && p.connection != 0) return key + "#" + std::to_string(p.connection);
  // the local port too: a UE's datagrams to a protected port (TS 33.203)
  // and to the unprotected one are different flows
  return key + " " + p.address.to_string() + ":" + std::to_string(p.port) + ">" + std::to_string(p.local_port);
}

namespace {

void erase_one(std::unordered_multimap<std::string, std::string>& index, const std::string& key,
               const std::string& impu) {
  auto [first, last] = index.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (it->second == impu) {
      index.erase(it);
      return;
    }
  }
}

}  // namespace

void RegistrationCache::index(const Registration& reg, const Binding& b) {
  expiries_.emplace(b.expires_at, reg.impu, b.key);
  by_contact_.emplace(b.key, reg.impu);
  for (const auto& k : b.replaced) by_contact_.emplace(k, reg.impu);
  by_source_.emplace(source_key(b.source), reg.impu);
}

void RegistrationCache::unindex(const Registration& reg, const Binding& b) {
  expiries_.erase({b.expires_at, reg.impu, b.key});
  erase_one(by_contact_, b.key, reg.impu);
  for (const auto& k : b.replaced) erase_one(by_contact_, k, reg.impu);
  erase_one(by_source_, source_key(b.source), reg.impu);
}

RegisterChange RegistrationCache::apply(const RegisterOk& ok, Time now) {
  RegisterChange change;
  auto it = registrations_.find(ok.impu);
  // an entry whose bindings all expired counts as gone
  const bool had = it != registrations_.end() && find(ok.impu, now) != nullptr;
  if (it != registrations_.end() && !had) {
    unindex_all(it->second);
    registrations_.erase(it);
    it = registrations_.end();
  }
  if (ok.remove_all) {
    if (it != registrations_.end()) {
      for (const auto& b : it->second.bindings) {
        change.unbound.push_back(b.contact);
        remember(b, now);
      }
      unindex_all(it->second);
      registrations_.erase(it);
      change.removed = true;
    }
    return change;
  }
  if (it == registrations_.end()) {
    // nothing to remove and nothing to add: no entry
    const bool adds = std::any_of(ok.contacts.begin(), ok.contacts.end(),
                                  [](const RegisteredContact& c) { return c.expires.count() > 0; });
    if (!adds) return change;
    it = registrations_.emplace(ok.impu, Registration{}).first;
    it->second.impu = ok.impu;
    change.created = true;
  }
  auto& reg = it->second;
  if (!ok.associated.empty()) reg.associated = ok.associated;
  if (!ok.service_route.empty()) reg.service_route = ok.service_route;
  if (!ok.path.empty()) reg.path = ok.path;
  for (const auto& c : ok.contacts) {
    const auto key = contact_key(c.uri);
    auto b = std::find_if(reg.bindings.begin(), reg.bindings.end(), [&](const Binding& x) { return x.key == key; });
    if (b == reg.bindings.end() && c.instance) {
      // RFC 5626 §6: the same instance and reg-id is the same binding, on a new flow
      b = std::find_if(reg.bindings.begin(), reg.bindings.end(),
                       [&](const Binding& x) { return x.instance == c.instance && x.reg_id == c.reg_id; });
    }
    if (c.expires.count() <= 0) {
      if (b != reg.bindings.end()) {
        change.unbound.push_back(b->contact);
        remember(*b, now);
        unindex(reg, *b);
        reg.bindings.erase(b);
      }
      continue;
    }
    const auto at = now + c.expires;
    if (b == reg.bindings.end()) {
      reg.bindings.push_back(Binding{c.uri, key, at, ok.source, c.instance, c.reg_id, {}});
      index(reg, reg.bindings.back());
    } else {
      unindex(reg, *b);
      if (b->key != key) {
        change.moved.push_back(FlowChange{b->contact, c.uri, b->source});
        b->replaced.push_back(b->key);
      } else if (!same_source(b->source, ok.source)) {
        change.moved.push_back(FlowChange{b->contact, c.uri, b->source});
      }
      std::erase(b->replaced, key);  // back to a contact it had before: no alias of itself
      if (b->replaced.size() > kMaxReplaced) b->replaced.erase(b->replaced.begin());
      b->contact = c.uri;
      b->key = key;
      b->expires_at = at;
      b->source = ok.source;
      b->instance = c.instance;
      b->reg_id = c.reg_id;
      index(reg, *b);
    }
    change.bound.push_back(c.uri);
  }
  if (reg.bindings.empty()) {
    registrations_.erase(it);
    change.removed = true;
  }
  return change;
}

bool RegistrationCache::remove(std::string_view impu, Time now) {
  const auto it = registrations_.find(impu);
  if (it == registrations_.end()) return false;
  for (const auto& b : it->second.bindings) remember(b, now);
  unindex_all(it->second);
  registrations_.erase(it);
  return true;
}

bool RegistrationCache::unbind(std::string_view impu, std::string_view contact, Time now) {
  const auto it = registrations_.find(impu);
  if (it == registrations_.end()) return false;
  auto& bindings = it->second.bindings;
  const auto key = contact_key(contact);
  const auto b =
      std::find_if(bindings.begin(), bindings.end(), [&](const Binding& x) { return x.key == key; });
  if (b == bindings.end()) return false;
  remember(*b, now);
  unindex(it->second, *b);
  bindings.erase(b);
  if (bindings.empty()) registrations_.erase(it);
  return true;
}

std::size_t RegistrationCache::forget_associated(std::string_view uri) {
  std::size_t n = 0;
  for (auto& [impu, reg] : registrations_) {
    const auto before = reg.associated.size();
    std::erase_if(reg.associated, [&](const std::string& a) { return a == uri; });
    if (reg.associated.size() != before) ++n;
  }
  return n;
}

const Registration* RegistrationCache::find(std::string_view impu, Time now) const {
  const auto it = registrations_.find(impu);
  if (it == registrations_.end()) return nullptr;
  for (const auto& b : it->second.bindings) {
    if (b.expires_at > now) return &it->second;
  }
  return nullptr;
}

namespace {

bool live_from(const Registration& reg, const sip::Peer& source, Time now) {
  return std::any_of(reg.bindings.begin(), reg.bindings.end(),
                     [&](const Binding& b) { return b.expires_at > now && same_source(b.source, source); });
}

}  // namespace

std::vector<const Registration*> RegistrationCache::from_source(const sip::Peer& source, Time now) const {
  std::vector<const Registration*> out;
  std::unordered_set<const Registration*> seen;  // by_source_ has one entry per binding
  auto [first, last] = by_source_.equal_range(source_key(source));
  for (auto it = first; it != last; ++it) {
    const auto r = registrations_.find(it->second);
    if (r == registrations_.end() || !seen.insert(&r->second).second) continue;
    if (live_from(r->second, source, now)) out.push_back(&r->second);
  }
  std::sort(out.begin(), out.end(), [](const Registration* a, const Registration* b) { return a->impu < b->impu; });
  return out;
}

bool RegistrationCache::has_source(const sip::Peer& source, Time now) const {
  auto [first, last] = by_source_.equal_range(source_key(source));
  for (auto it = first; it != last; ++it) {
    const auto r = registrations_.find(it->second);
    if (r != registrations_.end() && live_from(r->second, source, now)) return true;
  }
  return false;
}

std::optional<RegistrationCache::Found> RegistrationCache::by_contact(std::string_view contact, Time now) const {
  const auto key = contact_key(contact);
  const auto replaced = [&](const Binding& b) {
    return std::find(b.replaced.begin(), b.replaced.end(), key) != b.replaced.end();
  };
  // a binding of that contact first, else one that replaced it; the same
  // contact under several IMPUs: the first IMPU, for a stable answer
  std::optional<Found> best;
  bool best_direct = false;
  auto [first, last] = by_contact_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    const auto r = registrations_.find(it->second);
    if (r == registrations_.end()) continue;
    for (const auto& b : r->second.bindings) {
      if (b.expires_at <= now) continue;
      const bool direct = b.key == key;
      if (!direct && !replaced(b)) continue;
      if (!best || (direct && !best_direct) ||
          (direct == best_direct && r->second.impu < best->registration->impu)) {
        best = Found{&r->second, &b};
        best_direct = direct;
      }
      if (direct) break;
    }
  }
  return best;
}

std::vector<std::pair<std::string, std::string>> RegistrationCache::expire(Time now) {
  std::vector<std::pair<std::string, std::string>> gone;
  while (!expiries_.empty() && std::get<0>(*expiries_.begin()) <= now) {
    // no structured bindings: a lambda below takes `at` and `key` (clang 14, the fuzz build, cannot)
    const Time at = std::get<0>(*expiries_.begin());
    const std::string impu = std::get<1>(*expiries_.begin());
    const std::string key = std::get<2>(*expiries_.begin());
    expiries_.erase(expiries_.begin());
    const auto it = registrations_.find(impu);
    if (it == registrations_.end()) continue;
    auto& bindings = it->second.bindings;
    const auto b = std::find_if(bindings.begin(), bindings.end(),
                                [&](const Binding& x) { return x.expires_at == at && x.key == key; });
    if (b == bindings.end()) continue;
    gone.emplace_back(impu, b->contact);
    remember(*b, now);
    unindex(it->second, *b);
    bindings.erase(b);
    if (bindings.empty()) registrations_.erase(it);
  }
  return gone;
}

void RegistrationCache::remember(const Binding& b, Time now) {
  while (!departed_order_.empty() && departed_order_.front().first <= now) {
    const auto& [until, key] = departed_order_.front();
    if (const auto d = departed_.find(key); d != departed_.end() && d->second.until == until) departed_.erase(d);
    departed_order_.pop_front();
  }
  const auto until = now + kDepartedGrace;
  departed_[b.key] = Departed{b.source, until};
  departed_order_.emplace_back(until, b.key);
  for (const auto& k : b.replaced) {
    departed_[k] = Departed{b.source, until};
    departed_order_.emplace_back(until, k);
  }
}

std::optional<sip::Peer> RegistrationCache::departed_source(std::string_view contact, Time now) const {
  const auto d = departed_.find(contact_key(contact));
  if (d == departed_.end() || d->second.until <= now) return std::nullopt;
  return d->second.source;
}

std::optional<Time> RegistrationCache::next_expiry() const {
  if (expiries_.empty()) return std::nullopt;
  return std::get<0>(*expiries_.begin());
}

std::size_t RegistrationCache::bindings() const {
  return expiries_.size();  // one entry per binding (index())
}

}  // namespace imsbox::pcscf
