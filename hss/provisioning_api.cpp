#include "hss/provisioning_api.h"

#include <boost/json.hpp>
#include <chrono>
#include <climits>
#include <initializer_list>
#include <set>
#include <stdexcept>

#include "hss/ivr_menus_api.h"
#include "hss/provisioning.h"
#include "hss/services_api.h"
#include "ims/subscription.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "sip/uri.h"
#include "store/database.h"
#include "store/registration_table.h"
#include "store/service_data_table.h"
#include "store/subscriber_table.h"

namespace imsbox::hss {

namespace json = boost::json;
using runtime::HttpRequest;
using runtime::HttpResponse;

namespace {

constexpr std::size_t kMaxIfcs = 256;
constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxDisplayName = 256;
constexpr std::size_t kMaxServiceInfo = 4096;

// A request that ends in an error response; thrown within this file only.
struct ApiError {
  int status;
  std::string message;
  runtime::HttpHeaders headers = {};
};

[[noreturn]] void fail(int status, std::string message, runtime::HttpHeaders headers = {}) {
  throw ApiError{status, std::move(message), std::move(headers)};
}
[[noreturn]] void bad_request(std::string message) { fail(400, std::move(message)); }

HttpResponse json_response(int status, const json::value& v, runtime::HttpHeaders headers = {}) {
  return HttpResponse{status, "application/json", json::serialize(v) + "\n", std::move(headers)};
}

HttpResponse error_response(int status, const std::string& message, runtime::HttpHeaders headers = {}) {
  return json_response(status, json::object{{"error", message}}, std::move(headers));
}

// Timing depends on the length of what the client sent, never on the secret.
bool constant_time_equal(std::string_view given, std::string_view secret) {
  unsigned char diff = given.size() == secret.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ secret[i % secret.size()]);
  }
  return diff == 0;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

void require_method(const HttpRequest& req, std::initializer_list<std::string_view> allowed) {
  std::string allow;
  for (auto m : allowed) {
    if (req.method == m) return;
    allow += (allow.empty() ? "" : ", ") + std::string(m);
  }
  fail(405, "method " + req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")",
       {{"Allow", allow}});
}

// ---- JSON input -------------------------------------------------------------

json::object parse_object(const std::string& body) {
  if (body.empty()) bad_request("the request needs a JSON object as its body");
  json::parse_options options;
  options.max_depth = 32;
  boost::system::error_code ec;
  auto v = json::parse(body, ec, {}, options);
  if (ec) bad_request("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) bad_request("the body must be a JSON object");
  return std::move(v.as_object());
}

void check_fields(const json::object& o, std::initializer_list<std::string_view> known, const std::string& where = {}) {
  for (const auto& [key, ignored] : o) {
    bool found = false;
    for (auto k : known) found = found || key == k;
    if (!found) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      bad_request("unknown field '" + where + std::string(key) + "' (known: " + list + ")");
    }
  }
}

std::optional<std::string> opt_string(const json::object& o, std::string_view key, const std::string& where = {}) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) bad_request("field '" + where + std::string(key) + "' must be a string");
  return std::string(v->as_string());
}

std::string required_string(const json::object& o, std::string_view key, const std::string& where = {}) {
  auto s = opt_string(o, key, where);
  if (!s) bad_request("field '" + where + std::string(key) + "' is required");
  return *s;
}

// Absent: nullopt; null: an empty optional inside.
std::optional<std::optional<std::string>> nullable_string(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) bad_request("field '" + std::string(key) + "' must be a string or null");
  return std::optional<std::string>(std::string(v->as_string()));
}

std::optional<bool> opt_bool(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) bad_request("field '" + std::string(key) + "' must be true or false");
  return v->as_bool();
}

