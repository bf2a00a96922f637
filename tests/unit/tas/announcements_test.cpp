// The TAS sending calls to the box's MRF (issue 19): announcements before
// refusals (OCB, ICB, ACR, a callee not reachable), star codes confirmed by
// the MRF and the echo test dialled (tas/announcements.h, tas/tas_service.h),
// with a fake proxy helper.
#include "tas/announcements.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <variant>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "runtime/timer_queue.h"
#include "tas/tas.h"
#include "tas/tas_service.h"
#include "unit/proxy_fakes.h"
#include "unit/tas/simservs_doc.h"

namespace imsbox::tas {
namespace {

using sip::proxy::Verdict;
using FakeHelper = test::FakeProxyHelper;

constexpr std::string_view kMrf = "mrf.ims.test";
constexpr std::string_view kOdi = "<sip:127.0.0.1:6060;odi=t0k3n;lr>";

std::string barring(const std::string& element, const std::string& condition) {
  return "<" + element + " active=\"true\"><cp:ruleset><cp:rule id=\"r\"><cp:conditions>" + condition +
         "</cp:conditions><cp:actions><allow>false</allow></cp:actions></cp:rule></cp:ruleset></" + element + ">";
}

std::string request(std::string_view served_user, std::string_view ruri = "sip:bob@ims.test",
                    std::string_view extra = {}) {
  return "INVITE " + std::string(ruri) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKs1\r\n"
         "Max-Forwards: 69\r\n"
         "Route: " + std::string(kOdi) + "\r\n"
         "From: <sip:alice@ims.test>;tag=f1\r\n"
         "To: <" + std::string(ruri) + ">\r\n"
         "Call-ID: c1@127.0.0.1\r\n"
         "CSeq: 1 INVITE\r\n"
         "Contact: <sip:alice@10.0.0.1:5060>\r\n"
         "P-Asserted-Identity: <sip:alice@ims.test>\r\n"
         "P-Served-User: " + std::string(served_user) + "\r\n" +
         std::string(extra) + "Content-Length: 0\r\n\r\n";
}
const std::string kOrig = "<sip:alice@ims.test>;sescase=orig;regstate=reg";
const std::string kTerm = "<sip:bob@ims.test>;sescase=term;regstate=reg";

sip::Message response(int status, std::string_view reason = "X") {
  return test::parse("SIP/2.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKs1\r\n"
                     "From: <sip:alice@ims.test>;tag=f1\r\n"
                     "To: <sip:bob@ims.test>;tag=b1\r\n"
                     "Call-ID: c1@127.0.0.1\r\n"
                     "CSeq: 1 INVITE\r\n"
                     "Content-Length: 0\r\n\r\n");
}

StarCode code(std::string_view dialled) {
  auto parsed = parse_dialled(dialled, "ims.test");
  EXPECT_TRUE(std::holds_alternative<StarCode>(parsed)) << dialled;
  return std::get<StarCode>(parsed);
}

runtime::Config config(const std::string& extra = "") {
  return runtime::Config::parse("[global]\ndomain = ims.test\n" + extra, "test.conf");
}

// ---- the URIs, pure ----

TEST(TasAnnouncements, TheMrfsUris) {
  EXPECT_EQ(announcement_uri(kMrf, "barred", 603), "sip:annc@mrf.ims.test;play=barred;early=603");
  EXPECT_EQ(announcement_uri(kMrf, "service-set"), "sip:annc@mrf.ims.test;play=service-set");
  EXPECT_EQ(echo_uri(kMrf), "sip:echo@mrf.ims.test");
}

TEST(TasAnnouncements, TheEchoTestIsDialledByNameOrStar43) {
  EXPECT_TRUE(dials_echo_test("sip:echo@ims.test", "ims.test"));
  EXPECT_TRUE(dials_echo_test("sip:Echo@IMS.test;transport=tcp", "ims.test"));
  EXPECT_TRUE(dials_echo_test("sip:*43@ims.test;user=phone", "ims.test"));
  EXPECT_TRUE(dials_echo_test("sip:%2A43@ims.test", "ims.test"));
  EXPECT_TRUE(dials_echo_test("tel:*43", "ims.test"));
  EXPECT_TRUE(dials_echo_test("tel:*43;phone-context=ims.test", "ims.test"));
  EXPECT_FALSE(dials_echo_test("sip:echo@elsewhere.example", "ims.test"));  // not ours to take
  EXPECT_FALSE(dials_echo_test("sip:echo@mrf.ims.test", "ims.test"));       // the MRF's own
  EXPECT_FALSE(dials_echo_test("sip:echoes@ims.test", "ims.test"));
  EXPECT_FALSE(dials_echo_test("sip:*431@ims.test", "ims.test"));
  EXPECT_FALSE(dials_echo_test("sip:*43%23@ims.test", "ims.test"));
  EXPECT_FALSE(dials_echo_test("sip:bob@ims.test", "ims.test"));
  EXPECT_FALSE(dials_echo_test("tel:echo", "ims.test"));
}

TEST(TasAnnouncements, AStarCodeIsConfirmedAsSetOrCleared) {
  for (const auto* on : {"*21*carl#", "*67*+33123456#", "*33#", "*331#", "*35#", "*77#", "*31#"}) {
    EXPECT_EQ(star_code_prompt(code(on)), "service-set") << on;
  }
  for (const auto* off : {"#21#", "##002#", "#33#", "#35#", "#330#", "#77#", "#31#"}) {
    EXPECT_EQ(star_code_prompt(code(off)), "service-cleared") << off;
  }
  const auto confirm = star_code_confirmation(std::string(kMrf));
  EXPECT_EQ(confirm(code("*21*carl#")), "sip:annc@mrf.ims.test;play=service-set");
  EXPECT_EQ(confirm(code("#21#")), "sip:annc@mrf.ims.test;play=service-cleared");
}

TEST(TasAnnouncements, TheFailuresAnnouncedAsNotReachable) {
  for (const int status : {404, 408, 480, 500, 503, 504}) EXPECT_EQ(unreachable_prompt(status), "not-reachable");
  for (const int status : {400, 403, 433, 486, 487, 488, 603}) EXPECT_EQ(unreachable_prompt(status), std::nullopt);
}

// ---- the options from the configuration ----

TEST(TasAnnouncements, OnByDefaultOffByOptionOrWithoutTheMrf) {
  const auto on = tas_options(config());
  EXPECT_EQ(on.mrf_host, "mrf.ims.test");
  EXPECT_TRUE(on.announcements);
  ASSERT_TRUE(on.star_code_announcement);
  EXPECT_EQ(on.star_code_announcement(code("*33#")), "sip:annc@mrf.ims.test;play=service-set");
  const auto off = tas_options(config("[tas]\nannouncements = false\n"));
  EXPECT_EQ(off.mrf_host, "mrf.ims.test");  // the echo test still goes to the MRF
  EXPECT_FALSE(off.announcements);
  EXPECT_FALSE(off.star_code_announcement);
  const auto no_mrf = tas_options(config("[mrf]\nenabled = false\n"));
  EXPECT_EQ(no_mrf.mrf_host, "");
  EXPECT_FALSE(no_mrf.announcements);
  EXPECT_FALSE(no_mrf.star_code_announcement);
}

// ---- the service ----

class TasAnnouncementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = test::test_log_path("tas-annc");
    log_ = std::make_unique<runtime::Logger>("tas", runtime::LogLevel::debug, log_path_, clock_);
    make(true);
  }
  void TearDown() override { std::filesystem::remove(log_path_); }

