// Call detail records (scscf/call_records.h): the recorder's view of a call
// attempt from INVITE to its end, and the rows it leaves in the store.
#include "scscf/call_records.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "unit/proxy_fakes.h"
#include "unit/test_dir.h"

namespace imsbox::scscf {
namespace {

using namespace std::chrono_literals;
using test::parse;

const WallTime kT0{std::chrono::seconds{1'700'000'000}};

sip::Message request(std::string_view method, std::string_view from_tag, std::string_view to_tag = "") {
  return parse(std::string(method) + " sip:bob@ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
               "From: <sip:alice@ims.test>;tag=" + std::string(from_tag) + "\r\nTo: <sip:bob@ims.test>" +
               (to_tag.empty() ? "" : ";tag=" + std::string(to_tag)) + "\r\nCall-ID: c1\r\nCSeq: 1 " +
               std::string(method) + "\r\nP-Asserted-Identity: <tel:+15550100>\r\n"
               "P-Charging-Vector: icid-value=ab12;icid-generated-at=127.0.0.1\r\nContent-Length: 0\r\n\r\n");
}

TEST(CallRecorder, AnsweredCallHungUpByTheCallee) {
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  calls.invite(request("INVITE", "a"), kT0 + 1s);  // the terminating pass: the same call
  auto changed = calls.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].caller, "tel:+15550100");
  EXPECT_EQ(changed[0].callee, "sip:bob@ims.test");
  EXPECT_EQ(changed[0].icid, "ab12");
  EXPECT_EQ(changed[0].invite_at, kT0);
  calls.final_response("c1", 200, kT0 + 2s);
  calls.final_response("c1", 200, kT0 + 3s);  // seen again upstream: the first counts
  calls.bye(request("BYE", "b", "a"), kT0 + 10s);  // from the callee: its From tag is not the caller's
  changed = calls.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].status, 200);
  EXPECT_EQ(changed[0].answered_at, kT0 + 2s);
  EXPECT_EQ(changed[0].ended_at, kT0 + 10s);
  EXPECT_EQ(changed[0].cause, "normal");
  EXPECT_EQ(changed[0].ended_by, "callee");
  EXPECT_EQ(calls.open(), 0u);  // ended: forgotten once handed over
  calls.bye(request("BYE", "a", "b"), kT0 + 11s);  // the other pass of the BYE
  EXPECT_TRUE(calls.take_changed().empty());
}

TEST(CallRecorder, ByeWithASipReasonIsAReleaseByTheNetwork) {
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  calls.final_response("c1", 200, kT0 + 1s);
  auto bye = request("BYE", "b", "a");
  bye.append(sip::HeaderId::reason, "SIP ;cause=480;text=\"Registration ended\"");
  calls.bye(bye, kT0 + 5s);
  const auto changed = calls.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].cause, "released");
  EXPECT_EQ(changed[0].ended_by, "network");
}

// The P-CSCF released a call whose media stopped: the Reason's cause and
// text, and the media figures on the BYE toward the network (P-RTP-Stat).
TEST(CallRecorder, AReleaseKeepsItsReasonAndTheMediaFigures) {
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  calls.final_response("c1", 200, kT0 + 1s);
  auto bye = request("BYE", "a", "b");  // on behalf of the caller (her P-CSCF)
  bye.append(sip::HeaderId::reason, "SIP;cause=408;text=\"media timeout\"");
  bye.append("P-RTP-Stat", "PS=250,OS=43000,PR=240,OR=41280,PL=3,JI=7");
  calls.bye(bye, kT0 + 70s);
  const auto changed = calls.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].cause, "released");
  EXPECT_EQ(changed[0].reason_cause, 408);
  EXPECT_EQ(changed[0].reason_text, "media timeout");
  EXPECT_EQ(changed[0].rtp_party, "caller");
  EXPECT_EQ(changed[0].rtp.packets_sent, 250u);
  EXPECT_EQ(changed[0].rtp.octets_received, 41280u);
  EXPECT_EQ(changed[0].rtp.packets_lost, 3u);
  EXPECT_EQ(changed[0].rtp.jitter_ms, 7u);
}

// A UE hung up on: its P-CSCF puts its figures on the BYE's 2xx, after the
// record ended and was written; it is written again with them.
TEST(CallRecorder, MediaFiguresOnTheByes200ComeAfterTheEnd) {
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  calls.final_response("c1", 200, kT0 + 1s);
  calls.bye(request("BYE", "b", "a"), kT0 + 5s);  // the callee hangs up
  auto changed = calls.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_TRUE(changed[0].rtp_party.empty());
  auto ok = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
                  "From: <sip:bob@ims.test>;tag=b\r\nTo: <sip:alice@ims.test>;tag=a\r\nCall-ID: c1\r\n"
                  "CSeq: 2 BYE\r\nP-RTP-Stat: PS=10,OS=1720,PR=12,OR=2064\r\nContent-Length: 0\r\n\r\n");
  calls.bye_answered(ok);
  changed = calls.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].cause, "normal");
  EXPECT_EQ(changed[0].rtp_party, "caller");  // the BYE's recipient
  EXPECT_EQ(changed[0].rtp.packets_received, 12u);
  EXPECT_FALSE(changed[0].rtp.packets_lost);
  calls.bye_answered(ok);  // the first figures count
  EXPECT_TRUE(calls.take_changed().empty());
  // a minute later the ended record is gone for good
  calls.expire(kT0 + 70s, 86400s, 600s);
  auto late = ok.clone();
  calls.bye_answered(late);
  EXPECT_TRUE(calls.take_changed().empty());
  EXPECT_EQ(calls.open(), 0u);
}

