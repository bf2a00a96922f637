// What the TAS reports of the calls it diverts or bars (TasOptions::record,
// tas/call_event.h) and how the node stores it (store v11, tas_call_event).
#include "tas/call_event.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "store/call_event_table.h"
#include "store/database.h"
#include "tas/tas_service.h"
#include "unit/proxy_fakes.h"
#include "unit/tas/simservs_doc.h"
#include "unit/test_dir.h"

namespace imsbox::tas {
namespace {

using sip::proxy::Verdict;
using FakeHelper = test::FakeProxyHelper;

// An INVITE from anna to bert as the S-CSCF hands it to the TAS for `served`
// (a P-Served-User value), with `privacy` (a Privacy value) when not empty.
std::string invite(const std::string& served, const std::string& privacy = {}) {
  std::string m =
      "INVITE sip:bert@d.test SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKe1\r\n"
      "Max-Forwards: 70\r\n"
      "Route: <sip:127.0.0.1:6060;odi=e1;lr>\r\n"
      "From: <sip:anna@d.test>;tag=a1\r\n"
      "To: <sip:bert@d.test>\r\n"
      "Call-ID: event-call@test\r\n"
      "CSeq: 7 INVITE\r\n"
      "P-Asserted-Identity: <sip:anna@d.test>\r\n"
      "P-Served-User: " + served + "\r\n";
  if (!privacy.empty()) m += "Privacy: " + privacy + "\r\n";
  return m + "Content-Length: 0\r\n\r\n";
}

std::string rule(const std::string& id, const std::string& conditions, const std::string& action) {
  return "<cp:rule id=\"" + id + "\"><cp:conditions>" + conditions + "</cp:conditions><cp:actions>" + action +
         "</cp:actions></cp:rule>";
}

class CallEventTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = test::test_log_path("tas-events");
    log_ = std::make_unique<runtime::Logger>("tas", runtime::LogLevel::debug, log_path_, clock_);
    TasOptions options;
    options.services_of = [this](std::string_view impu) {
      const auto it = documents_.find(std::string(impu));
      return it == documents_.end() ? simservs::empty_document() : it->second;
    };
    options.record = [this](const CallEvent& e) { events_.push_back(e); };
    service_ = std::make_unique<TasService>(std::move(options), *log_);
  }
  void TearDown() override { std::filesystem::remove(log_path_); }

  // Runs `h`'s request through the service; the verdict.
  Verdict run(FakeHelper& h) {
    tsx_ = service_->on_request(h.request(), h.source());
    EXPECT_NE(tsx_, nullptr);
    return tsx_->on_request(h);
  }

  runtime::ManualClock clock_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  std::map<std::string, simservs::Document> documents_;
  std::unique_ptr<TasService> service_;
  std::unique_ptr<sip::proxy::ProxyTsx> tsx_;
  std::vector<CallEvent> events_;
};

TEST_F(CallEventTest, EachBarringIsReportedWithItsUserStatusAndRule) {
  const std::string bar = "<allow>false</allow>";
  documents_.emplace("sip:anna@d.test", simservs_document("<outgoing-communication-barring><cp:ruleset>" +
                                                          rule("ocb1", "", bar) +
                                                          "</cp:ruleset></outgoing-communication-barring>"));
  documents_.emplace("sip:bert@d.test", simservs_document("<incoming-communication-barring><cp:ruleset>" +
                                                          rule("acr1", "<anonymous/>", bar) +
                                                          "</cp:ruleset></incoming-communication-barring>"));
  FakeHelper originating(invite("<sip:anna@d.test>;sescase=orig"));
  EXPECT_EQ(run(originating), Verdict::done);
  FakeHelper anonymous(invite("<sip:bert@d.test>;sescase=term", "id"));
  EXPECT_EQ(run(anonymous), Verdict::done);
  FakeHelper known(invite("<sip:bert@d.test>;sescase=term"));
  EXPECT_EQ(run(known), Verdict::next);  // neither barred nor diverted: nothing to report

  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].call_id, "event-call@test");
  EXPECT_EQ(events_[0].served_user, "sip:anna@d.test");
  EXPECT_EQ(events_[0].session_case, simservs::SessionCase::originating);
  EXPECT_EQ(events_[0].service, "OCB");
  EXPECT_EQ(events_[0].cause, 603);
  EXPECT_EQ(events_[0].rule_id, "ocb1");
  EXPECT_FALSE(events_[0].target);
  EXPECT_EQ(events_[1].served_user, "sip:bert@d.test");
  EXPECT_EQ(events_[1].session_case, simservs::SessionCase::terminating);
  EXPECT_EQ(events_[1].service, "ACR");
  EXPECT_EQ(events_[1].cause, 433);
  EXPECT_EQ(events_[1].rule_id, "acr1");
}

