// The TAS's ISC service (tas/tas_service.h) with a fake proxy helper and the
// served users' simservs documents from a map.
#include "tas/tas_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <variant>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/timer_queue.h"
#include "tas/simservs/document.h"
#include "unit/proxy_fakes.h"
#include "unit/tas/simservs_doc.h"

namespace imsbox::tas {
namespace {

using namespace std::chrono_literals;
using sip::HeaderId;
using sip::proxy::Verdict;
using FakeHelper = test::FakeProxyHelper;

constexpr std::string_view kBob = "sip:bob@ims.test";
constexpr std::string_view kAlice = "sip:alice@ims.test";
constexpr std::string_view kOdi = "<sip:127.0.0.1:6060;odi=t0k3n;lr>";

simservs::Document doc(const std::string& services) { return simservs_document(services); }

std::string cdiv(const std::string& rules, const std::string& timer = {}) {
  return "<communication-diversion active=\"true\">" +
         (timer.empty() ? std::string() : "<NoReplyTimer>" + timer + "</NoReplyTimer>") + "<cp:ruleset>" + rules +
         "</cp:ruleset></communication-diversion>";
}

std::string forward(const std::string& id, const std::string& condition, const std::string& target,
                    bool notify = true) {
  return "<cp:rule id=\"" + id + "\"><cp:conditions>" + condition +
         "</cp:conditions><cp:actions><forward-to><target>" + target + "</target>" +
         (notify ? "" : "<notify-caller>false</notify-caller>") + "</forward-to></cp:actions></cp:rule>";
}

std::string barring(const std::string& element, const std::string& condition, bool allow) {
  return "<" + element + " active=\"true\"><cp:ruleset><cp:rule id=\"r\"><cp:conditions>" + condition +
         "</cp:conditions><cp:actions><allow>" + (allow ? "true" : "false") +
         "</allow></cp:actions></cp:rule></cp:ruleset></" + element + ">";
}

// A request as the S-CSCF sends it to the TAS, our own Route already taken
// off by the core: the ODI Route on top.
std::string request(std::string_view served_user, std::string_view extra = {}, std::string_view method = "INVITE",
                    std::string_view from = "<sip:alice@ims.test>;tag=f1") {
  return std::string(method) + " sip:bob@ims.test SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKs1\r\n"
         "Max-Forwards: 69\r\n"
         "Route: " + std::string(kOdi) + "\r\n"
         "From: " + std::string(from) + "\r\n"
         "To: <sip:bob@ims.test>\r\n"
         "Call-ID: c1@127.0.0.1\r\n"
         "CSeq: 1 " + std::string(method) + "\r\n"
         "P-Asserted-Identity: <sip:alice@ims.test>\r\n" +
         (served_user.empty() ? std::string() : "P-Served-User: " + std::string(served_user) + "\r\n") +
         std::string(extra) + "Content-Length: 0\r\n\r\n";
}

std::string term(std::string_view user = kBob) { return "<" + std::string(user) + ">;sescase=term;regstate=reg"; }
std::string orig(std::string_view user = kAlice) { return "<" + std::string(user) + ">;sescase=orig;regstate=reg"; }

sip::Message response(int status, std::string_view extra = {}) {
  return test::parse("SIP/2.0 " + std::to_string(status) + " X\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKs1\r\n"
                     "From: <sip:alice@ims.test>;tag=f1\r\n"
                     "To: <sip:bob@ims.test>;tag=b1\r\n"
                     "Call-ID: c1@127.0.0.1\r\n"
                     "CSeq: 1 INVITE\r\n" +
                     std::string(extra) + "Content-Length: 0\r\n\r\n");
}

std::vector<std::string> history(const sip::Message& m) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.name == "History-Info") out.emplace_back(h.value);
  }
  return out;
}

class TasServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = test::test_log_path("tas");
    log_ = std::make_unique<runtime::Logger>("tas", runtime::LogLevel::debug, log_path_, clock_);
    TasOptions options;
    options.home_country_code = "33";
    options.services_of = [this](std::string_view impu) {
      if (impu == "sip:broken@ims.test") throw std::runtime_error("unreadable document");
      const auto it = documents_.find(std::string(impu));
      return it == documents_.end() ? simservs::empty_document() : it->second;
    };
    service_ = std::make_unique<TasService>(std::move(options), *log_);
    service_->attach(timers_);
  }
  void TearDown() override { std::filesystem::remove(log_path_); }

  // The service's transaction for the helper's request, which must take part.
  std::unique_ptr<sip::proxy::ProxyTsx> tsx(FakeHelper& helper) {
    auto t = service_->on_request(helper.request(), helper.source());
    EXPECT_NE(t, nullptr);
    return t;
  }

  // Moves the clock on by `d`, firing the timers due on the way.
  void advance(std::chrono::milliseconds d) {
    for (auto left = d; left > 0ms; left -= 100ms) {
      clock_.advance(std::min(left, std::chrono::milliseconds(100ms)));
      timers_.fire_due();
    }
  }

  runtime::ManualClock clock_;
  runtime::TimerQueue timers_{clock_};
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  std::map<std::string, simservs::Document> documents_;
  std::unique_ptr<TasService> service_;
};

// ---- the node: who takes part, the ODI Route kept ----

TEST_F(TasServiceTest, OnlyInitialRequestsWithAServedUserTakePart) {
  FakeHelper none(request(""));
  EXPECT_EQ(service_->on_request(none.request(), none.source()), nullptr);
  FakeHelper bad(request("<sip:bob@ims.test>;regstate=reg"));
  EXPECT_EQ(service_->on_request(bad.request(), bad.source()), nullptr);
  FakeHelper in_dialog(test::parse(request(term())).serialize());
  in_dialog.request().set(HeaderId::to, "<sip:bob@ims.test>;tag=b1");
  EXPECT_EQ(service_->on_request(in_dialog.request(), in_dialog.source()), nullptr);
  FakeHelper good(request(term()));
  EXPECT_NE(service_->on_request(good.request(), good.source()), nullptr);
}

TEST_F(TasServiceTest, WithoutServicesTheRequestGoesOnAlongTheOdiRouteUnchanged) {
  for (const auto& served : {term(), orig(), std::string("<sip:bob@ims.test>;orig-cdiv")}) {
    FakeHelper h(request(served));
    const auto before = h.request().serialize();
    auto t = tsx(h);
    EXPECT_EQ(t->on_request(h), Verdict::next) << served;
    EXPECT_TRUE(h.statuses.empty());
    EXPECT_TRUE(h.targets.empty());  // the core forwards along the Route
    EXPECT_FALSE(h.record_routed);   // nothing of the dialog concerns the TAS
    EXPECT_EQ(h.request().serialize(), before);
    EXPECT_EQ(std::string(h.request().find(HeaderId::route)->value), kOdi);
  }
}

TEST_F(TasServiceTest, AnUnreadableDocumentMeansNoServices) {
  FakeHelper h(request(term("sip:broken@ims.test")));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_TRUE(h.statuses.empty());
}

// ---- originating: OCB, OIR ----

TEST_F(TasServiceTest, OutgoingBarringDeclinesTheCall) {
  documents_.emplace(kAlice, doc(barring("outgoing-communication-barring", "", false)));
  FakeHelper h(request(orig()));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::done);
  EXPECT_EQ(h.status(), 603);
  // barring the international calls only: a national one goes through
  documents_.insert_or_assign(std::string(kAlice),
                              doc(barring("outgoing-communication-barring", "<international/>", false)));
  FakeHelper national(request(orig()));
  national.request().set_request_uri("tel:+33123456");
  EXPECT_EQ(tsx(national)->on_request(national), Verdict::next);
  FakeHelper abroad(request(orig()));
  abroad.request().set_request_uri("tel:+44123456");
  EXPECT_EQ(tsx(abroad)->on_request(abroad), Verdict::done);
  EXPECT_EQ(abroad.status(), 603);
  // the terminating side of the same user is not barred by OCB
  FakeHelper callee(request(term(kAlice)));
  EXPECT_EQ(tsx(callee)->on_request(callee), Verdict::next);
}

