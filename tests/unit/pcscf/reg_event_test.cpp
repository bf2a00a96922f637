// The P-CSCF's reg-event subscription (pure parts).
#include "pcscf/reg_event.h"

#include <gtest/gtest.h>

#include "sip/parser.h"
#include "unit/proxy_fakes.h"

namespace imsbox::pcscf {
namespace {

using namespace std::chrono_literals;
using sip::HeaderId;

using test::parse;

std::string value(const sip::Message& m, HeaderId id) {
  const auto* h = m.find(id);
  return h ? std::string(h->value) : std::string("(none)");
}

RegSubscription fresh() {
  RegSubscription s;
  s.impu = "sip:alice@ims.test";
  s.call_id = "sub-1@pcscf.ims.test";
  s.from_tag = "ft";
  s.route_set = {"<sip:orig@scscf.ims.test:6060;lr>"};
  return s;
}

TEST(PcscfRegEvent, InitialSubscribeIsWhatTheContractSays) {
  auto s = fresh();
  auto m = make_reg_subscribe(s, "sip:pcscf.ims.test:5060", 600000);
  // as it goes on the wire (the originator adds the Via)
  m.prepend(HeaderId::via, "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKo1");
  const auto wire = parse(m.serialize());
  EXPECT_EQ(wire.method(), "SUBSCRIBE");
  EXPECT_EQ(wire.request_uri(), "sip:alice@ims.test");
  EXPECT_EQ(value(wire, HeaderId::route), "<sip:orig@scscf.ims.test:6060;lr>");
  EXPECT_EQ(value(wire, HeaderId::from), "<sip:pcscf.ims.test:5060>;tag=ft");
  EXPECT_EQ(value(wire, HeaderId::to), "<sip:alice@ims.test>");
  EXPECT_EQ(wire.call_id(), "sub-1@pcscf.ims.test");
  EXPECT_EQ(value(wire, HeaderId::cseq), "1 SUBSCRIBE");
  EXPECT_EQ(value(wire, HeaderId::event), "reg");
  EXPECT_EQ(value(wire, HeaderId::expires), "600000");
  EXPECT_EQ(value(wire, HeaderId::accept), "application/reginfo+xml");
  EXPECT_EQ(value(wire, HeaderId::contact), "<sip:pcscf.ims.test:5060>");
  EXPECT_EQ(value(wire, HeaderId::p_asserted_identity), "<sip:pcscf.ims.test:5060>");
  EXPECT_EQ(s.cseq, 1u);
}

TEST(PcscfRegEvent, TheTwoHundredMakesRefreshesInDialog) {
  auto s = fresh();
  make_reg_subscribe(s, "sip:pcscf.ims.test:5060", 600000);
  const auto ok = parse(
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKs\r\n"
      "From: <sip:pcscf.ims.test:5060>;tag=ft\r\n"
      "To: <sip:alice@ims.test>;tag=tt\r\n"
      "Call-ID: sub-1@pcscf.ims.test\r\n"
      "CSeq: 1 SUBSCRIBE\r\n"
      "Contact: <sip:scscf.ims.test:6060>\r\n"
      "Expires: 3600\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(subscribe_accepted(s, ok, 600000), 3600u);
  EXPECT_TRUE(s.established());
  EXPECT_EQ(s.remote_target, "sip:scscf.ims.test:6060");
  EXPECT_TRUE(s.route_set.empty());  // no Record-Route: straight to the remote target

  const auto refresh = make_reg_subscribe(s, "sip:pcscf.ims.test:5060", 600000);
  EXPECT_EQ(refresh.request_uri(), "sip:scscf.ims.test:6060");
  EXPECT_EQ(value(refresh, HeaderId::to), "<sip:alice@ims.test>;tag=tt");
  EXPECT_EQ(value(refresh, HeaderId::cseq), "2 SUBSCRIBE");
  EXPECT_EQ(refresh.count(HeaderId::route), 0u);
  EXPECT_EQ(refresh.call_id(), "sub-1@pcscf.ims.test");

  auto with_rr = fresh();
  const auto ok_rr = parse(
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKs\r\n"
      "Record-Route: <sip:b;lr>, <sip:a;lr>\r\n"
      "From: <sip:pcscf.ims.test:5060>;tag=ft\r\n"
      "To: <sip:alice@ims.test>;tag=tt\r\n"
      "Call-ID: sub-1@pcscf.ims.test\r\n"
      "CSeq: 1 SUBSCRIBE\r\n"
      "Contact: <sip:scscf.ims.test:6060>\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(subscribe_accepted(with_rr, ok_rr, 1234), 1234u);  // no Expires: as asked
  EXPECT_EQ(with_rr.route_set, (std::vector<std::string>{"<sip:a;lr>", "<sip:b;lr>"}));
}

TEST(PcscfRegEvent, RefreshComesBeforeTheEnd) {
  EXPECT_EQ(refresh_after(600000), 599400u);
  EXPECT_EQ(refresh_after(1200), 600u);
  EXPECT_EQ(refresh_after(60), 30u);
  EXPECT_EQ(refresh_after(1), 1u);
}

RegisterOk ok_for(std::string impu, std::vector<std::string> contacts) {
  RegisterOk r;
  r.impu = impu;
  r.associated = {impu, "tel:+15550100"};
  for (auto& c : contacts) r.contacts.emplace_back(std::move(c), 600s);
  return r;
}

TEST(PcscfRegEvent, ReginfoDropsTerminatedRegistrationsAndContacts) {
  RegistrationCache cache;
  cache.apply(ok_for("sip:alice@ims.test", {"sip:alice@127.0.0.1:5070", "sip:alice@127.0.0.1:5071"}), Time{});
  cache.apply(ok_for("sip:bob@ims.test", {"sip:bob@127.0.0.1:5080"}), Time{});

  ims::RegInfo info;
  info.version = 1;
  info.registrations.push_back({"sip:alice@ims.test", "r1", "active",
                                {{"c1", "active", "registered", 300, "sip:alice@127.0.0.1:5070", {}, {}},
                                 {"c2", "terminated", "unregistered", {}, "sip:alice@127.0.0.1:5071", {}, {}}}});
  info.registrations.push_back({"sip:bob@ims.test", "r2", "terminated",
                                {{"c3", "terminated", "expired", {}, "sip:bob@127.0.0.1:5080", {}, {}}}});
  info.registrations.push_back({"tel:+15550100", "r3", "terminated", {}});
  const auto effect = apply_reginfo(cache, info, Time{});
  EXPECT_EQ(effect.removed_impus, std::vector<std::string>{"sip:bob@ims.test"});
  ASSERT_EQ(effect.removed_contacts.size(), 2u);  // bob's went with his registration
  EXPECT_EQ(effect.removed_contacts[0].second, "sip:alice@127.0.0.1:5071");
  EXPECT_EQ(effect.removed_contacts[1], (std::pair<std::string, std::string>{"sip:bob@ims.test", "sip:bob@127.0.0.1:5080"}));
  const auto* alice = cache.find("sip:alice@ims.test", Time{});
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->bindings.size(), 1u);
  EXPECT_EQ(alice->associated, std::vector<std::string>{"sip:alice@ims.test"});  // tel: dropped
  EXPECT_FALSE(cache.find("sip:bob@ims.test", Time{}));

  // the last contact terminated: the registration goes too
  ims::RegInfo last;
  last.registrations.push_back({"sip:alice@ims.test", "r1", "active",
                                {{"c1", "terminated", "deactivated", {}, "sip:alice@127.0.0.1:5070", {}, {}}}});
  const auto e2 = apply_reginfo(cache, last, Time{});
  EXPECT_EQ(e2.removed_impus, std::vector<std::string>{"sip:alice@ims.test"});
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PcscfRegEvent, SubscriptionStateTerminated) {
  const auto notify = [](std::string_view state) {
    return parse(std::string("NOTIFY sip:pcscf.ims.test:5060 SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKn\r\n"
                             "From: <sip:alice@ims.test>;tag=tt\r\n"
                             "To: <sip:pcscf.ims.test:5060>;tag=ft\r\n"
                             "Call-ID: sub-1@pcscf.ims.test\r\n"
                             "CSeq: 1 NOTIFY\r\n"
                             "Event: reg\r\n"
                             "Subscription-State: ") +
                 std::string(state) + "\r\nContent-Length: 0\r\n\r\n");
  };
  EXPECT_FALSE(subscription_terminated(notify("active;expires=600")));
  EXPECT_TRUE(subscription_terminated(notify("terminated;reason=noresource")));
  EXPECT_TRUE(subscription_terminated(notify("Terminated")));

  // RFC 6665 §4.1.3: when to subscribe again, by reason
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=deactivated")), 0s);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=deactivated;retry-after=50")), 0s);  // no meaning there
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=timeout")), 0s);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=probation;retry-after=120")), 120s);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=Probation")), kProbationRetry);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=giveup;retry-after=7")), 7s);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=giveup")), 0s);
  EXPECT_EQ(resubscribe_after(notify("terminated")), 0s);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=some-extension;retry-after=9")), 9s);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=rejected")), std::nullopt);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=noresource")), std::nullopt);
  EXPECT_EQ(resubscribe_after(notify("terminated;reason=invariant;retry-after=31536000")), std::nullopt);
}

