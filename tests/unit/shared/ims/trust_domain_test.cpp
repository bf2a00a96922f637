// The trust domain's edge (TS 24.229 §4.4): who is inside, and what a
// message loses when it crosses.
#include "ims/trust_domain.h"

#include <gtest/gtest.h>

#include "sip/text.h"
#include "unit/proxy_fakes.h"

namespace imsbox::ims {
namespace {

using boost::asio::ip::make_address;

std::vector<std::string> values(const sip::Message& m, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& f : m.headers()) {
    if (sip::text::iequals(sip::text::trim(f.name), name)) out.emplace_back(f.value);
  }
  return out;
}

sip::Message invite(std::string_view extra) {
  return test::parse("INVITE sip:bob@ims.test SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKt1\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:alice@other.test>;tag=f1\r\n"
                     "To: <sip:bob@ims.test>\r\n"
                     "Call-ID: td-1@192.0.2.1\r\n"
                     "CSeq: 1 INVITE\r\n" +
                     std::string(extra) + "Content-Length: 0\r\n\r\n");
}

TEST(TrustDomain, WhoIsInside) {
  const std::vector<boost::asio::ip::address> peers = {make_address("192.0.2.10"), make_address("2001:db8::10")};
  EXPECT_TRUE(in_trust_domain(make_address("127.0.0.1"), peers));
  EXPECT_TRUE(in_trust_domain(make_address("::1"), peers));
  EXPECT_TRUE(in_trust_domain(make_address("192.0.2.10"), peers));
  EXPECT_TRUE(in_trust_domain(make_address("::ffff:192.0.2.10"), peers));
  EXPECT_TRUE(in_trust_domain(make_address("2001:db8::10"), peers));
  EXPECT_TRUE(in_trust_domain(make_address("::ffff:127.0.0.1"), {}));
  // any process on the host may send from the rest of 127.0.0.0/8
  EXPECT_FALSE(in_trust_domain(make_address("127.0.0.2"), peers));
  EXPECT_FALSE(in_trust_domain(make_address("192.0.2.11"), peers));
  EXPECT_FALSE(in_trust_domain(make_address("0.0.0.0"), peers));
  EXPECT_FALSE(in_trust_domain(make_address("192.0.2.10"), {}));
}

TEST(TrustDomain, RequestEnteringLosesWhatOnlyTheTrustDomainSets) {
  auto m = invite(
      "P-Asserted-Identity: <sip:mallory@ims.test>\r\n"
      "P-Served-User: <sip:bob@ims.test>;sescase=term;regstate=reg\r\n"
      "P-Profile-Key: <sip:!.*!@ims.test>\r\n"
      "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel\r\n"
      "P-Private-Network-Indication: example.com\r\n"
      "P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=00101000000001\r\n"
      "Cellular-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=00101000000001\r\n"
      "P-Charging-Function-Addresses: ccf=192.0.2.99\r\n"
      "P-Early-Media: supported\r\n"
      "Resource-Priority: ets.0\r\n"
      "P-Charging-Vector: icid-value=1234bc9876e;icid-generated-at=192.0.6.8;orig-ioi=home1.net;"
      "ggsn=192.0.2.50;pdp-info=\"pdp-item=1;pdp-sig=no\"\r\n"
      "P-Preferred-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel\r\n"
      "Privacy: id\r\n");
  const auto removed = enter_trust_domain(m);
  EXPECT_EQ(removed, (std::vector<std::string_view>{"P-Asserted-Identity", "P-Served-User", "P-Profile-Key",
                                                    "P-Asserted-Service", "P-Private-Network-Indication",
                                                    "P-Access-Network-Info", "Cellular-Network-Info",
                                                    "P-Charging-Function-Addresses", "P-Early-Media",
                                                    "Resource-Priority", "P-Charging-Vector"}));
  for (const auto name : removed) {
    if (name != "P-Charging-Vector") {
      EXPECT_TRUE(values(m, name).empty()) << name;
    }
  }
  // the quoted ';' of pdp-info did not split it: it went whole
  EXPECT_EQ(values(m, "P-Charging-Vector"),
            std::vector<std::string>{"icid-value=1234bc9876e;icid-generated-at=192.0.6.8;orig-ioi=home1.net"});
  EXPECT_EQ(values(m, "Privacy"), std::vector<std::string>{"id"});  // the caller's wish
  EXPECT_EQ(values(m, "P-Preferred-Service").size(), 1u);  // the caller's request, not an assertion
  EXPECT_EQ(m.call_id(), "td-1@192.0.2.1");
}

TEST(TrustDomain, ChargingVectorWithoutIcidGoes) {
  auto m = invite("P-Charging-Vector: ggsn=192.0.2.50;gcid=7\r\n");
  EXPECT_EQ(enter_trust_domain(m), std::vector<std::string_view>{"P-Charging-Vector"});
  EXPECT_TRUE(values(m, "P-Charging-Vector").empty());
  // two fields (one is allowed): only the first one's exchanged parts stay
  auto two = invite("P-Charging-Vector: icid-value=a1\r\nP-Charging-Vector: icid-value=b2\r\n");
  EXPECT_EQ(enter_trust_domain(two), std::vector<std::string_view>{"P-Charging-Vector"});
  EXPECT_EQ(values(two, "P-Charging-Vector"), std::vector<std::string>{"icid-value=a1"});
  // nothing to remove: nothing changes
  auto clean = invite("P-Charging-Vector: icid-value=a1;orig-ioi=x\r\n");
  EXPECT_TRUE(enter_trust_domain(clean).empty());
  EXPECT_EQ(values(clean, "P-Charging-Vector"), std::vector<std::string>{"icid-value=a1;orig-ioi=x"});
}

TEST(TrustDomain, ResponseLeavingKeepsTheAssertedIdentityUnlessPrivate) {
  auto m = invite("");
  auto ok = sip::make_response(m, 200, {}, "t");
  ok.append(sip::HeaderId::p_asserted_identity, "<sip:bob@ims.test>");
  ok.append(sip::HeaderId::p_access_network_info, "3GPP-E-UTRAN-FDD");
  ok.append(sip::HeaderId::p_charging_vector, "icid-value=a1;term-ioi=home.test;ggsn=192.0.2.50");
  EXPECT_EQ(leave_trust_domain(ok), (std::vector<std::string_view>{"P-Access-Network-Info", "P-Charging-Vector"}));
  EXPECT_EQ(values(ok, "P-Asserted-Identity").size(), 1u);
  EXPECT_EQ(values(ok, "P-Charging-Vector"), std::vector<std::string>{"icid-value=a1;term-ioi=home.test"});
  for (const auto* privacy : {"id", "header; id", "ID;critical", "bogus,,"}) {
    auto p = sip::make_response(m, 200, {}, "t");
    p.append(sip::HeaderId::p_asserted_identity, "<sip:bob@ims.test>");
    p.append(sip::HeaderId::privacy, privacy);
    EXPECT_EQ(leave_trust_domain(p), std::vector<std::string_view>{"P-Asserted-Identity"}) << privacy;
  }
  auto none = sip::make_response(m, 200, {}, "t");
  none.append(sip::HeaderId::p_asserted_identity, "<sip:bob@ims.test>");
  none.append(sip::HeaderId::privacy, "none");
  EXPECT_TRUE(leave_trust_domain(none).empty());
}

}  // namespace
}  // namespace imsbox::ims