std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key, std::int64_t min, std::int64_t max,
                                    const std::string& where = {}) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  const std::string name = "field '" + where + std::string(key) + "'";
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64()) {
    if (v->as_uint64() > static_cast<std::uint64_t>(max)) bad_request(name + " must be at most " + std::to_string(max));
    n = static_cast<std::int64_t>(v->as_uint64());
  } else {
    bad_request(name + " must be a whole number");
  }
  if (n < min || n > max) {
    bad_request(name + " must be from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

std::vector<std::string> string_array(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  if (!v->is_array()) bad_request("field '" + std::string(key) + "' must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) bad_request("field '" + std::string(key) + "' must be an array of strings");
    out.emplace_back(e.as_string());
  }
  return out;
}

void check_text(const std::string& field, const std::string& value, std::size_t max, bool allow_tab) {
  if (value.size() > max) bad_request("field '" + field + "' is longer than " + std::to_string(max) + " bytes");
  for (unsigned char c : value) {
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f) {
      bad_request("field '" + field + "' must not contain control characters");
    }
  }
}

// Names of application servers and service profiles: they stand in paths.
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void check_name(std::string_view what, const std::string& name) {
  if (!valid_name(name)) {
    bad_request("invalid " + std::string(what) + " name '" + name + "': use 1 to " + std::to_string(kMaxNameLength) +
                " letters, digits, '.', '_' or '-'");
  }
}

// A PUT body may repeat the resource's own name; it must then be the path's.
void check_same(const json::object& o, std::string_view key, const std::string& from_path) {
  if (auto given = opt_string(o, key); given && *given != from_path) {
    bad_request("field '" + std::string(key) + "' is '" + *given + "' but the path names '" + from_path + "'");
  }
}

// A list as Provisioning takes it: comma-separated.
std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Provisioning's messages name the command-line options of `imsbox
// subscriber`; here they name the JSON fields instead.
std::string api_wording(std::string message) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"impi", "impi"}, {"impu", "impus"}, {"k", "k"},         {"op", "op"},
      {"opc", "opc"},   {"amf", "amf"},    {"sqn", "sqn"},     {"password", "password"},
      {"no-sim", "remove_sim"},            {"no-password", "remove_password"},
      {"schemes", "auth_schemes"},         {"service-profile", "service_profile"},
  };
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    if (message.compare(i, 2, "--") == 0) {
      std::size_t j = i + 2;
      while (j < message.size() && ((message[j] >= 'a' && message[j] <= 'z') || message[j] == '-')) ++j;
      const std::string_view word(message.data() + i + 2, j - i - 2);
      bool replaced = false;
      for (const auto& [option, field] : kNames) {
        if (word == option) {
          out += field;
          replaced = true;
          break;
        }
      }
      if (replaced) {
        i = j;
        continue;
      }
    }
    out += message[i++];
  }
  return out;
}

// ---- JSON output ------------------------------------------------------------