TEST_F(TasServiceTest, OirAddsPrivacyIdUnlessTheCallerSaidNone) {
  documents_.emplace(kAlice, doc("<originating-identity-presentation-restriction active=\"true\">"
                                 "<default-behaviour>presentation-restricted</default-behaviour>"
                                 "</originating-identity-presentation-restriction>"));
  FakeHelper h(request(orig()));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::next);
  ASSERT_NE(h.request().find(HeaderId::privacy), nullptr);
  EXPECT_EQ(std::string(h.request().find(HeaderId::privacy)->value), "id");
  FakeHelper none(request(orig(), "Privacy: none\r\n"));
  EXPECT_EQ(tsx(none)->on_request(none), Verdict::next);
  EXPECT_EQ(std::string(none.request().find(HeaderId::privacy)->value), "none");
  // not on the terminating side
  FakeHelper callee(request(term(kAlice)));
  EXPECT_EQ(tsx(callee)->on_request(callee), Verdict::next);
  EXPECT_EQ(callee.request().find(HeaderId::privacy), nullptr);
}

// ---- terminating: ICB, ACR, OIP ----

TEST_F(TasServiceTest, IncomingBarringDeclinesTheCall) {
  documents_.emplace(kBob, doc(barring("incoming-communication-barring", "", false)));
  FakeHelper h(request(term()));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::done);
  EXPECT_EQ(h.status(), 603);
  EXPECT_TRUE(h.targets.empty());
}

TEST_F(TasServiceTest, AnonymousCallRejectionAnswers433) {
  documents_.emplace(kBob, doc(barring("incoming-communication-barring", "<anonymous/>", false)));
  FakeHelper anonymous(request(term(), "Privacy: id\r\n"));
  EXPECT_EQ(tsx(anonymous)->on_request(anonymous), Verdict::done);
  EXPECT_EQ(anonymous.status(), 433);
  EXPECT_EQ(anonymous.reasons.back(), "Anonymity Disallowed");
  FakeHelper anonymous_from(request(term(), {}, "INVITE", "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=f1"));
  EXPECT_EQ(tsx(anonymous_from)->on_request(anonymous_from), Verdict::done);
  EXPECT_EQ(anonymous_from.status(), 433);
  FakeHelper known(request(term()));
  EXPECT_EQ(tsx(known)->on_request(known), Verdict::next);
  EXPECT_TRUE(known.statuses.empty());
}

TEST_F(TasServiceTest, APrivateCallerIsAnonymousToTheCallee) {
  FakeHelper h(request(term(), "Privacy: id\r\n"));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_EQ(std::string(h.request().find(HeaderId::from)->value), "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=f1");
  EXPECT_EQ(h.request().count(HeaderId::p_asserted_identity), 0u);
  // the caller gets its own From back in the responses
  auto ringing = response(180);
  ringing.set(HeaderId::from, "\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=f1");
  t->on_response(h, ringing);
  EXPECT_EQ(std::string(ringing.find(HeaderId::from)->value), "<sip:alice@ims.test>;tag=f1");
  // a caller who did not ask for privacy is presented
  FakeHelper open(request(term()));
  EXPECT_EQ(tsx(open)->on_request(open), Verdict::next);
  EXPECT_EQ(std::string(open.request().find(HeaderId::from)->value), "<sip:alice@ims.test>;tag=f1");
  EXPECT_EQ(open.request().count(HeaderId::p_asserted_identity), 1u);
}

TEST_F(TasServiceTest, OipDeactivatedHidesTheCaller) {
  documents_.emplace(kBob, doc("<originating-identity-presentation active=\"false\"/>"));
  FakeHelper h(request(term()));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::next);
  EXPECT_EQ(h.request().count(HeaderId::p_asserted_identity), 0u);
  EXPECT_EQ(h.request().from().uri, "sip:anonymous@anonymous.invalid");
}

// ---- terminating: CDIV ----

TEST_F(TasServiceTest, CfuRetargetsAtOnceWith181AndHistoryInfo) {
  documents_.emplace(kBob, doc(cdiv(forward("cfu", "", "sip:carol@ims.test"))));
  FakeHelper h(request(term()));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::next);
  EXPECT_EQ(h.request().request_uri(), "sip:carol@ims.test");
  EXPECT_EQ(std::string(h.request().find(HeaderId::route)->value), kOdi);  // back to the S-CSCF
  EXPECT_EQ(h.statuses, (std::vector<int>{181}));
  EXPECT_EQ(h.reasons.back(), "Call Is Being Forwarded");
  EXPECT_EQ(history(h.request()), (std::vector<std::string>{"<sip:bob@ims.test>;index=1",
                                                            "<sip:carol@ims.test;cause=302>;index=1.1;mp=1"}));
}

