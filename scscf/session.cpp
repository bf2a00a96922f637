#include "scscf/session.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>

#include "ims/identity.h"
#include "sip/header_values.h"
#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::scscf {

namespace {

// The value of URI parameter `name` in ";a=1;b" form, or nothing.
std::optional<std::string_view> uri_param(std::string_view params, std::string_view name) {
  while (!params.empty()) {
    const auto end = params.find(';');
    auto p = params.substr(0, end);
    params = end == std::string_view::npos ? std::string_view() : params.substr(end + 1);
    const auto eq = p.find('=');
    if (sip::text::iequals(sip::text::trim(p.substr(0, eq)), name)) {
      return eq == std::string_view::npos ? std::string_view() : sip::text::trim(p.substr(eq + 1));
    }
  }
  return std::nullopt;
}

// "<uri;lr>" whatever the URI had of <>, ;lr.
std::string lr(std::string_view uri) {
  std::string u(uri);
  if (u.size() > 2 && u.front() == '<' && u.back() == '>') u = u.substr(1, u.size() - 2);
  const auto parsed = sip::parse_uri(u);
  if (!parsed.uri || !uri_param(parsed.uri->params, "lr")) u += ";lr";
  return "<" + u + ">";
}

// Whether `uri` has the host and port of one of `own_uris`.
bool is_ours(const sip::Uri& uri, std::span<const std::string> own_uris) {
  return std::any_of(own_uris.begin(), own_uris.end(), [&](const std::string& own_uri) {
    const auto own = sip::parse_uri(own_uri);
    return own.uri && sip::same_hostport(uri, *own.uri);
  });
}

}  // namespace

SessionCase session_case(const sip::Message& request, std::span<const std::string> own_uris) {
  const auto top = sip::proxy::first_uri(request, sip::HeaderId::route);
  if (!top) return SessionCase::terminating;
  const auto route = sip::parse_uri(*top);
  if (!route.uri || route.uri->scheme == sip::Uri::Scheme::tel) return SessionCase::terminating;
  if (route.uri->user == "orig" && is_ours(*route.uri, own_uris)) return SessionCase::originating;
  return SessionCase::terminating;
}

bool originating_on_behalf(const sip::Message& request, std::span<const std::string> own_uris) {
  const auto top = sip::proxy::first_uri(request, sip::HeaderId::route);
  if (!top) return false;
  const auto route = sip::parse_uri(*top);
  if (!route.uri || route.uri->scheme == sip::Uri::Scheme::tel || !uri_param(route.uri->params, "orig")) return false;
  return is_ours(*route.uri, own_uris);
}

std::optional<std::string> originating_identity(const sip::Message& request) {
  for (const auto& f : request.headers()) {
    if (f.id != sip::HeaderId::p_asserted_identity) continue;
    const auto list = sip::parse_name_addr_list(f.value);
    if (!list) continue;
    for (const auto& na : list.value) {
      if (auto identity = ims::public_identity(na.uri)) return identity;
    }
  }
  return std::nullopt;
}

bool is_home_target(std::string_view uri, std::string_view home_domain) {
  const auto parsed = sip::parse_uri(uri);
  if (!parsed.uri) return false;
  if (parsed.uri->scheme == sip::Uri::Scheme::tel) return true;
  return sip::text::iequals(parsed.uri->host, home_domain);
}

void OdiTable::put(std::string token, OdiState state, Time now) {
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    auto it = entries_.find(expiries_.begin()->second);
    if (it != entries_.end() && it->second.expires_at <= now) entries_.erase(it);
    expiries_.erase(expiries_.begin());
  }
  const auto expires_at = now + std::chrono::duration_cast<Time::duration>(kLifetime);
  expiries_.emplace(expires_at, token);
  entries_[std::move(token)] = Entry{std::move(state), expires_at};
}

const OdiState* OdiTable::find(std::string_view token, Time now) const {
  const auto it = entries_.find(token);
  return it == entries_.end() || it->second.expires_at <= now ? nullptr : &it->second.state;
}

void OdiTable::forget(std::string_view token) {
  if (auto it = entries_.find(token); it != entries_.end()) entries_.erase(it);
  // its expiries_ entry goes when its time comes (it finds nothing to erase)
}

