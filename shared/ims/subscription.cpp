#include "ims/subscription.h"

#include <boost/json.hpp>
#include <regex>
#include <stdexcept>

namespace imsbox::ims {

namespace {

namespace json = boost::json;

void escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
}

void element(std::string& out, std::string_view name, std::string_view text) {
  out.append("<").append(name).append(">");
  escaped(out, text);
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

}  // namespace

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
