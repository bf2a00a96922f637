#include "hss/ivr_menus_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <iterator>
#include <variant>

#include "mrf/ivr_menu.h"
#include "hss/resource_replies.h"
#include "store/database.h"
#include "store/ivr_menu_table.h"

namespace imsbox::hss {

namespace json = boost::json;
using runtime::HttpRequest;
using runtime::HttpResponse;

namespace {

constexpr std::size_t kMaxDefinition = 64 * 1024;

using resource::allow;
using resource::json_reply;
using resource::refuse;

std::string choice_text(const mrf::MenuChoice& c) {
  static constexpr const char* verbs[] = {"play", "menu", "transfer", "hangup"};
  std::string out = verbs[static_cast<int>(c.kind)];
  if (!c.target.empty()) out += " " + c.target;
  return out;
}

// A menu's JSON form from its stored row.
json::object menu_json(const store::StoredIvrMenu& stored, const std::string& domain) {
  json::object o{{"name", stored.name}, {"uri", "sip:ivr@mrf." + domain + ";menu=" + stored.name}};
  auto parsed = mrf::parse_menu(stored.definition);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    o["error"] = "the stored definition does not parse: " + *error;
  } else {
    const auto& m = std::get<mrf::Menu>(parsed);
    o["prompt"] = m.prompt;
    json::object choices;
    for (const auto& [digits, c] : m.choices) choices[digits] = choice_text(c);
    o["choices"] = std::move(choices);
    o["invalid"] = m.invalid_prompt;
    o["timeout_ms"] = m.first_digit_timeout.count();
    o["interdigit_ms"] = m.inter_digit_timeout.count();
    o["retries"] = m.retries;
  }
  o["definition"] = stored.definition;
  o["updated_at"] = stored.updated_at;
  return o;
}

// A scalar field as the text of a definition's value.
std::string value_text(const json::value& v, std::string_view field) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  refuse(400, "field '" + std::string(field) + "' must be a string or a whole number");
}

// The menu a PUT body describes, checked by mrf/ivr_menu.h's own rules.
mrf::Menu menu_from_json(const std::string& body, const std::string& name) {
  const auto o = resource::json_object_body(body);
  static constexpr std::string_view kKnown[] = {"name",          "definition", "prompt",  "choices", "invalid",
                                                "timeout_ms", "interdigit_ms", "retries"};
  for (const auto& [key, ignored] : o) {
    if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(key)) != std::end(kKnown)) continue;
    std::string list;
    for (auto k : kKnown) list += (list.empty() ? "" : ", ") + std::string(k);
    refuse(400, "unknown field '" + std::string(key) + "' (known: " + list + ")");
  }
  if (const auto* n = o.if_contains("name"); n && (!n->is_string() || n->as_string() != name)) {
    refuse(400, "field 'name' must match the path (" + name + ")");
  }
  if (const auto* d = o.if_contains("definition")) {
    if (o.size() > (o.contains("name") ? 2u : 1u)) {
      refuse(400, "field 'definition' replaces the other menu fields: send one or the other");
    }
    if (!d->is_string()) refuse(400, "field 'definition' must be a string (the text imsbox ivr add takes)");
    if (d->as_string().size() > kMaxDefinition) refuse(400, "field 'definition' is larger than 64 KiB");
    auto parsed = mrf::parse_menu(std::string_view(d->as_string()));
    if (auto* error = std::get_if<std::string>(&parsed)) refuse(400, "field 'definition': " + *error);
    return std::get<mrf::Menu>(std::move(parsed));
  }
  mrf::Menu menu;
  for (std::string_view key : {"prompt", "invalid", "timeout_ms", "interdigit_ms", "retries"}) {
    const auto* f = o.if_contains(key);
    if (!f) continue;
    if (auto error = mrf::set_menu_key(menu, key, value_text(*f, key))) {
      refuse(400, "field '" + std::string(key) + "': " + *error);
    }
  }
  if (const auto* c = o.if_contains("choices")) {
    if (!c->is_object()) {
      refuse(400, "field 'choices' must be an object of digits to \"play P\", \"menu M\", \"transfer URI\" or \"hangup\"");
    }
    for (const auto& [digits, what] : c->as_object()) {
      const std::string field = "choices." + std::string(digits);
      if (!what.is_string()) refuse(400, "field '" + field + "' must be a string (play P, menu M, transfer URI, hangup)");
      if (auto error = mrf::set_menu_key(menu, "choice " + std::string(digits), std::string_view(what.as_string()))) {
        refuse(400, "field '" + field + "': " + *error);
      }
    }
  }
  if (auto error = mrf::check_menu(menu)) refuse(400, *error);
  return menu;
}

class IvrMenuResource {
 public:
  IvrMenuResource(store::Database& db, const std::string& domain, const HttpRequest& req)
      : db_(db), domain_(domain), req_(req) {}

  HttpResponse serve() {
    if (req_.segments.size() == 2) {
      allow(req_, {"GET"});
      json::array menus;
      for (const auto& m : store::IvrMenuTable(db_).list()) menus.emplace_back(menu_json(m, domain_));
      return json_reply(200, json::object{{"ivr_menus", std::move(menus)}});
    }
    const auto& name = req_.segments[2];
    allow(req_, {"GET", "PUT", "DELETE"});
    if (!mrf::is_menu_name(name)) refuse(400, "'" + name + "' is not a menu name (1-64 of a-z, 0-9, - and _)");
    if (req_.method == "GET") {
      const auto stored = store::IvrMenuTable(db_).find(name);
      if (!stored) refuse(404, "no IVR menu " + name);
      return json_reply(200, menu_json(*stored, domain_));
    }
    if (req_.method == "DELETE") {
      store::Database::Transaction tx(db_);
      if (!store::IvrMenuTable(db_).erase(name)) refuse(404, "no IVR menu " + name);
      tx.commit();
      return HttpResponse{204, "application/json", {}, {}};
    }
    const auto menu = menu_from_json(req_.body, name);
    store::Database::Transaction tx(db_);
    store::IvrMenuTable table(db_);
    const bool existed = table.find(name).has_value();
    table.put(name, mrf::write_menu(menu));
    const auto stored = table.find(name);
    tx.commit();
    auto response = json_reply(existed ? 200 : 201, menu_json(*stored, domain_));
    if (!existed) response.headers.emplace_back("Location", "/v1/ivr-menus/" + name);
    return response;
  }

 private:
  store::Database& db_;
  const std::string& domain_;
  const HttpRequest& req_;
};

}  // namespace

bool is_ivr_menu_resource(const HttpRequest& request) {
  const auto& s = request.segments;
  return (s.size() == 2 || s.size() == 3) && s[0] == "v1" && s[1] == "ivr-menus";
}

HttpResponse serve_ivr_menu_resource(store::Database* mrf_db, const std::string& domain, const HttpRequest& request) {
  return resource::answer([&] {
    if (!mrf_db) refuse(503, "the IVR-menu resources have no store connection");
    return IvrMenuResource(*mrf_db, domain, request).serve();
  });
}

}  // namespace imsbox::hss