std::optional<std::string> odi_of(const sip::Message& request, std::span<const std::string> own_uris) {
  const auto top = sip::proxy::first_uri(request, sip::HeaderId::route);
  if (!top) return std::nullopt;
  const auto route = sip::parse_uri(*top);
  if (!route.uri || route.uri->scheme == sip::Uri::Scheme::tel || !is_ours(*route.uri, own_uris)) {
    return std::nullopt;
  }
  const auto odi = uri_param(route.uri->params, "odi");
  if (!odi || odi->empty()) return std::nullopt;
  return std::string(*odi);
}

std::vector<std::string> application_server_routes(std::string_view server_name, std::string_view own_uri,
                                                   std::string_view odi_token) {
  return {lr(server_name), lr(std::string(own_uri) + ";odi=" + std::string(odi_token))};
}

std::optional<sip::proxy::Target> box_node_target(std::string_view request_uri, std::span<const BoxNodeRoute> nodes) {
  const auto uri = sip::parse_uri(request_uri);
  if (!uri.uri || uri.uri->scheme == sip::Uri::Scheme::tel) return std::nullopt;
  for (const auto& node : nodes) {
    if (boost::algorithm::iequals(uri.uri->host, node.host)) {
      sip::proxy::Target t;
      t.routes = {node.route};
      return t;
    }
  }
  return std::nullopt;
}

SessionRoute route_originating(const sip::Message& request, const Registrar& registrar, Time now,
                               std::string_view home_domain, std::string_view icscf_route, bool unregistered_services,
                               std::span<const BoxNodeRoute> box_nodes) {
  SessionRoute out;
  const auto identity = originating_identity(request);
  const Registration* reg = identity ? registrar.find(*identity) : nullptr;
  const bool registered =
      reg && std::any_of(reg->bindings.begin(), reg->bindings.end(), [now](const Binding& b) { return b.expires_at > now; });
  if (identity && !reg && registrar.find_barred(*identity)) {
    // TS 24.229 §5.4.3.2 step 1
    out.status = 403;
    out.reason = "Forbidden (barred identity)";
    out.summary = "originating for " + *identity + ": a barred identity";
    return out;
  }
  if (!registered && !(unregistered_services && identity)) {
    // TS 24.229 §5.4.3.2: only served users originate here
    out.status = 403;
    out.reason = "Forbidden (not a registered user of this S-CSCF)";
    out.summary = "originating for " + identity.value_or("no P-Asserted-Identity") + ": not registered here";
    return out;
  }
  const std::string target(request.request_uri());
  out.summary = "originating for " + *identity;
  if (is_home_target(target, home_domain)) {
    sip::proxy::Target t;
    t.routes = {std::string(icscf_route)};
    out.targets.push_back(std::move(t));
    out.summary += ": " + target + " is of the home network, to the I-CSCF";
  } else if (auto node = box_node_target(target, box_nodes)) {
    out.summary += ": " + target + " is a node of this box, to " + node->routes.front();
    out.targets.push_back(std::move(*node));
  } else {
    out.summary += ": " + target + " routed by its Request-URI";
  }
  return out;
}

SessionRoute route_terminating(const sip::Message& request, const Registrar& registrar, Time now) {
  SessionRoute out;
  const std::string target(request.request_uri());
  const auto identity = ims::public_identity(target);
  const Registration* reg = identity ? registrar.find(*identity) : nullptr;
  if (identity && !reg && registrar.find_barred(*identity)) {
    // TS 24.229 §5.4.3.3 step 1: nobody can be reached at a barred identity
    out.status = 404;
    out.reason = "Not Found";
    out.summary = "terminating for " + *identity + ": a barred identity";
    return out;
  }
  if (reg) {
    for (const auto& b : reg->bindings) {
      if (b.expires_at <= now) continue;
      sip::proxy::Target t;
      t.request_uri = b.uri;
      t.routes = b.path;
      out.targets.push_back(std::move(t));
    }
  }
  if (out.targets.empty()) {
    // TS 24.229 §5.4.3.3: no contact to deliver to (unregistered-user
    // services through an AS come with the iFCs)
    out.status = 480;
    out.reason = "Temporarily Unavailable";
    out.summary = "terminating for " + identity.value_or(target) + ": not registered";
    return out;
  }
  out.summary = "terminating for " + reg->impu + ": to " + std::to_string(out.targets.size()) + " contact(s)";
  return out;
}

}  // namespace imsbox::scscf
