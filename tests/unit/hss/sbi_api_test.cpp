// SbiApi on a real Http2Server (127.0.0.1, port 0) over a CxService on a
// temporary store, driven with sbi::Http2Client on one io_context: every
// route's answers and errors, the AKA vectors checked against Milenage,
// resynchronisation from a real AUTS, and the same store state seen through
// the SBI and through Cx.
#include "hss/sbi_api.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aka/digest.h"
#include "aka/milenage.h"
#include "hss/cx_service.h"
#include "hss/provisioning.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sbi/http2_client.h"
#include "sbi/http2_server.h"
#include "sbi/problem.h"
#include "store/database.h"
#include "store/registration_table.h"
#include "store/service_data_table.h"
#include "unit/file_text.h"
#include "unit/shared/aka/testdata_csv.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

namespace json = boost::json;
using namespace diameter;
using namespace std::chrono_literals;
using testing::TempDir;

constexpr const char* kScscf = "sip:scscf.ims.test:6060";
constexpr const char* kAliceK = "465b5ce8b199b49faa5f0a2ee238a6bc";
constexpr const char* kAliceOpc = "cd63cb71954a9f4e48a5994e37a02baf";

template <std::size_t N>
std::array<std::uint8_t, N> bytes(const std::string& hex) {
  const auto v = parse_hex("test value", hex, N);
  std::array<std::uint8_t, N> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

struct Answer {
  int status = 0;
  std::string content_type;
  json::value body;  // null when the body is empty or not JSON
  std::string raw;
  std::string cause() const { return body.is_object() && body.as_object().contains("cause") ? str(body, "cause") : ""; }
  std::string detail() const {
    return body.is_object() && body.as_object().contains("detail") ? str(body, "detail") : "";
  }
};

class SbiApiTest : public ::testing::Test {
 protected:
  SbiApiTest()
      : log_("hss", runtime::LogLevel::debug, dir_ / "hss.log", clock_),
        db_(store::Database::open(dir_ / "box.db", "hss")),
        prov_(db_, "ims.test"),
        auc_(db_, SqnPolicy(5), system_random()),
        cx_(db_, auc_, CxService::Options{4}, [] { return std::int64_t{1700000000}; }, log_),
        server_(io_, "127.0.0.1", 0, sbi::Http2ServerConfig{}, log_, metrics_) {
    NewSubscriber sim;
    sim.impi = "alice@ims.test";
    sim.impus = {"sip:alice@ims.test", "tel:+15550001"};
    sim.k = kAliceK;
    sim.opc = kAliceOpc;
    prov_.add(sim, 0);
    NewSubscriber pw;
    pw.impi = "bob@ims.test";
    pw.impus = {"sip:bob@ims.test"};
    pw.password = "secret";
    prov_.add(pw, 0);
    SbiApi(cx_, log_).install(server_);  // a temporary on purpose: the routes keep what they need
    server_.start();
    client_ = std::make_unique<sbi::Http2Client>(io_, "127.0.0.1", server_.port(), sbi::Http2ClientConfig{}, log_,
                                                 metrics_);
  }

  Answer call(const std::string& method, const std::string& path, const std::string& body = {}) {
    std::optional<sbi::ClientResult> result;
    sbi::Headers headers;
    if (!body.empty()) headers.emplace_back("content-type", "application/json");
    client_->request(method, path, headers, body, 5s, [&](sbi::ClientResult r) { result = std::move(r); });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(10ms);
    }
    Answer a;
    if (!result || !result->ok()) {
      ADD_FAILURE() << method << " " << path << ": " << (result ? result->message : "no answer");
      return a;
    }
    a.status = result->response.status;
    a.content_type = std::string(result->response.header("content-type").value_or(""));
    a.raw = result->response.body;
    boost::system::error_code ec;
    auto v = json::parse(a.raw, ec);
    if (!ec) a.body = std::move(v);
    return a;
  }

  Answer auth_data(const std::string& impi, json::object body, const std::string& query = {}) {
    return call("POST", "/nhss-ims-ueau/v1/" + impi + "/security-information/generate-sip-auth-data" + query,
                json::serialize(body));
  }
  static json::object aka_request(const std::string& impu, const std::string& scheme = "DIGEST-AKAV1-MD5") {
    return json::object{{"cscfServerName", kScscf}, {"sipAuthenticationScheme", scheme}, {"impu", impu}};
  }
  Answer authorize(const std::string& impu, json::object body) {
    return call("POST", "/nhss-ims-uecm/v1/" + impu + "/authorize", json::serialize(body));
  }
  Answer register_(const std::string& impu, const std::string& type, const std::string& impi = {},
                   json::object extra = {}) {
    json::object body{{"imsRegistrationType", type}, {"cscfServerName", kScscf}};
    if (!impi.empty()) body["impi"] = impi;
    for (const auto& kv : extra) body[kv.key()] = kv.value();
    return call("PUT", "/nhss-ims-uecm/v1/" + impu + "/scscf-registration", json::serialize(body));
  }
  Answer location(const std::string& impu) {
    return call("GET", "/nhss-ims-sdm/v1/" + impu + "/ims-data/location-data/server-name");
  }

  LocationInfoAnswer cx_lir(const std::string& impu) {
    LocationInfoRequest r;
    r.public_identity = impu;
    return cx_.location_info(r);
  }
  std::optional<store::RegistrationRow> reg(const std::string& impu) {
    return store::RegistrationTable(db_).find(impu);
  }

  std::string log_text() const { return imsbox::testing::file_text(dir_ / "hss.log"); }

  static void expect_problem(const Answer& a, int status, const std::string& cause,
                             const std::string& detail_has = {}) {
    EXPECT_EQ(a.status, status) << a.raw;
    EXPECT_EQ(a.content_type, "application/problem+json");
    EXPECT_EQ(a.cause(), cause) << a.raw;
    if (!detail_has.empty()) {
      EXPECT_NE(a.detail().find(detail_has), std::string::npos) << a.raw;
    }
    if (a.body.is_object()) {
      EXPECT_EQ(a.body.at("status").to_number<int>(), status);
    }
  }

  TempDir dir_;
  runtime::ManualClock clock_;
  runtime::Logger log_;
  store::Database db_;
  Provisioning prov_;
  AuthenticationCentre auc_;
  CxService cx_;
  boost::asio::io_context io_;
  runtime::Metrics metrics_;
  sbi::Http2Server server_;
  std::unique_ptr<sbi::Http2Client> client_;
};