TEST(PcscfRegEvent, WhatAFailedSubscribeLeadsTo) {
  EXPECT_EQ(subscribe_failure(481, true), SubscribeFailure::resubscribe);
  EXPECT_EQ(subscribe_failure(403, true), SubscribeFailure::resubscribe);
  EXPECT_EQ(subscribe_failure(408, true), SubscribeFailure::retry);
  EXPECT_EQ(subscribe_failure(503, true), SubscribeFailure::retry);
  EXPECT_EQ(subscribe_failure(503, false), SubscribeFailure::retry);
  EXPECT_EQ(subscribe_failure(408, false), SubscribeFailure::retry);
  EXPECT_EQ(subscribe_failure(403, false), SubscribeFailure::give_up);
  EXPECT_EQ(subscribe_failure(489, false), SubscribeFailure::give_up);
  EXPECT_EQ(subscribe_failure(603, false), SubscribeFailure::give_up);

  const auto response = [](std::string_view extra) {
    return parse(std::string("SIP/2.0 503 Service Unavailable\r\n"
                             "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKs\r\n"
                             "From: <sip:pcscf.ims.test:5060>;tag=ft\r\n"
                             "To: <sip:alice@ims.test>;tag=tt\r\n"
                             "Call-ID: sub-1@pcscf.ims.test\r\n"
                             "CSeq: 1 SUBSCRIBE\r\n") +
                 std::string(extra) + "Content-Length: 0\r\n\r\n");
  };
  EXPECT_EQ(retry_after(response("Retry-After: 18\r\n")), 18s);
  EXPECT_EQ(retry_after(response("Retry-After: 120 (in maintenance);duration=60\r\n")), 120s);
  EXPECT_EQ(retry_after(response("")), std::nullopt);
  EXPECT_EQ(retry_after(response("Retry-After: soon\r\n")), std::nullopt);
}

}  // namespace
}  // namespace imsbox::pcscf
