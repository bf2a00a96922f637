#include "hss/provisioning_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <stdexcept>

#include "aka/digest.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "store/database.h"
#include "store/registration_table.h"
#include "unit/hss/api_request.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

namespace json = boost::json;
using runtime::HttpRequest;
using runtime::HttpResponse;
using testing::TempDir;

constexpr const char* kToken = "0123456789abcdef0123456789abcdef";
constexpr const char* kRealm = "ims.example.org";
constexpr const char* kK = "fec86ba6eb707ed08905757b1bb44b8f";
constexpr const char* kOp = "dbc59adcb6f9a0ef735477b7fadf8374";
constexpr const char* kOpc = "1006020f0a478bf6b699f15c062e42b3";  // TS 35.207 set 3
constexpr const char* kPassword = "alice-secret-pw";
constexpr const char* kAlice = "alice@ims.example.org";
constexpr const char* kAliceSip = "sip:alice@ims.example.org";

using test::make_request;

std::string enc(const std::string& s) { return runtime::percent_encode_segment(s); }

class ProvisioningApiTest : public ::testing::Test {
 protected:
  ProvisioningApiTest() : db_(store::Database::open(dir_ / "box.db", "hss")) {}

  ProvisioningApi& api(std::string token = kToken) {
    if (!api_) {
      ProvisioningApiOptions o;
      o.realm = kRealm;
      o.token = std::move(token);
      o.default_service_profile = default_profile_;
      o.log = log_;
      o.on_subscriber_changed = [this](const std::string& impi) {
        changed_.push_back(impi);
        if (hook_throws_) throw std::runtime_error("hook failed");
      };
      api_.emplace(db_, clock_, std::move(o));
    }
    return *api_;
  }

  HttpResponse call(std::string method, std::string target, std::string body = {},
                    std::optional<std::string> auth = std::string("Bearer ") + kToken) {
    auto r = api()(make_request(std::move(method), std::move(target), std::move(body), std::move(auth)));
    bodies_.push_back(r.body);
    return r;
  }

  // The response's JSON body, after checking status and content type.
  json::value expect(const HttpResponse& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    if (status == 204) {
      EXPECT_EQ(r.body, "");
      return nullptr;
    }
    EXPECT_EQ(r.content_type, "application/json");
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }

  // An error response naming `fragment`.
  void expect_error(const HttpResponse& r, int status, const std::string& fragment) {
    const auto v = expect(r, status);
    ASSERT_TRUE(v.is_object()) << r.body;
    const auto* e = v.as_object().if_contains("error");
    ASSERT_TRUE(e && e->is_string()) << r.body;
    EXPECT_NE(std::string(e->as_string()).find(fragment), std::string::npos) << r.body;
    EXPECT_EQ(std::string(e->as_string()).find("--"), std::string::npos) << "CLI wording: " << r.body;
  }

  static std::optional<std::string> header(const HttpResponse& r, std::string_view name) {
    if (auto v = runtime::find_http_header(r.headers, name)) return std::string(*v);
    return std::nullopt;
  }

  void add_alice() {
    const auto r = call("POST", "/v1/subscribers",
                        R"({"impi": "alice@ims.example.org", "impus": ["sip:alice@ims.example.org", "tel:+15550001"],
                            "k": ")" + std::string(kK) + R"(", "op": ")" + kOp + R"("})");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  void add_as(const std::string& name) {
    ASSERT_EQ(call("PUT", "/v1/application-servers/" + name, R"({"server_name": "sip:)" + name + R"(.ims.example.org"})")
                  .status,
              201);
  }

  static std::string mmtel_profile(const std::string& as) {
    return R"({"ifcs": [{"priority": 1, "application_server": ")" + as +
           R"(", "trigger_point": {"cnf": true, "spt": [{"group": 0, "method": "INVITE"}, {"group": 1, "session_case": 0}]},
                          "profile_part_indicator": "REGISTERED"}]})";
  }

  TempDir dir_;
  store::Database db_;
  runtime::ManualClock clock_;
  std::optional<ProvisioningApi> api_;
  std::vector<std::string> changed_;
  bool hook_throws_ = false;
  std::string default_profile_;       // ProvisioningApiOptions::default_service_profile
  runtime::Logger* log_ = nullptr;    // ProvisioningApiOptions::log
  std::vector<std::string> bodies_;  // every response body, for the secrets check
};

// ---- authorization ------------------------------------------------------------

TEST_F(ProvisioningApiTest, EmptyTokenDisablesTheApi) {
  api("");
  expect_error(call("GET", "/v1/subscribers"), 403, "the provisioning API is disabled: set hss.api_token");
  expect_error(call("GET", "/v1/subscribers", {}, "Bearer "), 403, "disabled");
  expect_error(call("GET", "/v1/subscribers", {}, std::nullopt), 403, "disabled");
}

