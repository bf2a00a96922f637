// What the TAS reads from and writes into ISC requests (tas/isc.h).
#include "tas/isc.h"

#include <gtest/gtest.h>

#include "unit/proxy_fakes.h"

namespace imsbox::tas {
namespace {

using test::parse;

sip::Message invite(const std::string& extra, const std::string& body = {}) {
  return parse("INVITE sip:bob@ims.test SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKs1\r\n"
               "Max-Forwards: 69\r\n"
               "From: \"Alice\" <sip:alice@ims.test>;tag=f1\r\n"
               "To: <sip:bob@ims.test>\r\n"
               "Call-ID: c1@127.0.0.1\r\n"
               "CSeq: 1 INVITE\r\n" +
               extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

std::string served(const std::string& header) {
  const auto s = served_user(invite("P-Served-User: " + header + "\r\n"));
  if (!s) return "none";
  const char* c = s->session_case == ServedCase::originating ? "orig"
                  : s->session_case == ServedCase::terminating ? "term" : "orig-cdiv";
  return s->identity + " " + c + (s->registered ? " reg" : " unreg");
}

TEST(PServedUser, SessionCaseAndRegistrationState) {
  EXPECT_EQ(served("<sip:alice@ims.test>;sescase=orig;regstate=reg"), "sip:alice@ims.test orig reg");
  EXPECT_EQ(served("<sip:bob@ims.test>;sescase=term;regstate=unreg"), "sip:bob@ims.test term unreg");
  EXPECT_EQ(served("<tel:+331234>;sescase=term"), "tel:+331234 term reg");
  // RFC 8498 / the S-CSCF: orig-cdiv alone; TS 24.229: with sescase=orig
  EXPECT_EQ(served("<sip:bob@ims.test>;orig-cdiv;regstate=reg"), "sip:bob@ims.test orig-cdiv reg");
  EXPECT_EQ(served("<sip:bob@ims.test>;sescase=orig;orig-cdiv"), "sip:bob@ims.test orig-cdiv reg");
  EXPECT_EQ(served("<sip:bob@ims.test>"), "none");  // no session case
  EXPECT_EQ(served("<sip:bob@ims.test>;sescase=sideways"), "none");
  EXPECT_EQ(served("<<>>"), "none");
  EXPECT_FALSE(served_user(invite("")));
}

TEST(IscRequest, CallingPartyPrivacyAndMedia) {
  const auto with_pai = invite("P-Asserted-Identity: <sip:+33111@ims.test;user=phone>, <tel:+33111>\r\n"
                               "Privacy: id;header\r\nPrivacy: critical\r\n");
  EXPECT_EQ(calling_party(with_pai), "sip:+33111@ims.test;user=phone");
  EXPECT_EQ(privacy_values(with_pai), (std::vector<std::string>{"id", "header", "critical"}));
  EXPECT_EQ(calling_party(invite("")), "sip:alice@ims.test");
  const auto sdp = invite("Content-Type: application/sdp\r\n",
                          "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          "m=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\n");
  EXPECT_EQ(offered_media(sdp), (std::vector<std::string>{"audio", "video"}));
  EXPECT_TRUE(offered_media(invite("")).empty());
}

std::vector<std::string> history_of(const sip::Message& m) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.name == "History-Info") out.emplace_back(h.value);
  }
  return out;
}

TEST(HistoryInfo, DiversionsAreRecordedWithTheirCauseAndCounted) {
  auto m = invite("");
  EXPECT_EQ(diversion_count(m), 0);
  add_diversion_history(m, "sip:carol@ims.test", 302);
  EXPECT_EQ(history_of(m), (std::vector<std::string>{"<sip:bob@ims.test>;index=1",
                                                     "<sip:carol@ims.test;cause=302>;index=1.1;mp=1"}));
  EXPECT_EQ(diversion_count(m), 1);
  m.set_request_uri("sip:carol@ims.test");
  add_diversion_history(m, "tel:+33600;phone-context=x", 486);
  EXPECT_EQ(history_of(m).back(), "<tel:+33600;phone-context=x;cause=486>;index=1.1.1;mp=1.1");
  add_diversion_history(m, "sip:dave@ims.test?Subject=x", 408);
  EXPECT_EQ(history_of(m).back(), "<sip:dave@ims.test;cause=408?Subject=x>;index=1.1.1.1;mp=1.1.1");
  EXPECT_EQ(diversion_count(m), 3);
  // entries without a cause (a plain retarget) are no diversion; a list in one field counts
  const auto listed = invite("History-Info: <sip:bob@ims.test>;index=1, <sip:c@ims.test;cause=480>;index=1.1\r\n"
                             "History-Info: <sip:d@ims.test;user=phone?cause=1>;index=1.1.1\r\n");
  EXPECT_EQ(diversion_count(listed), 1);
}

TEST(HistoryInfo, AServedUserWhoHidesFromTheTargetHasPrivacyHistory) {
  auto m = invite("");
  add_diversion_history(m, "sip:carol@ims.test", 486, true);
  EXPECT_EQ(history_of(m), (std::vector<std::string>{"<sip:bob@ims.test?Privacy=history>;index=1",
                                                     "<sip:carol@ims.test;cause=486>;index=1.1;mp=1"}));
  EXPECT_EQ(diversion_count(m), 1);
}

TEST(Privacy, IdIsAddedToWhatTheCallerAsked) {
  auto m = invite("");
  add_privacy_id(m);
  EXPECT_EQ(privacy_values(m), (std::vector<std::string>{"id"}));
  auto h = invite("Privacy: header\r\n");
  add_privacy_id(h);
  EXPECT_EQ(std::string(h.find(sip::HeaderId::privacy)->value), "header;id");
}

TEST(Privacy, HiddenIdentityKeepsTheTag) {
  auto m = invite("P-Asserted-Identity: <sip:alice@ims.test>\r\nP-Preferred-Identity: <sip:alice@ims.test>\r\n");
  hide_originating_identity(m);
  EXPECT_EQ(std::string(m.find(sip::HeaderId::from)->value), "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=f1");
  EXPECT_EQ(m.from().tag(), "f1");
  EXPECT_EQ(m.count(sip::HeaderId::p_asserted_identity), 0u);
  EXPECT_EQ(m.count(sip::HeaderId::p_preferred_identity), 0u);
}

}  // namespace
}  // namespace imsbox::tas