TEST_F(TasServiceTest, CfuWithoutNotificationSendsNo181) {
  documents_.emplace(kBob, doc(cdiv(forward("cfu", "", "tel:+33600", false))));
  FakeHelper h(request(term()));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::next);
  EXPECT_EQ(h.request().request_uri(), "tel:+33600");
  EXPECT_TRUE(h.statuses.empty());
}

TEST_F(TasServiceTest, TheRuleSaysWhetherTheTargetMaySeeTheServedUser) {
  documents_.emplace(kBob, doc(cdiv("<cp:rule id=\"cfu\"><cp:conditions/><cp:actions><forward-to>"
                                    "<target>sip:carol@ims.test</target>"
                                    "<reveal-identity-to-target>false</reveal-identity-to-target>"
                                    "</forward-to></cp:actions></cp:rule>")));
  FakeHelper h(request(term()));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::next);
  EXPECT_EQ(history(h.request()).front(), "<sip:bob@ims.test?Privacy=history>;index=1");
}

TEST_F(TasServiceTest, MediaConditionsSelectTheRule) {
  documents_.emplace(kBob, doc(cdiv(forward("video-cfu", "<media>video</media>", "sip:video@ims.test") +
                                    forward("cfb", "<busy/>", "sip:carol@ims.test"))));
  const std::string sdp_audio = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                                "m=audio 4000 RTP/AVP 0\r\n";
  auto text = request(term(), "Content-Type: application/sdp\r\n");
  text.replace(text.find("Content-Length: 0"), 17, "Content-Length: " + std::to_string(sdp_audio.size()));
  FakeHelper audio(text + sdp_audio);
  EXPECT_EQ(tsx(audio)->on_request(audio), Verdict::next);
  EXPECT_EQ(audio.request().request_uri(), kBob);  // an audio call is not forwarded unconditionally
  const auto sdp_video = sdp_audio + "m=video 4002 RTP/AVP 96\r\n";
  text = request(term(), "Content-Type: application/sdp\r\n");
  text.replace(text.find("Content-Length: 0"), 17, "Content-Length: " + std::to_string(sdp_video.size()));
  FakeHelper video(text + sdp_video);
  EXPECT_EQ(tsx(video)->on_request(video), Verdict::next);
  EXPECT_EQ(video.request().request_uri(), "sip:video@ims.test");
}

TEST_F(TasServiceTest, AnUnregisteredCalleeIsForwardedAtOnceByCfnl) {
  documents_.emplace(kBob, doc(cdiv(forward("cfnl", "<not-registered/>", "sip:carol@ims.test"))));
  FakeHelper unregistered(request("<sip:bob@ims.test>;sescase=term;regstate=unreg"));
  EXPECT_EQ(tsx(unregistered)->on_request(unregistered), Verdict::next);
  EXPECT_EQ(unregistered.request().request_uri(), "sip:carol@ims.test");
  EXPECT_EQ(unregistered.statuses, (std::vector<int>{181}));
  EXPECT_EQ(history(unregistered.request()).back(), "<sip:carol@ims.test;cause=404>;index=1.1;mp=1");
  FakeHelper registered(request(term()));
  EXPECT_EQ(tsx(registered)->on_request(registered), Verdict::next);
  EXPECT_EQ(registered.request().request_uri(), kBob);  // waits for a 404/480
}

TEST_F(TasServiceTest, OnlyInvitesAreDiverted) {
  documents_.emplace(kBob, doc(cdiv(forward("cfu", "", "sip:carol@ims.test"))));
  FakeHelper h(request(term(), {}, "MESSAGE"));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_EQ(h.request().request_uri(), kBob);
  EXPECT_TRUE(h.statuses.empty());
  EXPECT_EQ(t->on_branch_failure(h, response(486)), Verdict::next);
  EXPECT_TRUE(h.targets.empty());
}

