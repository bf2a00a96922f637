// The supplementary-services resources of the provisioning API
// (hss/services_api.h), through ProvisioningApi as the HSS serves them.
#include "hss/services_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hss/provisioning_api.h"
#include "runtime/clock.h"
#include "store/database.h"
#include "store/simservs_table.h"
#include "unit/hss/api_request.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

namespace json = boost::json;
using runtime::HttpResponse;

constexpr const char* kToken = "services-token-0123456789";
constexpr const char* kBert = "sip:bert@ims.example.org";
constexpr const char* kServices = "/v1/public-identities/sip%3Abert%40ims.example.org/services";
constexpr const char* kSimservs = "/v1/public-identities/sip%3Abert%40ims.example.org/simservs";
constexpr const char* kCfbDocument = R"(<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">
  <communication-diversion active="true"><cp:ruleset>
    <cp:rule id="phone-cfb"><cp:conditions><busy/></cp:conditions>
      <cp:actions><forward-to><target>sip:carl@ims.example.org</target></forward-to></cp:actions></cp:rule>
  </cp:ruleset></communication-diversion>
</simservs>
)";

class ServicesApiTest : public ::testing::Test {
 protected:
  ServicesApiTest()
      : hss_db_(store::Database::open(dir_ / "box.db", "hss")), tas_db_(store::Database::open(dir_ / "box.db", "tas")) {
    ProvisioningApiOptions o;
    o.realm = "ims.example.org";
    o.token = kToken;
    o.services_store = &tas_db_;
    api_.emplace(hss_db_, clock_, std::move(o));
    const auto added = call("POST", "/v1/subscribers",
                            R"({"impi": "bert@ims.example.org", "impus": ["sip:bert@ims.example.org"],
                                "password": "bert-secret"})");
    EXPECT_EQ(added.status, 201) << added.body;
  }

  HttpResponse call(std::string method, std::string target, std::string body = {},
                    std::optional<std::string> auth = std::string("Bearer ") + kToken) {
    return (*api_)(test::make_request(std::move(method), std::move(target), std::move(body), std::move(auth)));
  }

  // A JSON response's body after checking its status.
  static json::object expect(const HttpResponse& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/json") << r.body;
    auto v = json::parse(r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }
  static std::string error_of(const HttpResponse& r, int status) {
    const auto o = expect(r, status);
    return o.contains("error") ? std::string(o.at("error").as_string()) : "no error: " + r.body;
  }
  static std::vector<std::string> services_of(const json::object& o) {
    std::vector<std::string> out;
    for (const auto& s : o.at("services").as_array()) out.emplace_back(s.as_string());
    return out;
  }
  std::optional<std::string> stored() {
    const auto s = store::SimservsTable(tas_db_).find(kBert);
    return s ? std::optional<std::string>(s->document) : std::nullopt;
  }

  testing::TempDir dir_;
  store::Database hss_db_;
  store::Database tas_db_;
  runtime::ManualClock clock_;
  std::optional<ProvisioningApi> api_;
};

using Lines = std::vector<std::string>;

TEST_F(ServicesApiTest, PatchSetsServicesAndGetListsThem) {
  auto none = expect(call("GET", kServices), 200);
  EXPECT_EQ(none.at("impu").as_string(), kBert);
  EXPECT_TRUE(services_of(none).empty());
  EXPECT_TRUE(none.at("etag").is_null());

  auto set = expect(call("PATCH", kServices,
                         R"({"cfu": "+33123456789", "cfnr": "1002", "no_reply_timer": 30,
                             "outgoing_barring": "international", "incoming_barring": false,
                             "anonymous_call_rejection": true, "oir": true})"),
                    200);
  const Lines expected{"CFU to tel:+33123456789", "CFNR to sip:1002@ims.example.org;user=phone after 30 s",
                       "outgoing barring: international", "anonymous call rejection (ACR)",
                       "OIR: number hidden by default"};
  EXPECT_EQ(services_of(set), expected);
  ASSERT_TRUE(set.at("etag").is_string());
  const std::string etag(set.at("etag").as_string());
  EXPECT_EQ(store::SimservsTable(tas_db_).find(kBert)->etag, etag);
  EXPECT_EQ(services_of(expect(call("GET", kServices), 200)), expected);

  // null turns one off and leaves the others
  auto off = expect(call("PATCH", kServices, R"({"cfu": null, "outgoing_barring": "none"})"), 200);
  EXPECT_EQ(services_of(off), (Lines{"CFNR to sip:1002@ims.example.org;user=phone after 30 s",
                                     "anonymous call rejection (ACR)", "OIR: number hidden by default"}));
  EXPECT_NE(std::string(off.at("etag").as_string()), etag);
}