TEST_F(ProvisioningApiTest, MissingOrWrongTokenIs401WithWwwAuthenticate) {
  for (const std::optional<std::string>& auth :
       {std::optional<std::string>(), std::optional<std::string>("Bearer wrong"),
        std::optional<std::string>(std::string("Bearer ") + kToken + "x"),
        std::optional<std::string>(std::string("Basic ") + kToken), std::optional<std::string>("Bearer"),
        std::optional<std::string>(std::string("Bearer ") + std::string(kToken).substr(1)),
        std::optional<std::string>("")}) {
    const auto r = call("GET", "/v1/subscribers", {}, auth);
    expect_error(r, 401, "");
    const auto www = header(r, "WWW-Authenticate");
    ASSERT_TRUE(www) << auth.value_or("(none)");
    EXPECT_TRUE(www->starts_with("Bearer")) << *www;
  }
  // even a path that does not exist answers 401 first
  expect_error(call("GET", "/nothing", {}, std::nullopt), 401, "Authorization: Bearer");
  // the scheme is case-insensitive (RFC 7235 §2.1)
  expect(call("GET", "/v1/subscribers", {}, std::string("bearer  ") + kToken), 200);
}

// ---- routing ------------------------------------------------------------------

TEST_F(ProvisioningApiTest, UnknownResourcesAre404AndWrongMethods405WithAllow) {
  expect_error(call("GET", "/v2/subscribers"), 404, "no such resource: /v2/subscribers");
  expect_error(call("GET", "/v1/nothing"), 404, "no such resource");
  expect_error(call("GET", "/v1/subscribers/a@b.org/more"), 404, "no such resource");
  expect_error(call("GET", "/v1/subscribers/"), 404, "no such resource");
  expect_error(call("GET", "/v1/public-identities"), 404, "no such resource");
  expect_error(call("GET", "/"), 404, "no such resource");

  struct Case {
    std::string method, target, allow;
  };
  for (const auto& c : std::vector<Case>{{"PUT", "/v1/subscribers", "GET, POST"},
                                         {"DELETE", "/v1/subscribers", "GET, POST"},
                                         {"POST", "/v1/subscribers/a@b.org", "GET, PATCH, DELETE"},
                                         {"DELETE", "/v1/public-identities/sip:a@b.org", "GET, PUT"},
                                         {"POST", "/v1/application-servers", "GET"},
                                         {"PATCH", "/v1/application-servers/tas", "GET, PUT, DELETE"},
                                         {"PUT", "/v1/service-profiles", "GET"},
                                         {"POST", "/v1/service-profiles/p", "GET, PUT, DELETE"},
                                         {"HEAD", "/v1/subscribers", "GET, POST"}}) {
    const auto r = call(c.method, c.target);
    expect_error(r, 405, "method " + c.method + " is not allowed");
    EXPECT_EQ(header(r, "Allow"), c.allow) << c.method << " " << c.target;
  }
}

// ---- subscribers ----------------------------------------------------------------

TEST_F(ProvisioningApiTest, SubscriberRoundTrip) {
  // POST
  auto r = call("POST", "/v1/subscribers",
                R"({"impi": "alice@ims.example.org", "impus": ["sip:alice@ims.example.org"], "k": ")" +
                    std::string(kK) + R"(", "op": ")" + kOp + R"(", "sqn": "000000000020"})");
  auto v = expect(r, 201);
  EXPECT_EQ(header(r, "Location"), "/v1/subscribers/alice@ims.example.org");
  EXPECT_EQ(v.at("impi"), kAlice);
  EXPECT_EQ(v.at("sim"), true);
  EXPECT_EQ(v.at("amf"), "8000");
  EXPECT_EQ(v.at("sqn"), "000000000020");
  EXPECT_EQ(v.at("password"), false);
  ASSERT_EQ(v.at("impus").as_array().size(), 1u);
  const auto& impu = v.at("impus").as_array()[0];
  EXPECT_EQ(impu.at("impu"), kAliceSip);
  EXPECT_EQ(impu.at("impi"), kAlice);
  EXPECT_EQ(impu.at("barred"), false);
  EXPECT_EQ(impu.at("implicit_set"), 1);
  EXPECT_TRUE(impu.at("service_profile").is_null());
  EXPECT_TRUE(impu.at("display_name").is_null());
  EXPECT_EQ(impu.at("registration_state"), "NOT_REGISTERED");
  EXPECT_TRUE(impu.at("scscf_name").is_null());

  // GET: the same
  EXPECT_EQ(expect(call("GET", "/v1/subscribers/" + enc(kAlice)), 200), v);
  EXPECT_EQ(expect(call("GET", "/v1/subscribers/alice%40ims.example.org"), 200), v);

  // PATCH: a password, another IMPU, new AMF
  r = call("PATCH", "/v1/subscribers/" + enc(kAlice),
           R"({"password": ")" + std::string(kPassword) + R"(", "add_impus": ["tel:+15550001"], "amf": "9001"})");
  v = expect(r, 200);
  EXPECT_EQ(v.at("password"), true);
  EXPECT_EQ(v.at("sim"), true);
  EXPECT_EQ(v.at("amf"), "9001");
  ASSERT_EQ(v.at("impus").as_array().size(), 2u);
  EXPECT_EQ(v.at("impus").as_array()[1].at("impu"), "tel:+15550001");

  // GET: the change is there
  EXPECT_EQ(expect(call("GET", "/v1/subscribers/" + enc(kAlice)), 200), v);
  // the list has it
  const auto list = expect(call("GET", "/v1/subscribers"), 200);
  ASSERT_EQ(list.at("subscribers").as_array().size(), 1u);
  EXPECT_EQ(list.at("subscribers").as_array()[0], v);

  // PATCH: drop the SIM, and the IMPU again
  v = expect(call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"remove_sim": true, "remove_impus": ["tel:+15550001"]})"),
             200);
  EXPECT_EQ(v.at("sim"), false);
  EXPECT_FALSE(v.as_object().contains("amf"));
  EXPECT_FALSE(v.as_object().contains("sqn"));
  EXPECT_EQ(v.at("impus").as_array().size(), 1u);

  // DELETE, then 404
  expect(call("DELETE", "/v1/subscribers/" + enc(kAlice)), 204);
  expect_error(call("GET", "/v1/subscribers/" + enc(kAlice)), 404, "no subscriber alice@ims.example.org");
  expect_error(call("DELETE", "/v1/subscribers/" + enc(kAlice)), 404, "no subscriber");
  expect_error(call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"amf": "8000"})"), 404, "no subscriber");
  EXPECT_EQ(expect(call("GET", "/v1/subscribers"), 200).at("subscribers").as_array().size(), 0u);
}