TEST_F(TasServiceTest, TheSixthDiversionGets480) {
  documents_.emplace(kBob, doc(cdiv(forward("cfu", "", "sip:carol@ims.test"))));
  std::string five = "History-Info: <sip:a@ims.test>;index=1\r\n";
  std::string index = "1";
  for (int i = 0; i < 5; ++i) {
    index += ".1";
    five += "History-Info: <sip:d" + std::to_string(i) + "@ims.test;cause=302>;index=" + index + "\r\n";
  }
  FakeHelper h(request(term(), five));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::done);
  EXPECT_EQ(h.status(), 480);
  EXPECT_EQ(h.request().request_uri(), kBob);
  // the fifth still goes
  const auto four = five.substr(0, five.rfind("History-Info:"));
  FakeHelper fifth(request(term(), four));
  EXPECT_EQ(tsx(fifth)->on_request(fifth), Verdict::next);
  EXPECT_EQ(fifth.request().request_uri(), "sip:carol@ims.test");
  EXPECT_EQ(history(fifth.request()).back(), "<sip:carol@ims.test;cause=302>;index=1.1.1.1.1.1;mp=1.1.1.1.1");
}

// A failure of the callee's branch diverted by the rule for `condition`,
// with that cause in History-Info.
struct FailureCase {
  int status;
  std::string condition;
  int cause;
  std::string extra;  // of the response
};

TEST_F(TasServiceTest, FailuresOfTheCalleeDivertByTheirRule) {
  const std::vector<FailureCase> cases = {
      {486, "<busy/>", 486, ""},
      {404, "<not-registered/>", 404, ""},
      {480, "<not-registered/>", 404, ""},
      {408, "<not-reachable/>", 503, ""},  // no provisional response came
      {500, "<not-reachable/>", 503, ""},
      {503, "<not-reachable/>", 503, ""},
  };
  for (const auto& c : cases) {
    documents_.insert_or_assign(std::string(kBob), doc(cdiv(forward("r", c.condition, "sip:carol@ims.test"))));
    FakeHelper h(request(term()));
    auto t = tsx(h);
    EXPECT_EQ(t->on_request(h), Verdict::next);
    EXPECT_TRUE(h.targets.empty()) << c.status;  // no CFNR rule: no timer
    EXPECT_EQ(h.request().request_uri(), kBob);
    EXPECT_EQ(t->on_branch_failure(h, response(c.status, c.extra)), Verdict::next) << c.status;
    ASSERT_EQ(h.targets.size(), 1u) << c.status;
    EXPECT_EQ(h.targets[0].request_uri, "sip:carol@ims.test");
    EXPECT_EQ(h.statuses, (std::vector<int>{181})) << c.status;
    EXPECT_EQ(history(h.request()).back(),
              "<sip:carol@ims.test;cause=" + std::to_string(c.cause) + ">;index=1.1;mp=1")
        << c.status;
    // diverted once: a failure of the forwarded call is the caller's
    EXPECT_EQ(t->on_branch_failure(h, response(486)), Verdict::next);
    EXPECT_EQ(h.targets.size(), 1u);
  }
}

TEST_F(TasServiceTest, AFailureWithoutItsRuleIsNotDiverted) {
  documents_.emplace(kBob, doc(cdiv(forward("cfb", "<busy/>", "sip:carol@ims.test"))));
  FakeHelper h(request(term()));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_EQ(t->on_branch_failure(h, response(404)), Verdict::next);
  EXPECT_EQ(t->on_branch_failure(h, response(603)), Verdict::next);
  EXPECT_EQ(t->on_branch_failure(h, response(487)), Verdict::next);  // no timer of ours
  EXPECT_TRUE(h.targets.empty());
  EXPECT_TRUE(h.statuses.empty());
}

