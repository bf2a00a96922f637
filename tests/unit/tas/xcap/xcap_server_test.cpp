#include "tas/xcap_server.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "aka/digest.h"
#include "hss/provisioning.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "store/database.h"
#include "store/simservs_table.h"
#include "unit/test_dir.h"

namespace imsbox::tas {
namespace {

using runtime::HttpRequest;
using runtime::HttpResponse;
using testing::TempDir;

constexpr const char* kAlice = "/simservs.ngn.etsi.org/users/sip:alice@ims.test/simservs.xml";
constexpr const char* kBob = "/simservs.ngn.etsi.org/users/sip:bob@ims.test/simservs.xml";
constexpr const char* kRuleSelector =
    "/~~/simservs/communication-diversion/cp:ruleset/cp:rule%5B@id=%22cfb%22%5D"
    "?xmlns(cp=urn:ietf:params:xml:ns:common-policy)";

constexpr const char* kDocument = R"(<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">
  <communication-diversion active="true">
    <NoReplyTimer>15</NoReplyTimer>
    <cp:ruleset>
      <cp:rule id="cfu"><cp:conditions><rule-deactivated/></cp:conditions><cp:actions><forward-to><target>sip:voicemail@ims.test</target></forward-to></cp:actions></cp:rule>
    </cp:ruleset>
  </communication-diversion>
  <originating-identity-presentation-restriction active="true"/>
</simservs>
)";

constexpr const char* kCfbRule =
    R"(<cp:rule xmlns:cp="urn:ietf:params:xml:ns:common-policy" xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" id="cfb"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>sip:carol@ims.test</target></forward-to></cp:actions></cp:rule>)";

std::string header(const HttpResponse& r, std::string_view name) {
  const auto v = runtime::find_http_header(r.headers, name);
  return v ? std::string(*v) : std::string();
}

std::string param_of(std::string_view challenge, std::string_view name) {
  const std::string key = std::string(name) + "=\"";
  const auto at = challenge.find(key);
  if (at == std::string_view::npos) return {};
  const auto start = at + key.size();
  return std::string(challenge.substr(start, challenge.find('"', start) - start));
}

class XcapHandlerTest : public ::testing::Test {
 protected:
  XcapHandlerTest()
      : hss_(store::Database::open(dir_ / "box.db", "hss")),
        tas_(store::Database::open(dir_ / "box.db", "tas")),
        log_("tas", runtime::LogLevel::error, {}, clock_),
        xcap_(tas_, clock_, XcapHandler::Options{"ims.test", std::chrono::seconds(300), "0123456789abcdef"}, log_,
              &metrics_) {
    hss::Provisioning prov(hss_, "ims.test");
    hss::NewSubscriber alice;
    alice.impi = "alice@ims.test";
    alice.impus = {"sip:alice@ims.test", "tel:+15550001"};
    alice.password = "secret";
    prov.add(alice, 0);
    hss::NewSubscriber bob;
    bob.impi = "bob@ims.test";
    bob.impus = {"sip:bob@ims.test"};
    bob.password = "bobpass";
    prov.add(bob, 0);
    hss::NewSubscriber sim;
    sim.impi = "sim@ims.test";
    sim.impus = {"sip:sim@ims.test"};
    sim.k = "465b5ce8b199b49faa5f0a2ee238a6bc";
    sim.opc = "cd63cb71954a9f4e48a5994e37a02baf";
    prov.add(sim, 0);
  }

  static HttpRequest request(std::string method, std::string target, std::string body = {},
                             runtime::HttpHeaders headers = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.headers = std::move(headers);
    r.headers.emplace_back("Host", "xcap.ims.test");
    r.body = std::move(body);
    return r;
  }

  // The request answered to the challenge of a first, unauthenticated try.
  HttpResponse send(HttpRequest r, const std::string& user = "alice@ims.test", const std::string& password = "secret") {
    const HttpResponse first = xcap_(r);
    if (first.status != 401) return first;
    const std::string challenge = header(first, "WWW-Authenticate");
    const std::string nonce = param_of(challenge, "nonce");
    const std::string ha1 = aka::digest_ha1(aka::DigestAlgorithm::md5, user, "ims.test", password);
    const std::string response =
        aka::digest_response(aka::DigestAlgorithm::md5, ha1, nonce, "00000001", "c0ffee", "auth", r.method, r.target);
    r.headers.emplace_back("Authorization", "Digest username=\"" + user + "\", realm=\"ims.test\", nonce=\"" + nonce +
                                                "\", uri=\"" + r.target + "\", response=\"" + response +
                                                "\", qop=auth, nc=00000001, cnonce=\"c0ffee\", algorithm=MD5");
    return xcap_(r);
  }