TEST_F(ProvisioningApiTest, PasswordAndOpcSubscribers) {
  auto v = expect(call("POST", "/v1/subscribers",
                       R"({"impi": "bob@ims.example.org", "impus": ["sip:bob@ims.example.org"], "password": "pw"})"),
                  201);
  EXPECT_EQ(v.at("sim"), false);
  EXPECT_EQ(v.at("password"), true);
  v = expect(call("POST", "/v1/subscribers",
                  R"({"impi": "c@ims.example.org", "impus": ["sip:c@ims.example.org"], "k": ")" + std::string(kK) +
                      R"(", "opc": ")" + kOpc + R"(", "amf": "0000"})"),
             201);
  EXPECT_EQ(v.at("amf"), "0000");
}

TEST_F(ProvisioningApiTest, AllowedAuthenticationSchemes) {
  auto v = expect(call("POST", "/v1/subscribers",
                       R"({"impi": "e@ims.example.org", "impus": ["sip:e@ims.example.org"], "password": "pw",
                           "k": ")" + std::string(kK) + R"(", "opc": ")" + kOpc + R"(", "auth_schemes": ["SIP Digest"]})"),
                  201);
  EXPECT_EQ(v.at("auth_schemes"), json::array({"SIP Digest"}));
  v = expect(call("PATCH", "/v1/subscribers/e@ims.example.org", R"({"auth_schemes": ["Digest-AKAv2-MD5", "SIP Digest"]})"),
             200);
  EXPECT_EQ(v.at("auth_schemes"), json::array({"Digest-AKAv2-MD5", "SIP Digest"}));
  expect_error(call("PATCH", "/v1/subscribers/e@ims.example.org", R"({"remove_sim": true})"), 400,
               "auth_schemes: Digest-AKAv2-MD5 needs a SIM");
  expect_error(call("PATCH", "/v1/subscribers/e@ims.example.org", R"({"auth_schemes": ["NTLM"]})"), 400,
               "auth_schemes: unknown scheme 'NTLM'");
  v = expect(call("PATCH", "/v1/subscribers/e@ims.example.org", R"({"auth_schemes": []})"), 200);
  EXPECT_EQ(v.at("auth_schemes"), json::array());
}

TEST_F(ProvisioningApiTest, SubscriberConflictsAre409) {
  add_alice();
  expect_error(call("POST", "/v1/subscribers",
                    R"({"impi": "alice@ims.example.org", "impus": ["sip:other@ims.example.org"], "password": "x"})"),
               409, "subscriber alice@ims.example.org already exists");
  expect_error(call("POST", "/v1/subscribers",
                    R"({"impi": "bob@ims.example.org", "impus": ["tel:+15550001"], "password": "x"})"),
               409, "public identity tel:+15550001 already belongs to alice@ims.example.org");
  expect(call("POST", "/v1/subscribers",
              R"({"impi": "bob@ims.example.org", "impus": ["sip:bob@ims.example.org"], "password": "x"})"),
         201);
  expect_error(call("PATCH", "/v1/subscribers/bob@ims.example.org", R"({"add_impus": ["sip:alice@ims.example.org"]})"),
               409, "already belongs to alice@ims.example.org");
  expect_error(call("PATCH", "/v1/subscribers/bob@ims.example.org", R"({"add_impus": ["sip:bob@ims.example.org"]})"),
               409, "already belongs to bob@ims.example.org");
}