// TS 24.604 §4.5.2.6.4: the no-reply timer starts when the callee alerts
// (its first 180), not when the INVITE is forwarded: a 180 after 3 s and a
// 5 s timer, no CANCEL at 5 s, the CANCEL at 8 s.
TEST_F(TasServiceTest, CfnrTimerRunsFromThe180AndDivertsTheCancelledBranch) {
  documents_.emplace(kBob, doc(cdiv(forward("cfnr", "<no-answer/>", "sip:voicemail@ims.test"), "5")));
  FakeHelper h(request(term()));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_TRUE(h.targets.empty());  // the callee, along the Route, with no branch limit of ours
  advance(3s);
  auto ringing = response(180);
  t->on_response(h, ringing);
  advance(2s);  // 5 s after the INVITE
  EXPECT_EQ(h.branches_cancelled, 0);
  advance(2900ms);
  EXPECT_EQ(h.branches_cancelled, 0);
  advance(100ms);  // 5 s after the 180
  EXPECT_EQ(h.branches_cancelled, 1);
  // the CANCELled branch's 487
  EXPECT_EQ(t->on_branch_failure(h, response(487)), Verdict::next);
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(h.targets[0].request_uri, "sip:voicemail@ims.test");
  EXPECT_EQ(h.targets[0].timeout, 0ms);
  EXPECT_EQ(h.statuses, (std::vector<int>{181}));
  EXPECT_EQ(history(h.request()).back(), "<sip:voicemail@ims.test;cause=408>;index=1.1;mp=1");
  // the forwarded-to target rings: no timer of ours for it
  t->on_response(h, ringing);
  advance(60s);
  EXPECT_EQ(h.branches_cancelled, 1);
}

TEST_F(TasServiceTest, CfnrTimerStartsOnlyOnA180NotA183AndNotAgain) {
  documents_.emplace(kBob, doc(cdiv(forward("cfnr", "<no-answer/>", "sip:voicemail@ims.test"), "5")));
  FakeHelper h(request(term()));
  auto t = tsx(h);
  t->on_request(h);
  auto progress = response(183);
  t->on_response(h, progress);
  advance(10s);
  EXPECT_EQ(h.branches_cancelled, 0);  // a 183 is no alerting
  auto ringing = response(180);
  t->on_response(h, ringing);
  advance(4s);
  t->on_response(h, ringing);  // another 180 does not restart it
  advance(1s);
  EXPECT_EQ(h.branches_cancelled, 1);
}

TEST_F(TasServiceTest, AnAnswerOrTheCallersCancelStopsTheNoReplyTimer) {
  documents_.emplace(kBob, doc(cdiv(forward("cfnr", "<no-answer/>", "sip:voicemail@ims.test"), "5")));
  auto ringing = response(180);
  FakeHelper answered(request(term()));
  auto a = tsx(answered);
  a->on_request(answered);
  a->on_response(answered, ringing);
  auto ok = response(200);
  a->on_response(answered, ok);
  FakeHelper cancelled(request(term()));
  auto c = tsx(cancelled);
  c->on_request(cancelled);
  c->on_response(cancelled, ringing);
  c->on_cancel(cancelled);
  FakeHelper gone(request(term()));
  auto g = tsx(gone);
  g->on_request(gone);
  g->on_response(gone, ringing);
  g.reset();  // the transaction ended: its timer goes with it
  advance(10s);
  EXPECT_EQ(answered.branches_cancelled, 0);
  EXPECT_EQ(cancelled.branches_cancelled, 0);
  EXPECT_EQ(gone.branches_cancelled, 0);
  EXPECT_EQ(timers_.size(), 0u);
}

TEST_F(TasServiceTest, CfnrTimerIsTheDefaultOrClamped) {
  documents_.emplace(kBob, doc(cdiv(forward("cfnr", "<no-answer/>", "sip:voicemail@ims.test"))));
  documents_.emplace(kAlice, doc(cdiv(forward("cfnr", "<no-answer/>", "sip:voicemail@ims.test"), "600")));
  auto ringing = response(180);
  FakeHelper h(request(term()));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  t->on_response(h, ringing);
  FakeHelper a(request(term(kAlice)));
  auto u = tsx(a);
  EXPECT_EQ(u->on_request(a), Verdict::next);
  u->on_response(a, ringing);
  advance(19900ms);
  EXPECT_EQ(h.branches_cancelled, 0);
  advance(100ms);
  EXPECT_EQ(h.branches_cancelled, 1);  // 20 s by default
  advance(159900ms);
  EXPECT_EQ(a.branches_cancelled, 0);
  advance(100ms);
  EXPECT_EQ(a.branches_cancelled, 1);  // 600 clamped to 180 s
}