TEST_F(SbiApiTest, AuthDataGivesAkaVectorsThatMilenageAgreesWith) {
  auto body = aka_request("sip:alice@ims.test");
  body["sipNumberAuthItems"] = 9;
  const auto a = auth_data("alice@ims.test", body);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_EQ(str(a.body, "impi"), "alice@ims.test");
  EXPECT_EQ(str(a.body, "sipAuthenticationScheme"), "DIGEST-AKAV1-MD5");
  EXPECT_FALSE(a.body.as_object().contains("digestAuth"));
  const auto& vectors = a.body.at("3gAkaAvs").as_array();
  ASSERT_EQ(vectors.size(), 4u);  // capped by max_auth_items
  aka::Milenage milenage(bytes<16>(kAliceK), bytes<16>(kAliceOpc));
  std::uint64_t previous_sqn = 0;
  for (const auto& v : vectors) {
    ASSERT_EQ(str(v, "rand").size(), 32u);
    ASSERT_EQ(str(v, "autn").size(), 32u);
    ASSERT_EQ(str(v, "xres").size(), 16u);
    ASSERT_EQ(str(v, "ck").size(), 32u);
    ASSERT_EQ(str(v, "ik").size(), 32u);
    // the fields are what they say: Milenage on RAND gives XRES, CK, IK, and
    // AUTN's MAC-A checks against the SQN hidden in it
    const auto rand = bytes<16>(str(v, "rand"));
    const auto autn = bytes<16>(str(v, "autn"));
    const auto f = milenage.f2345(rand);
    EXPECT_EQ(bytes<8>(str(v, "xres")), f.res);
    EXPECT_EQ(bytes<16>(str(v, "ck")), f.ck);
    EXPECT_EQ(bytes<16>(str(v, "ik")), f.ik);
    aka::Sqn sqn{};
    std::uint64_t sqn_value = 0;
    for (std::size_t i = 0; i < 6; ++i) {
      sqn[i] = autn[i] ^ f.ak[i];
      sqn_value = (sqn_value << 8) | sqn[i];
    }
    const aka::Amf amf{autn[6], autn[7]};
    const auto mac_a = milenage.f1(rand, sqn, amf);
    EXPECT_TRUE(std::equal(mac_a.begin(), mac_a.end(), autn.begin() + 8));
    EXPECT_GT(sqn_value, previous_sqn);
    previous_sqn = sqn_value;
  }
  EXPECT_NE(str(vectors[0], "rand"), str(vectors[1], "rand"));
  // MAR assigned the S-CSCF, as over Cx: the I-CSCF now sees a subsequent registration
  const auto row = reg("sip:alice@ims.test");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->scscf_name, kScscf);
  EXPECT_EQ(row->state, store::RegistrationState::not_registered);
}

