// parse_ims_subscription: User-Data XML (TS 29.228 Annex E) back to values.
#include <gtest/gtest.h>

#include "ims/subscription.h"

namespace imsbox::ims {
namespace {

ImsSubscription full_subscription() {
  ImsSubscription s;
  s.private_id = "alice@ims.test";
  ServiceProfile p;
  p.public_identities.push_back({"sip:alice@ims.test", false, "Alice <A&B>"});
  p.public_identities.push_back({"tel:+15550001", true, std::nullopt});
  InitialFilterCriteria reg;
  reg.priority = 1;
  TriggerPoint tp;
  tp.cnf = false;
  tp.spts.push_back({0, false, MethodCondition{"REGISTER"}, {RegistrationType::initial, RegistrationType::de_registration}});
  reg.trigger_point = tp;
  reg.application_server = {"sip:tas.ims.test;lr", DefaultHandling::session_terminated, "x<y", true, true};
  reg.profile_part_indicator = ProfilePartIndicator::registered;
  InitialFilterCriteria all;
  all.priority = 5;
  TriggerPoint tp2;
  tp2.cnf = true;
  tp2.spts.push_back({0, false, MethodCondition{"INVITE"}, {}});
  tp2.spts.push_back({1, false, SessionCase::terminating_unregistered, {}});
  tp2.spts.push_back({2, true, SipHeaderCondition{"Accept-Contact", "video"}, {}});
  tp2.spts.push_back({2, false, SipHeaderCondition{"P-Foo", std::nullopt}, {}});
  tp2.spts.push_back({3, false, SessionDescriptionCondition{"m", "audio.*"}, {}});
  tp2.spts.push_back({4, false, RequestUriCondition{"sip:.*@ims\\.test"}, {}});
  all.trigger_point = tp2;
  all.application_server = {"sip:mrf.ims.test", DefaultHandling::session_continued, std::nullopt, false, false};
  p.ifcs.push_back(reg);
  p.ifcs.push_back(all);
  s.service_profiles.push_back(p);
  ServiceProfile q;
  q.public_identities.push_back({"sip:alice-work@ims.test", false, std::nullopt});
  s.service_profiles.push_back(q);
  return s;
}

TEST(ImsSubscriptionParse, RoundTripsWhatToXmlWrites) {
  const auto s = full_subscription();
  const auto parsed = parse_ims_subscription(to_xml(s));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, s);
}

TEST(ImsSubscriptionParse, AcceptsNamespacesWhitespaceAndUnknownElements) {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n"
      "<cx:IMSSubscription xmlns:cx=\"urn:example\">\n"
      "  <cx:PrivateID> bob@ims.test </cx:PrivateID>\n"
      "  <cx:ServiceProfile>\n"
      "    <cx:PublicIdentity><cx:Identity>sip:bob@ims.test</cx:Identity><cx:Other>1</cx:Other></cx:PublicIdentity>\n"
      "    <cx:InitialFilterCriteria><cx:Priority>3</cx:Priority>\n"
      "      <cx:ApplicationServer><cx:ServerName>sip:as.ims.test</cx:ServerName>"
      "<cx:DefaultHandling>0</cx:DefaultHandling></cx:ApplicationServer>\n"
      "    </cx:InitialFilterCriteria>\n"
      "    <cx:InitialFilterCriteria><cx:Priority>1</cx:Priority>\n"
      "      <cx:ApplicationServer><cx:ServerName>sip:first.ims.test</cx:ServerName></cx:ApplicationServer>\n"
      "    </cx:InitialFilterCriteria>\n"
      "    <cx:CoreNetworkServicesAuthorization/>\n"
      "  </cx:ServiceProfile>\n"
      "</cx:IMSSubscription>\n";
  const auto parsed = parse_ims_subscription(xml);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->private_id, "bob@ims.test");
  ASSERT_EQ(parsed->service_profiles.size(), 1u);
  const auto& p = parsed->service_profiles[0];
  ASSERT_EQ(p.public_identities.size(), 1u);
  EXPECT_EQ(p.public_identities[0].identity, "sip:bob@ims.test");
  EXPECT_FALSE(p.public_identities[0].barred);
  ASSERT_EQ(p.ifcs.size(), 2u);
  EXPECT_EQ(p.ifcs[0].application_server.server_name, "sip:first.ims.test");  // priority order
  EXPECT_FALSE(p.ifcs[0].trigger_point);
}

TEST(ImsSubscriptionParse, RefusesWhatIsNotUserData) {
  EXPECT_FALSE(parse_ims_subscription(""));
  EXPECT_FALSE(parse_ims_subscription("not xml"));
  EXPECT_FALSE(parse_ims_subscription("<IMSSubscription><PrivateID>a</PrivateID>"));  // not well-formed
  EXPECT_FALSE(parse_ims_subscription("<reginfo/>"));
  // a PublicIdentity without Identity
  EXPECT_FALSE(parse_ims_subscription(
      "<IMSSubscription><ServiceProfile><PublicIdentity><BarringIndication>0</BarringIndication>"
      "</PublicIdentity></ServiceProfile></IMSSubscription>"));
  // a bad number
  EXPECT_FALSE(parse_ims_subscription(
      "<IMSSubscription><ServiceProfile><PublicIdentity><BarringIndication>x</BarringIndication>"
      "<Identity>sip:a@b</Identity></PublicIdentity></ServiceProfile></IMSSubscription>"));
  // a DTD (entity expansion) is refused outright
  EXPECT_FALSE(parse_ims_subscription(
      "<?xml version=\"1.0\"?><!DOCTYPE IMSSubscription [<!ENTITY a \"sip:x@y\">]>"
      "<IMSSubscription><ServiceProfile><PublicIdentity><Identity>&a;</Identity></PublicIdentity>"
      "</ServiceProfile></IMSSubscription>"));
}

}  // namespace
}  // namespace imsbox::ims