  std::optional<store::StoredSimservs> stored(const std::string& impu = "sip:alice@ims.test") {
    return store::SimservsTable(tas_).find(impu);
  }

  TempDir dir_;
  store::Database hss_;
  store::Database tas_;
  runtime::ManualClock clock_;
  runtime::Logger log_;
  runtime::Metrics metrics_;
  XcapHandler xcap_;
};

TEST_F(XcapHandlerTest, ChallengesWithDigestMd5AuthAndRefusesAWrongPassword) {
  const auto r = xcap_(request("GET", kAlice));
  EXPECT_EQ(r.status, 401);
  const auto challenge = header(r, "WWW-Authenticate");
  EXPECT_TRUE(challenge.starts_with("Digest ")) << challenge;
  EXPECT_EQ(param_of(challenge, "realm"), "ims.test");
  EXPECT_EQ(param_of(challenge, "qop"), "auth");
  EXPECT_FALSE(param_of(challenge, "nonce").empty());
  EXPECT_EQ(send(request("GET", kAlice), "alice@ims.test", "wrong").status, 401);
  EXPECT_EQ(send(request("GET", kAlice), "nobody@ims.test", "secret").status, 401);
  // a SIM-only subscriber has no password to use (GBA is not supported)
  EXPECT_EQ(send(request("GET", "/simservs.ngn.etsi.org/users/sip:sim@ims.test/simservs.xml"), "sim@ims.test", "x")
                .status,
            401);
  // authenticated, but no document yet
  EXPECT_EQ(send(request("GET", kAlice)).status, 404);
  // the bare user name works as for SIP digest
  EXPECT_EQ(send(request("GET", kAlice), "alice", "secret").status, 404);
}

TEST_F(XcapHandlerTest, WrongPasswordsBlockForAWhile) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(send(request("GET", kAlice), "alice@ims.test", "guess").status, 401);
  EXPECT_EQ(send(request("GET", kAlice)).status, 404);  // a success resets the count
  for (int i = 0; i < 5; ++i) EXPECT_EQ(send(request("GET", kAlice), "alice@ims.test", "guess").status, 401);
  EXPECT_EQ(send(request("GET", kAlice)).status, 401);  // blocked, even with the right password
  EXPECT_EQ(send(request("GET", kBob), "bob@ims.test", "bobpass").status, 404);  // others are not
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(send(request("GET", kAlice)).status, 404);
}

TEST_F(XcapHandlerTest, ExpiredNonceIsStale) {
  const std::string nonce = param_of(header(xcap_(request("GET", kAlice)), "WWW-Authenticate"), "nonce");
  clock_.advance(std::chrono::seconds(301));
  auto r = request("GET", kAlice);
  const std::string ha1 = aka::digest_ha1(aka::DigestAlgorithm::md5, "alice@ims.test", "ims.test", "secret");
  r.headers.emplace_back("Authorization",
                         "Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"" + nonce + "\", uri=\"" +
                             std::string(kAlice) + "\", response=\"" +
                             aka::digest_response(aka::DigestAlgorithm::md5, ha1, nonce, "00000001", "ab", "auth",
                                                  "GET", kAlice) +
                             "\", qop=auth, nc=00000001, cnonce=\"ab\"");
  const auto answer = xcap_(r);
  EXPECT_EQ(answer.status, 401);
  EXPECT_NE(header(answer, "WWW-Authenticate").find("stale=true"), std::string::npos);
  // a forged nonce is not stale, just refused
  auto forged = nonce;
  forged.back() = forged.back() == '0' ? '1' : '0';
  auto f = request("GET", kAlice);
  f.headers.emplace_back("Authorization", "Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"" + forged +
                                              "\", uri=\"" + std::string(kAlice) +
                                              "\", response=\"00\", qop=auth, nc=00000001, cnonce=\"ab\"");
  const auto refused = xcap_(f);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(header(refused, "WWW-Authenticate").find("stale"), std::string::npos);
}

std::string authorization(const std::string& nonce, const std::string& nc, const std::string& method,
                          const std::string& uri) {
  const std::string ha1 = aka::digest_ha1(aka::DigestAlgorithm::md5, "alice@ims.test", "ims.test", "secret");
  return "Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"" + nonce + "\", uri=\"" + uri +
         "\", response=\"" + aka::digest_response(aka::DigestAlgorithm::md5, ha1, nonce, nc, "ab", "auth", method, uri) +
         "\", qop=auth, nc=" + nc + ", cnonce=\"ab\"";
}

