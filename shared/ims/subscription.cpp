#include "ims/subscription.h"

#include <boost/json.hpp>
#include <charconv>
#include <memory>
#include <algorithm>
#include <functional>
#include <regex>
#include <stdexcept>

#include "ims/xml.h"

namespace imsbox::ims {

namespace {

namespace json = boost::json;

void element(std::string& out, std::string_view name, std::string_view text) {
  out.append("<").append(name).append(">");
  xml::append_escaped(out, text);
  out.append("</").append(name).append(">");
}

void element(std::string& out, std::string_view name, int value) { element(out, name, std::to_string(value)); }

void write_spt(std::string& out, const ServicePointTrigger& spt) {
  out += "<SPT>";
  element(out, "ConditionNegated", spt.negated ? 1 : 0);
  element(out, "Group", spt.group);
  if (const auto* m = std::get_if<MethodCondition>(&spt.condition)) {
    element(out, "Method", m->method);
  } else if (const auto* r = std::get_if<RequestUriCondition>(&spt.condition)) {
    element(out, "RequestURI", r->uri);
  } else if (const auto* h = std::get_if<SipHeaderCondition>(&spt.condition)) {
    out += "<SIPHeader>";
    element(out, "Header", h->header);
    if (h->content) element(out, "Content", *h->content);
    out += "</SIPHeader>";
  } else if (const auto* s = std::get_if<SessionCase>(&spt.condition)) {
    element(out, "SessionCase", static_cast<int>(*s));
  } else if (const auto* d = std::get_if<SessionDescriptionCondition>(&spt.condition)) {
    out += "<SessionDescription>";
    element(out, "Line", d->line);
    if (d->content) element(out, "Content", *d->content);
    out += "</SessionDescription>";
  }
  if (!spt.registration_types.empty()) {
    out += "<Extension>";
    for (const auto t : spt.registration_types) element(out, "RegistrationType", static_cast<int>(t));
    out += "</Extension>";
  }
  out += "</SPT>";
}

void write_ifc(std::string& out, const InitialFilterCriteria& ifc) {
  out += "<InitialFilterCriteria>";
  element(out, "Priority", ifc.priority);
  if (ifc.trigger_point) {
    out += "<TriggerPoint>";
    element(out, "ConditionTypeCNF", ifc.trigger_point->cnf ? 1 : 0);
    for (const auto& spt : ifc.trigger_point->spts) write_spt(out, spt);
    out += "</TriggerPoint>";
  }
  const auto& as = ifc.application_server;
  out += "<ApplicationServer>";
  element(out, "ServerName", as.server_name);
  element(out, "DefaultHandling", static_cast<int>(as.default_handling));
  if (as.service_info) element(out, "ServiceInfo", *as.service_info);
  if (as.include_register_request || as.include_register_response) {
    out += "<Extension>";
    if (as.include_register_request) out += "<IncludeRegisterRequest/>";
    if (as.include_register_response) out += "<IncludeRegisterResponse/>";
    out += "</Extension>";
  }
  out += "</ApplicationServer>";
  if (ifc.profile_part_indicator) element(out, "ProfilePartIndicator", static_cast<int>(*ifc.profile_part_indicator));
  out += "</InitialFilterCriteria>";
}

void write_public_identity(std::string& out, const PublicIdentity& p) {
  out += "<PublicIdentity>";
  element(out, "BarringIndication", p.barred ? 1 : 0);
  element(out, "Identity", p.identity);
  // IdentityType 0: a distinct public user identity (Annex E tIdentityType)
  out += "<Extension><IdentityType>0</IdentityType>";
  if (p.display_name) {
    out += "<Extension>";
    element(out, "DisplayName", *p.display_name);
    out += "</Extension>";
  }
  out += "</Extension>";
  out += "</PublicIdentity>";
}

[[noreturn]] void refuse(const std::string& what) { throw std::invalid_argument("trigger point: " + what); }

const json::value& member(const json::object& o, std::string_view key, std::string_view where) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) refuse(std::string(where) + " needs \"" + std::string(key) + "\"");
  return *v;
}

std::string text(const json::value& v, std::string_view where) {
  if (!v.is_string() || v.as_string().empty()) refuse(std::string(where) + " must be a non-empty string");
  return std::string(v.as_string());
}

std::int64_t integer(const json::value& v, std::string_view where, std::int64_t low, std::int64_t high) {
  if (!v.is_int64() || v.as_int64() < low || v.as_int64() > high) {
    refuse(std::string(where) + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return v.as_int64();
}

std::string pattern(const json::value& v, std::string_view where) {
  auto p = text(v, where);
  try {
    std::regex check(p, std::regex::extended);
  } catch (const std::regex_error&) {
    refuse(std::string(where) + " is not a valid regular expression");
  }
  return p;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos)) {
      return false;
    }
  }
  return true;
}

