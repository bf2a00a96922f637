#include "pcscf/registration.h"

#include <algorithm>

#include "ims/identity.h"
#include "sip/header_values.h"
#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::pcscf {

namespace {

using sip::HeaderId;

bool is_star(std::string_view value) { return sip::text::trim(value) == "*"; }

// The expiry a contact of `m` has: its expires parameter, else the Expires header.
std::optional<std::uint64_t> expires_of(const sip::NameAddr& contact, const sip::Message& m) {
  if (const auto* p = sip::find_param(contact.params, "expires"); p && p->has_value) {
    const auto n = sip::parse_number(sip::unquote(p->value), 0xFFFFFFFFu);
    if (n) return n.value;
  }
  if (const auto* e = m.find(HeaderId::expires)) {
    const auto n = sip::parse_number(e->value, 0xFFFFFFFFu);
    if (n) return n.value;
  }
  return std::nullopt;
}

// RFC 5626 §4.2: the Contact's +sip.instance (without quotes and <>) and reg-id.
void flow_of(const sip::NameAddr& contact, RegisteredContact& out) {
  if (const auto* p = sip::find_param(contact.params, "+sip.instance"); p && p->has_value) {
    auto v = sip::unquote(p->value);
    if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
    if (!v.empty()) out.instance = std::string(v);
  }
  if (const auto* p = sip::find_param(contact.params, "reg-id"); p && p->has_value) {
    if (const auto n = sip::parse_number(p->value, 0xFFFFFFFFu)) out.reg_id = static_cast<std::uint32_t>(n.value);
  }
}

}  // namespace

bool lists_option(const sip::Message& m, HeaderId id, std::string_view option) {
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    const auto list = sip::parse_token_list(h.value);
    if (!list) continue;
    for (const auto& t : list.value) {
      if (sip::text::iequals(t, option)) return true;
    }
  }
  return false;
}

const char* check_register(const sip::Message& request) {
  if (!ims::register_impu(request)) return "Bad Request (no public identity in To)";
  if (const auto* e = request.find(HeaderId::expires); e && !sip::parse_number(e->value, 0xFFFFFFFFu)) {
    return "Bad Request (malformed Expires)";
  }
  std::size_t contacts = 0;
  bool star = false;
  for (const auto& h : request.headers()) {
    if (h.id != HeaderId::contact) continue;
    if (is_star(h.value)) {
      star = true;
      ++contacts;
      continue;
    }
    const auto list = sip::parse_name_addr_list(h.value);
    if (!list) return "Bad Request (malformed Contact)";
    for (const auto& c : list.value) {
      ++contacts;
      if (!sip::parse_uri(c.uri).uri && !sip::is_absolute_uri(c.uri)) return "Bad Request (malformed Contact URI)";
      if (const auto* p = sip::find_param(c.params, "expires");
          p && (!p->has_value || !sip::parse_number(sip::unquote(p->value), 0xFFFFFFFFu))) {
        return "Bad Request (malformed expires parameter)";
      }
    }
  }
  if (star) {
    // RFC 3261 §10.3 step 6
    if (contacts > 1) return "Bad Request (Contact: * with other contacts)";
    const auto* e = request.find(HeaderId::expires);
    if (!e || sip::parse_number(e->value, 0xFFFFFFFFu).value != 0) return "Bad Request (Contact: * without Expires: 0)";
  }
  return nullptr;
}

void strip_identities(sip::Message& request) {
  request.remove_all(HeaderId::p_asserted_identity);
  request.remove_all(HeaderId::p_preferred_identity);
}

void prepare_register(sip::Message& request, const RegisterEdits& edits) {
  strip_identities(request);
  // the UE's own route (to us) is gone already; the I-CSCF is the service's Target
  request.remove_all(HeaderId::route);
  request.prepend(HeaderId::path, edits.path);
  if (!lists_option(request, HeaderId::require, "path")) request.append(HeaderId::require, "path");
  if (!lists_option(request, HeaderId::supported, "path")) request.append(HeaderId::supported, "path");
  request.remove_all(HeaderId::p_visited_network_id);
  request.append(HeaderId::p_visited_network_id, edits.visited_network);
  request.remove_all(HeaderId::p_charging_vector);
  request.append(HeaderId::p_charging_vector,
                 "icid-value=" + edits.icid + ";icid-generated-at=" + edits.icid_generated_at);
}