  void make(bool announcements, std::string mrf_host = std::string(kMrf)) {
    TasOptions options;
    options.domain = "ims.test";
    options.mrf_host = std::move(mrf_host);
    options.announcements = announcements;
    options.services_of = [this](std::string_view impu) {
      const auto it = documents_.find(std::string(impu));
      return it == documents_.end() ? simservs::empty_document() : it->second;
    };
    service_ = std::make_unique<TasService>(std::move(options), *log_);
  }
  std::unique_ptr<sip::proxy::ProxyTsx> tsx(FakeHelper& helper) {
    auto t = service_->on_request(helper.request(), helper.source());
    EXPECT_NE(t, nullptr);
    return t;
  }

  runtime::ManualClock clock_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  std::map<std::string, simservs::Document> documents_;
  std::unique_ptr<TasService> service_;
};

TEST_F(TasAnnouncementTest, OutgoingBarringGoesToTheMrfEndingWith603) {
  documents_.emplace("sip:alice@ims.test", simservs_document(barring("outgoing-communication-barring", "")));
  FakeHelper h(request(kOrig));
  auto t = tsx(h);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  EXPECT_TRUE(h.statuses.empty());  // the MRF answers, not the TAS
  EXPECT_EQ(h.request().request_uri(), "sip:annc@mrf.ims.test;play=outgoing-barred;early=603");
  EXPECT_EQ(std::string(h.request().find(sip::HeaderId::route)->value), kOdi);  // back to the S-CSCF
  // the MRF's 603 is not seen here (a 6xx); any other failure of its branch: the TAS's own 603
  EXPECT_EQ(t->on_branch_failure(h, response(503)), Verdict::done);
  EXPECT_EQ(h.status(), 603);
  EXPECT_EQ(h.reasons.back(), "Decline");
}