TEST_F(SbiApiTest, AuthDataWithUnknownSchemeLetsTheHssChoose) {
  auto a = auth_data("alice@ims.test", aka_request("sip:alice@ims.test", "UNKNOWN"));
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "sipAuthenticationScheme"), "DIGEST-AKAV1-MD5");
  EXPECT_EQ(a.body.at("3gAkaAvs").as_array().size(), 1u);
  a = auth_data("bob@ims.test", aka_request("sip:bob@ims.test", "UNKNOWN"));
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "sipAuthenticationScheme"), "DIGEST-HTTP");
  EXPECT_TRUE(a.body.as_object().contains("digestAuth"));
  // AKAv2 is asked for by its name; the Cx spelling of a scheme works too (case-insensitive)
  a = auth_data("alice@ims.test", aka_request("sip:alice@ims.test", "DIGEST-AKAV2-MD5"));
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "sipAuthenticationScheme"), "DIGEST-AKAV2-MD5");
  a = auth_data("alice@ims.test", aka_request("sip:alice@ims.test", "Digest-AKAv1-MD5"));
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "sipAuthenticationScheme"), "DIGEST-AKAV1-MD5");
}

TEST_F(SbiApiTest, AuthDataGivesDigestHa1ForPasswordSubscribers) {
  auto body = aka_request("sip:bob@ims.test", "DIGEST-HTTP");
  auto a = auth_data("bob@ims.test", body);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_FALSE(a.body.as_object().contains("3gAkaAvs"));
  EXPECT_FALSE(a.body.as_object().contains("digestAuthList"));
  const auto& d = a.body.at("digestAuth");
  EXPECT_EQ(str(d, "digestRealm"), "ims.test");
  EXPECT_EQ(str(d, "digestAlgorithm"), "MD5");
  EXPECT_EQ(str(d, "digestQop"), "AUTH");
  EXPECT_EQ(str(d, "ha1"), aka::digest_ha1(aka::DigestAlgorithm::md5, "bob@ims.test", "ims.test", "secret"));

  body["sipNumberAuthItems"] = 2;
  a = auth_data("bob@ims.test", body);
  ASSERT_EQ(a.status, 200) << a.raw;
  const auto& list = a.body.at("digestAuthList").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0], a.body.at("digestAuth"));
  EXPECT_EQ(str(list[1], "digestAlgorithm"), "SHA-256");
  EXPECT_EQ(str(list[1], "ha1"), aka::digest_ha1(aka::DigestAlgorithm::sha256, "bob@ims.test", "ims.test", "secret"));
}