TEST_F(TasServiceTest, ATimedOutBranchThatRangIsNoReplyOneThatDidNotIsNotReachable) {
  documents_.emplace(kBob, doc(cdiv(forward("cfnr", "<no-answer/>", "sip:vm@ims.test") +
                                    forward("cfnrc", "<not-reachable/>", "sip:nr@ims.test"))));
  FakeHelper rang(request(term()));
  auto t = tsx(rang);
  t->on_request(rang);
  auto ringing = response(180);
  t->on_response(rang, ringing);
  advance(20s);
  EXPECT_EQ(rang.branches_cancelled, 1);
  // the CANCEL went unanswered: the core ends the branch as a 408
  EXPECT_EQ(t->on_branch_failure(rang, response(408)), Verdict::next);
  EXPECT_EQ(rang.targets.back().request_uri, "sip:vm@ims.test");
  EXPECT_EQ(history(rang.request()).back(), "<sip:vm@ims.test;cause=408>;index=1.1;mp=1");
  FakeHelper silent(request(term()));
  auto s = tsx(silent);
  s->on_request(silent);
  advance(60s);  // never alerting: no timer of ours
  EXPECT_EQ(silent.branches_cancelled, 0);
  EXPECT_EQ(s->on_branch_failure(silent, response(408)), Verdict::next);
  EXPECT_EQ(silent.targets.back().request_uri, "sip:nr@ims.test");
}

TEST_F(TasServiceTest, A408AfterRingingIsNotNotReachable) {
  documents_.emplace(kBob, doc(cdiv(forward("cfnrc", "<not-reachable/>", "sip:nr@ims.test"))));
  FakeHelper h(request(term()));
  auto t = tsx(h);
  t->on_request(h);
  auto ringing = response(180);
  t->on_response(h, ringing);
  EXPECT_EQ(t->on_branch_failure(h, response(408)), Verdict::next);
  EXPECT_TRUE(h.targets.empty());
  EXPECT_TRUE(h.statuses.empty());
}

TEST_F(TasServiceTest, CommunicationDeflectionFollowsTheContactOfA302) {
  documents_.emplace(kBob, doc(cdiv("")));
  FakeHelper h(request(term()));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_EQ(t->on_branch_failure(h, response(302, "Contact: <sip:dave@ims.test>\r\n")), Verdict::next);
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(h.targets[0].request_uri, "sip:dave@ims.test");
  EXPECT_EQ(history(h.request()).back(), "<sip:dave@ims.test;cause=480>;index=1.1;mp=1");
  // a 302 without a Contact goes to the caller as it is
  FakeHelper bare(request(term()));
  auto b = tsx(bare);
  b->on_request(bare);
  EXPECT_EQ(b->on_branch_failure(bare, response(302)), Verdict::next);
  EXPECT_TRUE(bare.targets.empty());
}

TEST_F(TasServiceTest, ADiversionAfterFailureRespectsTheLimit) {
  documents_.emplace(kBob, doc(cdiv(forward("cfb", "<busy/>", "sip:carol@ims.test"))));
  std::string five;
  for (int i = 0; i < 5; ++i) five += "History-Info: <sip:d" + std::to_string(i) + "@ims.test;cause=302>\r\n";
  FakeHelper h(request(term(), five));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_EQ(t->on_branch_failure(h, response(486)), Verdict::done);
  EXPECT_EQ(h.status(), 480);
  EXPECT_TRUE(h.targets.empty());
}

TEST_F(TasServiceTest, OriginatingAfterDiversionIsPassedOn) {
  documents_.emplace(kBob, doc(cdiv(forward("cfu", "", "sip:carol@ims.test")) +
                               barring("outgoing-communication-barring", "", false)));
  FakeHelper h(request("<sip:bob@ims.test>;orig-cdiv;regstate=reg"));
  EXPECT_EQ(tsx(h)->on_request(h), Verdict::next);
  EXPECT_TRUE(h.statuses.empty());
  EXPECT_EQ(h.request().request_uri(), kBob);
}

}  // namespace
}  // namespace imsbox::tas