TEST_F(CallEventTest, EachDiversionIsReportedWithItsServiceCauseAndTarget) {
  const auto to = [](const std::string& target) { return "<forward-to><target>" + target + "</target></forward-to>"; };
  documents_.emplace("sip:bert@d.test",
                     simservs_document("<communication-diversion><cp:ruleset>" +
                                       rule("call-diversion-busy", "<busy/>", to("sip:carl@d.test")) +
                                       "</cp:ruleset></communication-diversion>"));
  FakeHelper busy(invite("<sip:bert@d.test>;sescase=term;regstate=reg"));
  EXPECT_EQ(run(busy), Verdict::next);
  EXPECT_TRUE(events_.empty());  // not yet: only on the callee's 486
  const auto b486 = test::parse(
      "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKe1\r\n"
      "From: <sip:anna@d.test>;tag=a1\r\nTo: <sip:bert@d.test>;tag=b1\r\nCall-ID: event-call@test\r\n"
      "CSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(tsx_->on_branch_failure(busy, b486), Verdict::next);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].served_user, "sip:bert@d.test");
  EXPECT_EQ(events_[0].service, "CFB");
  EXPECT_EQ(events_[0].cause, 486);
  EXPECT_EQ(events_[0].rule_id, "call-diversion-busy");
  EXPECT_EQ(events_[0].target, "sip:carl@d.test");

  documents_.insert_or_assign("sip:bert@d.test",
                              simservs_document("<communication-diversion><cp:ruleset>" +
                                                rule("cfu", "", to("tel:+331234")) +
                                                "</cp:ruleset></communication-diversion>"));
  FakeHelper cfu(invite("<sip:bert@d.test>;sescase=term;regstate=reg"));
  EXPECT_EQ(run(cfu), Verdict::next);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1].service, "CFU");
  EXPECT_EQ(events_[1].cause, 302);
  EXPECT_EQ(events_[1].target, "tel:+331234");
}

TEST(CallEventTable, TheTasStoresEventsAndTheyComeBackPerCallInOrder) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "tas");
  store::CallEventTable table(db);
  CallEvent diverted;
  diverted.call_id = "c1";
  diverted.served_user = "sip:bert@d.test";
  diverted.service = "CFNR";
  diverted.cause = 408;
  diverted.rule_id = "call-diversion-no-reply";
  diverted.target = "sip:voicemail@d.test";
  store_call_event(table, diverted, 1700000000123);
  CallEvent barred;
  barred.call_id = "c2";
  barred.served_user = "sip:anna@d.test";
  barred.session_case = simservs::SessionCase::originating;
  barred.service = "OCB";
  barred.cause = 603;
  barred.rule_id = "bar-all-outgoing";
  store_call_event(table, barred, 1700000000200);
  CallEvent again = diverted;
  again.served_user = "sip:voicemail@d.test";
  again.service = "CFU";
  again.cause = 302;
  again.target = "sip:dora@d.test";
  store_call_event(table, again, 1700000000300);

  const auto c1 = table.of_call("c1");
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(c1[0], (store::TasCallEvent{"c1", 1700000000123, "sip:bert@d.test", "terminating", "CFNR", 408,
                                        "call-diversion-no-reply", std::string("sip:voicemail@d.test")}));
  EXPECT_EQ(c1[1].service, "CFU");
  EXPECT_EQ(c1[1].target, "sip:dora@d.test");
  const auto c2 = table.of_call("c2");
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0], (store::TasCallEvent{"c2", 1700000000200, "sip:anna@d.test", "originating", "OCB", 603,
                                        "bar-all-outgoing", std::nullopt}));
  EXPECT_TRUE(table.of_call("c3").empty());

  // the TAS's table: other nodes (and the CLI) read it only
  auto ctl = store::Database::open(dir / "box.db", "ctl");
  EXPECT_EQ(store::CallEventTable(ctl).of_call("c1").size(), 2u);
  EXPECT_THROW(store::CallEventTable(ctl).add(c2[0]), store::StoreError);
}

}  // namespace
}  // namespace imsbox::tas