TEST_F(ServicesApiTest, BadPatchesAre400AndStoreNothing) {
  ASSERT_EQ(call("PATCH", kServices, R"({"cfb": "sip:carl@ims.example.org"})").status, 200);
  const auto before = stored();
  EXPECT_EQ(error_of(call("PATCH", kServices, R"({"cfu": "sip:dora@ims.example.org", "cfb": "carl"})"), 400),
            "cfb: 'carl' is not a phone number or a sip:, sips: or tel: URI");
  EXPECT_EQ(error_of(call("PATCH", kServices, R"({"cfu": 12})"), 400),
            "field 'cfu' must be a target (string) or null (off)");
  EXPECT_EQ(error_of(call("PATCH", kServices, R"({"cfnr": "sip:v@ims.example.org", "no_reply_timer": 200})"), 400),
            "no_reply_timer: must be 5 to 180 s, not 200");
  EXPECT_EQ(error_of(call("PATCH", kServices, R"({"no_reply_timer": "20"})"), 400).substr(0, 24),
            "field 'no_reply_timer' m");
  EXPECT_EQ(error_of(call("PATCH", kServices, R"({"outgoing_barring": "some"})"), 400),
            "field 'outgoing_barring' must be \"all\", \"international\" or \"none\"");
  EXPECT_EQ(error_of(call("PATCH", kServices, R"({"oir": "on"})"), 400), "field 'oir' must be true or false");
  EXPECT_EQ(error_of(call("PATCH", kServices, R"({"cfu": "sip:dora@ims.example.org", "cfx": null})"), 400).substr(0, 21),
            "unknown field 'cfx' (");
  EXPECT_EQ(error_of(call("PATCH", kServices, "{"), 400).substr(0, 25), "the body is not valid JSO");
  EXPECT_EQ(error_of(call("PATCH", kServices, "[]"), 400), "the body must be a JSON object");
  EXPECT_EQ(stored(), before);
  EXPECT_EQ(services_of(expect(call("GET", kServices), 200)), Lines{"CFB to sip:carl@ims.example.org"});
}

TEST_F(ServicesApiTest, TheDocumentItselfIsPutValidatedReadAndDeleted) {
  // none stored: an empty document, no ETag
  const auto empty = call("GET", kSimservs);
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.content_type, "application/simservs+xml");
  EXPECT_NE(empty.body.find("<simservs"), std::string::npos);
  EXPECT_FALSE(runtime::find_http_header(empty.headers, "ETag"));

  auto put = expect(call("PUT", kSimservs, kCfbDocument), 200);
  EXPECT_EQ(services_of(put), (Lines{"CFB to sip:carl@ims.example.org"}));
  const auto got = call("GET", kSimservs);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.content_type, "application/simservs+xml");
  EXPECT_EQ(got.body, kCfbDocument);  // as sent, byte for byte
  EXPECT_EQ(runtime::find_http_header(got.headers, "ETag"), std::string_view(put.at("etag").as_string()));

  // refused with the parser's reason, nothing stored
  EXPECT_EQ(error_of(call("PUT", kSimservs, "<simservs"), 400).substr(0, 30), "not a valid simservs document:");
  EXPECT_NE(error_of(call("PUT", kSimservs, "<other xmlns=\"urn:x\"/>"), 400).find("simservs"), std::string::npos);
  EXPECT_EQ(stored(), std::string(kCfbDocument));

  const auto deleted = call("DELETE", kSimservs);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_FALSE(stored());
  EXPECT_TRUE(services_of(expect(call("GET", kServices), 200)).empty());
  EXPECT_EQ(call("DELETE", kSimservs).status, 204);  // again: still none
}

TEST_F(ServicesApiTest, UnknownIdentitiesAre404AndTheTokenIsNeeded) {
  const std::string dora = "/v1/public-identities/sip%3Adora%40ims.example.org/";
  EXPECT_EQ(error_of(call("GET", dora + "services"), 404), "no public identity sip:dora@ims.example.org");
  EXPECT_EQ(error_of(call("PATCH", dora + "services", R"({"oir": true})"), 404),
            "no public identity sip:dora@ims.example.org");
  EXPECT_EQ(error_of(call("PUT", dora + "simservs", kCfbDocument), 404), "no public identity sip:dora@ims.example.org");
  EXPECT_EQ(error_of(call("DELETE", dora + "simservs"), 404), "no public identity sip:dora@ims.example.org");
  EXPECT_FALSE(store::SimservsTable(tas_db_).find("sip:dora@ims.example.org"));

  EXPECT_EQ(call("GET", kServices, {}, std::nullopt).status, 401);
  EXPECT_EQ(call("PATCH", kServices, R"({"oir": true})", "Bearer wrong").status, 401);
  EXPECT_FALSE(stored());

  const auto wrong_method = call("POST", kServices, "{}");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(runtime::find_http_header(wrong_method.headers, "Allow"), std::string_view("GET, PATCH"));
  EXPECT_EQ(runtime::find_http_header(call("PATCH", kSimservs, "{}").headers, "Allow"),
            std::string_view("GET, PUT, DELETE"));
  EXPECT_EQ(call("GET", std::string(kServices) + "/more").status, 404);
}

TEST(ServicesApi, WithoutAStoreConnectionTheResourcesAre503) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "hss");
  runtime::ManualClock clock;
  ProvisioningApiOptions o;
  o.token = kToken;
  ProvisioningApi api(db, clock, std::move(o));
  EXPECT_EQ(api(test::make_request("GET", kServices, {}, std::string("Bearer ") + kToken)).status, 503);
}

}  // namespace
}  // namespace imsbox::hss