TEST_F(ProvisioningApiTest, SubscriberValidationIs400NamingTheField) {
  const auto post = [&](const std::string& body, const std::string& fragment) {
    expect_error(call("POST", "/v1/subscribers", body), 400, fragment);
  };
  const std::string id = R"("impi": "d@ims.example.org", "impus": ["sip:d@ims.example.org"])";
  post("{" + id + R"(, "k": "00", "op": ")" + kOp + R"("})", "k must be 32 hex digits");
  post("{" + id + R"(, "k": ")" + kK + R"(", "op": "zz)" + std::string(kOp).substr(2) + R"("})", "op contains 'z'");
  post("{" + id + R"(, "k": ")" + kK + R"(", "op": ")" + kOp + R"(", "opc": ")" + kOpc + R"("})",
       "give op or opc, not both");
  post("{" + id + R"(, "k": ")" + kK + R"("})", "k needs op or opc");
  post("{" + id + R"(, "k": ")" + kK + R"(", "op": ")" + kOp + R"(", "sqn": "1"})", "sqn must be 12 hex digits");
  post("{" + id + "}", "give a SIM (k with op or opc), a password, or both");
  post("{" + id + R"(, "password": ""})", "password must not be empty");
  post(R"({"impi": "nobody", "impus": ["sip:d@ims.example.org"], "password": "x"})", "invalid impi 'nobody'");
  post(R"({"impi": "d@ims.example.org", "impus": ["http://x"], "password": "x"})", "invalid impus 'http://x'");
  post(R"({"impi": "d@ims.example.org", "impus": [], "password": "x"})", "field 'impus' needs at least one");
  post(R"({"impi": "d@ims.example.org", "password": "x"})", "field 'impus' needs at least one");
  post(R"({"impus": ["sip:d@ims.example.org"], "password": "x"})", "field 'impi' is required");
  post(R"({"impi": 7, "impus": ["sip:d@ims.example.org"], "password": "x"})", "field 'impi' must be a string");
  post(R"({"impi": "d@ims.example.org", "impus": "sip:d@ims.example.org", "password": "x"})",
       "field 'impus' must be an array of strings");
  post("{" + id + R"(, "password": "x", "pasword": "y"})", "unknown field 'pasword'");
  // bad JSON names the problem
  post("", "the request needs a JSON object as its body");
  post("{\"impi\": ", "the body is not valid JSON");
  post("[1, 2]", "the body must be a JSON object");
  post("{} trailing", "the body is not valid JSON");
  // PATCH too
  add_alice();
  const auto patch = [&](const std::string& body, const std::string& fragment) {
    expect_error(call("PATCH", "/v1/subscribers/" + enc(kAlice), body), 400, fragment);
  };
  patch(R"({"remove_sim": true})", "would leave neither");
  patch(R"({"remove_sim": "yes"})", "field 'remove_sim' must be true or false");
  patch(R"({"remove_impus": ["sip:alice@ims.example.org", "tel:+15550001"]})", "would leave none");
  patch(R"({"remove_impus": ["sip:nobody@ims.example.org"]})", "does not belong to");
  patch(R"({"k": ")" + std::string(kK) + R"("})", "a new k needs op or opc as well");
  patch(R"({"remove_password": true, "password": "x"})", "remove_password cannot go with password");
  patch(R"({"impi": "x@y.org"})", "unknown field 'impi'");
  // nothing was written by any of them
  const auto v = expect(call("GET", "/v1/subscribers/" + enc(kAlice)), 200);
  EXPECT_EQ(v.at("sim"), true);
  EXPECT_EQ(v.at("impus").as_array().size(), 2u);
}

TEST_F(ProvisioningApiTest, SecretsNeverAppearInAnyResponse) {
  add_alice();
  expect(call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"password": ")" + std::string(kPassword) + R"("})"), 200);
  expect(call("POST", "/v1/subscribers",
              R"({"impi": "e@ims.example.org", "impus": ["sip:e@ims.example.org"], "k": ")" + std::string(kK) +
                  R"(", "opc": ")" + kOpc + R"("})"),
         201);
  call("GET", "/v1/subscribers");
  call("GET", "/v1/subscribers/" + enc(kAlice));
  call("GET", "/v1/public-identities/" + enc(kAliceSip));
  // errors do not echo them either
  call("POST", "/v1/subscribers",
       R"({"impi": "alice@ims.example.org", "impus": ["sip:f@ims.example.org"], "k": ")" + std::string(kK) +
           R"(", "op": ")" + kOp + R"("})");
  call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"k": ")" + std::string(kK) + R"("})");
  call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"password": 5})");

  const std::string ha1_md5 = aka::digest_ha1(aka::DigestAlgorithm::md5, kAlice, kRealm, kPassword);
  const std::string ha1_sha256 = aka::digest_ha1(aka::DigestAlgorithm::sha256, kAlice, kRealm, kPassword);
  ASSERT_GE(bodies_.size(), 8u);
  for (const auto& body : bodies_) {
    std::string lower = body;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const std::string& secret : {std::string(kK), std::string(kOp), std::string(kOpc), ha1_md5, ha1_sha256,
                                     std::string(kPassword)}) {
      EXPECT_EQ(lower.find(secret), std::string::npos) << "secret in " << body;
    }
    EXPECT_EQ(body.find("\"k\""), std::string::npos) << body;
    EXPECT_EQ(body.find("opc\":"), std::string::npos) << body;
    EXPECT_EQ(body.find("ha1"), std::string::npos) << body;
  }
}

