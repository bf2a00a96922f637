#pragma once
// Call detail records (issue 6): one per call attempt (an initial INVITE the
// S-CSCF routes), with who called whom, the Call-ID and icid, when it was
// offered, answered and ended, its final status, why it ended and which side
// hung up. Pure: CallRecorder is fed what the service sees (the INVITE, its
// final response, CANCEL, BYE) with wall-clock times and hands back the
// records that changed, for the store (CallRecordStore).
//
// The S-CSCF sees a call twice when it serves both ends (originating, then
// terminating after the I-CSCF): the record is opened at the first sight of
// a Call-ID and every later event is taken once.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ims/rtp_stat.h"
#include "runtime/clock.h"
#include "sip/message.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::scscf {

using WallTime = runtime::Clock::WallTime;

struct CallRecord {
  std::string call_id;
  std::string icid;    // P-Charging-Vector icid-value, empty when none
  std::string caller;  // P-Asserted-Identity, else From
  std::string callee;  // the Request-URI as the caller sent it
  std::string caller_tag;  // From tag: tells which side a BYE comes from
  WallTime invite_at{};
  std::optional<WallTime> answered_at;
  std::optional<WallTime> ended_at;
  int status = 0;      // the INVITE's final status; 0: none yet
  std::string cause;   // why it ended: "normal", "cancelled", "rejected", "failed", "released" (by the network), "lost" (no end seen)
  std::string ended_by;  // "caller", "callee", "network"; empty while going on
  // A release by the network: its BYE's Reason (RFC 3326), e.g. 408 "media
  // timeout" from the P-CSCF when the AGW saw no RTP; 0 / empty otherwise.
  int reason_cause = 0;
  std::string reason_text;
  // The media figures of one party (P-RTP-Stat, ims/rtp_stat.h, the first one
  // seen): "caller" or "callee", whose view they are; empty without.
  std::string rtp_party;
  ims::RtpStat rtp;
};

class CallRecorder {
 public:
  // An initial INVITE: opens the record of its Call-ID (once).
  void invite(const sip::Message& request, WallTime now);
  // The final response to the initial INVITE (the first one counts).
  void final_response(std::string_view call_id, int status, WallTime now);
  // The caller cancelled the INVITE.
  void cancelled(std::string_view call_id, WallTime now);
  // A BYE in the dialog: the call ends, hung up by the side it comes from,
  // or released by the network when it carries a SIP Reason (RFC 3326),
  // whose cause and text the record keeps. A P-RTP-Stat on it gives the
  // media figures of the BYE's sender.
  void bye(const sip::Message& request, WallTime now);
  // The 2xx to a BYE: a P-RTP-Stat on it gives the media figures of the
  // BYE's recipient (the P-CSCF of a UE that was hung up on puts them there).
  // For a record ended a little earlier (kept kFinishedKept) too.
  void bye_answered(const sip::Message& response);
  // Records whose end was never seen (no BYE through us: a UE that vanished,
  // a lost message) end as "lost" by the network: answered ones after
  // `max_call`, unanswered ones after `max_attempt`. How many.
  std::size_t expire(WallTime now, std::chrono::seconds max_call, std::chrono::seconds max_attempt);
  // The records changed since the last call; ended ones are forgotten here.
  std::vector<CallRecord> take_changed();
  std::size_t open() const { return records_.size(); }

 private:
  CallRecord* find(std::string_view call_id);
  // An open record, or one that ended within kFinishedKept.
  CallRecord* find_any(std::string_view call_id);
  void end(CallRecord& r, WallTime now, std::string cause, std::string by);
  // The first P-RTP-Stat of a call counts: the party its P-CSCF spoke for.
  void media(CallRecord& r, const sip::Message& m, bool caller);
  // Ended records stay this long for the media figures on the BYE's 2xx.
  static constexpr std::chrono::seconds kFinishedKept{64};
  std::map<std::string, CallRecord, std::less<>> records_;
  std::map<std::string, CallRecord, std::less<>> finished_;  // ended and written, kept kFinishedKept
  std::set<std::string, std::less<>> changed_;
};

// Where the records go: the table scscf_call_record of the box's store.
class CallRecordStore {
 public:
  virtual ~CallRecordStore() = default;
  // Inserts or updates (by Call-ID) all at once.
  virtual void write(const std::vector<CallRecord>& records) = 0;
};

class SqlCallRecordStore final : public CallRecordStore {
 public:
  explicit SqlCallRecordStore(store::Database& db) : db_(db) {}
  void write(const std::vector<CallRecord>& records) override;

 private:
  store::Database& db_;
};

}  // namespace imsbox::scscf