TEST_F(SbiApiTest, AuthDataResynchronisesFromAuts) {
  // ../shared/testdata/auts_resync_vectors.csv, the libosmocore row: SQN_MS = 31
  std::optional<testdata::CsvRow> row;
  for (const auto& r : testdata::read_csv("auts_resync_vectors.csv")) {
    if (r.at("source").find("libosmocore") != std::string::npos) row = r;
  }
  ASSERT_TRUE(row);
  ASSERT_EQ(row->at("AUTS"), "8711a0ec9e1637df17f80b384ee4");
  ASSERT_EQ(row->at("expected_SQN_MS"), "00000000001f");
  NewSubscriber s;
  s.impi = "carol@ims.test";
  s.impus = {"sip:carol@ims.test"};
  s.k = row->at("K");
  s.opc = row->at("OPc");
  s.amf = "0000";
  prov_.add(s, 0);

  auto body = aka_request("sip:carol@ims.test");
  body["resynchronizationInfo"] = json::object{{"rand", row->at("RAND")}, {"auts", row->at("AUTS")}};
  const auto a = auth_data("carol@ims.test", body);
  ASSERT_EQ(a.status, 200) << a.raw;
  // the new vector's SQN follows SQN_MS: SEQ_MS = 31 >> 5 = 0, so SEQ 1
  const auto& v = a.body.at("3gAkaAvs").as_array().at(0);
  aka::Milenage milenage(bytes<16>(row->at("K")), bytes<16>(row->at("OPc")));
  const auto f = milenage.f2345(bytes<16>(str(v, "rand")));
  const auto autn = bytes<16>(str(v, "autn"));
  std::uint64_t sqn = 0;
  for (std::size_t i = 0; i < 6; ++i) sqn = (sqn << 8) | static_cast<std::uint8_t>(autn[i] ^ f.ak[i]);
  EXPECT_EQ(sqn >> 5, 1u);
  EXPECT_EQ(store::SubscriberTable(db_).sim("carol@ims.test")->sqn >> 5, 1u);

  // a tampered AUTS fails MAC-S: Cx's 5012, 500 here
  auto tampered = row->at("AUTS");
  tampered.back() = tampered.back() == '4' ? '5' : '4';
  body["resynchronizationInfo"] = json::object{{"rand", row->at("RAND")}, {"auts", tampered}};
  expect_problem(auth_data("carol@ims.test", body), 500, "SYSTEM_FAILURE");
}

TEST_F(SbiApiTest, AuthDataErrorsFromCx) {
  expect_problem(auth_data("eve@ims.test", aka_request("sip:alice@ims.test")), 404, "USER_NOT_FOUND", "eve@ims.test");
  expect_problem(auth_data("alice@ims.test", aka_request("sip:nobody@ims.test")), 404, "USER_NOT_FOUND");
  expect_problem(auth_data("bob@ims.test", aka_request("sip:alice@ims.test", "DIGEST-HTTP")), 403,
                 "IDENTITIES_DONT_MATCH");
  // implemented schemes the subscriber has no credentials for: 403
  expect_problem(auth_data("bob@ims.test", aka_request("sip:bob@ims.test")), 403,
                 "AUTHENTICATION_SCHEME_NOT_SUPPORTED");
  expect_problem(auth_data("alice@ims.test", aka_request("sip:alice@ims.test", "DIGEST-HTTP")), 403,
                 "AUTHENTICATION_SCHEME_NOT_SUPPORTED");
  // schemes this HSS does not implement: 501
  for (const auto* scheme : {"NBA", "GIBA", "NTLM"}) {
    expect_problem(auth_data("alice@ims.test", aka_request("sip:alice@ims.test", scheme)), 501,
                   "AUTHENTICATION_SCHEME_NOT_SUPPORTED", scheme);
  }
}