// ---- public identities ------------------------------------------------------------

TEST_F(ProvisioningApiTest, PublicIdentitySettingsAndRegistrationState) {
  add_alice();
  auto v = expect(call("GET", "/v1/public-identities/" + enc("tel:+15550001")), 200);
  EXPECT_EQ(v.at("impi"), kAlice);
  EXPECT_EQ(v.at("registration_state"), "NOT_REGISTERED");

  // the registration state comes from the store
  store::RegistrationRow reg;
  reg.impu = kAliceSip;
  reg.state = store::RegistrationState::registered;
  reg.impi = kAlice;
  reg.scscf_name = "sip:scscf.ims.example.org:6060";
  reg.updated_at = 1;
  store::RegistrationTable(db_).put(reg);
  v = expect(call("GET", "/v1/public-identities/" + enc(kAliceSip)), 200);
  EXPECT_EQ(v.at("registration_state"), "REGISTERED");
  EXPECT_EQ(v.at("scscf_name"), "sip:scscf.ims.example.org:6060");
  v = expect(call("GET", "/v1/subscribers/" + enc(kAlice)), 200);
  EXPECT_EQ(v.at("impus").as_array()[0].at("registration_state"), "REGISTERED");

  // PUT changes what it is given and keeps the rest
  add_as("tas");
  expect(call("PUT", "/v1/service-profiles/mmtel", mmtel_profile("tas")), 201);
  changed_.clear();
  v = expect(call("PUT", "/v1/public-identities/" + enc(kAliceSip),
                  R"({"barred": true, "implicit_set": 2, "service_profile": "mmtel", "display_name": "Alice A."})"),
             200);
  EXPECT_EQ(v.at("barred"), true);
  EXPECT_EQ(v.at("implicit_set"), 2);
  EXPECT_EQ(v.at("service_profile"), "mmtel");
  EXPECT_EQ(v.at("display_name"), "Alice A.");
  EXPECT_EQ(changed_, std::vector<std::string>{kAlice});
  v = expect(call("PUT", "/v1/public-identities/" + enc(kAliceSip), R"({"barred": false, "display_name": null})"), 200);
  EXPECT_EQ(v.at("barred"), false);
  EXPECT_EQ(v.at("implicit_set"), 2);
  EXPECT_EQ(v.at("service_profile"), "mmtel");
  EXPECT_TRUE(v.at("display_name").is_null());
  EXPECT_EQ(expect(call("GET", "/v1/public-identities/" + enc(kAliceSip)), 200), v);
  // the body may name the IMPU, which must be the path's
  expect(call("PUT", "/v1/public-identities/" + enc(kAliceSip), R"({"impu": "sip:alice@ims.example.org"})"), 200);

  const auto put = [&](const std::string& body, const std::string& fragment) {
    expect_error(call("PUT", "/v1/public-identities/" + enc(kAliceSip), body), 400, fragment);
  };
  put(R"({"service_profile": "nope"})", "field 'service_profile': no service profile 'nope'");
  put(R"({"implicit_set": 0})", "field 'implicit_set' must be from 1 to");
  put(R"({"implicit_set": 1.5})", "field 'implicit_set' must be a whole number");
  put(R"({"implicit_set": 99999999999999})", "field 'implicit_set' must be from 1 to");
  put(R"({"barred": 1})", "field 'barred' must be true or false");
  put(R"({"display_name": "a\nb"})", "field 'display_name' must not contain control characters");
  put(R"({"display_name": 3})", "field 'display_name' must be a string or null");
  put(R"({"impu": "sip:bob@ims.example.org"})", "but the path names");
  put(R"({"registration_state": "REGISTERED"})", "unknown field 'registration_state'");
  put("nope", "the body is not valid JSON");
  EXPECT_EQ(expect(call("GET", "/v1/public-identities/" + enc(kAliceSip)), 200), v);

  expect_error(call("GET", "/v1/public-identities/" + enc("sip:nobody@ims.example.org")), 404,
               "no public identity sip:nobody@ims.example.org");
  expect_error(call("PUT", "/v1/public-identities/" + enc("sip:nobody@ims.example.org"), R"({"barred": true})"), 404,
               "no public identity");
}

// ---- application servers ------------------------------------------------------------

