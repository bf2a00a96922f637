// What the P-CSCF does to a REGISTER, its 401 and its 200 OK (pure functions).
#include "pcscf/registration.h"

#include <gtest/gtest.h>

#include "sip/parser.h"
#include "unit/proxy_fakes.h"

namespace imsbox::pcscf {
namespace {

using namespace std::chrono_literals;
using sip::HeaderId;

using test::parse;

sip::Message register_msg(std::string_view extra, std::string_view to = "<sip:alice@ims.test>") {
  return parse(std::string("REGISTER sip:ims.test SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1\r\n"
                           "Max-Forwards: 70\r\n"
                           "From: <sip:alice@ims.test>;tag=f1\r\n"
                           "To: ") +
               std::string(to) +
               "\r\n"
               "Call-ID: reg-1@127.0.0.1\r\n"
               "CSeq: 1 REGISTER\r\n" +
               std::string(extra) + "Content-Length: 0\r\n\r\n");
}

sip::Message response(std::string_view status_line, std::string_view extra) {
  return parse(std::string(status_line) +
               "\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1\r\n"
               "From: <sip:alice@ims.test>;tag=f1\r\n"
               "To: <sip:alice@ims.test>;tag=s1\r\n"
               "Call-ID: reg-1@127.0.0.1\r\n"
               "CSeq: 1 REGISTER\r\n" +
               std::string(extra) + "Content-Length: 0\r\n\r\n");
}

std::vector<std::string> values(const sip::Message& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id == id) out.emplace_back(h.value);
  }
  return out;
}

TEST(PcscfRegistration, CheckRegisterAcceptsWellFormedOnes) {
  EXPECT_EQ(check_register(register_msg("Contact: <sip:alice@127.0.0.1:5070>;expires=600\r\nExpires: 600\r\n")), nullptr);
  EXPECT_EQ(check_register(register_msg("")), nullptr);  // a query
  EXPECT_EQ(check_register(register_msg("Contact: *\r\nExpires: 0\r\n")), nullptr);
  EXPECT_EQ(check_register(register_msg("Contact: <sip:a@1.2.3.4>, <sip:b@1.2.3.4>\r\n", "<tel:+15550100>")), nullptr);
}

TEST(PcscfRegistration, CheckRegisterRefusesMalformedOnes) {
  EXPECT_STREQ(check_register(register_msg("", "<urn:service:sos>")), "Bad Request (no public identity in To)");
  EXPECT_NE(check_register(register_msg("Contact: <sip:alice@127.0.0.1:5070>;expires=soon\r\n")), nullptr);
  EXPECT_NE(check_register(register_msg("Contact: *\r\n")), nullptr);
  EXPECT_NE(check_register(register_msg("Contact: *\r\nExpires: 60\r\n")), nullptr);
  EXPECT_NE(check_register(register_msg("Contact: *\r\nContact: <sip:a@1.2.3.4>\r\nExpires: 0\r\n")), nullptr);
}

TEST(PcscfRegistration, PrepareRegisterAddsPathAndChargingAndStripsIdentities) {
  auto m = register_msg(
      "Contact: <sip:alice@127.0.0.1:5070>\r\n"
      "Route: <sip:orig@scscf.ims.test;lr>\r\n"
      "P-Asserted-Identity: <sip:boss@ims.test>\r\n"
      "P-Preferred-Identity: <sip:boss@ims.test>\r\n"
      "P-Visited-Network-ID: \"evil.test\"\r\n"
      "P-Charging-Vector: icid-value=forged\r\n"
      "Supported: path, gruu\r\n");
  prepare_register(m, RegisterEdits{"<sip:term@pcscf.ims.test:5060;lr>", "\"ims.test\"", "0123abcd", "127.0.0.1"});
  EXPECT_EQ(values(m, HeaderId::path), std::vector<std::string>{"<sip:term@pcscf.ims.test:5060;lr>"});
  EXPECT_EQ(values(m, HeaderId::require), std::vector<std::string>{"path"});
  EXPECT_EQ(values(m, HeaderId::supported), std::vector<std::string>{"path, gruu"});  // had it
  EXPECT_EQ(values(m, HeaderId::p_visited_network_id), std::vector<std::string>{"\"ims.test\""});
  EXPECT_EQ(values(m, HeaderId::p_charging_vector),
            std::vector<std::string>{"icid-value=0123abcd;icid-generated-at=127.0.0.1"});
  EXPECT_EQ(m.count(HeaderId::p_asserted_identity), 0u);
  EXPECT_EQ(m.count(HeaderId::p_preferred_identity), 0u);
  EXPECT_EQ(m.count(HeaderId::route), 0u);

  auto bare = register_msg("Contact: <sip:alice@127.0.0.1:5070>\r\nRequire: sec-agree\r\n");
  prepare_register(bare, RegisterEdits{"<sip:term@p;lr>", "\"d\"", "1", "::1"});
  EXPECT_EQ(values(bare, HeaderId::require), (std::vector<std::string>{"sec-agree", "path"}));
  EXPECT_EQ(values(bare, HeaderId::supported), std::vector<std::string>{"path"});
  // a Path the UE sent stays below ours
  auto with_path = register_msg("Path: <sip:ue-side@x;lr>\r\n");
  prepare_register(with_path, RegisterEdits{"<sip:term@p;lr>", "\"d\"", "1", "a"});
  EXPECT_EQ(values(with_path, HeaderId::path).front(), "<sip:term@p;lr>");
}