TEST_F(SbiApiTest, AuthDataMalformedRequestsNameTheField) {
  const std::string path = "/nhss-ims-ueau/v1/alice@ims.test/security-information/generate-sip-auth-data";
  expect_problem(call("POST", path), 400, "INVALID_MSG_FORMAT", "no body");
  expect_problem(call("POST", path, "{\"cscfServerName\":"), 400, "INVALID_MSG_FORMAT", "not valid JSON");
  expect_problem(call("POST", path, "[1,2]"), 400, "INVALID_MSG_FORMAT", "not a JSON object");

  auto body = aka_request("sip:alice@ims.test");
  body.erase("sipAuthenticationScheme");
  expect_problem(auth_data("alice@ims.test", body), 400, "MANDATORY_IE_MISSING", "sipAuthenticationScheme");
  body = aka_request("sip:alice@ims.test");
  body.erase("cscfServerName");
  expect_problem(auth_data("alice@ims.test", body), 400, "MANDATORY_IE_MISSING", "cscfServerName");
  body = aka_request("sip:alice@ims.test");
  body["cscfServerName"] = 7;
  expect_problem(auth_data("alice@ims.test", body), 400, "MANDATORY_IE_INCORRECT", "cscfServerName");
  body = aka_request("sip:alice@ims.test");
  body.erase("impu");
  expect_problem(auth_data("alice@ims.test", body), 400, "MANDATORY_IE_MISSING", "impu");
  // the IMPU may come in the query instead; both must then agree
  auto a = auth_data("alice@ims.test", body, "?impu=sip%3Aalice%40ims.test");
  EXPECT_EQ(a.status, 200) << a.raw;
  expect_problem(auth_data("alice@ims.test", aka_request("sip:alice@ims.test"), "?impu=tel%3A%2B15550001"), 400,
                 "OPTIONAL_IE_INCORRECT", "impu");
  for (const json::value& n : {json::value(0), json::value(-1), json::value("2"), json::value(1.5)}) {
    body = aka_request("sip:alice@ims.test");
    body["sipNumberAuthItems"] = n;
    expect_problem(auth_data("alice@ims.test", body), 400, "OPTIONAL_IE_INCORRECT", "sipNumberAuthItems");
  }
  body = aka_request("sip:alice@ims.test");
  body["resynchronizationInfo"] = json::object{{"rand", std::string(32, '0')}, {"auts", "8711a0ec9e16"}};
  expect_problem(auth_data("alice@ims.test", body), 400, "OPTIONAL_IE_INCORRECT", "resynchronizationInfo.auts");
  body["resynchronizationInfo"] = json::object{{"auts", "8711a0ec9e1637df17f80b384ee4"}};
  expect_problem(auth_data("alice@ims.test", body), 400, "OPTIONAL_IE_INCORRECT", "resynchronizationInfo.rand");
  body["resynchronizationInfo"] = "00";
  expect_problem(auth_data("alice@ims.test", body), 400, "OPTIONAL_IE_INCORRECT", "resynchronizationInfo");
  // nothing was issued for the refused requests: the store's SQN moved only once
  EXPECT_EQ(store::SubscriberTable(db_).sim("alice@ims.test")->sqn >> 5, 1u);
}