TEST_F(ProvisioningApiTest, ApplicationServers) {
  auto r = call("PUT", "/v1/application-servers/tas",
                R"({"server_name": "sip:tas.ims.example.org:5070;transport=tcp", "default_handling": "SESSION_TERMINATED",
                    "service_info": "mmtel", "include_register_request": true})");
  auto v = expect(r, 201);
  EXPECT_EQ(header(r, "Location"), "/v1/application-servers/tas");
  EXPECT_EQ(v, json::parse(R"({"name": "tas", "server_name": "sip:tas.ims.example.org:5070;transport=tcp",
                               "default_handling": "SESSION_TERMINATED", "service_info": "mmtel",
                               "include_register_request": true, "include_register_response": false})"));
  EXPECT_EQ(expect(call("GET", "/v1/application-servers/tas"), 200), v);
  // PUT replaces: what is left out takes its default
  v = expect(call("PUT", "/v1/application-servers/tas", R"({"name": "tas", "server_name": "sips:tas.ims.example.org"})"),
             200);
  EXPECT_EQ(v.at("default_handling"), "SESSION_CONTINUED");
  EXPECT_TRUE(v.at("service_info").is_null());
  EXPECT_EQ(v.at("include_register_request"), false);
  add_as("voicemail");
  const auto list = expect(call("GET", "/v1/application-servers"), 200).at("application_servers").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("name"), "tas");
  EXPECT_EQ(list[1].at("name"), "voicemail");

  const auto put = [&](const std::string& name, const std::string& body, const std::string& fragment) {
    expect_error(call("PUT", "/v1/application-servers/" + name, body), 400, fragment);
  };
  put("tas", R"({})", "field 'server_name' is required");
  put("tas", R"({"server_name": "http://tas.example.org"})", "field 'server_name': 'http://tas.example.org' is not a SIP URI");
  put("tas", R"({"server_name": "tel:+15550001"})", "field 'server_name' must be a sip: or sips: URI");
  put("tas", R"({"server_name": "sip:tas", "default_handling": "CONTINUE"})",
      "field 'default_handling' must be SESSION_CONTINUED or SESSION_TERMINATED");
  put("tas", R"({"server_name": "sip:tas", "include_register_response": "no"})",
      "field 'include_register_response' must be true or false");
  put("tas", R"({"server_name": "sip:tas", "name": "other"})", "but the path names 'tas'");
  put("tas", R"({"server_name": "sip:tas", "port": 5060})", "unknown field 'port'");
  put("bad%20name", R"({"server_name": "sip:tas"})", "invalid application server name 'bad name'");
  put(std::string(65, 'a'), R"({"server_name": "sip:tas"})", "invalid application server name");
  expect_error(call("GET", "/v1/application-servers/nope"), 404, "no application server nope");
  expect_error(call("DELETE", "/v1/application-servers/nope"), 404, "no application server nope");

  // in use by an iFC: 409, and it stays
  expect(call("PUT", "/v1/service-profiles/mmtel", mmtel_profile("tas")), 201);
  expect_error(call("DELETE", "/v1/application-servers/tas"), 409,
               "application server tas is used by the iFCs of service profile mmtel");
  expect(call("GET", "/v1/application-servers/tas"), 200);
  // unused: gone
  expect(call("DELETE", "/v1/application-servers/voicemail"), 204);
  expect_error(call("GET", "/v1/application-servers/voicemail"), 404, "no application server");
  // once the profile lets go of it, it can go
  expect(call("PUT", "/v1/service-profiles/mmtel", R"({"ifcs": []})"), 200);
  expect(call("DELETE", "/v1/application-servers/tas"), 204);
}

// ---- service profiles ------------------------------------------------------------------

