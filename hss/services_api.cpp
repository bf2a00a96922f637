#include "hss/services_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <iterator>
#include <variant>

#include "hss/resource_replies.h"
#include "store/database.h"
#include "store/simservs_table.h"
#include "store/subscriber_table.h"
#include "tas/simservs/document.h"
#include "tas/simservs/settings.h"
#include "tas/simservs/settings_change.h"

namespace imsbox::hss {

namespace json = boost::json;
namespace ss = tas::simservs;
using runtime::HttpRequest;
using runtime::HttpResponse;

namespace {

using resource::allow;
using resource::json_reply;
using resource::refuse;

// A forwarding field: absent, null (off) or a string.
std::optional<ss::ForwardingSetting> forwarding_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_null()) return ss::ForwardingSetting{};
  if (!v->is_string()) refuse(400, "field '" + std::string(key) + "' must be a target (string) or null (off)");
  return ss::ForwardingSetting{std::string(v->as_string())};
}

std::optional<bool> bool_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) refuse(400, "field '" + std::string(key) + "' must be true or false");
  return v->as_bool();
}

ss::SettingsChange change_from_json(const std::string& body) {
  const auto o = resource::json_object_body(body);
  static constexpr std::string_view kKnown[] = {"cfu", "cfb", "cfnr", "cfnl", "cfnrc", "no_reply_timer",
                                                "outgoing_barring", "incoming_barring",
                                                "anonymous_call_rejection", "oir"};
  for (const auto& [key, ignored] : o) {
    if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(key)) != std::end(kKnown)) continue;
    std::string list;
    for (auto k : kKnown) list += (list.empty() ? "" : ", ") + std::string(k);
    refuse(400, "unknown field '" + std::string(key) + "' (known: " + list + ")");
  }
  ss::SettingsChange c;
  c.cfu = forwarding_field(o, "cfu");
  c.cfb = forwarding_field(o, "cfb");
  c.cfnr = forwarding_field(o, "cfnr");
  c.cfnl = forwarding_field(o, "cfnl");
  c.cfnrc = forwarding_field(o, "cfnrc");
  if (const auto* t = o.if_contains("no_reply_timer")) {
    if (!t->is_int64()) refuse(400, "field 'no_reply_timer' must be a whole number of seconds (5 to 180)");
    const auto n = t->as_int64();
    c.no_reply_timer = static_cast<int>(std::clamp<std::int64_t>(n, -1, 100000));
  }
  if (const auto* b = o.if_contains("outgoing_barring")) {
    const auto named = b->is_string() ? ss::outgoing_barring_named(std::string_view(b->as_string()))
                                      : std::optional<ss::OutgoingBarring>();
    if (!named) refuse(400, "field 'outgoing_barring' must be \"all\", \"international\" or \"none\"");
    c.outgoing_barring = named;
  }
  c.incoming_barring = bool_field(o, "incoming_barring");
  c.anonymous_call_rejection = bool_field(o, "anonymous_call_rejection");
  c.oir = bool_field(o, "oir");
  return c;
}

class ServicesResource {
 public:
  ServicesResource(store::Database& db, const std::string& domain, const HttpRequest& req)
      : db_(db), domain_(domain), req_(req), impu_(req.segments[2]), kind_(req.segments[3]) {}

  HttpResponse serve() {
    if (kind_ == "services") {
      allow(req_, {"GET", "PATCH"});
      return req_.method == "GET" ? get_services() : patch_services();
    }
    allow(req_, {"GET", "PUT", "DELETE"});
    if (req_.method == "GET") return get_document();
    return req_.method == "PUT" ? put_document() : delete_document();
  }

 private:
  void require_provisioned() {
    if (!store::SubscriberTable(db_).impi_of(impu_)) refuse(404, "no public identity " + impu_);
  }

  // The stored document (empty when none); an unreadable one is refused
  // for changes (the TAS treats it as "all services off").
  std::pair<ss::Document, std::optional<std::string>> current() {
    const auto stored = store::SimservsTable(db_).find(impu_);
    if (!stored) return {ss::empty_document(), std::nullopt};
    auto parsed = ss::parse(stored->document);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      refuse(409, "the stored simservs document of " + impu_ + " is unreadable (" + *error +
                      "): PUT a whole document or DELETE it");
    }
    return {std::get<ss::Document>(std::move(parsed)), stored->etag};
  }

  HttpResponse services_reply(const ss::Document& d, const std::optional<std::string>& etag) {
    json::array lines;
    for (const auto& line : ss::describe(d.services())) lines.emplace_back(line);
    json::object o{{"impu", impu_}, {"services", std::move(lines)}};
    o["etag"] = etag ? json::value(*etag) : json::value(nullptr);
    return json_reply(200, o);
  }

  HttpResponse get_services() {
    require_provisioned();
    const auto [d, etag] = current();
    return services_reply(d, etag);
  }

  HttpResponse patch_services() {
    const auto change = change_from_json(req_.body);
    store::Database::Transaction tx(db_);
    require_provisioned();
    auto [d, etag] = current();
    if (change.empty()) return services_reply(d, etag);
    auto changed = ss::apply(d, change, domain_);
    if (auto* error = std::get_if<std::string>(&changed)) refuse(400, *error);
    const auto& document = std::get<ss::Document>(changed);
    const auto new_etag = store::SimservsTable(db_).put(impu_, document.write());
    tx.commit();
    return services_reply(document, new_etag);
  }

  HttpResponse get_document() {
    require_provisioned();
    const auto stored = store::SimservsTable(db_).find(impu_);
    if (!stored) return HttpResponse{200, std::string(ss::kContentType), ss::empty_document().write(), {}};
    return HttpResponse{200, std::string(ss::kContentType), stored->document, {{"ETag", stored->etag}}};
  }

  HttpResponse put_document() {
    if (req_.body.size() > ss::kMaxDocumentSize) {
      refuse(400, "the document is larger than " + std::to_string(ss::kMaxDocumentSize / 1024) + " KiB");
    }
    auto parsed = ss::parse(req_.body);
    if (auto* error = std::get_if<std::string>(&parsed)) refuse(400, "not a valid simservs document: " + *error);
    store::Database::Transaction tx(db_);
    require_provisioned();
    // as sent: a phone reading it over XCAP gets its own bytes back
    const auto etag = store::SimservsTable(db_).put(impu_, req_.body);
    tx.commit();
    return services_reply(std::get<ss::Document>(parsed), etag);
  }

  HttpResponse delete_document() {
    store::Database::Transaction tx(db_);
    require_provisioned();
    store::SimservsTable(db_).erase(impu_);
    tx.commit();
    return HttpResponse{204, "application/json", {}, {}};
  }

  store::Database& db_;
  const std::string& domain_;
  const HttpRequest& req_;
  const std::string& impu_;
  const std::string& kind_;
};

}  // namespace

bool is_services_resource(const HttpRequest& request) {
  const auto& s = request.segments;
  return s.size() == 4 && s[0] == "v1" && s[1] == "public-identities" && !s[2].empty() &&
         (s[3] == "services" || s[3] == "simservs");
}

HttpResponse serve_services_resource(store::Database* tas_db, const std::string& domain, const HttpRequest& request) {
  return resource::answer([&] {
    if (!tas_db) refuse(503, "the supplementary-services resources have no store connection");
    return ServicesResource(*tas_db, domain, request).serve();
  });
}

}  // namespace imsbox::hss