std::string to_hex(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

std::string sqn_hex(std::uint64_t sqn) {
  std::uint8_t b[6];
  for (int i = 5; i >= 0; --i, sqn >>= 8) b[i] = static_cast<std::uint8_t>(sqn & 0xff);
  return to_hex(b, 6);
}

json::value optional_json(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::value(*s);
}

std::string_view state_name(store::RegistrationState s) {
  switch (s) {
    case store::RegistrationState::registered:
      return "REGISTERED";
    case store::RegistrationState::unregistered:
      return "UNREGISTERED";
    case store::RegistrationState::not_registered:
      break;
  }
  return "NOT_REGISTERED";
}

json::object identity_json(store::Database& db, const store::PublicIdentityRow& row) {
  json::object o{{"impu", row.impu},
                 {"impi", row.impi},
                 {"barred", row.barred},
                 {"implicit_set", row.implicit_set},
                 {"service_profile", optional_json(row.service_profile)},
                 {"display_name", optional_json(row.display_name)}};
  const auto reg = store::RegistrationTable(db).find(row.impu);
  o["registration_state"] = state_name(reg ? reg->state : store::RegistrationState::not_registered);
  o["scscf_name"] = reg && !reg->scscf_name.empty() ? json::value(reg->scscf_name) : json::value(nullptr);
  return o;
}

// No K, no OPc, no HA1: whether there is a SIM or a password, and what is not secret.
json::object subscriber_json(store::Database& db, const store::SubscriberRecord& r) {
  json::object o{{"impi", r.impi}, {"sim", r.sim.has_value()}};
  if (r.sim) {
    o["amf"] = to_hex(r.sim->amf.data(), r.sim->amf.size());
    o["sqn"] = sqn_hex(r.sim->sqn);
  }
  o["password"] = r.digest.has_value();
  json::array schemes;
  for (const auto& scheme : r.auth_schemes) schemes.push_back(json::string(scheme));
  o["auth_schemes"] = std::move(schemes);
  json::array impus;
  for (const auto& row : store::ServiceDataTable(db).public_identities_of(r.impi)) {
    impus.push_back(identity_json(db, row));
  }
  o["impus"] = std::move(impus);
  return o;
}

json::object application_server_json(const store::ApplicationServerRow& r) {
  return json::object{{"name", r.name},
                      {"server_name", r.server_name},
                      {"default_handling", r.default_handling == 1 ? "SESSION_TERMINATED" : "SESSION_CONTINUED"},
                      {"service_info", optional_json(r.service_info)},
                      {"include_register_request", r.include_register_request},
                      {"include_register_response", r.include_register_response}};
}

json::object service_profile_json(store::Database& db, const std::string& name) {
  json::array ifcs;
  for (const auto& r : store::ServiceDataTable(db).ifcs(name)) {
    json::value tp = nullptr;
    if (r.trigger_point) {
      boost::system::error_code ec;
      tp = json::parse(*r.trigger_point, ec);
      if (ec) {
        throw std::runtime_error("the stored trigger point of service profile " + name + ", priority " +
                                 std::to_string(r.priority) + ", is not JSON");
      }
    }
    json::value ppi = nullptr;
    if (r.profile_part_indicator) ppi = *r.profile_part_indicator == 1 ? "UNREGISTERED" : "REGISTERED";
    ifcs.push_back(json::object{{"priority", r.priority},
                                {"application_server", r.application_server},
                                {"trigger_point", std::move(tp)},
                                {"profile_part_indicator", std::move(ppi)}});
  }
  return json::object{{"name", name}, {"ifcs", std::move(ifcs)}};
}

// ---- store look-ups the typed tables do not have ----------------------------

// The subscribers with an IMPU that uses `profile`.
std::set<std::string> impis_using_profile(store::Database& db, const std::string& profile) {
  auto st = db.prepare("SELECT DISTINCT impi FROM hss_public_identity WHERE service_profile = ?1");
  st.bind(1, profile);
  std::set<std::string> out;
  while (st.step()) out.insert(st.text(0));
  return out;
}

// The service profiles with an iFC that names application server `as`.
std::vector<std::string> profiles_using_as(store::Database& db, const std::string& as) {
  store::ServiceDataTable table(db);
  std::vector<std::string> out;
  for (const auto& profile : table.service_profiles()) {
    for (const auto& ifc : table.ifcs(profile)) {
      if (ifc.application_server == as) {
        out.push_back(profile);
        break;
      }
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// ---- one request --------------------------------------------------------------

class Request {
 public:
  Request(store::Database& db, const runtime::Clock& clock, const ProvisioningApiOptions& options,
          const HttpRequest& req)
      : db_(db), clock_(clock), options_(options), req_(req) {}

  HttpResponse route() {
    const auto& s = req_.segments;
    if (s.size() < 2 || s.size() > 3 || s[0] != "v1" || (s.size() == 3 && s[2].empty())) not_found();
    const std::string& collection = s[1];
    if (s.size() == 2) {
      if (collection == "subscribers") {
        require_method(req_, {"GET", "POST"});
        return req_.method == "GET" ? list_subscribers() : add_subscriber();
      }
      if (collection == "application-servers") {
        require_method(req_, {"GET"});
        return list_application_servers();
      }
      if (collection == "service-profiles") {
        require_method(req_, {"GET"});
        return list_service_profiles();
      }
      not_found();
    }
    const std::string& id = s[2];
    if (collection == "subscribers") {
      require_method(req_, {"GET", "PATCH", "DELETE"});
      if (req_.method == "GET") return get_subscriber(id);
      return req_.method == "PATCH" ? change_subscriber(id) : delete_subscriber(id);
    }
    if (collection == "public-identities") {
      require_method(req_, {"GET", "PUT"});
      return req_.method == "GET" ? get_identity(id) : put_identity(id);
    }
    if (collection == "application-servers") {
      require_method(req_, {"GET", "PUT", "DELETE"});
      if (req_.method == "GET") return get_application_server(id);
      return req_.method == "PUT" ? put_application_server(id) : delete_application_server(id);
    }
    if (collection == "service-profiles") {
      require_method(req_, {"GET", "PUT", "DELETE"});
      if (req_.method == "GET") return get_service_profile(id);
      return req_.method == "PUT" ? put_service_profile(id) : delete_service_profile(id);
    }
    not_found();
  }

  // The impis to tell about, once the transaction committed.
  const std::set<std::string>& changed() const { return changed_; }

 private:
  [[noreturn]] void not_found() { fail(404, "no such resource: " + req_.path); }

  // -- subscribers --

  HttpResponse list_subscribers() {
    json::array out;
    for (const auto& r : store::SubscriberTable(db_).list()) out.push_back(subscriber_json(db_, r));
    return json_response(200, json::object{{"subscribers", std::move(out)}});
  }

  HttpResponse get_subscriber(const std::string& impi) {
    const auto r = store::SubscriberTable(db_).find(impi);
    if (!r) fail(404, "no subscriber " + impi);
    return json_response(200, subscriber_json(db_, *r));
  }

  HttpResponse add_subscriber() {
    const auto o = parse_object(req_.body);
    check_fields(o, {"impi", "impus", "k", "op", "opc", "amf", "sqn", "password", "auth_schemes", "service_profile"});
    NewSubscriber s;
    s.impi = required_string(o, "impi");
    s.impus = string_array(o, "impus");
    s.k = opt_string(o, "k");
    s.op = opt_string(o, "op");
    s.opc = opt_string(o, "opc");
    s.amf = opt_string(o, "amf");
    s.sqn = opt_string(o, "sqn");
    s.password = opt_string(o, "password");
    if (o.contains("auth_schemes")) s.schemes = joined(string_array(o, "auth_schemes"));
    // absent: the default profile; null: none; a name: that one, which must exist
    if (const auto profile = nullable_string(o, "service_profile")) {
      s.service_profile = profile->value_or("");
      if (*profile && !store::ServiceDataTable(db_).has_service_profile(**profile)) {
        bad_request("field 'service_profile': no service profile '" + **profile + "'");
      }
    }
    if (auto err = check_impi(s.impi)) bad_request("invalid impi '" + s.impi + "': " + *err);
    if (s.impus.empty()) bad_request("field 'impus' needs at least one public identity");
    // Conflicts first, as 409; Provisioning checks them again under its write lock.
    store::SubscriberTable table(db_);
    if (table.find(s.impi)) fail(409, "subscriber " + s.impi + " already exists");
    for (const auto& impu : s.impus) {
      if (auto owner = table.impi_of(impu)) fail(409, "public identity " + impu + " already belongs to " + *owner);
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.wall_now().time_since_epoch()).count();
    const auto outcome = Provisioning(db_, options_.realm).add(s, now, options_.default_service_profile);
    if (outcome.warning && options_.log) options_.log->warning("provisioning API: " + *outcome.warning);
    const auto r = table.find(s.impi);
    if (!r) throw std::runtime_error("subscriber " + s.impi + " vanished after it was added");
    return json_response(201, subscriber_json(db_, *r),
                         {{"Location", "/v1/subscribers/" + runtime::percent_encode_segment(s.impi)}});
  }

  HttpResponse change_subscriber(const std::string& impi) {
    const auto o = parse_object(req_.body);
    check_fields(o, {"k", "op", "opc", "amf", "sqn", "password", "remove_sim", "remove_password", "add_impus",
                     "remove_impus", "auth_schemes"});
    SubscriberChange c;
    c.k = opt_string(o, "k");
    c.op = opt_string(o, "op");
    c.opc = opt_string(o, "opc");
    c.amf = opt_string(o, "amf");
    c.sqn = opt_string(o, "sqn");
    c.password = opt_string(o, "password");
    if (o.contains("auth_schemes")) c.schemes = joined(string_array(o, "auth_schemes"));
    c.remove_sim = opt_bool(o, "remove_sim").value_or(false);
    c.remove_password = opt_bool(o, "remove_password").value_or(false);
    c.add_impus = string_array(o, "add_impus");
    c.remove_impus = string_array(o, "remove_impus");
    store::SubscriberTable table(db_);
    if (!table.find(impi)) fail(404, "no subscriber " + impi);
    const std::set<std::string> removed(c.remove_impus.begin(), c.remove_impus.end());
    for (const auto& impu : c.add_impus) {
      const auto owner = table.impi_of(impu);
      if (owner && (*owner != impi || !removed.contains(impu))) {
        fail(409, "public identity " + impu + " already belongs to " + *owner);
      }
    }
    Provisioning(db_, options_.realm).change(impi, c);
    if (!c.add_impus.empty() || !c.remove_impus.empty()) changed_.insert(impi);
    const auto r = table.find(impi);
    if (!r) throw std::runtime_error("subscriber " + impi + " vanished after it was changed");
    return json_response(200, subscriber_json(db_, *r));
  }

  HttpResponse delete_subscriber(const std::string& impi) {
    if (!store::SubscriberTable(db_).find(impi)) fail(404, "no subscriber " + impi);
    Provisioning(db_, options_.realm).remove(impi);
    return HttpResponse{204, "application/json", {}, {}};
  }

  // -- public identities --

  HttpResponse get_identity(const std::string& impu) {
    const auto row = store::ServiceDataTable(db_).public_identity(impu);
    if (!row) fail(404, "no public identity " + impu);
    return json_response(200, identity_json(db_, *row));
  }

  HttpResponse put_identity(const std::string& impu) {
    const auto o = parse_object(req_.body);
    check_fields(o, {"impu", "barred", "implicit_set", "service_profile", "display_name"});
    check_same(o, "impu", impu);
    const auto barred = opt_bool(o, "barred");
    const auto implicit_set = opt_int(o, "implicit_set", 1, INT_MAX);
    const auto profile = nullable_string(o, "service_profile");
    const auto display_name = nullable_string(o, "display_name");
    if (display_name && *display_name) check_text("display_name", **display_name, kMaxDisplayName, false);

    store::Database::Transaction tx(db_);
    store::ServiceDataTable table(db_);
    auto row = table.public_identity(impu);
    if (!row) fail(404, "no public identity " + impu);
    if (barred) row->barred = *barred;
    if (implicit_set) row->implicit_set = static_cast<int>(*implicit_set);
    if (profile) {
      if (*profile && !table.has_service_profile(**profile)) {
        bad_request("field 'service_profile': no service profile '" + **profile + "'");
      }
      row->service_profile = *profile;
    }
    if (display_name) row->display_name = *display_name;
    table.update_public_identity(*row);
    tx.commit();
    changed_.insert(row->impi);
    return json_response(200, identity_json(db_, *row));
  }

  // -- application servers --

  HttpResponse list_application_servers() {
    json::array out;
    for (const auto& r : store::ServiceDataTable(db_).application_servers()) out.push_back(application_server_json(r));
    return json_response(200, json::object{{"application_servers", std::move(out)}});
  }

  HttpResponse get_application_server(const std::string& name) {
    const auto r = store::ServiceDataTable(db_).application_server(name);
    if (!r) fail(404, "no application server " + name);
    return json_response(200, application_server_json(*r));
  }

  HttpResponse put_application_server(const std::string& name) {
    check_name("application server", name);
    const auto o = parse_object(req_.body);
    check_fields(o, {"name", "server_name", "default_handling", "service_info", "include_register_request",
                     "include_register_response"});
    check_same(o, "name", name);
    store::ApplicationServerRow row;
    row.name = name;
    row.server_name = required_string(o, "server_name");
    const auto uri = sip::parse_uri(row.server_name);
    if (!uri.uri) bad_request("field 'server_name': '" + row.server_name + "' is not a SIP URI: " + uri.error);
    if (uri.uri->scheme == sip::Uri::Scheme::tel) bad_request("field 'server_name' must be a sip: or sips: URI");
    if (const auto dh = opt_string(o, "default_handling")) {
      if (*dh == "SESSION_CONTINUED") {
        row.default_handling = 0;
      } else if (*dh == "SESSION_TERMINATED") {
        row.default_handling = 1;
      } else {
        bad_request("field 'default_handling' must be SESSION_CONTINUED or SESSION_TERMINATED");
      }
    }
    if (const auto info = nullable_string(o, "service_info")) {
      if (*info) check_text("service_info", **info, kMaxServiceInfo, true);
      row.service_info = *info;
    }
    row.include_register_request = opt_bool(o, "include_register_request").value_or(false);
    row.include_register_response = opt_bool(o, "include_register_response").value_or(false);

    store::Database::Transaction tx(db_);
    store::ServiceDataTable table(db_);
    const bool existed = table.application_server(name).has_value();
    if (existed) {
      for (const auto& profile : profiles_using_as(db_, name)) changed_.merge(impis_using_profile(db_, profile));
    }
    table.put_application_server(row);
    tx.commit();
    runtime::HttpHeaders headers;
    if (!existed) headers.emplace_back("Location", "/v1/application-servers/" + name);
    return json_response(existed ? 200 : 201, application_server_json(row), std::move(headers));
  }

  HttpResponse delete_application_server(const std::string& name) {
    store::Database::Transaction tx(db_);
    store::ServiceDataTable table(db_);
    if (!table.application_server(name)) fail(404, "no application server " + name);
    if (const auto users = profiles_using_as(db_, name); !users.empty()) {
      fail(409, "application server " + name + " is used by the iFCs of service profile" +
                    (users.size() > 1 ? "s " : " ") + join(users) + "; change or delete those first");
    }
    table.remove_application_server(name);
    tx.commit();
    return HttpResponse{204, "application/json", {}, {}};
  }

  // -- service profiles --

  HttpResponse list_service_profiles() {
    json::array out;
    for (const auto& name : store::ServiceDataTable(db_).service_profiles()) {
      out.push_back(service_profile_json(db_, name));
    }
    return json_response(200, json::object{{"service_profiles", std::move(out)}});
  }

  HttpResponse get_service_profile(const std::string& name) {
    if (!store::ServiceDataTable(db_).has_service_profile(name)) fail(404, "no service profile " + name);
    return json_response(200, service_profile_json(db_, name));
  }

  HttpResponse put_service_profile(const std::string& name) {
    check_name("service profile", name);
    const auto o = parse_object(req_.body);
    check_fields(o, {"name", "ifcs"});
    check_same(o, "name", name);
    std::vector<store::IfcRow> ifcs;
    if (const auto* list = o.if_contains("ifcs")) {
      if (!list->is_array()) bad_request("field 'ifcs' must be an array");
      if (list->as_array().size() > kMaxIfcs) {
        bad_request("field 'ifcs' has more than " + std::to_string(kMaxIfcs) + " entries");
      }
      std::set<int> priorities;
      for (const auto& v : list->as_array()) {
        const std::string where = "ifcs[" + std::to_string(ifcs.size()) + "].";
        ifcs.push_back(ifc_from_json(v, name, where));
        if (!priorities.insert(ifcs.back().priority).second) {
          bad_request("field '" + where + "priority': priority " + std::to_string(ifcs.back().priority) +
                      " is given twice; priorities in a service profile are unique");
        }
      }
    }

    store::Database::Transaction tx(db_);
    store::ServiceDataTable table(db_);
    for (std::size_t i = 0; i < ifcs.size(); ++i) {
      if (!table.application_server(ifcs[i].application_server)) {
        bad_request("field 'ifcs[" + std::to_string(i) + "].application_server': no application server '" +
                    ifcs[i].application_server + "'");
      }
    }
    const bool existed = table.has_service_profile(name);
    if (existed) {
      changed_ = impis_using_profile(db_, name);
      for (const auto& old : table.ifcs(name)) table.remove_ifc(name, old.priority);
    } else {
      table.add_service_profile(name);
    }
    for (const auto& ifc : ifcs) table.put_ifc(ifc);
    tx.commit();
    runtime::HttpHeaders headers;
    if (!existed) headers.emplace_back("Location", "/v1/service-profiles/" + name);
    return json_response(existed ? 200 : 201, service_profile_json(db_, name), std::move(headers));
  }

  static store::IfcRow ifc_from_json(const json::value& v, const std::string& profile, const std::string& where) {
    if (!v.is_object()) bad_request("field '" + where.substr(0, where.size() - 1) + "' must be an object");
    const auto& o = v.as_object();
    check_fields(o, {"priority", "application_server", "trigger_point", "profile_part_indicator"}, where);
    store::IfcRow row;
    row.service_profile = profile;
    const auto priority = opt_int(o, "priority", 0, INT_MAX, where);
    if (!priority) bad_request("field '" + where + "priority' is required");
    row.priority = static_cast<int>(*priority);
    row.application_server = required_string(o, "application_server", where);
    if (const auto* tp = o.if_contains("trigger_point"); tp && !tp->is_null()) {
      if (!tp->is_object()) bad_request("field '" + where + "trigger_point' must be an object or null");
      try {
        row.trigger_point = ims::to_json(ims::trigger_point_from_json(json::serialize(*tp)));
      } catch (const std::invalid_argument& e) {
        std::string message = e.what();
        constexpr std::string_view prefix = "trigger point: ";
        if (message.starts_with(prefix)) message.erase(0, prefix.size());
        bad_request("field '" + where + "trigger_point': " + message);
      }
    }
    if (const auto* ppi = o.if_contains("profile_part_indicator"); ppi && !ppi->is_null()) {
      if (ppi->is_string() && ppi->as_string() == "REGISTERED") {
        row.profile_part_indicator = 0;
      } else if (ppi->is_string() && ppi->as_string() == "UNREGISTERED") {
        row.profile_part_indicator = 1;
      } else {
        bad_request("field '" + where + "profile_part_indicator' must be REGISTERED, UNREGISTERED or null");
      }
    }
    return row;
  }

  HttpResponse delete_service_profile(const std::string& name) {
    store::Database::Transaction tx(db_);
    store::ServiceDataTable table(db_);
    if (!table.has_service_profile(name)) fail(404, "no service profile " + name);
    changed_ = impis_using_profile(db_, name);
    table.remove_service_profile(name);
    tx.commit();
    return HttpResponse{204, "application/json", {}, {}};
  }

  store::Database& db_;
  const runtime::Clock& clock_;
  const ProvisioningApiOptions& options_;
  const HttpRequest& req_;
  std::set<std::string> changed_;
};

}  // namespace

ProvisioningApi::ProvisioningApi(store::Database& db, const runtime::Clock& clock, ProvisioningApiOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

HttpResponse ProvisioningApi::operator()(const HttpRequest& req) {
  try {
    if (options_.token.empty()) fail(403, "the provisioning API is disabled: set hss.api_token");
    const auto auth = req.header("Authorization");
    if (!auth) {
      fail(401, "this API needs 'Authorization: Bearer <hss.api_token>'",
           {{"WWW-Authenticate", "Bearer realm=\"imsbox\""}});
    }
    std::string_view value = *auth;
    const auto space = value.find(' ');
    std::string_view scheme = value.substr(0, space);
    std::string_view token = space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!iequals(scheme, "Bearer")) {
      fail(401, "this API needs 'Authorization: Bearer <hss.api_token>'",
           {{"WWW-Authenticate", "Bearer realm=\"imsbox\", error=\"invalid_request\""}});
    }
    if (!constant_time_equal(token, options_.token)) {
      fail(401, "the bearer token is not hss.api_token",
           {{"WWW-Authenticate", "Bearer realm=\"imsbox\", error=\"invalid_token\""}});
    }

    if (is_services_resource(req)) return serve_services_resource(options_.services_store, options_.realm, req);
    if (is_ivr_menu_resource(req)) return serve_ivr_menu_resource(options_.ivr_store, options_.realm, req);
    Request request(db_, clock_, options_, req);
    auto response = request.route();
    if (options_.on_subscriber_changed) {
      for (const auto& impi : request.changed()) {
        try {
          options_.on_subscriber_changed(impi);
        } catch (const std::exception& e) {
          if (options_.log) options_.log->error("provisioning API: on_subscriber_changed(" + impi + ") threw: " + e.what());
        }
      }
    }
    return response;
  } catch (const ApiError& e) {
    return error_response(e.status, e.message, e.headers);
  } catch (const ProvisioningError& e) {
    return error_response(400, api_wording(e.what()));
  } catch (const store::StoreError& e) {
    if (options_.log) options_.log->error(std::string("provisioning API: store error: ") + e.what());
    return error_response(500, std::string("store error: ") + e.what());
  } catch (const std::exception& e) {
    if (options_.log) options_.log->error(std::string("provisioning API: ") + e.what());
    return error_response(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace imsbox::hss