ServicePointTrigger spt_from_json(const json::value& v, std::size_t index) {
  const std::string where = "spt[" + std::to_string(index) + "]";
  if (!v.is_object()) refuse(where + " must be an object");
  const auto& o = v.as_object();
  ServicePointTrigger spt;
  int conditions = 0;
  for (const auto& [key, value] : o) {
    if (key == "group") {
      spt.group = static_cast<int>(integer(value, where + ".group", 0, 1000));
    } else if (key == "negated") {
      if (!value.is_bool()) refuse(where + ".negated must be true or false");
      spt.negated = value.as_bool();
    } else if (key == "method") {
      auto m = text(value, where + ".method");
      if (!is_token(m)) refuse(where + ".method must be a SIP method name");
      spt.condition = MethodCondition{std::move(m)};
      ++conditions;
    } else if (key == "request_uri") {
      spt.condition = RequestUriCondition{pattern(value, where + ".request_uri")};
      ++conditions;
    } else if (key == "session_case") {
      spt.condition = static_cast<SessionCase>(integer(value, where + ".session_case", 0, 4));
      ++conditions;
    } else if (key == "header" || key == "sdp") {
      if (!value.is_object()) refuse(where + "." + std::string(key) + " must be an object");
      const auto& h = value.as_object();
      const bool header = key == "header";
      const std::string name_key = header ? "name" : "line";
      auto name = text(member(h, name_key, where + "." + std::string(key)), where + "." + std::string(key) + "." + name_key);
      std::optional<std::string> content;
      if (const auto* c = h.if_contains("content")) content = pattern(*c, where + "." + std::string(key) + ".content");
      for (const auto& [k, ignored] : h) {
        if (k != name_key && k != "content") refuse(where + "." + std::string(key) + " has an unknown field \"" + std::string(k) + "\"");
      }
      if (header) {
        if (!is_token(name)) refuse(where + ".header.name must be a header name");
        spt.condition = SipHeaderCondition{std::move(name), std::move(content)};
      } else {
        if (name.size() != 1 || !std::isalpha(static_cast<unsigned char>(name[0]))) refuse(where + ".sdp.line must be one letter");
        spt.condition = SessionDescriptionCondition{std::move(name), std::move(content)};
      }
      ++conditions;
    } else if (key == "registration_type") {
      if (!value.is_array()) refuse(where + ".registration_type must be a list");
      for (const auto& t : value.as_array()) {
        spt.registration_types.push_back(static_cast<RegistrationType>(integer(t, where + ".registration_type", 0, 2)));
      }
    } else {
      refuse(where + " has an unknown field \"" + std::string(key) + "\"");
    }
  }
  if (conditions != 1) {
    refuse(where + " needs exactly one of method, request_uri, session_case, header, sdp");
  }
  if (!spt.registration_types.empty()) {
    const auto* m = std::get_if<MethodCondition>(&spt.condition);
    if (m == nullptr || m->method != "REGISTER") refuse(where + ".registration_type applies to method REGISTER only");
  }
  return spt;
}

// --- parsing User-Data -----------------------------------------------------

constexpr std::size_t kMaxUserData = 1024 * 1024;

bool named(const xmlNode* n, std::string_view name) {
  return n->type == XML_ELEMENT_NODE && xml::as_view(n->name) == name;
}

// Text of an element made of text and CDATA only; nothing for anything else.
std::optional<std::string> node_text(const xmlNode* node) {
  auto value = xml::text_content(node);
  if (!value) return std::nullopt;
  const auto first = value->find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::string();
  const auto last = value->find_last_not_of(" \t\r\n");
  return value->substr(first, last - first + 1);
}

std::optional<int> node_int(const xmlNode* node) {
  const auto t = node_text(node);
  if (!t || t->empty()) return std::nullopt;
  int v = 0;
  const auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc() || p != t->data() + t->size()) return std::nullopt;
  return v;
}

template <class Fn>
bool each_child(const xmlNode* node, Fn&& fn) {
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ENTITY_REF_NODE) return false;
    if (c->type != XML_ELEMENT_NODE) continue;
    if (!fn(c)) return false;
  }
  return true;
}

