// The registrar core (scscf/registrar.h): bindings, ordering, expiry, implicit sets.
#include "scscf/registrar.h"

#include <gtest/gtest.h>

#include "sip/parser.h"
#include "unit/proxy_fakes.h"

namespace imsbox::scscf {
namespace {

using namespace std::chrono_literals;

using test::parse;

RegisterRequest request(const std::string& contacts, const std::string& expires = "600", int cseq = 1,
                        const std::string& call_id = "c1") {
  const auto m = parse("REGISTER sip:ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
                       "From: <sip:alice@ims.test>;tag=f\r\nTo: <sip:alice@ims.test>\r\nCall-ID: " + call_id + "\r\n"
                       "CSeq: " + std::to_string(cseq) + " REGISTER\r\n" +
                       (contacts.empty() ? "" : "Contact: " + contacts + "\r\n") +
                       (expires.empty() ? "" : "Expires: " + expires + "\r\n") +
                       "Path: <sip:term@pcscf.ims.test;lr>\r\nContent-Length: 0\r\n\r\n");
  auto p = parse_register(m, 60, 3600);
  EXPECT_TRUE(p.request) << p.reason;
  return p.request ? *p.request : RegisterRequest{};
}

ims::ImsSubscription profile() {
  ims::ImsSubscription s;
  s.private_id = "alice@ims.test";
  ims::ServiceProfile p;
  p.public_identities = {{"sip:alice@ims.test", false, {}}, {"tel:+1555", false, {}}, {"sip:x@ims.test", true, {}}};
  s.service_profiles.push_back(p);
  return s;
}

TEST(ParseRegister, ContactsParametersAndPath) {
  const auto r = request(
      "<sip:a@1.2.3.4:5060;transport=udp>;expires=100;+sip.instance=\"<urn:uuid:1>\";reg-id=2, <sip:b@5.6.7.8>");
  ASSERT_EQ(r.contacts.size(), 2u);
  EXPECT_EQ(r.contacts[0].uri, "sip:a@1.2.3.4:5060;transport=udp");
  EXPECT_EQ(r.contacts[0].expires, 100u);
  EXPECT_EQ(r.contacts[0].instance, "urn:uuid:1");
  EXPECT_EQ(r.contacts[0].reg_id, 2u);
  EXPECT_EQ(r.contacts[0].contact, "<sip:a@1.2.3.4:5060;transport=udp>;+sip.instance=\"<urn:uuid:1>\";reg-id=2");
  EXPECT_EQ(r.contacts[1].expires, 600u);
  EXPECT_EQ(r.path, std::vector<std::string>{"<sip:term@pcscf.ims.test;lr>"});
}

TEST(ParseRegister, ExpiryRules) {
  EXPECT_EQ(request("<sip:a@h>", "").contacts[0].expires, 3600u);        // default: the maximum
  EXPECT_EQ(request("<sip:a@h>", "99999").contacts[0].expires, 3600u);   // clamped
  EXPECT_EQ(request("<sip:a@h>", "0").contacts[0].expires, 0u);
  EXPECT_TRUE(request("*", "0").wildcard);
  const auto m = parse("REGISTER sip:ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
                       "From: <sip:a@ims.test>;tag=f\r\nTo: <sip:a@ims.test>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n"
                       "Contact: <sip:a@h>;expires=30\r\nContent-Length: 0\r\n\r\n");
  const auto p = parse_register(m, 60, 3600);
  EXPECT_FALSE(p.request);
  EXPECT_EQ(p.status, 423);
}

TEST(Registrar, InitialRefreshDeregistration) {
  Registrar reg;
  Time now{};
  auto r = request("<sip:a@h>");
  EXPECT_EQ(reg.check("sip:alice@ims.test", r, now).kind, Registrar::Kind::initial);
  const auto* x = reg.apply("sip:alice@ims.test", "alice@ims.test", r, profile(), now);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->identities, (std::vector<std::string>{"sip:alice@ims.test", "tel:+1555"}));
  EXPECT_EQ(reg.find("tel:+1555"), x);
  EXPECT_EQ(reg.next_expiry(), now + 600s);

  auto refresh = request("<sip:a@h>", "900", 2);
  EXPECT_EQ(reg.check("tel:+1555", refresh, now).kind, Registrar::Kind::refresh);
  // the same Call-ID with an older CSeq is out of order
  EXPECT_FALSE(reg.check("sip:alice@ims.test", request("<sip:a@h>", "600", 1), now).kind);
  reg.apply("sip:alice@ims.test", "alice@ims.test", refresh, std::nullopt, now);
  EXPECT_EQ(reg.next_expiry(), now + 900s);
  EXPECT_EQ(reg.find("tel:+1555")->identities.size(), 2u);  // the profile is kept