TEST(PcscfRegistration, WithoutAuthKeysDropsCkAndIkOnly) {
  AuthKeys keys;
  const auto out = without_auth_keys(
      "Digest realm=\"ims.test\", nonce=\"cmFuZCwgYXV0bg==\", algorithm=AKAv1-MD5, qop=\"auth\", "
      "ck=\"00112233445566778899aabbccddeeff\", ik=\"ffeeddccbbaa99887766554433221100\"",
      &keys);
  EXPECT_EQ(out, "Digest realm=\"ims.test\", nonce=\"cmFuZCwgYXV0bg==\", algorithm=AKAv1-MD5, qop=\"auth\"");
  EXPECT_EQ(keys.ck, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(keys.ik, "ffeeddccbbaa99887766554433221100");

  // keys in the middle, odd spacing and case; a quoted comma stays
  AuthKeys k2;
  EXPECT_EQ(without_auth_keys("Digest  CK=\"aa\" ,realm=\"a,b\",IK = bb ,opaque=\"o\"", &k2),
            "Digest realm=\"a,b\", opaque=\"o\"");
  EXPECT_EQ(k2.ck, "aa");
  EXPECT_EQ(k2.ik, "bb");
  EXPECT_EQ(without_auth_keys("Digest realm=\"d\", nonce=\"n\", algorithm=MD5, qop=\"auth\""),
            "Digest realm=\"d\", nonce=\"n\", algorithm=MD5, qop=\"auth\"");
}

TEST(PcscfRegistration, RemoveAuthKeysRewritesEveryChallenge) {
  auto r = response("SIP/2.0 401 Unauthorized",
                    "WWW-Authenticate: Digest realm=\"ims.test\", nonce=\"n1\", algorithm=AKAv1-MD5, ck=\"c1\", ik=\"i1\"\r\n"
                    "WWW-Authenticate: Digest realm=\"ims.test\", nonce=\"n2\", algorithm=AKAv2-MD5, ck=\"c2\", ik=\"i2\"\r\n");
  const auto keys = remove_auth_keys(r);
  EXPECT_EQ(keys.ck, "c1");
  EXPECT_EQ(keys.ik, "i1");
  EXPECT_EQ(values(r, HeaderId::www_authenticate),
            (std::vector<std::string>{"Digest realm=\"ims.test\", nonce=\"n1\", algorithm=AKAv1-MD5",
                                      "Digest realm=\"ims.test\", nonce=\"n2\", algorithm=AKAv2-MD5"}));
  const auto text = r.serialize();
  EXPECT_EQ(text.find("ck="), std::string::npos);
  EXPECT_EQ(text.find("ik="), std::string::npos);

  auto digest = response("SIP/2.0 401 Unauthorized",
                         "WWW-Authenticate: Digest realm=\"ims.test\", nonce=\"n\", opaque=\"o\", algorithm=MD5, qop=\"auth\"\r\n");
  const auto before = digest.serialize();
  EXPECT_TRUE(remove_auth_keys(digest).empty());
  EXPECT_EQ(digest.serialize(), before);  // untouched
}

TEST(PcscfRegistration, RegisterOkTakesTheExpiriesOfTheRequestsContacts) {
  const auto request = register_msg(
      "Contact: <sip:alice@127.0.0.1:5070>, <sip:alice@127.0.0.1:5071>\r\n"
      "Contact: <sip:alice@127.0.0.1:5072;transport=tcp>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=2\r\n"
      "Expires: 600\r\n");
  const auto ok = response("SIP/2.0 200 OK",
                           "Contact: <sip:alice@127.0.0.1:5070>;expires=300, <sip:other@10.0.0.1>;expires=100\r\n"
                           "Contact: <sip:alice@127.0.0.1:5072>\r\n"
                           "Expires: 200\r\n"
                           "Path: <sip:term@pcscf.ims.test:5060;lr>\r\n"
                           "Service-Route: <sip:orig@scscf.ims.test:6060;lr>\r\n"
                           "P-Associated-URI: <sip:alice@ims.test>, <tel:+15550100>\r\n");
  sip::Peer source;
  source.port = 5070;
  const auto r = register_ok(request, ok, "sip:alice@ims.test", source, "<sip:term@pcscf.ims.test:5060;lr>");
  EXPECT_EQ(r.impu, "sip:alice@ims.test");
  EXPECT_EQ(r.associated, (std::vector<std::string>{"sip:alice@ims.test", "tel:+15550100"}));
  EXPECT_EQ(r.service_route, std::vector<std::string>{"<sip:orig@scscf.ims.test:6060;lr>"});
  EXPECT_EQ(r.source, source);
  EXPECT_FALSE(r.remove_all);
  ASSERT_EQ(r.contacts.size(), 3u);  // only the REGISTER's, not the other UE's
  EXPECT_EQ(r.contacts[0], (RegisteredContact{"sip:alice@127.0.0.1:5070", 300s, {}, {}}));
  EXPECT_EQ(r.contacts[1], (RegisteredContact{"sip:alice@127.0.0.1:5071", 0s, {}, {}}));
  // with its flow (RFC 5626): the instance without quotes and <>, the reg-id
  EXPECT_EQ(r.contacts[2], (RegisteredContact{"sip:alice@127.0.0.1:5072;transport=tcp", 200s,
                                              "urn:uuid:00000000-0000-1000-8000-000A95A0E128", 2u}));

  const auto star = register_msg("Contact: *\r\nExpires: 0\r\n");
  EXPECT_TRUE(register_ok(star, response("SIP/2.0 200 OK", ""), "sip:alice@ims.test", source, "").remove_all);
}

}  // namespace
}  // namespace imsbox::pcscf
