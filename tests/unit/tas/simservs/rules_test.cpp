#include "tas/simservs/rules.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "corpus.h"

namespace imsbox::tas::simservs {
namespace {

using test::corpus_document;

Document doc(const std::string& services) {
  auto parsed = parse("<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\" "
                      "xmlns:cp=\"urn:ietf:params:xml:ns:common-policy\">" + services + "</simservs>");
  if (auto* e = std::get_if<std::string>(&parsed)) throw std::runtime_error(*e);
  return std::get<Document>(std::move(parsed));
}

std::string cdiv_rule(const std::string& id, const std::string& conditions, const std::string& target) {
  return "<cp:rule id=\"" + id + "\"><cp:conditions>" + conditions + "</cp:conditions><cp:actions><forward-to><target>" +
         target + "</target></forward-to></cp:actions></cp:rule>";
}

std::string barring_rule(const std::string& id, const std::string& conditions, bool allow) {
  return "<cp:rule id=\"" + id + "\"><cp:conditions>" + conditions + "</cp:conditions><cp:actions><allow>" +
         (allow ? "true" : "false") + "</allow></cp:actions></cp:rule>";
}

CallContext call(DiversionEvent event = DiversionEvent::none) {
  CallContext c;
  c.session_case = SessionCase::terminating;
  c.caller = "sip:+33111@ims.mnc001.mcc001.3gppnetwork.org;user=phone";
  c.callee = "sip:+33222@ims.mnc001.mcc001.3gppnetwork.org;user=phone";
  c.media = {"audio"};
  c.event = event;
  return c;
}

std::string target_of(const Document& d, const CallContext& c) {
  const auto diversion = communication_diversion(d.services(), c);
  return diversion ? diversion->rule_id + " -> " + diversion->forward_to.target : "none";
}

TEST(CommunicationDiversionRules, EachEventSelectsItsRuleInTheSamsungDocument) {
  const Document d = corpus_document("samsung_cdiv.xml");
  // the CFU rule is deactivated: no unconditional audio diversion
  EXPECT_EQ(target_of(d, call(DiversionEvent::none)), "none");
  EXPECT_EQ(target_of(d, call(DiversionEvent::busy)),
            "call-diversion-busy -> sip:+33600000002@ims.mnc001.mcc001.3gppnetwork.org;user=phone");
  EXPECT_EQ(target_of(d, call(DiversionEvent::no_answer)), "call-diversion-no-reply -> tel:+33600000003");
  EXPECT_EQ(target_of(d, call(DiversionEvent::not_reachable)), "call-diversion-not-reachable -> tel:+33600000004");
  EXPECT_EQ(target_of(d, call(DiversionEvent::not_registered)), "call-diversion-not-logged-in -> tel:+33600000005");
  // media: a video call is forwarded unconditionally; the busy rule wants audio
  CallContext video = call();
  video.media = {"video"};
  EXPECT_EQ(target_of(d, video), "call-diversion-video-unconditional -> tel:+33600000006");
  video.event = DiversionEvent::busy;
  EXPECT_EQ(target_of(d, video), "none");
}

TEST(CommunicationDiversionRules, CausesAndTimerFollowTheEvent) {
  const Document d = corpus_document("samsung_cdiv.xml");
  EXPECT_EQ(communication_diversion(d.services(), call(DiversionEvent::busy))->cause, 486);
  EXPECT_EQ(communication_diversion(d.services(), call(DiversionEvent::no_answer))->cause, 408);
  EXPECT_EQ(communication_diversion(d.services(), call(DiversionEvent::not_registered))->cause, 404);
  EXPECT_EQ(communication_diversion(d.services(), call(DiversionEvent::not_reachable))->cause, 503);
  EXPECT_EQ(communication_diversion(d.services(), call(DiversionEvent::no_answer))->no_reply_timer, 30);
  EXPECT_FALSE(communication_diversion(d.services(), call(DiversionEvent::no_answer))->forward_to.notify_caller);
  EXPECT_EQ(no_reply_timer(d.services()), 30);
  EXPECT_EQ(no_reply_timer(doc("").services()), 20);
  EXPECT_EQ(no_reply_timer(doc("<communication-diversion><NoReplyTimer>2</NoReplyTimer></communication-diversion>")
                               .services()),
            5);
  EXPECT_EQ(no_reply_timer(corpus_document("vendor_extension.xml").services()), 180);
}

TEST(CommunicationDiversionRules, FirstMatchingRuleInDocumentOrderWins) {
  const Document d = doc("<communication-diversion><cp:ruleset>" +
                         cdiv_rule("off", "<rule-deactivated/>", "tel:+1") + cdiv_rule("first", "", "tel:+2") +
                         cdiv_rule("second", "", "tel:+3") + "</cp:ruleset></communication-diversion>");
  const auto d1 = communication_diversion(d.services(), call());
  ASSERT_TRUE(d1.has_value());
  EXPECT_EQ(d1->rule_id, "first");
  EXPECT_EQ(d1->cause, 302);
  EXPECT_EQ(d1->no_reply_timer, 20);
}

TEST(CommunicationDiversionRules, InactiveServiceAndUnsupportedConditionsNeverDivert) {
  EXPECT_EQ(target_of(corpus_document("mediatek_inactive.xml"), call()), "none");  // active="false"
  // rule cfu has a vendor time-of-day condition: never matches; cfb does
  const Document vendor = corpus_document("vendor_extension.xml");
  EXPECT_EQ(target_of(vendor, call()), "none");
  EXPECT_EQ(target_of(vendor, call(DiversionEvent::busy)), "cfb -> tel:+33600000008");
}

TEST(CommunicationDiversionRules, AnonymousAndIdentityConditionsLookAtTheCaller) {
  const Document d = doc("<communication-diversion><cp:ruleset>" + cdiv_rule("anon", "<anonymous/>", "tel:+9") +
                         cdiv_rule("boss", "<cp:identity><cp:one id=\"sip:boss@corp.example\"/></cp:identity>",
                                   "tel:+8") +
                         "</cp:ruleset></communication-diversion>");
  CallContext c = call();
  EXPECT_EQ(target_of(d, c), "none");
  c.caller_anonymous = true;
  EXPECT_EQ(target_of(d, c), "anon -> tel:+9");
  c.caller_anonymous = false;
  c.caller = "sip:boss@corp.example";
  EXPECT_EQ(target_of(d, c), "boss -> tel:+8");
}

TEST(CommunicationDiversionRules, DeflectionUsesTheTargetOfThe302) {
  const Document d = doc("<communication-diversion/>");
  CallContext c = call(DiversionEvent::deflection);
  c.deflection_target = "sip:voicemail@ims.example";
  const auto diversion = communication_diversion(d.services(), c);
  ASSERT_TRUE(diversion.has_value());
  EXPECT_EQ(diversion->forward_to.target, "sip:voicemail@ims.example");
  EXPECT_EQ(diversion->cause, 480);
  EXPECT_FALSE(communication_diversion(doc("").services(), c).has_value());  // no CDIV: no deflection
}

TEST(CommunicationBarringRules, OutgoingInternationalBarredOnlyOutsideTheHomeCountry) {
  const Document d = corpus_document("qualcomm_default_ns.xml");
  CallContext c = call();
  c.session_case = SessionCase::originating;
  c.callee = "tel:+4930123456";
  Barring b = communication_barring(d.services(), c, "33");
  EXPECT_TRUE(b.barred);
  EXPECT_EQ(b.status, 603);
  EXPECT_EQ(b.rule_id, "international-barring");
  c.callee = "sip:+33123456@ims.example;user=phone";
  EXPECT_FALSE(communication_barring(d.services(), c, "33").barred);
  c.callee = "sip:bob@ims.example";
  EXPECT_FALSE(communication_barring(d.services(), c, "33").barred);
  EXPECT_TRUE(is_international("tel:+1-212-555-0100", "33"));
  EXPECT_FALSE(is_international("tel:+33-1-23", "33"));
  EXPECT_FALSE(is_international("tel:0123;phone-context=+33", "33"));
}

TEST(CommunicationBarringRules, AnonymousCallerRejectedWith433AndAllowTrueWins) {
  const Document d = corpus_document("qualcomm_default_ns.xml");
  CallContext c = call();
  EXPECT_FALSE(communication_barring(d.services(), c, "33").barred);
  c.caller_anonymous = true;
  Barring b = communication_barring(d.services(), c, "33");
  EXPECT_TRUE(b.barred);
  EXPECT_EQ(b.status, 433);
  EXPECT_EQ(b.rule_id, "acr");
  // a video call is barred (603) unless the caller is allowed by identity
  c = call();
  c.media = {"audio", "video"};
  b = communication_barring(d.services(), c, "33");
  EXPECT_TRUE(b.barred);
  EXPECT_EQ(b.status, 603);
  EXPECT_EQ(b.rule_id, "video");
  c.caller = "sip:friend@example.org";
  EXPECT_FALSE(communication_barring(d.services(), c, "33").barred);
  c.caller = "sip:aunt@family.example.org";
  EXPECT_FALSE(communication_barring(d.services(), c, "33").barred);
  // ICB does not apply to originating calls
  c = call();
  c.caller_anonymous = true;
  c.session_case = SessionCase::originating;
  EXPECT_FALSE(communication_barring(d.services(), c, "33").barred);
}

TEST(CommunicationBarringRules, DeactivatedRulesInactiveServiceAndRoaming) {
  // every MediaTek rule is rule-deactivated
  CallContext c = call();
  c.session_case = SessionCase::originating;
  c.callee = "tel:+4930123";
  EXPECT_FALSE(communication_barring(corpus_document("mediatek_inactive.xml").services(), c, "33").barred);
  const std::string rules = "<cp:ruleset>" + barring_rule("all", "", false) + "</cp:ruleset>";
  EXPECT_TRUE(communication_barring(doc("<outgoing-communication-barring>" + rules +
                                        "</outgoing-communication-barring>").services(), c, "33").barred);
  EXPECT_FALSE(communication_barring(doc("<outgoing-communication-barring active=\"false\">" + rules +
                                         "</outgoing-communication-barring>").services(), c, "33").barred);
  const Document roaming = doc("<incoming-communication-barring><cp:ruleset>" +
                               barring_rule("bicroam", "<roaming/>", false) + "</cp:ruleset></incoming-communication-barring>");
  CallContext t = call();
  EXPECT_FALSE(communication_barring(roaming.services(), t, "33").barred);
  t.served_user_roaming = true;
  EXPECT_TRUE(communication_barring(roaming.services(), t, "33").barred);
}

TEST(OriginatingIdentityRules, OirAddsPrivacyIdUnlessTheCallerSaidNone) {
  const Document restricted = corpus_document("qualcomm_default_ns.xml");
  CallContext c = call();
  c.session_case = SessionCase::originating;
  EXPECT_TRUE(add_privacy_id(restricted.services(), c));
  c.privacy = {"none"};
  EXPECT_FALSE(add_privacy_id(restricted.services(), c));
  c.privacy = {"id"};
  EXPECT_FALSE(add_privacy_id(restricted.services(), c));  // already there
  c.privacy = {};
  EXPECT_FALSE(add_privacy_id(corpus_document("mediatek_inactive.xml").services(), c));  // not-restricted
  EXPECT_FALSE(add_privacy_id(doc("").services(), c));
  EXPECT_FALSE(add_privacy_id(doc("<originating-identity-presentation-restriction active=\"false\"/>").services(), c));
}

TEST(OriginatingIdentityRules, OipAndAnonymity) {
  EXPECT_TRUE(is_anonymous({"id"}, "sip:alice@example.org"));
  EXPECT_TRUE(is_anonymous({"Header"}, "sip:alice@example.org"));
  EXPECT_TRUE(is_anonymous({"user"}, "sip:alice@example.org"));
  EXPECT_TRUE(is_anonymous({}, "sip:anonymous@anonymous.invalid"));
  EXPECT_FALSE(is_anonymous({"none"}, "sip:alice@example.org"));
  CallContext c = call();
  EXPECT_TRUE(present_originating_identity(doc("").services(), c));
  EXPECT_FALSE(present_originating_identity(doc("<originating-identity-presentation active=\"false\"/>").services(), c));
  c.caller_anonymous = true;
  EXPECT_FALSE(present_originating_identity(doc("").services(), c));
}

}  // namespace
}  // namespace imsbox::tas::simservs