TEST_F(ProvisioningApiTest, ServiceProfilesWithIfcs) {
  add_as("tas");
  add_as("vm");
  auto r = call("PUT", "/v1/service-profiles/mmtel", mmtel_profile("tas"));
  auto v = expect(r, 201);
  EXPECT_EQ(header(r, "Location"), "/v1/service-profiles/mmtel");
  EXPECT_EQ(v.at("name"), "mmtel");
  ASSERT_EQ(v.at("ifcs").as_array().size(), 1u);
  const auto& ifc = v.at("ifcs").as_array()[0];
  EXPECT_EQ(ifc.at("priority"), 1);
  EXPECT_EQ(ifc.at("application_server"), "tas");
  EXPECT_EQ(ifc.at("profile_part_indicator"), "REGISTERED");
  EXPECT_EQ(ifc.at("trigger_point").at("cnf"), true);
  EXPECT_EQ(ifc.at("trigger_point").at("spt").as_array()[0].at("method"), "INVITE");
  EXPECT_EQ(expect(call("GET", "/v1/service-profiles/mmtel"), 200), v);

  // PUT replaces the iFCs as a whole
  v = expect(call("PUT", "/v1/service-profiles/mmtel",
                  R"({"name": "mmtel", "ifcs": [{"priority": 5, "application_server": "vm"},
                                                {"priority": 2, "application_server": "tas", "trigger_point": null,
                                                 "profile_part_indicator": "UNREGISTERED"}]})"),
             200);
  const auto& ifcs = v.at("ifcs").as_array();
  ASSERT_EQ(ifcs.size(), 2u);
  EXPECT_EQ(ifcs[0].at("priority"), 2);  // by priority
  EXPECT_EQ(ifcs[0].at("profile_part_indicator"), "UNREGISTERED");
  EXPECT_TRUE(ifcs[0].at("trigger_point").is_null());
  EXPECT_EQ(ifcs[1].at("priority"), 5);
  EXPECT_TRUE(ifcs[1].at("profile_part_indicator").is_null());
  expect(call("PUT", "/v1/service-profiles/empty", "{}"), 201);
  const auto list = expect(call("GET", "/v1/service-profiles"), 200).at("service_profiles").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("name"), "empty");
  EXPECT_EQ(list[0].at("ifcs").as_array().size(), 0u);
  EXPECT_EQ(list[1], v);

  const auto put = [&](const std::string& body, const std::string& fragment) {
    expect_error(call("PUT", "/v1/service-profiles/mmtel", body), 400, fragment);
  };
  put(R"({"ifcs": [{"priority": 1, "application_server": "tas", "trigger_point": {"spt": [{"group": 0, "method": "IN VITE"}]}}]})",
      "field 'ifcs[0].trigger_point': spt[0].method must be a SIP method name");
  put(R"({"ifcs": [{"priority": 1, "application_server": "tas"},
                   {"priority": 2, "application_server": "tas", "trigger_point": {"cnf": true}}]})",
      "field 'ifcs[1].trigger_point'");
  put(R"({"ifcs": [{"priority": 1, "application_server": "tas", "trigger_point": "INVITE"}]})",
      "field 'ifcs[0].trigger_point' must be an object or null");
  put(R"({"ifcs": [{"priority": 1, "application_server": "tas"}, {"priority": 1, "application_server": "vm"}]})",
      "field 'ifcs[1].priority': priority 1 is given twice");
  put(R"({"ifcs": [{"priority": 1, "application_server": "nope"}]})",
      "field 'ifcs[0].application_server': no application server 'nope'");
  put(R"({"ifcs": [{"priority": -1, "application_server": "tas"}]})", "field 'ifcs[0].priority' must be from 0");
  put(R"({"ifcs": [{"application_server": "tas"}]})", "field 'ifcs[0].priority' is required");
  put(R"({"ifcs": [{"priority": 1}]})", "field 'ifcs[0].application_server' is required");
  put(R"({"ifcs": [{"priority": 1, "application_server": "tas", "profile_part_indicator": 0}]})",
      "field 'ifcs[0].profile_part_indicator' must be REGISTERED, UNREGISTERED or null");
  put(R"({"ifcs": [{"priority": 1, "application_server": "tas", "when": "always"}]})", "unknown field 'ifcs[0].when'");
  put(R"({"ifcs": [1]})", "field 'ifcs[0]' must be an object");
  put(R"({"ifcs": {}})", "field 'ifcs' must be an array");
  put(R"({"name": "other"})", "but the path names 'mmtel'");
  expect_error(call("PUT", "/v1/service-profiles/a%2Fb", "{}"), 400, "invalid service profile name 'a/b'");
  // none of them changed anything
  EXPECT_EQ(expect(call("GET", "/v1/service-profiles/mmtel"), 200), v);

  expect(call("DELETE", "/v1/service-profiles/mmtel"), 204);
  expect_error(call("GET", "/v1/service-profiles/mmtel"), 404, "no service profile mmtel");
  expect_error(call("DELETE", "/v1/service-profiles/mmtel"), 404, "no service profile mmtel");
}

// ---- the hook -------------------------------------------------------------------------

TEST_F(ProvisioningApiTest, NewSubscribersGetTheDefaultProfileUnlessTheyNameOneOrNull) {
  default_profile_ = "mmtel";
  add_as("tas");
  ASSERT_EQ(call("PUT", "/v1/service-profiles/mmtel", mmtel_profile("tas")).status, 201);
  ASSERT_EQ(call("PUT", "/v1/service-profiles/gold", mmtel_profile("tas")).status, 201);
  const auto profile_of = [&](const std::string& impu) {
    const auto v = expect(call("GET", "/v1/public-identities/" + enc(impu)), 200);
    return json::serialize(v.as_object().at("service_profile"));
  };
  add_alice();  // no field: the default
  EXPECT_EQ(profile_of(kAliceSip), R"("mmtel")");
  EXPECT_EQ(profile_of("tel:+15550001"), R"("mmtel")");
  expect(call("POST", "/v1/subscribers",
              R"({"impi": "bob@ims.example.org", "impus": ["sip:bob@ims.example.org"], "password": "pw",
                  "service_profile": null})"),
         201);
  EXPECT_EQ(profile_of("sip:bob@ims.example.org"), "null");
  const auto carol = expect(call("POST", "/v1/subscribers",
                                 R"({"impi": "carol@ims.example.org", "impus": ["sip:carol@ims.example.org"],
                                     "password": "pw", "service_profile": "gold"})"),
                            201);
  EXPECT_EQ(json::serialize(carol.at("impus").at(0).at("service_profile")), R"("gold")");
  // an unknown profile: 400 and nothing stored
  expect_error(call("POST", "/v1/subscribers",
                    R"({"impi": "dave@ims.example.org", "impus": ["sip:dave@ims.example.org"], "password": "pw",
                        "service_profile": "platinum"})"),
               400, "field 'service_profile': no service profile 'platinum'");
  expect_error(call("POST", "/v1/subscribers",
                    R"({"impi": "dave@ims.example.org", "impus": ["sip:dave@ims.example.org"], "password": "pw",
                        "service_profile": 7})"),
               400, "field 'service_profile' must be a string or null");
  expect_error(call("GET", "/v1/subscribers/dave@ims.example.org"), 404, "no subscriber");
}

