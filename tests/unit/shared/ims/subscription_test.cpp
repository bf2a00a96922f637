#include "ims/subscription.h"

#include <gtest/gtest.h>

namespace imsbox::ims {
namespace {

TriggerPoint invite_or_message_originating() {
  TriggerPoint tp;
  tp.cnf = true;
  tp.spts.push_back({0, false, MethodCondition{"INVITE"}, {}});
  tp.spts.push_back({0, false, MethodCondition{"MESSAGE"}, {}});
  tp.spts.push_back({1, false, SessionCase::originating, {}});
  tp.spts.push_back({2, true, SipHeaderCondition{"Accept-Contact", "video"}, {}});
  tp.spts.push_back({3, false, SessionDescriptionCondition{"m", "audio.*"}, {}});
  tp.spts.push_back({4, false, RequestUriCondition{"sip:.*@ims\\.test"}, {}});
  return tp;
}

TEST(ImsSubscription, UserDataXmlFollowsAnnexE) {
  ImsSubscription s;
  s.private_id = "alice@ims.test";
  ServiceProfile p;
  p.public_identities.push_back({"sip:alice@ims.test", false, "Alice <A&B>"});
  p.public_identities.push_back({"tel:+15550001", true, std::nullopt});
  InitialFilterCriteria ifc;
  ifc.priority = 10;
  TriggerPoint tp;
  tp.cnf = false;
  tp.spts.push_back({0, false, MethodCondition{"REGISTER"}, {RegistrationType::initial, RegistrationType::de_registration}});
  ifc.trigger_point = tp;
  ifc.application_server = {"sip:tas.ims.test;lr", DefaultHandling::session_terminated, "x<y", true, false};
  ifc.profile_part_indicator = ProfilePartIndicator::registered;
  p.ifcs.push_back(ifc);
  s.service_profiles.push_back(p);
  EXPECT_EQ(to_xml(s),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><IMSSubscription><PrivateID>alice@ims.test</PrivateID>"
            "<ServiceProfile>"
            "<PublicIdentity><BarringIndication>0</BarringIndication><Identity>sip:alice@ims.test</Identity>"
            "<Extension><IdentityType>0</IdentityType><Extension><DisplayName>Alice &lt;A&amp;B&gt;</DisplayName>"
            "</Extension></Extension></PublicIdentity>"
            "<PublicIdentity><BarringIndication>1</BarringIndication><Identity>tel:+15550001</Identity>"
            "<Extension><IdentityType>0</IdentityType></Extension></PublicIdentity>"
            "<InitialFilterCriteria><Priority>10</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF>"
            "<SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>REGISTER</Method>"
            "<Extension><RegistrationType>0</RegistrationType><RegistrationType>2</RegistrationType></Extension></SPT>"
            "</TriggerPoint><ApplicationServer><ServerName>sip:tas.ims.test;lr</ServerName>"
            "<DefaultHandling>1</DefaultHandling><ServiceInfo>x&lt;y</ServiceInfo>"
            "<Extension><IncludeRegisterRequest/></Extension></ApplicationServer>"
            "<ProfilePartIndicator>0</ProfilePartIndicator></InitialFilterCriteria>"
            "</ServiceProfile></IMSSubscription>");
}

TEST(ImsSubscription, EverySptKindInXml) {
  ImsSubscription s;
  s.private_id = "a";
  ServiceProfile p;
  p.public_identities.push_back({"sip:a@ims.test", false, std::nullopt});
  InitialFilterCriteria ifc;
  ifc.trigger_point = invite_or_message_originating();
  ifc.application_server.server_name = "sip:as";
  p.ifcs.push_back(ifc);
  s.service_profiles.push_back(p);
  const auto xml = to_xml(s);
  for (const char* part : {"<Method>INVITE</Method>", "<Method>MESSAGE</Method>", "<SessionCase>0</SessionCase>",
                           "<SPT><ConditionNegated>1</ConditionNegated><Group>2</Group><SIPHeader><Header>Accept-Contact"
                           "</Header><Content>video</Content></SIPHeader></SPT>",
                           "<SessionDescription><Line>m</Line><Content>audio.*</Content></SessionDescription>",
                           "<RequestURI>sip:.*@ims\\.test</RequestURI>", "<ConditionTypeCNF>1</ConditionTypeCNF>"}) {
    EXPECT_NE(xml.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(xml.find("ProfilePartIndicator"), std::string::npos);
}

TEST(ImsSubscription, TriggerPointJsonRoundTrips) {
  const auto tp = invite_or_message_originating();
  EXPECT_EQ(trigger_point_from_json(to_json(tp)), tp);
  const auto reg = trigger_point_from_json(
      R"({"cnf": false, "spt": [{"group": 0, "method": "REGISTER", "registration_type": [1]}]})");
  EXPECT_FALSE(reg.cnf);
  ASSERT_EQ(reg.spts.size(), 1u);
  EXPECT_EQ(reg.spts[0].registration_types, std::vector<RegistrationType>{RegistrationType::re_registration});
}

TEST(ImsSubscription, BadTriggerPointsAreRefusedNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"[1]", "must be an object"},
      {"{\"cnf\": true}", "needs \"spt\""},
      {"{\"spt\": []}", "non-empty list"},
      {"{\"spt\": [{\"group\": 0}]}", "exactly one of"},
      {"{\"spt\": [{\"method\": \"INVITE\", \"session_case\": 0}]}", "exactly one of"},
      {"{\"spt\": [{\"session_case\": 7}]}", "spt[0].session_case"},
      {"{\"spt\": [{\"method\": \"IN VITE\"}]}", "spt[0].method"},
      {"{\"spt\": [{\"request_uri\": \"sip:(\"}]}", "spt[0].request_uri is not a valid regular expression"},
      {"{\"spt\": [{\"method\": \"INVITE\", \"registration_type\": [0]}]}", "REGISTER only"},
      {"{\"spt\": [{\"sdp\": {\"line\": \"media\"}}]}", "one letter"},
      {"{\"spt\": [{\"header\": {\"content\": \"x\"}}]}", "needs \"name\""},
      {"{\"spt\": [{\"method\": \"INVITE\", \"colour\": 1}]}", "unknown field \"colour\""},
      {"{\"spt\": [{\"method\": \"INVITE\"}], \"extra\": 1}", "unknown field \"extra\""},
      {"{", "not JSON"},
  };
  for (const auto& [json, fragment] : cases) {
    try {
      trigger_point_from_json(json);
      ADD_FAILURE() << "accepted " << json;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << json << " -> " << e.what();
    }
  }
}

}  // namespace
}  // namespace imsbox::ims
