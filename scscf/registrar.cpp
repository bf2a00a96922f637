#include "scscf/registrar.h"

#include <algorithm>
#include <variant>
#include <boost/algorithm/string/predicate.hpp>

#include "sip/header_values.h"

namespace imsbox::scscf {

namespace {

std::string strip_instance(std::string_view v) {
  v = sip::unquote(v);
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

bool same_binding(const Binding& b, const ContactChange& c) {
  if (b.instance && c.instance) {
    return *b.instance == *c.instance && b.reg_id == c.reg_id;
  }
  return b.uri == c.uri;
}

// The bindings after a REGISTER, or an error text (ordering).
std::variant<std::vector<Binding>, std::string> merge(std::vector<Binding> bindings, const RegisterRequest& r,
                                                      Time now) {
  std::erase_if(bindings, [now](const Binding& b) { return b.expires_at <= now; });
  if (r.wildcard) {
    for (const auto& b : bindings) {
      if (b.call_id == r.call_id && r.cseq <= b.cseq) return std::string("CSeq out of order");
    }
    return std::vector<Binding>{};
  }
  for (const auto& c : r.contacts) {
    auto it = std::find_if(bindings.begin(), bindings.end(), [&](const Binding& b) { return same_binding(b, c); });
    if (it != bindings.end() && it->call_id == r.call_id && r.cseq <= it->cseq) {
      return std::string("CSeq out of order");
    }
    if (c.expires == 0) {
      if (it != bindings.end()) bindings.erase(it);
      continue;
    }
    Binding b;
    b.uri = c.uri;
    b.contact = c.contact;
    b.instance = c.instance;
    b.reg_id = c.reg_id;
    b.path = r.path;
    b.call_id = r.call_id;
    b.cseq = r.cseq;
    b.expires_at = now + std::chrono::seconds(c.expires);
    if (it != bindings.end()) {
      *it = std::move(b);
    } else {
      bindings.push_back(std::move(b));
    }
  }
  return bindings;
}

}  // namespace

RegisterParse parse_register(const sip::Message& request, std::uint32_t min_expires, std::uint32_t max_expires) {
  RegisterParse out;
  RegisterRequest r;
  r.call_id = std::string(request.call_id());
  r.cseq = request.cseq().number;
  std::optional<std::uint32_t> default_expires;
  if (const auto* e = request.find(sip::HeaderId::expires)) {
    const auto n = sip::parse_number(e->value, 0xffffffffu);
    if (!n) {
      out.status = 400;
      out.reason = "Bad Request (Expires)";
      return out;
    }
    default_expires = static_cast<std::uint32_t>(n.value);
  }
  const auto clamp = [&](std::uint32_t e) -> std::uint32_t { return e == 0 ? 0 : std::min(e, max_expires); };
  bool too_brief = false;
  for (const auto& field : request.headers()) {
    if (field.id == sip::HeaderId::path) {
      const auto list = sip::split_list(field.value);
      if (!list) {
        out.status = 400;
        out.reason = "Bad Request (Path)";
        return out;
      }
      for (const auto v : list.value) r.path.emplace_back(v);
      continue;
    }
    if (field.id != sip::HeaderId::contact) continue;
    if (field.value == "*") {
      r.wildcard = true;
      continue;
    }
    const auto list = sip::parse_name_addr_list(field.value);
    if (!list) {
      out.status = 400;
      out.reason = std::string("Bad Request (Contact: ") + list.error + ")";
      return out;
    }
    for (const auto& na : list.value) {
      ContactChange c;
      c.uri = std::string(na.uri);
      c.contact = "<" + c.uri + ">";
      std::optional<std::uint32_t> expires;
      for (const auto& p : na.params) {
        if (boost::algorithm::iequals(p.name, "expires")) {
          const auto n = sip::parse_number(p.value, 0xffffffffu);
          if (!n) {
            out.status = 400;
            out.reason = "Bad Request (Contact expires)";
            return out;
          }
          expires = static_cast<std::uint32_t>(n.value);
          continue;
        }
        if (boost::algorithm::iequals(p.name, "+sip.instance") && p.has_value) c.instance = strip_instance(p.value);
        if (boost::algorithm::iequals(p.name, "reg-id") && p.has_value) {
          const auto n = sip::parse_number(p.value, 0xffffffffu);
          if (n) c.reg_id = static_cast<std::uint32_t>(n.value);
        }
        c.contact += ";" + std::string(p.name);
        if (p.has_value) c.contact += "=" + std::string(p.value);
      }
      const std::uint32_t asked = expires.value_or(default_expires.value_or(max_expires));
      if (asked != 0 && asked < min_expires) too_brief = true;
      c.expires = clamp(asked);
      r.contacts.push_back(std::move(c));
    }
  }
  if (r.wildcard && (!r.contacts.empty() || default_expires.value_or(1) != 0)) {
    out.status = 400;
    out.reason = "Bad Request (Contact: * needs Expires: 0 and no other contact)";
    return out;
  }
  if (too_brief) {
    out.status = 423;
    out.reason = "Interval Too Brief";
    return out;
  }
  out.request = std::move(r);
  return out;
}

std::vector<std::string> implicit_set(const ims::ImsSubscription& profile, const std::string& impu) {
  std::vector<std::string> out{impu};
  for (const auto& sp : profile.service_profiles) {
    for (const auto& p : sp.public_identities) {
      if (p.barred || p.identity == impu) continue;
      if (std::find(out.begin(), out.end(), p.identity) == out.end()) out.push_back(p.identity);
    }
  }
  return out;
}

bool is_barred(const ims::ImsSubscription& profile, std::string_view identity) {
  return std::any_of(profile.service_profiles.begin(), profile.service_profiles.end(), [&](const auto& sp) {
    return std::any_of(sp.public_identities.begin(), sp.public_identities.end(),
                       [&](const auto& p) { return p.barred && p.identity == identity; });
  });
}

Registrar::Check Registrar::check(const std::string& impu, const RegisterRequest& r, Time now) const {
  Check out;
  const auto* existing = find(impu);
  std::vector<Binding> bindings;
  if (existing) bindings = existing->bindings;
  std::erase_if(bindings, [now](const Binding& b) { return b.expires_at <= now; });
  const bool registered = !bindings.empty();
  auto merged = merge(std::move(bindings), r, now);
  if (auto* e = std::get_if<std::string>(&merged)) {
    out.error = *e;
    return out;
  }
  const bool left = !std::get<std::vector<Binding>>(merged).empty();
  if (!registered) {
    out.kind = left ? Kind::initial : Kind::fetch_unregistered;
  } else {
    out.kind = left ? Kind::refresh : Kind::deregistration;
  }
  return out;
}

const Registration* Registrar::apply(const std::string& impu, const std::string& impi, const RegisterRequest& r,
                                     std::optional<ims::ImsSubscription> profile, Time now) {
  Registration reg;
  const bool had = find(impu) != nullptr;
  if (had) {
    reg = *find(impu);
  } else {
    reg.impu = impu;
    reg.identities = {impu};
  }
  reg.impi = impi;
  if (profile) {
    reg.identities = implicit_set(*profile, reg.impu);
    reg.profile = std::move(*profile);
  }
  auto merged = merge(std::move(reg.bindings), r, now);
  if (std::holds_alternative<std::string>(merged)) {
    // checked before; a REGISTER that raced this one: keep what was there
    return find(impu);
  }
  if (had) remove(impu);
  reg.bindings = std::move(std::get<std::vector<Binding>>(merged));
  if (reg.bindings.empty()) return nullptr;
  const auto key = reg.impu;
  index(reg);
  auto [it, ok] = registrations_.insert_or_assign(key, std::move(reg));
  (void)ok;
  return &it->second;
}

const Registration* Registrar::insert(Registration r) {
  remove(r.impu);
  const auto key = r.impu;
  index(r);
  auto [it, ok] = registrations_.insert_or_assign(key, std::move(r));
  (void)ok;
  return &it->second;
}

const Registration* Registrar::find(std::string_view identity) const {
  const auto k = by_identity_.find(identity);
  if (k == by_identity_.end()) return nullptr;
  const auto it = registrations_.find(k->second);
  return it == registrations_.end() ? nullptr : &it->second;
}

Registration* Registrar::find(std::string_view identity) {
  return const_cast<Registration*>(static_cast<const Registrar*>(this)->find(identity));
}

std::optional<Registration> Registrar::remove(std::string_view identity) {
  const auto k = by_identity_.find(identity);
  if (k == by_identity_.end()) return std::nullopt;
  const auto it = registrations_.find(k->second);
  if (it == registrations_.end()) return std::nullopt;
  Registration r = std::move(it->second);
  registrations_.erase(it);
  unindex(r);
  return r;
}

std::vector<Registration> Registrar::expire(Time now, std::vector<std::string>* changed) {
  std::vector<Registration> gone;
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    const auto it = registrations_.find(expiries_.begin()->second);
    if (it == registrations_.end()) {  // cannot happen: index() and unindex() go with the map
      expiries_.erase(expiries_.begin());
      continue;
    }
    auto& r = it->second;
    unindex(r);
    auto& b = r.bindings;
    // A registration that is gone keeps its last contacts: the final NOTIFY lists them.
    if (std::all_of(b.begin(), b.end(), [now](const Binding& x) { return x.expires_at <= now; })) {
      gone.push_back(std::move(r));
      registrations_.erase(it);
      continue;
    }
    std::erase_if(b, [now](const Binding& x) { return x.expires_at <= now; });
    if (changed) changed->push_back(r.impu);
    index(r);
  }
  return gone;
}

std::optional<Time> Registrar::next_expiry() const {
  if (expiries_.empty()) return std::nullopt;
  return expiries_.begin()->first;
}

std::vector<std::string> Registrar::update_profile(const std::string& impi, const ims::ImsSubscription& profile) {
  std::vector<std::string> out;
  for (const auto& key : keys_of_impi(impi)) {
    auto it = registrations_.find(key);
    const auto listed = [&](const ims::ServiceProfile& sp) {
      return std::any_of(sp.public_identities.begin(), sp.public_identities.end(),
                         [&](const auto& p) { return p.identity == it->second.impu; });
    };
    if (std::none_of(profile.service_profiles.begin(), profile.service_profiles.end(), listed)) continue;
    unindex(it->second);
    it->second.profile = profile;
    it->second.identities = implicit_set(profile, it->second.impu);
    index(it->second);
    out.push_back(key);
  }
  return out;
}

std::vector<std::string> Registrar::keys_of_impi(const std::string& impi) const {
  std::vector<std::string> out;
  for (const auto& [k, r] : registrations_) {
    if (r.impi == impi) out.push_back(k);
  }
  return out;
}

namespace {

std::optional<Time> earliest_expiry(const Registration& r) {
  const auto b = std::min_element(r.bindings.begin(), r.bindings.end(),
                                  [](const Binding& x, const Binding& y) { return x.expires_at < y.expires_at; });
  if (b == r.bindings.end()) return std::nullopt;
  return b->expires_at;
}

}  // namespace

const Registration* Registrar::find_barred(std::string_view identity) const {
  const auto k = barred_.find(identity);
  if (k == barred_.end()) return nullptr;
  const auto it = registrations_.find(k->second);
  return it == registrations_.end() ? nullptr : &it->second;
}

void Registrar::index(const Registration& r) {
  by_identity_[r.impu] = r.impu;
  for (const auto& i : r.identities) by_identity_[i] = r.impu;
  for (const auto& sp : r.profile.service_profiles) {
    for (const auto& p : sp.public_identities) {
      if (p.barred) barred_[p.identity] = r.impu;
    }
  }
  if (const auto at = earliest_expiry(r)) expiries_.emplace(*at, r.impu);
}

void Registrar::unindex(const Registration& r) {
  for (const auto& i : r.identities) {
    const auto it = by_identity_.find(i);
    if (it != by_identity_.end() && it->second == r.impu) by_identity_.erase(it);
  }
  const auto it = by_identity_.find(r.impu);
  if (it != by_identity_.end() && it->second == r.impu) by_identity_.erase(it);
  for (const auto& sp : r.profile.service_profiles) {
    for (const auto& p : sp.public_identities) {
      const auto b = barred_.find(p.identity);
      if (b != barred_.end() && b->second == r.impu) barred_.erase(b);
    }
  }
  if (const auto at = earliest_expiry(r)) expiries_.erase({*at, r.impu});
}

}  // namespace imsbox::scscf