TEST_F(ProvisioningApiTest, AMissingDefaultProfileIsAWarningNotAnError) {
  default_profile_ = "mmtel";  // never created
  const auto path = dir_ / "hss.log";
  runtime::Logger log("hss", runtime::LogLevel::info, path, clock_);
  log_ = &log;
  add_alice();
  const auto v = expect(call("GET", "/v1/public-identities/" + enc(kAliceSip)), 200);
  EXPECT_TRUE(v.at("service_profile").is_null());
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("the default service profile 'mmtel' (hss.default_service_profile) does not exist: "
                      "alice@ims.example.org has no service profile"),
            std::string::npos)
      << text;
}

TEST_F(ProvisioningApiTest, OnSubscriberChangedFollowsProfileChanges) {
  add_alice();  // new: not announced
  expect(call("POST", "/v1/subscribers",
              R"({"impi": "bob@ims.example.org", "impus": ["sip:bob@ims.example.org"], "password": "x"})"),
         201);
  EXPECT_TRUE(changed_.empty());
  // credentials only: not a profile change
  expect(call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"sqn": "000000000040", "password": "p"})"), 200);
  EXPECT_TRUE(changed_.empty());
  // IMPUs: yes
  expect(call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"add_impus": ["sip:alice2@ims.example.org"]})"), 200);
  EXPECT_EQ(changed_, std::vector<std::string>{kAlice});
  changed_.clear();

  add_as("tas");
  expect(call("PUT", "/v1/service-profiles/mmtel", mmtel_profile("tas")), 201);
  EXPECT_TRUE(changed_.empty());  // nobody uses it yet
  expect(call("PUT", "/v1/public-identities/" + enc(kAliceSip), R"({"service_profile": "mmtel"})"), 200);
  expect(call("PUT", "/v1/public-identities/" + enc("tel:+15550001"), R"({"service_profile": "mmtel"})"), 200);
  EXPECT_EQ(changed_, (std::vector<std::string>{kAlice, kAlice}));
  changed_.clear();

  // the profile's iFCs: its users, once each
  expect(call("PUT", "/v1/service-profiles/mmtel", mmtel_profile("tas")), 200);
  EXPECT_EQ(changed_, std::vector<std::string>{kAlice});
  changed_.clear();
  // an application server one of its iFCs names
  expect(call("PUT", "/v1/application-servers/tas", R"({"server_name": "sip:tas2.ims.example.org"})"), 200);
  EXPECT_EQ(changed_, std::vector<std::string>{kAlice});
  changed_.clear();
  add_as("unused");
  expect(call("PUT", "/v1/application-servers/unused", R"({"server_name": "sip:x.ims.example.org"})"), 200);
  EXPECT_TRUE(changed_.empty());
  // a hook that throws does not undo or fail the change
  hook_throws_ = true;
  expect(call("PUT", "/v1/public-identities/" + enc(kAliceSip), R"({"display_name": "A"})"), 200);
  EXPECT_EQ(expect(call("GET", "/v1/public-identities/" + enc(kAliceSip)), 200).at("display_name"), "A");
  hook_throws_ = false;
  changed_.clear();
  // deleting the profile leaves its users without one
  expect(call("DELETE", "/v1/service-profiles/mmtel"), 204);
  EXPECT_EQ(changed_, std::vector<std::string>{kAlice});
  EXPECT_TRUE(expect(call("GET", "/v1/public-identities/" + enc(kAliceSip)), 200).at("service_profile").is_null());
  changed_.clear();
  // failed requests and deleted subscribers: nothing
  call("PATCH", "/v1/subscribers/" + enc(kAlice), R"({"add_impus": ["bad"]})");
  expect(call("DELETE", "/v1/subscribers/bob@ims.example.org"), 204);
  EXPECT_TRUE(changed_.empty());
}

// The response of a request that is not ours to answer never takes the process down.
TEST_F(ProvisioningApiTest, DeepOrHugeJsonIsRefusedCleanly) {
  expect_error(call("POST", "/v1/subscribers", std::string(10000, '[') + std::string(10000, ']')), 400,
               "the body is not valid JSON");
  expect_error(call("POST", "/v1/subscribers", "{\"impi\": \"\\u0000@x.org\", \"impus\": [\"sip:a@x.org\"], \"password\": \"x\"}"),
               400, "invalid impi");
}

}  // namespace
}  // namespace imsbox::hss