TEST_F(XcapHandlerTest, ANonceCountIsAcceptedOnce) {
  const std::string nonce = param_of(header(xcap_(request("GET", kAlice)), "WWW-Authenticate"), "nonce");
  auto r = request("GET", kAlice, {}, {{"Authorization", authorization(nonce, "00000001", "GET", kAlice)}});
  EXPECT_EQ(xcap_(r).status, 404);
  // the same Authorization again (a replay): challenged
  EXPECT_EQ(xcap_(r).status, 401);
  // the next count on the same nonce: fine; a lower one: not
  EXPECT_EQ(xcap_(request("GET", kAlice, {}, {{"Authorization", authorization(nonce, "00000003", "GET", kAlice)}})).status,
            404);
  EXPECT_EQ(xcap_(request("GET", kAlice, {}, {{"Authorization", authorization(nonce, "00000002", "GET", kAlice)}})).status,
            401);
}

TEST_F(XcapHandlerTest, AnotherSubscribersIdentityIsForbidden) {
  EXPECT_EQ(send(request("GET", kBob)).status, 403);
  EXPECT_EQ(send(request("PUT", kBob, kDocument, {{"Content-Type", "application/simservs+xml"}})).status, 403);
  EXPECT_FALSE(stored("sip:bob@ims.test"));
  EXPECT_EQ(send(request("GET", "/simservs.ngn.etsi.org/users/sip:nobody@ims.test/simservs.xml")).status, 403);
  // alice's other IMPU is hers
  EXPECT_EQ(send(request("GET", "/simservs.ngn.etsi.org/users/tel:+15550001/simservs.xml")).status, 404);
}

TEST_F(XcapHandlerTest, PutGetDeleteTheWholeDocument) {
  const auto created = send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/simservs+xml"}}));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string etag = header(created, "ETag");
  ASSERT_FALSE(etag.empty());
  ASSERT_TRUE(stored());
  EXPECT_EQ(stored()->etag, etag);

  const auto got = send(request("GET", kAlice));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, kDocument);
  EXPECT_EQ(got.content_type, "application/simservs+xml");
  EXPECT_EQ(header(got, "ETag"), etag);

  const auto replaced = send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/simservs+xml"}}));
  EXPECT_EQ(replaced.status, 200);
  EXPECT_NE(header(replaced, "ETag"), etag);

  EXPECT_EQ(send(request("DELETE", kAlice)).status, 200);
  EXPECT_FALSE(stored());
  EXPECT_EQ(send(request("GET", kAlice)).status, 404);
  EXPECT_EQ(send(request("DELETE", kAlice)).status, 404);
}