bool parse_public_identity(const xmlNode* node, PublicIdentity& p) {
  bool has_identity = false;
  std::function<bool(const xmlNode*)> visit = [&](const xmlNode* c) -> bool {
    if (named(c, "BarringIndication")) {
      const auto v = node_int(c);
      if (!v) return false;
      p.barred = *v != 0;
    } else if (named(c, "Identity")) {
      auto t = node_text(c);
      if (!t || t->empty()) return false;
      p.identity = std::move(*t);
      has_identity = true;
    } else if (named(c, "DisplayName")) {
      auto t = node_text(c);
      if (!t) return false;
      p.display_name = std::move(*t);
    } else if (named(c, "Extension")) {
      return each_child(c, visit);
    }
    return true;
  };
  return each_child(node, visit) && has_identity;
}

bool parse_spt(const xmlNode* node, ServicePointTrigger& spt) {
  bool has_condition = false;
  std::function<bool(const xmlNode*)> visit = [&](const xmlNode* c) -> bool {
    if (named(c, "ConditionNegated")) {
      const auto v = node_int(c);
      if (!v) return false;
      spt.negated = *v != 0;
    } else if (named(c, "Group")) {
      const auto v = node_int(c);
      if (!v) return false;
      spt.group = *v;
    } else if (named(c, "Method")) {
      auto t = node_text(c);
      if (!t) return false;
      spt.condition = MethodCondition{std::move(*t)};
      has_condition = true;
    } else if (named(c, "RequestURI")) {
      auto t = node_text(c);
      if (!t) return false;
      spt.condition = RequestUriCondition{std::move(*t)};
      has_condition = true;
    } else if (named(c, "SessionCase")) {
      const auto v = node_int(c);
      if (!v || *v < 0 || *v > 4) return false;
      spt.condition = static_cast<SessionCase>(*v);
      has_condition = true;
    } else if (named(c, "SIPHeader") || named(c, "SessionDescription")) {
      const bool header = named(c, "SIPHeader");
      std::optional<std::string> name, content;
      const bool ok = each_child(c, [&](const xmlNode* x) {
        if (named(x, header ? "Header" : "Line")) {
          name = node_text(x);
          return name.has_value();
        }
        if (named(x, "Content")) {
          content = node_text(x);
          return content.has_value();
        }
        return true;
      });
      if (!ok || !name) return false;
      if (header) {
        spt.condition = SipHeaderCondition{std::move(*name), std::move(content)};
      } else {
        spt.condition = SessionDescriptionCondition{std::move(*name), std::move(content)};
      }
      has_condition = true;
    } else if (named(c, "RegistrationType")) {
      const auto v = node_int(c);
      if (!v || *v < 0 || *v > 2) return false;
      spt.registration_types.push_back(static_cast<RegistrationType>(*v));
    } else if (named(c, "Extension")) {
      return each_child(c, visit);
    }
    return true;
  };
  return each_child(node, visit) && has_condition;
}

bool parse_ifc(const xmlNode* node, InitialFilterCriteria& ifc) {
  return each_child(node, [&](const xmlNode* c) {
    if (named(c, "Priority")) {
      const auto v = node_int(c);
      if (!v) return false;
      ifc.priority = *v;
    } else if (named(c, "TriggerPoint")) {
      TriggerPoint tp;
      const bool ok = each_child(c, [&](const xmlNode* x) {
        if (named(x, "ConditionTypeCNF")) {
          const auto v = node_int(x);
          if (!v) return false;
          tp.cnf = *v != 0;
        } else if (named(x, "SPT")) {
          ServicePointTrigger spt;
          if (!parse_spt(x, spt)) return false;
          tp.spts.push_back(std::move(spt));
        }
        return true;
      });
      if (!ok) return false;
      ifc.trigger_point = std::move(tp);
    } else if (named(c, "ApplicationServer")) {
      auto& as = ifc.application_server;
      std::function<bool(const xmlNode*)> visit = [&](const xmlNode* x) -> bool {
        if (named(x, "ServerName")) {
          auto t = node_text(x);
          if (!t) return false;
          as.server_name = std::move(*t);
        } else if (named(x, "DefaultHandling")) {
          const auto v = node_int(x);
          if (!v) return false;
          as.default_handling = *v == 1 ? DefaultHandling::session_terminated : DefaultHandling::session_continued;
        } else if (named(x, "ServiceInfo")) {
          auto t = node_text(x);
          if (!t) return false;
          as.service_info = std::move(*t);
        } else if (named(x, "IncludeRegisterRequest")) {
          as.include_register_request = true;
        } else if (named(x, "IncludeRegisterResponse")) {
          as.include_register_response = true;
        } else if (named(x, "Extension")) {
          return each_child(x, visit);
        }
        return true;
      };
      if (!each_child(c, visit)) return false;
    } else if (named(c, "ProfilePartIndicator")) {
      const auto v = node_int(c);
      if (!v || *v < 0 || *v > 1) return false;
      ifc.profile_part_indicator = static_cast<ProfilePartIndicator>(*v);
    }
    return true;
  });
}

