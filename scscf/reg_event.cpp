#include "scscf/reg_event.h"

#include <chrono>
#include <cstdio>

namespace imsbox::scscf {

std::string stable_id(std::string_view a, std::string_view b) {
  // FNV-1a, 64 bits: stable across runs (std::hash need not be).
  std::uint64_t h = 1469598103934665603ull;
  const auto mix = [&h](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
  };
  mix(a);
  mix("\x1f");
  mix(b);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

ims::RegInfo reginfo_for(const Registration& r, bool active, std::string_view contact_event, Time now,
                         std::uint32_t version) {
  ims::RegInfo info;
  info.version = version;
  info.full = true;
  for (const auto& identity : r.identities) {
    ims::RegInfoRegistration reg;
    reg.aor = identity;
    reg.id = stable_id(identity);
    reg.state = active && !r.bindings.empty() ? "active" : "terminated";
    for (const auto& b : r.bindings) {
      ims::RegInfoContact c;
      c.id = stable_id(identity, b.uri);
      c.state = active ? "active" : "terminated";
      c.event = std::string(contact_event);
      if (active) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(b.expires_at - now).count();
        c.expires = static_cast<std::uint32_t>(left > 0 ? left : 0);
      }
      c.uri = b.uri;
      c.instance = b.instance;
      c.reg_id = b.reg_id;
      reg.contacts.push_back(std::move(c));
    }
    info.registrations.push_back(std::move(reg));
  }
  return info;
}

sip::Message make_notify(const RegSubscription& s, std::string_view own_uri, std::string_view subscription_state,
                         const ims::RegInfo& body) {
  auto m = sip::Message::request("NOTIFY", s.remote_target);
  for (const auto& route : s.route_set) m.append(sip::HeaderId::route, route);
  m.append(sip::HeaderId::max_forwards, "70");
  m.append(sip::HeaderId::from, "<" + s.local_uri + ">;tag=" + s.local_tag);
  m.append(sip::HeaderId::to, s.remote);
  m.append(sip::HeaderId::call_id, s.call_id);
  m.append(sip::HeaderId::cseq, std::to_string(s.cseq) + " NOTIFY");
  m.append(sip::HeaderId::event, "reg");
  m.append(sip::HeaderId::subscription_state, std::string(subscription_state));
  m.append(sip::HeaderId::contact, "<" + std::string(own_uri) + ">");
  m.set_body(ims::to_xml(body), "application/reginfo+xml");
  return m;
}

}  // namespace imsbox::scscf