std::string edit_auth_params(std::string_view value,
                             const std::function<bool(std::string_view name, std::string_view param)>& keep,
                             std::string_view extra) {
  value = sip::text::trim(value);
  std::size_t end_of_scheme = 0;
  while (end_of_scheme < value.size() && !sip::text::is_wsp(value[end_of_scheme])) ++end_of_scheme;
  const auto scheme = value.substr(0, end_of_scheme);
  const auto rest = sip::text::trim(value.substr(end_of_scheme));
  const auto list = sip::split_list(rest);
  if (!list) return std::string(value);
  std::string out(scheme);
  bool first = true;
  const auto add = [&](std::string_view param) {
    out += first ? " " : ", ";
    out += param;
    first = false;
  };
  for (const auto element : list.value) {
    const auto e = sip::text::trim(element);
    if (keep(sip::text::trim(e.substr(0, e.find('='))), e)) add(e);
  }
  if (!extra.empty()) add(extra);
  return out;
}

std::string without_auth_keys(std::string_view value, AuthKeys* keys) {
  return edit_auth_params(value, [keys](std::string_view name, std::string_view param) {
    const bool is_ck = sip::text::iequals(name, "ck");
    const bool is_ik = sip::text::iequals(name, "ik");
    if (!is_ck && !is_ik) return true;
    if (const auto eq = param.find('='); keys && eq != std::string_view::npos) {
      (is_ck ? keys->ck : keys->ik) = std::string(sip::unquote(sip::text::trim(param.substr(eq + 1))));
    }
    return false;
  });
}

AuthKeys remove_auth_keys(sip::Message& response) {
  std::vector<std::string> values;
  bool changed = false;
  AuthKeys first;
  for (const auto& h : response.headers()) {
    if (h.id != HeaderId::www_authenticate) continue;
    AuthKeys keys;
    values.push_back(without_auth_keys(h.value, &keys));
    if (!keys.empty()) {
      changed = true;
      if (first.empty()) first = std::move(keys);
    }
  }
  if (changed) {
    response.remove_all(HeaderId::www_authenticate);
    for (auto& v : values) response.append(HeaderId::www_authenticate, std::move(v));
  }
  return first;
}

std::vector<std::string> header_uris(const sip::Message& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    const auto list = sip::parse_name_addr_list(h.value);
    if (!list) continue;
    for (const auto& v : list.value) out.emplace_back(v.uri);
  }
  return out;
}

std::vector<std::string> header_values(const sip::Message& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    const auto list = sip::split_list(h.value);
    if (!list) continue;
    for (const auto v : list.value) out.emplace_back(sip::text::trim(v));
  }
  return out;
}

RegisterOk register_ok(const sip::Message& request, const sip::Message& ok, std::string impu, const sip::Peer& source,
                       std::string path, std::chrono::seconds default_expires) {
  RegisterOk r;
  r.impu = std::move(impu);
  r.associated = header_uris(ok, HeaderId::p_associated_uri);
  r.service_route = header_values(ok, HeaderId::service_route);
  r.path = std::move(path);
  r.source = source;

  // the bindings the 200 lists, by contact key
  std::vector<std::pair<std::string, std::uint64_t>> listed;
  for (const auto& h : ok.headers()) {
    if (h.id != HeaderId::contact || is_star(h.value)) continue;
    const auto list = sip::parse_name_addr_list(h.value);
    if (!list) continue;
    for (const auto& c : list.value) {
      const auto e = expires_of(c, ok);
      listed.emplace_back(contact_key(c.uri), e ? *e : static_cast<std::uint64_t>(default_expires.count()));
    }
  }
  for (const auto& h : request.headers()) {
    if (h.id != HeaderId::contact) continue;
    if (is_star(h.value)) {
      r.remove_all = true;
      continue;
    }
    const auto list = sip::parse_name_addr_list(h.value);
    if (!list) continue;
    for (const auto& c : list.value) {
      const auto key = contact_key(c.uri);
      const auto it = std::find_if(listed.begin(), listed.end(), [&](const auto& l) { return l.first == key; });
      const std::uint64_t expires = it == listed.end() ? 0 : it->second;
      RegisteredContact rc{std::string(c.uri), std::chrono::seconds(expires), std::nullopt, std::nullopt};
      flow_of(c, rc);
      r.contacts.push_back(std::move(rc));
    }
  }
  return r;
}

}  // namespace imsbox::pcscf
