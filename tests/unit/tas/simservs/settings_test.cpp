#include "tas/simservs/settings.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "corpus.h"
#include "tas/simservs/rules.h"

namespace imsbox::tas::simservs {
namespace {

using test::corpus_document;

Document set(const Document& d, Forwarding f, const std::string& target, std::optional<int> timer = std::nullopt) {
  auto r = set_forwarding(d, f, target, timer);
  if (auto* e = std::get_if<std::string>(&r)) throw std::runtime_error(*e);
  return std::get<Document>(std::move(r));
}

// The document as stored and read back: what the TAS acts on.
Document reread(const Document& d) {
  auto r = parse(d.write());
  if (auto* e = std::get_if<std::string>(&r)) throw std::runtime_error(*e + "\n" + d.write());
  return std::get<Document>(std::move(r));
}

CallContext call(DiversionEvent event = DiversionEvent::none, SessionCase sc = SessionCase::terminating) {
  CallContext c;
  c.session_case = sc;
  c.caller = "sip:anna@d";
  c.callee = "sip:bert@d";
  c.media = {"audio"};
  c.event = event;
  return c;
}

std::string target_of(const Document& d, DiversionEvent event) {
  const auto diversion = communication_diversion(d.services(), call(event));
  return diversion ? diversion->forward_to.target : "none";
}

using Lines = std::vector<std::string>;

TEST(SimservsSettings, ForwardingOnAnEmptyDocumentDivertsOnItsEventOnly) {
  const Document d = reread(set(empty_document(), Forwarding::busy, "sip:carl@d"));
  EXPECT_EQ(target_of(d, DiversionEvent::busy), "sip:carl@d");
  EXPECT_EQ(target_of(d, DiversionEvent::none), "none");
  EXPECT_EQ(target_of(d, DiversionEvent::no_answer), "none");
  EXPECT_EQ(describe(d.services()), Lines{"CFB to sip:carl@d"});
  EXPECT_NE(d.write().find("id=\"call-diversion-busy\""), std::string::npos) << d.write();
}

TEST(SimservsSettings, AdditionsUseThePrefixesInScopeOrDeclareTheirOwn) {
  // no common-policy binding at all: the added service declares it
  auto bare = parse("<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\"/>");
  ASSERT_TRUE(std::holds_alternative<Document>(bare));
  const Document d = reread(set(std::get<Document>(bare), Forwarding::busy, "sip:carl@d"));
  EXPECT_EQ(target_of(d, DiversionEvent::busy), "sip:carl@d");
  EXPECT_NE(d.write().find("<communication-diversion xmlns:cp=\"urn:ietf:params:xml:ns:common-policy\" "
                            "active=\"true\"><cp:ruleset><cp:rule"),
            std::string::npos)
      << d.write();
  // the vendor document's ss: prefix is used, nothing declared again
  const Document v = set(corpus_document("vendor_extension.xml"), Forwarding::not_reachable, "tel:+1");
  EXPECT_NE(v.write().find("<cp:rule id=\"call-diversion-not-reachable\"><cp:conditions><ss:not-reachable/>"),
            std::string::npos)
      << v.write();
}

TEST(SimservsSettings, EachForwardingServiceHasItsEvent) {
  Document d = empty_document();
  d = set(d, Forwarding::unconditional, "tel:+331");
  d = set(d, Forwarding::no_reply, "tel:+332", 7);
  d = set(d, Forwarding::not_logged_in, "tel:+333");
  d = set(d, Forwarding::not_reachable, "tel:+334");
  d = reread(d);
  EXPECT_EQ(target_of(d, DiversionEvent::none), "tel:+331");
  EXPECT_EQ(target_of(d, DiversionEvent::no_answer), "tel:+332");
  EXPECT_EQ(no_reply_timer(d.services()), 7);
  EXPECT_EQ(target_of(d, DiversionEvent::not_registered), "tel:+333");
  EXPECT_EQ(target_of(d, DiversionEvent::not_reachable), "tel:+334");
  EXPECT_EQ(describe(d.services()),
            (Lines{"CFU to tel:+331", "CFNR to tel:+332 after 7 s", "CFNL to tel:+333", "CFNRc to tel:+334"}));
}

TEST(SimservsSettings, SettingAgainReplacesAndClearingRemoves) {
  Document d = set(empty_document(), Forwarding::unconditional, "sip:carl@d");
  d = set(d, Forwarding::unconditional, "sip:dora@d");
  EXPECT_EQ(describe(d.services()), Lines{"CFU to sip:dora@d"});
  d = set(d, Forwarding::busy, "sip:erik@d");
  d = reread(clear_forwarding(d, Forwarding::unconditional));
  EXPECT_EQ(describe(d.services()), Lines{"CFB to sip:erik@d"});
  EXPECT_EQ(target_of(d, DiversionEvent::none), "none");
  // clearing what is not set changes nothing
  EXPECT_EQ(clear_forwarding(d, Forwarding::no_reply).write(), d.write());
}

TEST(SimservsSettings, BadTargetsAndTimersAreRefused) {
  const Document d = empty_document();
  for (const char* target : {"carl", "", "sip:", "http://x", "sip:a b@d", "sip:<x>"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(set_forwarding(d, Forwarding::busy, target))) << target;
  }
  EXPECT_TRUE(std::holds_alternative<std::string>(set_forwarding(d, Forwarding::no_reply, "sip:c@d", 4)));
  EXPECT_TRUE(std::holds_alternative<std::string>(set_forwarding(d, Forwarding::no_reply, "sip:c@d", 181)));
  EXPECT_TRUE(std::holds_alternative<std::string>(set_forwarding(d, Forwarding::busy, "sip:c@d", 20)));
  EXPECT_TRUE(std::holds_alternative<Document>(set_forwarding(d, Forwarding::no_reply, "sip:c@d", 180)));
}

TEST(SimservsSettings, ThePhonesOwnRulesAreReplacedOthersKept) {
  // Samsung's deactivated CFU rule is the CFU setting (off); its busy rule is
  // for audio; the video CFU rule is another service and stays.
  const Document samsung = corpus_document("samsung_cdiv.xml");
  Document d = reread(set(samsung, Forwarding::unconditional, "sip:carl@d"));
  EXPECT_EQ(target_of(d, DiversionEvent::none), "sip:carl@d");
  CallContext video = call();
  video.media = {"video"};
  const auto v = communication_diversion(d.services(), video);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rule_id, "call-diversion-video-unconditional");
  d = reread(clear_forwarding(d, Forwarding::busy));
  EXPECT_EQ(target_of(d, DiversionEvent::busy), "none");
  EXPECT_EQ(d.write().find("id=\"call-diversion-busy\""), std::string::npos);
}

TEST(SimservsSettings, UnknownElementsAndVendorRulesSurvive) {
  const Document vendor = corpus_document("vendor_extension.xml");
  const Document d = reread(set(vendor, Forwarding::no_reply, "tel:+339", 30));
  const std::string xml = d.write();
  for (const char* kept : {"<!-- written by the phone, keep me -->", "<vnd:ut-settings vnd:revision=\"7\"",
                           "<![CDATA[<raw> & stuff]]>", "vnd:origin=\"star-code\"", "<ss:communication-waiting",
                           "<?vendor-pi keep=\"this\"?>", "<ss:NoReplyTimer>30</ss:NoReplyTimer>"}) {
    EXPECT_NE(xml.find(kept), std::string::npos) << kept << "\n" << xml;
  }
  EXPECT_EQ(target_of(d, DiversionEvent::no_answer), "tel:+339");
  EXPECT_EQ(target_of(d, DiversionEvent::busy), "tel:+33600000008");  // the phone's CFB
  // the vendor's time-of-day rule is not CFU: it stays, and shows as a rule
  EXPECT_EQ(describe(set(d, Forwarding::unconditional, "tel:+1").services()).size(), 4u);
}

TEST(SimservsSettings, OutgoingBarringAllOrInternationalOrNone) {
  const Document qualcomm = corpus_document("qualcomm_default_ns.xml");  // bars international already
  CallContext to_uk = call(DiversionEvent::none, SessionCase::originating);
  to_uk.callee = "tel:+441234";
  CallContext home = to_uk;
  home.callee = "tel:+331234";
  EXPECT_TRUE(communication_barring(qualcomm.services(), to_uk, "33").barred);
  EXPECT_FALSE(communication_barring(qualcomm.services(), home, "33").barred);

  Document all = reread(set_outgoing_barring(qualcomm, OutgoingBarring::all));
  EXPECT_EQ(communication_barring(all.services(), home, "33").status, 603);
  EXPECT_EQ(all.services().outgoing_communication_barring->rules.size(), 1u);
  Document none = reread(set_outgoing_barring(all, OutgoingBarring::none));
  EXPECT_FALSE(communication_barring(none.services(), to_uk, "33").barred);
  Document intl = reread(set_outgoing_barring(empty_document(), OutgoingBarring::international));
  EXPECT_TRUE(communication_barring(intl.services(), to_uk, "33").barred);
  EXPECT_FALSE(communication_barring(intl.services(), home, "33").barred);
  EXPECT_EQ(describe(intl.services()), Lines{"outgoing barring: international"});
  // incoming barring is another service
  EXPECT_TRUE(communication_barring(none.services(), [] {
                CallContext c = call();
                c.caller_anonymous = true;
                c.privacy = {"id"};
                return c;
              }(), "33").barred);
}

TEST(SimservsSettings, IncomingBarringAndAnonymousRejectionAreSeparate) {
  CallContext anonymous = call();
  anonymous.caller_anonymous = true;
  anonymous.privacy = {"id"};
  Document d = reread(set_anonymous_call_rejection(empty_document(), true));
  EXPECT_EQ(communication_barring(d.services(), anonymous, "").status, 433);
  EXPECT_FALSE(communication_barring(d.services(), call(), "").barred);
  EXPECT_EQ(describe(d.services()), Lines{"anonymous call rejection (ACR)"});
  d = reread(set_incoming_barring(d, true));
  EXPECT_EQ(communication_barring(d.services(), call(), "").status, 603);
  d = reread(set_incoming_barring(d, false));
  EXPECT_FALSE(communication_barring(d.services(), call(), "").barred);
  EXPECT_EQ(communication_barring(d.services(), anonymous, "").status, 433);
  d = reread(set_anonymous_call_rejection(d, false));
  EXPECT_FALSE(communication_barring(d.services(), anonymous, "").barred);
  EXPECT_TRUE(describe(d.services()).empty());
  // the qualcomm document's exception for friends survives barring all
  const Document q = reread(set_incoming_barring(corpus_document("qualcomm_default_ns.xml"), true));
  CallContext from_friend = call();
  from_friend.caller = "sip:friend@example.org";
  EXPECT_FALSE(communication_barring(q.services(), from_friend, "").barred);
  EXPECT_TRUE(communication_barring(q.services(), call(), "").barred);
}

TEST(SimservsSettings, IdentityRestrictionOnAndOff) {
  CallContext originating = call(DiversionEvent::none, SessionCase::originating);
  Document d = reread(set_identity_restriction(empty_document(), true));
  EXPECT_TRUE(add_privacy_id(d.services(), originating));
  EXPECT_EQ(describe(d.services()), Lines{"OIR: number hidden by default"});
  d = reread(set_identity_restriction(d, false));
  EXPECT_FALSE(add_privacy_id(d.services(), originating));
  EXPECT_EQ(describe(d.services()), Lines{"OIR: off"});
}

TEST(SimservsSettings, ForwardingTargetsFromNumbersAndNames) {
  EXPECT_EQ(forwarding_target("sip:carl@d", "d"), "sip:carl@d");
  EXPECT_EQ(forwarding_target("tel:+331", "d"), "tel:+331");
  EXPECT_EQ(forwarding_target("+33123", "d"), "tel:+33123");
  EXPECT_EQ(forwarding_target("1002", "ims.example"), "sip:1002@ims.example;user=phone");
  EXPECT_EQ(forwarding_target("carl", "d"), std::nullopt);
  EXPECT_EQ(forwarding_target("+", "d"), std::nullopt);
  EXPECT_EQ(forwarding_target("12a", "d"), std::nullopt);
  EXPECT_EQ(forwarding_named("cfnrc"), Forwarding::not_reachable);
  EXPECT_EQ(forwarding_named("CFU"), Forwarding::unconditional);
  EXPECT_EQ(forwarding_named("cfx"), std::nullopt);
  EXPECT_EQ(name_of(Forwarding::not_logged_in), "CFNL");
}

}  // namespace
}  // namespace imsbox::tas::simservs