TEST_F(XcapHandlerTest, HeadAndAnXcapRootBeforeTheApplicationUsage) {
  ASSERT_EQ(send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/simservs+xml"}})).status, 201);
  const auto head = send(request("HEAD", kAlice));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(header(head, "ETag"), stored()->etag);
  // phones configured with an XCAP root such as http://xcap.ims.test/xcap-root
  const auto rooted = send(request("GET", std::string("/xcap-root") + kAlice));
  EXPECT_EQ(rooted.status, 200);
  EXPECT_EQ(rooted.body, kDocument);
}

TEST_F(XcapHandlerTest, BadDocumentsAre409AndNothingIsStored) {
  ASSERT_EQ(send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/simservs+xml"}})).status, 201);
  const auto before = stored();

  const auto malformed = send(request("PUT", kAlice, "<simservs><communication-div", {{"Content-Type", "application/simservs+xml"}}));
  EXPECT_EQ(malformed.status, 409);
  EXPECT_EQ(malformed.content_type, "application/xcap-error+xml");
  EXPECT_NE(malformed.body.find("<not-well-formed"), std::string::npos) << malformed.body;
  EXPECT_EQ(stored(), before);

  const auto invalid = send(request("PUT", kAlice, "<other xmlns=\"urn:x\"/>", {{"Content-Type", "application/simservs+xml"}}));
  EXPECT_EQ(invalid.status, 409);
  EXPECT_NE(invalid.body.find("<schema-validation-error"), std::string::npos) << invalid.body;
  EXPECT_EQ(stored(), before);

  EXPECT_EQ(send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/json"}})).status, 415);
  EXPECT_EQ(stored(), before);
}

TEST_F(XcapHandlerTest, RuleByNodeSelector) {
  ASSERT_EQ(send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/simservs+xml"}})).status, 201);
  const std::string rule = std::string(kAlice) + kRuleSelector;
  EXPECT_EQ(send(request("GET", rule)).status, 404);

  const auto put = send(request("PUT", rule, kCfbRule, {{"Content-Type", "application/xcap-el+xml"}}));
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(header(put, "ETag"), stored()->etag);
  EXPECT_NE(stored()->document.find("sip:carol@ims.test"), std::string::npos);

  const auto got = send(request("GET", rule));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.content_type, "application/xcap-el+xml");
  EXPECT_NE(got.body.find("id=\"cfb\""), std::string::npos) << got.body;
  EXPECT_NE(got.body.find("sip:carol@ims.test"), std::string::npos) << got.body;
  EXPECT_EQ(header(got, "ETag"), stored()->etag);

  // a rule whose id does not match its selector is refused
  const auto before = stored();
  const std::string other = std::string(kAlice) +
                            "/~~/simservs/communication-diversion/cp:ruleset/cp:rule%5B@id=%22x%22%5D"
                            "?xmlns(cp=urn:ietf:params:xml:ns:common-policy)";
  const auto bad = send(request("PUT", other, kCfbRule, {{"Content-Type", "application/xcap-el+xml"}}));
  EXPECT_EQ(bad.status, 409);
  EXPECT_EQ(bad.content_type, "application/xcap-error+xml");
  EXPECT_EQ(stored(), before);

  EXPECT_EQ(send(request("DELETE", rule)).status, 200);
  EXPECT_EQ(send(request("GET", rule)).status, 404);
  EXPECT_EQ(stored()->document.find("sip:carol@ims.test"), std::string::npos);
  // the rest of the document stays
  EXPECT_NE(stored()->document.find("id=\"cfu\""), std::string::npos);

  EXPECT_EQ(send(request("GET", std::string(kAlice) + "/~~/simservs/cp:rule[")).status, 400);
}

TEST_F(XcapHandlerTest, PutOfAnElementStartsFromTheEmptyDocument) {
  const auto r = send(request("PUT", std::string(kAlice) + "/~~/simservs/originating-identity-presentation-restriction",
                              R"(<originating-identity-presentation-restriction xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" active="true"/>)",
                              {{"Content-Type", "application/xcap-el+xml"}}));
  EXPECT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(stored());
  EXPECT_NE(stored()->document.find("originating-identity-presentation-restriction"), std::string::npos);
}

TEST_F(XcapHandlerTest, PreconditionsOnEtags) {
  const auto created = send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/simservs+xml"}}));
  const std::string etag = header(created, "ETag");
  const std::string rule = std::string(kAlice) + kRuleSelector;

  // a stale If-Match: 412, nothing changed
  const auto before = stored();
  EXPECT_EQ(send(request("PUT", rule, kCfbRule, {{"Content-Type", "application/xcap-el+xml"}, {"If-Match", "\"old\""}}))
                .status,
            412);
  EXPECT_EQ(stored(), before);
  EXPECT_EQ(send(request("DELETE", kAlice, {}, {{"If-Match", "\"old\""}})).status, 412);
  EXPECT_TRUE(stored());
  // If-None-Match: * refuses to replace an existing document
  EXPECT_EQ(send(request("PUT", kAlice, kDocument, {{"Content-Type", "application/simservs+xml"}, {"If-None-Match", "*"}}))
                .status,
            412);
  EXPECT_EQ(stored(), before);
  // a GET whose If-None-Match holds the current tag: 304
  EXPECT_EQ(send(request("GET", kAlice, {}, {{"If-None-Match", etag}})).status, 304);
  // the current tag matches
  const auto ok = send(request("PUT", rule, kCfbRule, {{"Content-Type", "application/xcap-el+xml"}, {"If-Match", etag}}));
  EXPECT_EQ(ok.status, 201);
  EXPECT_NE(header(ok, "ETag"), etag);
}

TEST_F(XcapHandlerTest, OtherResourcesAndMethods) {
  EXPECT_EQ(xcap_(request("GET", "/other")).status, 404);
  EXPECT_EQ(xcap_(request("GET", "/simservs.ngn.etsi.org/users/sip:alice@ims.test/index")).status, 404);
  const auto post = xcap_(request("POST", kAlice));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD, PUT, DELETE");
  // the digest uri must be the request's
  auto r = request("GET", kAlice);
  const std::string nonce = param_of(header(xcap_(r), "WWW-Authenticate"), "nonce");
  const std::string ha1 = aka::digest_ha1(aka::DigestAlgorithm::md5, "alice@ims.test", "ims.test", "secret");
  r.headers.emplace_back("Authorization", "Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"" + nonce +
                                              "\", uri=\"/elsewhere\", response=\"" +
                                              aka::digest_response(aka::DigestAlgorithm::md5, ha1, nonce, "00000001",
                                                                   "ab", "auth", "GET", "/elsewhere") +
                                              "\", qop=auth, nc=00000001, cnonce=\"ab\"");
  EXPECT_EQ(xcap_(r).status, 400);
}

TEST_F(XcapHandlerTest, CountsRequestsByMethodAndStatus) {
  xcap_(request("GET", kAlice));
  send(request("GET", kAlice));
  const std::string text = metrics_.render();
  EXPECT_NE(text.find("tas_xcap_requests_total{method=\"GET\",status=\"401\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("tas_xcap_requests_total{method=\"GET\",status=\"404\"} 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace imsbox::tas