TEST_F(SbiApiTest, AuthorizeFirstSubsequentAndDeregistration) {
  const json::object reg_body{{"impi", "alice@ims.test"}, {"authorizationType", "REGISTRATION"},
                              {"visitedNetworkIdentifier", "ims.test"}};
  auto a = authorize("sip%3Aalice%40ims.test", reg_body);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "authorizationResult"), "FIRST_REGISTRATION");
  EXPECT_FALSE(a.body.as_object().contains("cscfServerName"));
  const auto& caps = a.body.at("scscfSelectionAssistanceInfo").at("scscfCapabilityList");
  EXPECT_TRUE(caps.at("mandatoryCapabilityList").as_array().empty());
  EXPECT_TRUE(caps.at("optionalCapabilityList").as_array().empty());

  expect_problem(authorize("sip:alice@ims.test", {{"impi", "alice@ims.test"}, {"authorizationType", "DEREGISTRATION"}}),
                 404, "IDENTITY_NOT_REGISTERED");

  ASSERT_EQ(register_("sip:alice@ims.test", "INITIAL_REGISTRATION", "alice@ims.test").status, 200);
  a = authorize("tel:+15550001", reg_body);  // the implicit set registered together
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "authorizationResult"), "SUBSEQUENT_REGISTRATION");
  EXPECT_EQ(str(a.body, "cscfServerName"), kScscf);
  a = authorize("impu-sip:alice@ims.test",
                {{"impi", "alice@ims.test"}, {"authorizationType", "REGISTRATION_AND_CAPABILITIES"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "authorizationResult"), "FIRST_REGISTRATION");
  EXPECT_TRUE(a.body.as_object().contains("scscfSelectionAssistanceInfo"));
  a = authorize("sip:alice@ims.test", {{"impi", "alice@ims.test"}, {"authorizationType", "DEREGISTRATION"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "authorizationResult"), "SUCCESS");
  EXPECT_EQ(str(a.body, "cscfServerName"), kScscf);
}

TEST_F(SbiApiTest, AuthorizeErrors) {
  const auto body = [](const char* impi, const char* type = "REGISTRATION") {
    return json::object{{"impi", impi}, {"authorizationType", type}};
  };
  expect_problem(authorize("sip:nobody@ims.test", body("alice@ims.test")), 404, "USER_NOT_FOUND");
  expect_problem(authorize("sip:alice@ims.test", body("nobody@ims.test")), 404, "USER_NOT_FOUND");
  expect_problem(authorize("sip:alice@ims.test", body("bob@ims.test")), 403, "IDENTITIES_DONT_MATCH");
  expect_problem(authorize("sip:alice@ims.test", body("alice@ims.test", "LOCATION")), 400, "MANDATORY_IE_INCORRECT",
                 "authorizationType");
  expect_problem(authorize("sip:alice@ims.test", {{"authorizationType", "REGISTRATION"}}), 400, "MANDATORY_IE_MISSING",
                 "impi");
  expect_problem(authorize("sip:alice@ims.test", {{"impi", "alice@ims.test"}}), 400, "MANDATORY_IE_MISSING",
                 "authorizationType");
  auto b = body("alice@ims.test");
  b["emergencyIndicator"] = "yes";
  expect_problem(authorize("sip:alice@ims.test", b), 400, "OPTIONAL_IE_INCORRECT", "emergencyIndicator");
  expect_problem(authorize("impi-alice@ims.test", body("alice@ims.test")), 400, "MANDATORY_IE_INCORRECT", "impu");

  store::ServiceDataTable data(db_);
  for (const auto* impu : {"sip:alice@ims.test", "tel:+15550001"}) {
    auto row = *data.public_identity(impu);
    row.barred = true;
    data.update_public_identity(row);
  }
  expect_problem(authorize("sip:alice@ims.test", body("alice@ims.test")), 403, "AUTHORIZATION_REJECTED");
}

TEST_F(SbiApiTest, RegistrationLocationDeregistrationFlowSharesTheStoreWithCx) {
  EXPECT_EQ(cx_lir("sip:alice@ims.test").header.result,
            Result::experimental_code(experimental_result::error_identity_not_registered));
  expect_problem(location("sip%3Aalice%40ims.test"), 404, "IDENTITY_NOT_REGISTERED");

  auto a = register_("sip%3Aalice%40ims.test", "INITIAL_REGISTRATION", "alice@ims.test");
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_EQ(str(a.body, "impi"), "alice@ims.test");
  EXPECT_EQ(str(a.body, "imsRegistrationType"), "INITIAL_REGISTRATION");
  EXPECT_EQ(str(a.body, "cscfServerName"), kScscf);
  EXPECT_EQ(a.body.at("associatedImpis").as_array().at(0).as_string(), "alice@ims.test");
  const auto user_data = str(a.body, "userData");
  EXPECT_NE(user_data.find("<PrivateID>alice@ims.test</PrivateID>"), std::string::npos);
  EXPECT_NE(user_data.find("<Identity>tel:+15550001</Identity>"), std::string::npos);
  for (const auto* impu : {"sip:alice@ims.test", "tel:+15550001"}) {
    const auto row = reg(impu);
    ASSERT_TRUE(row) << impu;
    EXPECT_EQ(row->state, store::RegistrationState::registered);
    EXPECT_EQ(row->scscf_name, kScscf);
  }

  // the location, through the SBI and through Cx
  a = location("tel:+15550001");
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "scscfName"), kScscf);
  const auto lia = cx_lir("sip:alice@ims.test");
  EXPECT_EQ(lia.header.result, Result::base(result_code::success));
  EXPECT_EQ(lia.server_name, kScscf);

  // re-registration with the profile at hand: no userData
  a = register_("impu-sip:alice@ims.test", "RE_REGISTRATION", "alice@ims.test",
                {{"userDataAlreadyAvailable", true}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_FALSE(a.body.as_object().contains("userData"));

  a = register_("sip:alice@ims.test", "USER_DEREGISTRATION", "alice@ims.test");
  EXPECT_EQ(a.status, 204) << a.raw;
  EXPECT_TRUE(a.raw.empty());
  EXPECT_FALSE(reg("sip:alice@ims.test"));
  EXPECT_FALSE(reg("tel:+15550001"));
  expect_problem(location("tel:+15550001"), 404, "IDENTITY_NOT_REGISTERED");
  EXPECT_EQ(cx_lir("tel:+15550001").header.result,
            Result::experimental_code(experimental_result::error_identity_not_registered));
}

TEST_F(SbiApiTest, CxRegistrationIsSeenThroughTheSbi) {
  ServerAssignmentRequest sar;
  sar.user_name = "bob@ims.test";
  sar.public_identities = {"sip:bob@ims.test"};
  sar.server_name = "sip:other-scscf.ims.test";
  ASSERT_EQ(cx_.server_assignment(sar).header.result, Result::base(result_code::success));
  auto a = location("sip:bob@ims.test");
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "scscfName"), "sip:other-scscf.ims.test");
  a = authorize("sip:bob@ims.test", {{"impi", "bob@ims.test"}, {"authorizationType", "REGISTRATION"}});
  EXPECT_EQ(str(a.body, "authorizationResult"), "SUBSEQUENT_REGISTRATION");
  EXPECT_EQ(str(a.body, "cscfServerName"), "sip:other-scscf.ims.test");
}