// Records whose end never shows end by themselves, not to pile up in memory.
TEST(CallRecorder, CallsWhoseEndIsNeverSeenEndAsLost) {
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  calls.final_response("c1", 200, kT0 + 1s);
  EXPECT_EQ(calls.expire(kT0 + 3600s, 86400s, 600s), 0u);  // an hour's call goes on
  calls.take_changed();
  EXPECT_EQ(calls.expire(kT0 + 86402s, 86400s, 600s), 1u);
  const auto changed = calls.take_changed();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].cause, "lost");
  EXPECT_EQ(changed[0].ended_by, "network");
  EXPECT_EQ(calls.open(), 0u);
}

TEST(CallRecorder, CancelledRejectedAndFailedAttempts) {
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  calls.cancelled("c1", kT0 + 1s);
  calls.final_response("c1", 487, kT0 + 2s);
  auto r = calls.take_changed();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 487);
  EXPECT_EQ(r[0].cause, "cancelled");
  EXPECT_EQ(r[0].ended_by, "caller");
  EXPECT_EQ(r[0].ended_at, kT0 + 1s);

  calls.invite(request("INVITE", "a"), kT0);
  calls.final_response("c1", 486, kT0 + 1s);
  r = calls.take_changed();
  EXPECT_EQ(r[0].cause, "rejected");
  EXPECT_EQ(r[0].ended_by, "callee");

  calls.invite(request("INVITE", "a"), kT0);
  calls.final_response("c1", 480, kT0 + 1s);
  r = calls.take_changed();
  EXPECT_EQ(r[0].cause, "failed");
  EXPECT_EQ(r[0].ended_by, "network");
  EXPECT_FALSE(r[0].answered_at);
}

TEST(CallRecorder, TheStoreKeepsOneRowPerCallUpdatedAsItGoes) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "scscf");
  SqlCallRecordStore store(db);
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  store.write(calls.take_changed());
  calls.final_response("c1", 200, kT0 + 2s);
  calls.bye(request("BYE", "a", "b"), kT0 + 5s);
  store.write(calls.take_changed());
  auto q = db.prepare(
      "SELECT caller, callee, icid, invite_at, answered_at, ended_at, status, cause, ended_by, reason_cause, "
      "rtp_party FROM scscf_call_record");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "tel:+15550100");
  EXPECT_EQ(q.text(1), "sip:bob@ims.test");
  EXPECT_EQ(q.text(2), "ab12");
  EXPECT_EQ(q.integer(3), 1'700'000'000'000);
  EXPECT_EQ(q.integer(4), 1'700'000'002'000);
  EXPECT_EQ(q.integer(5), 1'700'000'005'000);
  EXPECT_EQ(q.integer(6), 200);
  EXPECT_EQ(q.text(7), "normal");
  EXPECT_EQ(q.text(8), "caller");
  EXPECT_TRUE(q.is_null(9));
  EXPECT_TRUE(q.is_null(10));
  EXPECT_FALSE(q.step());
}

TEST(CallRecorder, TheStoreKeepsTheReasonAndTheMediaFigures) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "scscf");
  SqlCallRecordStore store(db);
  CallRecorder calls;
  calls.invite(request("INVITE", "a"), kT0);
  calls.final_response("c1", 200, kT0 + 2s);
  auto bye = request("BYE", "b", "a");
  bye.append(sip::HeaderId::reason, "SIP;cause=408;text=\"media timeout\"");
  bye.append("P-RTP-Stat", "PS=250,OS=43000,PR=240,OR=41280,JI=7");
  calls.bye(bye, kT0 + 70s);
  store.write(calls.take_changed());
  auto q = db.prepare(
      "SELECT cause, reason_cause, reason_text, rtp_party, rtp_packets_sent, rtp_octets_sent, rtp_packets_received, "
      "rtp_octets_received, rtp_packets_lost, rtp_jitter_ms FROM scscf_call_record");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "released");
  EXPECT_EQ(q.integer(1), 408);
  EXPECT_EQ(q.text(2), "media timeout");
  EXPECT_EQ(q.text(3), "callee");
  EXPECT_EQ(q.integer(4), 250);
  EXPECT_EQ(q.integer(5), 43000);
  EXPECT_EQ(q.integer(6), 240);
  EXPECT_EQ(q.integer(7), 41280);
  EXPECT_TRUE(q.is_null(8));
  EXPECT_EQ(q.integer(9), 7);
}

}  // namespace
}  // namespace imsbox::scscf