std::optional<ImsSubscription> parse_subscription_document(const xmlDoc* doc) {
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) return std::nullopt;
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr || !named(root, "IMSSubscription")) return std::nullopt;
  ImsSubscription s;
  const bool ok = each_child(root, [&](const xmlNode* c) {
    if (named(c, "PrivateID")) {
      auto t = node_text(c);
      if (!t) return false;
      s.private_id = std::move(*t);
    } else if (named(c, "ServiceProfile")) {
      ServiceProfile sp;
      const bool ok_profile = each_child(c, [&](const xmlNode* x) {
        if (named(x, "PublicIdentity")) {
          PublicIdentity p;
          if (!parse_public_identity(x, p)) return false;
          sp.public_identities.push_back(std::move(p));
        } else if (named(x, "InitialFilterCriteria")) {
          InitialFilterCriteria ifc;
          if (!parse_ifc(x, ifc)) return false;
          sp.ifcs.push_back(std::move(ifc));
        }
        return true;
      });
      if (!ok_profile) return false;
      std::stable_sort(sp.ifcs.begin(), sp.ifcs.end(),
                       [](const auto& a, const auto& b) { return a.priority < b.priority; });
      s.service_profiles.push_back(std::move(sp));
    }
    return true;
  });
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace

std::optional<ImsSubscription> parse_ims_subscription(std::string_view text) {
  try {
    const auto doc = xml::read(text, kMaxUserData, "user-data.xml");
    if (!doc) return std::nullopt;
    return parse_subscription_document(doc.get());
  } catch (...) {
    return std::nullopt;
  }
}

std::string to_xml(const ImsSubscription& subscription) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><IMSSubscription>";
  element(out, "PrivateID", subscription.private_id);
  for (const auto& profile : subscription.service_profiles) {
    out += "<ServiceProfile>";
    for (const auto& p : profile.public_identities) write_public_identity(out, p);
    for (const auto& ifc : profile.ifcs) write_ifc(out, ifc);
    out += "</ServiceProfile>";
  }
  out += "</IMSSubscription>";
  return out;
}

std::string to_json(const TriggerPoint& tp) {
  json::array spts;
  for (const auto& spt : tp.spts) {
    json::object o;
    o["group"] = spt.group;
    o["negated"] = spt.negated;
    if (const auto* m = std::get_if<MethodCondition>(&spt.condition)) {
      o["method"] = m->method;
    } else if (const auto* r = std::get_if<RequestUriCondition>(&spt.condition)) {
      o["request_uri"] = r->uri;
    } else if (const auto* h = std::get_if<SipHeaderCondition>(&spt.condition)) {
      json::object c{{"name", h->header}};
      if (h->content) c["content"] = *h->content;
      o["header"] = std::move(c);
    } else if (const auto* s = std::get_if<SessionCase>(&spt.condition)) {
      o["session_case"] = static_cast<int>(*s);
    } else if (const auto* d = std::get_if<SessionDescriptionCondition>(&spt.condition)) {
      json::object c{{"line", d->line}};
      if (d->content) c["content"] = *d->content;
      o["sdp"] = std::move(c);
    }
    if (!spt.registration_types.empty()) {
      json::array types;
      for (const auto t : spt.registration_types) types.push_back(static_cast<int>(t));
      o["registration_type"] = std::move(types);
    }
    spts.push_back(std::move(o));
  }
  return json::serialize(json::object{{"cnf", tp.cnf}, {"spt", std::move(spts)}});
}

TriggerPoint trigger_point_from_json(std::string_view text_in) {
  boost::system::error_code ec;
  const auto v = json::parse(text_in, ec);
  if (ec) refuse("not JSON (" + ec.message() + ")");
  if (!v.is_object()) refuse("must be an object");
  const auto& o = v.as_object();
  TriggerPoint tp;
  for (const auto& [key, value] : o) {
    if (key == "cnf") {
      if (!value.is_bool()) refuse("cnf must be true or false");
      tp.cnf = value.as_bool();
    } else if (key == "spt") {
      if (!value.is_array() || value.as_array().empty()) refuse("spt must be a non-empty list");
      std::size_t i = 0;
      for (const auto& s : value.as_array()) tp.spts.push_back(spt_from_json(s, i++));
    } else {
      refuse("unknown field \"" + std::string(key) + "\"");
    }
  }
  if (tp.spts.empty()) refuse("needs \"spt\"");
  return tp;
}

}  // namespace imsbox::ims