TEST_F(SbiApiTest, RegistrationKindsAndErrors) {
  // a terminating request for an unregistered user: the S-CSCF learns the IMPI
  auto a = register_("sip:alice@ims.test", "UNREGISTERED_USER");
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(str(a.body, "impi"), "alice@ims.test");
  EXPECT_FALSE(str(a.body, "userData").empty());
  EXPECT_EQ(reg("sip:alice@ims.test")->state, store::RegistrationState::unregistered);
  ASSERT_EQ(register_("sip:alice@ims.test", "INITIAL_REGISTRATION").status, 200);
  a = register_("sip:alice@ims.test", "TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME");
  EXPECT_EQ(a.status, 204) << a.raw;
  EXPECT_EQ(reg("tel:+15550001")->state, store::RegistrationState::not_registered);
  EXPECT_EQ(reg("tel:+15550001")->scscf_name, kScscf);  // kept

  expect_problem(register_("sip:nobody@ims.test", "INITIAL_REGISTRATION"), 404, "USER_NOT_FOUND");
  expect_problem(register_("sip:alice@ims.test", "INITIAL_REGISTRATION", "bob@ims.test"), 403,
                 "IDENTITIES_DONT_MATCH");
  expect_problem(register_("sip:alice@ims.test", "PGW_UPDATE"), 400, "MANDATORY_IE_INCORRECT", "imsRegistrationType");
  expect_problem(register_("impi-alice@ims.test", "INITIAL_REGISTRATION"), 400, "MANDATORY_IE_INCORRECT", "imsUeId");
  expect_problem(call("PUT", "/nhss-ims-uecm/v1/sip:alice@ims.test/scscf-registration",
                      R"({"imsRegistrationType":"INITIAL_REGISTRATION"})"),
                 400, "MANDATORY_IE_MISSING", "cscfServerName");
  expect_problem(call("PUT", "/nhss-ims-uecm/v1/sip:alice@ims.test/scscf-registration", R"({"cscfServerName":"x"})"),
                 400, "MANDATORY_IE_MISSING", "imsRegistrationType");
  expect_problem(register_("sip:alice@ims.test", "INITIAL_REGISTRATION", {}, {{"multipleRegistrationIndicator", 1}}),
                 400, "OPTIONAL_IE_INCORRECT", "multipleRegistrationIndicator");
  // the router's own answers for what is not a resource here
  a = call("DELETE", "/nhss-ims-uecm/v1/sip:alice@ims.test/scscf-registration");
  EXPECT_EQ(a.status, 405);
  a = call("GET", "/nhss-ims-uecm/v1/sip:alice@ims.test/nothing");
  expect_problem(a, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND");
}

TEST_F(SbiApiTest, LocationOfUnknownAndOfUnregisteredServices) {
  expect_problem(location("sip:nobody@ims.test"), 404, "USER_NOT_FOUND", "sip:nobody@ims.test");
  store::ServiceDataTable data(db_);
  data.put_application_server({"vm", "sip:voicemail.ims.test", 0, std::nullopt, false, false});
  data.add_service_profile("p");
  data.put_ifc({"p", 0, "vm", std::nullopt, 1});  // services when unregistered
  auto row = *data.public_identity("sip:alice@ims.test");
  row.service_profile = "p";
  data.update_public_identity(row);
  const auto a = location("sip:alice@ims.test");
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_TRUE(a.body.at("unregisteredServices").as_bool());
  EXPECT_FALSE(a.body.as_object().contains("scscfName"));
  EXPECT_TRUE(a.body.at("scscfSelectionAssistanceInfo").as_object().contains("scscfCapabilityList"));
}

TEST_F(SbiApiTest, SecretsAppearOnlyInTheAuthDataAnswer) {
  const auto aka = auth_data("alice@ims.test", aka_request("sip:alice@ims.test"));
  ASSERT_EQ(aka.status, 200) << aka.raw;
  const auto digest = auth_data("bob@ims.test", aka_request("sip:bob@ims.test", "DIGEST-HTTP"));
  ASSERT_EQ(digest.status, 200) << digest.raw;
  const auto& v = aka.body.at("3gAkaAvs").as_array().at(0);
  const std::vector<std::string> secrets{str(v, "xres"), str(v, "ck"), str(v, "ik"),
                                         str(digest.body.at("digestAuth"), "ha1"), kAliceK, kAliceOpc};
  // more traffic, errors included, all logged at debug level
  register_("sip:alice@ims.test", "INITIAL_REGISTRATION");
  const auto reg_answer = register_("sip:bob@ims.test", "INITIAL_REGISTRATION");
  location("sip:alice@ims.test");
  auth_data("bob@ims.test", aka_request("sip:alice@ims.test"));
  const auto log = log_text();
  EXPECT_NE(log.find("SBI generate-sip-auth-data alice@ims.test: 200"), std::string::npos) << log;
  EXPECT_NE(log.find("IDENTITIES_DONT_MATCH"), std::string::npos) << log;
  for (const auto& s : secrets) {
    EXPECT_EQ(log.find(s), std::string::npos) << "a secret in the log";
    EXPECT_EQ(reg_answer.raw.find(s), std::string::npos) << "a secret in the registration answer";
  }
}

TEST_F(SbiApiTest, HandlersAreFunctionsOfTheRequest) {
  // no network: the handler as the server would call it once routed
  const SbiApi api(cx_, log_);
  sbi::Request r;
  r.method = "GET";
  r.params["imsUeId"] = "sip:alice@ims.test";
  const auto response = api.server_name(r);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.header("content-type"), "application/problem+json");
  EXPECT_EQ(sbi::parse_problem(response.body)->cause, "IDENTITY_NOT_REGISTERED");
}

}  // namespace
}  // namespace imsbox::hss
