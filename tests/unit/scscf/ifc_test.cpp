// Trigger point evaluation (scscf/ifc.h).
#include "scscf/ifc.h"

#include <gtest/gtest.h>

#include "sip/parser.h"

namespace imsbox::scscf {
namespace {

using ims::RegistrationType;

sip::Message reg() {
  auto r = sip::parse_message(
      "REGISTER sip:ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
      "From: <sip:alice@ims.test>;tag=f\r\nTo: <sip:alice@ims.test>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n"
      "User-Agent: phone-x/1.0\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(r.well_formed());
  return std::move(*r.message);
}

ims::ServicePointTrigger method(std::string m, int group = 0, std::vector<RegistrationType> types = {}) {
  return {group, false, ims::MethodCondition{std::move(m)}, std::move(types)};
}

TEST(Ifc, MethodAndRegistrationType) {
  const auto request = reg();
  TriggerContext c{"REGISTER", &request, std::nullopt, RegistrationType::initial};
  ims::TriggerPoint tp{true, {method("REGISTER")}};
  EXPECT_TRUE(trigger_matches(tp, c));
  tp.spts[0].registration_types = {RegistrationType::re_registration};
  EXPECT_FALSE(trigger_matches(tp, c));
  c.registration_type = RegistrationType::re_registration;
  EXPECT_TRUE(trigger_matches(tp, c));
  EXPECT_FALSE(trigger_matches({true, {method("INVITE")}}, c));
}

TEST(Ifc, CnfAndDnfNegationHeadersUri) {
  const auto request = reg();
  const TriggerContext c{"REGISTER", &request, std::nullopt, RegistrationType::initial};
  const ims::ServicePointTrigger ua{1, false, ims::SipHeaderCondition{"User-Agent", "phone-.*"}, {}};
  const ims::ServicePointTrigger uri{1, false, ims::RequestUriCondition{"^sip:other"}, {}};
  const ims::ServicePointTrigger no_pai{2, true, ims::SipHeaderCondition{"P-Asserted-Identity", std::nullopt}, {}};
  // CNF: (REGISTER) and (UA or URI) and (not PAI)
  EXPECT_TRUE(trigger_matches({true, {method("REGISTER"), ua, uri, no_pai}}, c));
  auto bad_ua = ua;
  bad_ua.condition = ims::SipHeaderCondition{"User-Agent", "^softphone"};
  EXPECT_FALSE(trigger_matches({true, {method("REGISTER"), bad_ua, uri, no_pai}}, c));
  // DNF: (INVITE) or (UA and URI)
  EXPECT_FALSE(trigger_matches({false, {method("INVITE"), ua, uri}}, c));
  auto good_uri = uri;
  good_uri.condition = ims::RequestUriCondition{"^sip:ims\\.test$"};
  EXPECT_TRUE(trigger_matches({false, {method("INVITE"), ua, good_uri}}, c));
  // a session case never holds for REGISTER
  EXPECT_FALSE(trigger_matches({true, {{0, false, ims::SessionCase::originating, {}}}}, c));
  // without the request only Method conditions can hold
  const TriggerContext bare{"REGISTER", nullptr, std::nullopt, RegistrationType::de_registration};
  EXPECT_TRUE(trigger_matches({true, {method("REGISTER")}}, bare));
  EXPECT_FALSE(trigger_matches({true, {method("REGISTER"), ua}}, bare));
}

TEST(Ifc, ApplicationServersOfTheRegisteredPart) {
  ims::ImsSubscription s;
  ims::ServiceProfile p;
  p.public_identities.push_back({"sip:alice@ims.test", false, std::nullopt});
  ims::InitialFilterCriteria reg_ifc;
  reg_ifc.priority = 2;
  reg_ifc.trigger_point = ims::TriggerPoint{true, {method("REGISTER")}};
  reg_ifc.application_server.server_name = "sip:as2.ims.test";
  ims::InitialFilterCriteria first = reg_ifc;
  first.priority = 1;
  first.application_server.server_name = "sip:as1.ims.test";
  ims::InitialFilterCriteria invite;
  invite.trigger_point = ims::TriggerPoint{true, {method("INVITE")}};
  invite.application_server.server_name = "sip:tas.ims.test";
  ims::InitialFilterCriteria unregistered = reg_ifc;
  unregistered.profile_part_indicator = ims::ProfilePartIndicator::unregistered;
  unregistered.application_server.server_name = "sip:unreg.ims.test";
  p.ifcs = {reg_ifc, invite, unregistered, first};
  s.service_profiles.push_back(p);
  const TriggerContext c{"REGISTER", nullptr, std::nullopt, RegistrationType::initial};
  const auto as = register_application_servers(s, "sip:alice@ims.test", c);
  ASSERT_EQ(as.size(), 2u);
  EXPECT_EQ(as[0].server_name, "sip:as1.ims.test");
  EXPECT_EQ(as[1].server_name, "sip:as2.ims.test");
  EXPECT_TRUE(register_application_servers(s, "sip:bob@ims.test", c).empty());
}

// Sessions: one AS after the other in priority order, from where the request
// stood when it came back; the session case and the profile part decide.
TEST(Ifc, NextApplicationServerOfASession) {
  ims::ImsSubscription s;
  ims::ServiceProfile p;
  p.public_identities.push_back({"sip:alice@ims.test", false, std::nullopt});
  p.public_identities.push_back({"tel:+15550001", false, std::nullopt});
  const auto ifc = [](int priority, std::string as, std::vector<ims::ServicePointTrigger> spts) {
    ims::InitialFilterCriteria f;
    f.priority = priority;
    f.trigger_point = ims::TriggerPoint{true, std::move(spts)};
    f.application_server.server_name = std::move(as);
    return f;
  };
  const ims::ServicePointTrigger orig{1, false, ims::SessionCase::originating, {}};
  const ims::ServicePointTrigger term{1, false, ims::SessionCase::terminating_registered, {}};
  auto unreg = ifc(0, "sip:unreg.ims.test", {method("INVITE")});
  unreg.profile_part_indicator = ims::ProfilePartIndicator::unregistered;
  p.ifcs = {ifc(3, "sip:third.ims.test", {method("INVITE"), orig}), ifc(1, "sip:first.ims.test", {method("INVITE"), orig}),
            ifc(2, "sip:term.ims.test", {method("INVITE"), term}), ifc(4, "sip:msg.ims.test", {method("MESSAGE")}), unreg};
  s.service_profiles.push_back(p);
  auto invite = sip::parse_message(
      "INVITE sip:bob@ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
      "From: <sip:alice@ims.test>;tag=f\r\nTo: <sip:bob@ims.test>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(invite.well_formed());
  TriggerContext c{"INVITE", &*invite.message, ims::SessionCase::originating, std::nullopt};
  const auto reg = ims::ProfilePartIndicator::registered;
  // in priority order: unreg(0, other part), first(1), term(2, other case), third(3), msg(4, other method)
  auto m = next_application_server(s, "sip:alice@ims.test", c, 0, reg);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->server.server_name, "sip:first.ims.test");
  EXPECT_EQ(m->position, 1u);
  m = next_application_server(s, "sip:alice@ims.test", c, m->position + 1, reg);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->server.server_name, "sip:third.ims.test");
  EXPECT_EQ(m->position, 3u);
  EXPECT_FALSE(next_application_server(s, "sip:alice@ims.test", c, m->position + 1, reg));
  // the same profile by another identity of it; the terminating case
  c.session_case = ims::SessionCase::terminating_registered;
  m = next_application_server(s, "tel:+15550001", c, 0, reg);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->server.server_name, "sip:term.ims.test");
  // the unregistered part
  m = next_application_server(s, "sip:alice@ims.test", c, 0, ims::ProfilePartIndicator::unregistered);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->server.server_name, "sip:unreg.ims.test");
  EXPECT_FALSE(next_application_server(s, "sip:bob@ims.test", c, 0, reg));  // not this profile's
}

}  // namespace
}  // namespace imsbox::scscf