  auto bye = request("*", "0", 3);
  EXPECT_EQ(reg.check("sip:alice@ims.test", bye, now).kind, Registrar::Kind::deregistration);
  EXPECT_EQ(reg.apply("sip:alice@ims.test", "alice@ims.test", bye, std::nullopt, now), nullptr);
  EXPECT_EQ(reg.size(), 0u);
  EXPECT_EQ(reg.find("tel:+1555"), nullptr);
  EXPECT_EQ(reg.check("sip:alice@ims.test", request("", "0", 4), now).kind, Registrar::Kind::fetch_unregistered);
}

TEST(Registrar, InstanceMatchesAcrossContactChanges) {
  Registrar reg;
  Time now{};
  reg.apply("sip:alice@ims.test", "alice@ims.test",
            request("<sip:a@1.1.1.1>;+sip.instance=\"<urn:uuid:1>\";reg-id=1"), profile(), now);
  reg.apply("sip:alice@ims.test", "alice@ims.test",
            request("<sip:a@2.2.2.2>;+sip.instance=\"<urn:uuid:1>\";reg-id=1", "600", 1, "c2"), std::nullopt, now);
  const auto* r = reg.find("sip:alice@ims.test");
  ASSERT_EQ(r->bindings.size(), 1u);
  EXPECT_EQ(r->bindings[0].uri, "sip:a@2.2.2.2");
}

TEST(Registrar, ExpireDropsBindingsAndRegistrations) {
  Registrar reg;
  Time now{};
  reg.apply("sip:alice@ims.test", "alice@ims.test", request("<sip:a@h>;expires=100, <sip:b@h>;expires=200"), profile(), now);
  EXPECT_TRUE(reg.expire(now + 100s).empty());
  EXPECT_EQ(reg.find("sip:alice@ims.test")->bindings.size(), 1u);
  const auto gone = reg.expire(now + 200s);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].impu, "sip:alice@ims.test");
  EXPECT_EQ(reg.size(), 0u);
  EXPECT_FALSE(reg.next_expiry());
}

// next_expiry() and expire() follow every change of every registration:
// refreshes, removals and partly expired contact sets.
TEST(Registrar, NextExpiryFollowsEveryRegistration) {
  Registrar reg;
  Time now{};
  reg.apply("sip:a@ims.test", "a@ims.test", request("<sip:a@h>;expires=300, <sip:a2@h>;expires=900"), std::nullopt, now);
  reg.apply("sip:b@ims.test", "b@ims.test", request("<sip:b@h>", "200"), std::nullopt, now);
  reg.apply("sip:c@ims.test", "c@ims.test", request("<sip:c@h>", "400"), std::nullopt, now);
  EXPECT_EQ(reg.next_expiry(), now + 200s);
  reg.apply("sip:b@ims.test", "b@ims.test", request("<sip:b@h>", "1000", 2), std::nullopt, now);  // refreshed
  EXPECT_EQ(reg.next_expiry(), now + 300s);
  reg.remove("sip:c@ims.test");
  EXPECT_EQ(reg.next_expiry(), now + 300s);

  std::vector<std::string> changed;
  EXPECT_TRUE(reg.expire(now + 300s, &changed).empty());  // a loses one contact of two
  EXPECT_EQ(changed, std::vector<std::string>{"sip:a@ims.test"});
  EXPECT_EQ(reg.find("sip:a@ims.test")->bindings.size(), 1u);
  EXPECT_EQ(reg.next_expiry(), now + 900s);
  auto pa = profile();
  pa.service_profiles[0].public_identities[0].identity = "sip:a@ims.test";
  EXPECT_EQ(reg.update_profile("a@ims.test", pa).size(), 1u);  // re-filed, expiry kept
  EXPECT_EQ(reg.next_expiry(), now + 900s);

  changed.clear();
  const auto gone = reg.expire(now + 1000s, &changed);
  ASSERT_EQ(gone.size(), 2u);
  EXPECT_TRUE(changed.empty());
  EXPECT_EQ(gone[0].bindings.size(), 1u);  // a gone registration keeps its last contacts (final NOTIFY)
  EXPECT_EQ(reg.size(), 0u);
  EXPECT_FALSE(reg.next_expiry());
}

TEST(Registrar, RemoveByAnyIdentityAndProfileUpdate) {
  Registrar reg;
  Time now{};
  reg.apply("sip:alice@ims.test", "alice@ims.test", request("<sip:a@h>"), profile(), now);
  auto p = profile();
  p.service_profiles[0].public_identities.pop_back();
  p.service_profiles[0].public_identities.pop_back();
  EXPECT_EQ(reg.update_profile("alice@ims.test", p).size(), 1u);
  EXPECT_EQ(reg.find("tel:+1555"), nullptr);
  EXPECT_EQ(reg.keys_of_impi("alice@ims.test"), std::vector<std::string>{"sip:alice@ims.test"});
  EXPECT_TRUE(reg.remove("sip:alice@ims.test"));
  EXPECT_EQ(reg.size(), 0u);
}

// A PPR carries the profile of one implicit set: the IMPI's other sets keep theirs.
TEST(Registrar, ProfileUpdateTouchesOnlyTheSetItDescribes) {
  Registrar reg;
  Time now{};
  auto work = profile();
  work.service_profiles[0].public_identities = {{"sip:alice.work@ims.test", false, {}}};
  reg.apply("sip:alice@ims.test", "alice@ims.test", request("<sip:a@h>"), profile(), now);
  reg.apply("sip:alice.work@ims.test", "alice@ims.test", request("<sip:w@h>"), work, now);
  auto pushed = work;
  pushed.service_profiles[0].public_identities.push_back({"sip:alice.desk@ims.test", false, {}});
  EXPECT_EQ(reg.update_profile("alice@ims.test", pushed), std::vector<std::string>{"sip:alice.work@ims.test"});
  ASSERT_NE(reg.find("tel:+1555"), nullptr);  // the first set is as it was
  EXPECT_EQ(reg.find("tel:+1555")->impu, "sip:alice@ims.test");
  ASSERT_NE(reg.find("sip:alice.desk@ims.test"), nullptr);
  EXPECT_EQ(reg.find("sip:alice.desk@ims.test")->impu, "sip:alice.work@ims.test");
}

}  // namespace
}  // namespace imsbox::scscf
