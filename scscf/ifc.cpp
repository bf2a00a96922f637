#include "scscf/ifc.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <map>
#include <regex>

namespace imsbox::scscf {

namespace {

bool regex_found(const std::string& pattern, std::string_view text) {
  try {
    const std::regex re(pattern, std::regex::extended);
    return std::regex_search(text.begin(), text.end(), re);
  } catch (const std::regex_error&) {
    return false;  // a profile we cannot evaluate triggers nothing
  }
}

bool spt_holds(const ims::ServicePointTrigger& spt, const TriggerContext& c) {
  const auto* request = c.request;
  if (const auto* m = std::get_if<ims::MethodCondition>(&spt.condition)) {
    if (!boost::algorithm::iequals(m->method, c.method)) return false;
    if (!spt.registration_types.empty() && boost::algorithm::iequals(c.method, "REGISTER")) {
      return c.registration_type && std::find(spt.registration_types.begin(), spt.registration_types.end(),
                                              *c.registration_type) != spt.registration_types.end();
    }
    return true;
  }
  if (const auto* u = std::get_if<ims::RequestUriCondition>(&spt.condition)) {
    return request && regex_found(u->uri, request->request_uri());
  }
  if (const auto* h = std::get_if<ims::SipHeaderCondition>(&spt.condition)) {
    if (!request) return false;
    for (const auto& f : request->headers()) {
      const auto name = f.id == sip::HeaderId::other ? f.name : sip::header_name(f.id);
      if (!boost::algorithm::iequals(name, h->header) && !boost::algorithm::iequals(f.name, h->header)) continue;
      if (!h->content || regex_found(*h->content, f.value)) return true;
    }
    return false;
  }
  if (const auto* s = std::get_if<ims::SessionCase>(&spt.condition)) {
    return c.session_case && *c.session_case == *s;
  }
  if (const auto* d = std::get_if<ims::SessionDescriptionCondition>(&spt.condition)) {
    if (!request) return false;
    const auto body = request->body();
    std::size_t pos = 0;
    while (pos < body.size()) {
      auto end = body.find('\n', pos);
      if (end == std::string_view::npos) end = body.size();
      auto line = body.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos = end + 1;
      if (line.size() < 2 || line[1] != '=' || line.substr(0, 1) != d->line) continue;
      if (!d->content || regex_found(*d->content, line.substr(2))) return true;
    }
    return false;
  }
  return false;
}

}  // namespace

bool trigger_matches(const ims::TriggerPoint& tp, const TriggerContext& context) {
  std::map<int, std::vector<bool>> groups;
  for (const auto& spt : tp.spts) groups[spt.group].push_back(spt_holds(spt, context) != spt.negated);
  if (groups.empty()) return true;
  const auto any = [](const std::vector<bool>& v) { return std::find(v.begin(), v.end(), true) != v.end(); };
  const auto all = [](const std::vector<bool>& v) { return std::find(v.begin(), v.end(), false) == v.end(); };
  if (tp.cnf) {
    return std::all_of(groups.begin(), groups.end(), [&](const auto& g) { return any(g.second); });
  }
  return std::any_of(groups.begin(), groups.end(), [&](const auto& g) { return all(g.second); });
}

namespace {

// The iFCs of the service profile(s) holding `impu`, in priority order.
std::vector<const ims::InitialFilterCriteria*> ifcs_of(const ims::ImsSubscription& profile, const std::string& impu) {
  std::vector<const ims::InitialFilterCriteria*> out;
  for (const auto& sp : profile.service_profiles) {
    const bool holds = std::any_of(sp.public_identities.begin(), sp.public_identities.end(),
                                   [&](const auto& p) { return p.identity == impu; });
    if (!holds) continue;
    for (const auto& ifc : sp.ifcs) out.push_back(&ifc);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->priority < b->priority; });
  return out;
}

bool applies(const ims::InitialFilterCriteria& ifc, const TriggerContext& context, ims::ProfilePartIndicator part) {
  if (ifc.profile_part_indicator && *ifc.profile_part_indicator != part) return false;
  if (ifc.application_server.server_name.empty()) return false;
  // An iFC without trigger point applies to every request, REGISTER included.
  return !ifc.trigger_point || trigger_matches(*ifc.trigger_point, context);
}

}  // namespace

std::vector<ims::ApplicationServer> register_application_servers(const ims::ImsSubscription& profile,
                                                                 const std::string& impu,
                                                                 const TriggerContext& context) {
  std::vector<ims::ApplicationServer> out;
  for (const auto* ifc : ifcs_of(profile, impu)) {
    if (applies(*ifc, context, ims::ProfilePartIndicator::registered)) out.push_back(ifc->application_server);
  }
  return out;
}

std::optional<IfcMatch> next_application_server(const ims::ImsSubscription& profile, const std::string& impu,
                                                const TriggerContext& context, std::size_t from,
                                                ims::ProfilePartIndicator part) {
  const auto ifcs = ifcs_of(profile, impu);
  for (std::size_t i = from; i < ifcs.size(); ++i) {
    if (applies(*ifcs[i], context, part)) return IfcMatch{i, ifcs[i]->application_server};
  }
  return std::nullopt;
}

}  // namespace imsbox::scscf