TEST_F(TasAnnouncementTest, IncomingBarringAndAcrAreAnnounced) {
  documents_.emplace("sip:bob@ims.test", simservs_document(barring("incoming-communication-barring", "")));
  FakeHelper icb(request(kTerm));
  EXPECT_EQ(tsx(icb)->on_request(icb), Verdict::next);
  EXPECT_TRUE(icb.statuses.empty());
  EXPECT_EQ(icb.request().request_uri(), "sip:annc@mrf.ims.test;play=barred;early=603");

  documents_.insert_or_assign("sip:bob@ims.test",
                              simservs_document(barring("incoming-communication-barring", "<anonymous/>")));
  FakeHelper acr(request(kTerm, "sip:bob@ims.test", "Privacy: id\r\n"));
  auto t = tsx(acr);
  EXPECT_EQ(t->on_request(acr), Verdict::next);
  EXPECT_TRUE(acr.statuses.empty());
  EXPECT_EQ(acr.request().request_uri(), "sip:annc@mrf.ims.test;play=anonymous-rejected;early=433");
  // the MRF's 433 is the call's end: never a diversion nor another announcement
  EXPECT_EQ(t->on_branch_failure(acr, response(433, "Anonymity Disallowed")), Verdict::next);
  EXPECT_TRUE(acr.targets.empty());
  EXPECT_TRUE(acr.statuses.empty());
}

TEST_F(TasAnnouncementTest, OffTheTasAnswersItself) {
  for (const bool announcements : {false, true}) {
    make(announcements, announcements ? "" : std::string(kMrf));  // off, or no MRF
    documents_.insert_or_assign("sip:alice@ims.test", simservs_document(barring("outgoing-communication-barring", "")));
    FakeHelper h(request(kOrig));
    EXPECT_EQ(tsx(h)->on_request(h), Verdict::done);
    EXPECT_EQ(h.status(), 603);
    EXPECT_EQ(h.request().request_uri(), "sip:bob@ims.test");
    FakeHelper callee(request(kTerm));
    auto t = tsx(callee);
    EXPECT_EQ(t->on_request(callee), Verdict::next);
    EXPECT_EQ(t->on_branch_failure(callee, response(480)), Verdict::next);
    EXPECT_TRUE(callee.targets.empty());
  }
}

TEST_F(TasAnnouncementTest, ACalleeNotReachableIsAnnouncedThenItsStatus) {
  for (const int status : {480, 404, 408, 503}) {
    FakeHelper h(request(kTerm));
    auto t = tsx(h);
    EXPECT_EQ(t->on_request(h), Verdict::next);
    EXPECT_EQ(h.request().request_uri(), "sip:bob@ims.test");
    // the callee's failure: one more branch, to the MRF, in its place
    EXPECT_EQ(t->on_branch_failure(h, response(status, "Gone")), Verdict::next) << status;
    const auto uri = "sip:annc@mrf.ims.test;play=not-reachable;early=" + std::to_string(status);
    ASSERT_EQ(h.targets.size(), 1u) << status;
    EXPECT_EQ(h.targets[0].request_uri, uri);
    EXPECT_EQ(h.request().request_uri(), uri);
    EXPECT_TRUE(h.statuses.empty());
    // the MRF ends it with that status: nothing more; once only
    EXPECT_EQ(t->on_branch_failure(h, response(status)), Verdict::next);
    EXPECT_EQ(h.targets.size(), 1u);
    EXPECT_TRUE(h.statuses.empty());
  }
  // an MRF that fails its branch: the callee's status all the same
  FakeHelper h(request(kTerm));
  auto t = tsx(h);
  t->on_request(h);
  t->on_branch_failure(h, response(480, "Temporarily Unavailable"));
  EXPECT_EQ(t->on_branch_failure(h, response(404, "Not Found")), Verdict::done);
  EXPECT_EQ(h.status(), 480);
  EXPECT_EQ(h.reasons.back(), "Temporarily Unavailable");
}

TEST_F(TasAnnouncementTest, BusyDivertedOrOriginatingFailuresAreNotAnnounced) {
  FakeHelper busy(request(kTerm));
  auto t = tsx(busy);
  t->on_request(busy);
  EXPECT_EQ(t->on_branch_failure(busy, response(486)), Verdict::next);
  EXPECT_TRUE(busy.targets.empty());
  // a CFNL rule takes the 480: forwarded, not announced
  documents_.emplace("sip:bob@ims.test",
                     simservs_document("<communication-diversion active=\"true\"><cp:ruleset><cp:rule id=\"nl\">"
                                       "<cp:conditions><not-registered/></cp:conditions><cp:actions><forward-to>"
                                       "<target>sip:carol@ims.test</target></forward-to></cp:actions></cp:rule>"
                                       "</cp:ruleset></communication-diversion>"));
  FakeHelper forwarded(request(kTerm));
  t = tsx(forwarded);
  t->on_request(forwarded);
  EXPECT_EQ(t->on_branch_failure(forwarded, response(480)), Verdict::next);
  ASSERT_EQ(forwarded.targets.size(), 1u);
  EXPECT_EQ(forwarded.targets[0].request_uri, "sip:carol@ims.test");
  // carol cannot be reached either: hers to announce (her own TAS), not bob's
  EXPECT_EQ(t->on_branch_failure(forwarded, response(480)), Verdict::next);
  EXPECT_EQ(forwarded.targets.size(), 1u);
  // the caller's own side does not announce its callee's failure
  FakeHelper caller(request(kOrig));
  t = tsx(caller);
  t->on_request(caller);
  EXPECT_EQ(t->on_branch_failure(caller, response(480)), Verdict::next);
  EXPECT_TRUE(caller.targets.empty());
}

TEST_F(TasAnnouncementTest, DiallingEchoOrStar43GoesToTheMrfsEchoTest) {
  for (const auto* ruri : {"sip:echo@ims.test", "sip:*43@ims.test;user=phone", "tel:*43;phone-context=ims.test"}) {
    FakeHelper h(request(kOrig, ruri));
    EXPECT_EQ(tsx(h)->on_request(h), Verdict::next) << ruri;
    EXPECT_EQ(h.request().request_uri(), "sip:echo@mrf.ims.test") << ruri;
    EXPECT_TRUE(h.statuses.empty());
  }
  // with announcements off too: the echo test is no announcement
  make(false);
  FakeHelper off(request(kOrig, "tel:*43;phone-context=ims.test"));
  EXPECT_EQ(tsx(off)->on_request(off), Verdict::next);
  EXPECT_EQ(off.request().request_uri(), "sip:echo@mrf.ims.test");
  // the terminating side of a user called echo is an ordinary call
  FakeHelper term(request("<sip:echo@ims.test>;sescase=term;regstate=reg", "sip:echo@ims.test"));
  EXPECT_EQ(tsx(term)->on_request(term), Verdict::next);
  EXPECT_EQ(term.request().request_uri(), "sip:echo@ims.test");
  // no MRF: *43 is dialled as it is (a malformed star code then)
  make(true, "");
  FakeHelper none(request(kOrig, "sip:echo@ims.test"));
  EXPECT_EQ(tsx(none)->on_request(none), Verdict::next);
  EXPECT_EQ(none.request().request_uri(), "sip:echo@ims.test");
}

}  // namespace
}  // namespace imsbox::tas
