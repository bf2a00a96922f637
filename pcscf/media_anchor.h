#pragma once
// The P-CSCF's control of the AGW (TS 23.228 Annex U: the eP-CSCF anchors
// the media of its WebRTC UEs in the eIMS-AGW), over rtpengine's ng
// protocol (ng_client.h, ng_commands.h), so that rtpengine can stand in.
//
// Which calls: pcscf.media_anchor = webrtc (default) anchors every INVITE
// dialog of a UE on a WebSocket flow (WS/WSS), `all` every INVITE dialog of
// a registered UE, `none` none. A call is anchored per leg: the originating
// leg (the UE is the caller) and the terminating one (the UE is the callee)
// are AGW sessions of their own (ng call-id "<Call-ID>;orig" / ";term",
// ng_call_id()), each between the UE's form of media and the network's
// (plain RTP/AVP), as the two P-CSCFs of a real network would; a call
// between two UEs of this P-CSCF has two.
//
// What happens to the SDP of an anchored dialog: every SDP offer and answer
// is replaced by the one the AGW writes, in the form of the side it goes to
// (ng_commands.h): an offer in INVITE, re-INVITE, UPDATE, PRACK, or in the
// 18x / 2xx of an INVITE without SDP (late offer); an answer in 18x, 2xx,
// PRACK, or the ACK of a late offer. A repeated body (a 2xx retransmission,
// the 200 that repeats a 183's answer) gets the same rewrite without asking
// again. The initial INVITE's early dialogs go to the AGW with its Via
// branch and each its To tag, as rtpengine expects of forking. Forked early
// dialogs (the S-CSCF sends the INVITE to each of the callee's contacts):
// the AGW's media goes to the early dialog it got the last answer from; the
// 2xx of another one selects that one (its answer again, with the 2xx's SDP
// or, when the 2xx has none, with the SDP that dialog answered with). The
// branches of a forked INVITE reaching this P-CSCF share their leg (one AGW
// session): the failure of one (the 487 after the CANCEL the other's 200
// brought) leaves it to the others.
// `delete` on BYE (before it is forwarded, so that the final counts go with
// it: P-RTP-Stat on the BYE when the UE sent it, on its 2xx otherwise), on a
// final failure of the initial INVITE (a CANCEL's 487 included), and when
// the P-CSCF releases the UE's dialogs. An SDP that does not parse
// (shared/sdp) gets 488 and nothing else changes; an AGW that refuses or
// does not answer: 488 / 503 to a request; a response passes on without its
// body (18x) or as it is, and then the dialog is released (2xx).
// A SIP INFO with DTMF (application/dtmf-relay, application/dtmf) from the UE
// of an anchored call becomes ng `play DTMF` toward the other side, and the
// P-CSCF answers it 200 (it is forwarded when the AGW cannot play it).
//
// Media checks: every `check_interval` each confirmed anchored call is
// queried. Its RTP packet count (ng query `totals`) standing still for
// `media_timeout`, the call not on hold (its last SDP had sendrecv media)
// -> the call is released with BYEs, Reason: SIP;cause=408;
// text="media timeout"; a session the AGW no longer knows (an error answer:
// rtpengine's "Unknown call-id", after a restart, or after its own timeout)
// -> released too (408 "media timeout" when the media had stopped long
// enough for that to be the AGW's own timeout, else 503 "media session
// lost"); an AGW silent for `media_timeout` -> 503 "media gateway not
// answering". The last counts go on the BYE toward the network (P-RTP-Stat).
//
// Pure but for the ng client's send function and the timers; time comes
// from the injected clock. Single-threaded: the P-CSCF's event loop.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ims/rtp_stat.h"
#include "pcscf/ng_client.h"
#include "pcscf/ng_commands.h"
#include "runtime/clock.h"
#include "runtime/timer_queue.h"
#include "sip/message.h"
#include "sip/peer.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::runtime {
class Logger;
class Counter;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::pcscf {

enum class AnchorMode { none, webrtc, all };
std::optional<AnchorMode> parse_anchor_mode(std::string_view text);
std::string_view to_string(AnchorMode mode);

struct MediaAnchorOptions {
  AnchorMode mode = AnchorMode::webrtc;
  std::chrono::seconds media_timeout{60};          // agw.media_timeout_s
  std::chrono::milliseconds check_interval{5000};  // pcscf.media_check_interval_ms
  NgClientOptions ng;
};

// Why the anchor wants a call released; the service sends the BYEs.
struct MediaRelease {
  std::string call_id;  // the SIP Call-ID
  std::string ue_tag;   // the UE's tag in the dialog
  int cause = 408;      // Reason: SIP;cause=<cause>;text="<text>"
  std::string text;
  std::optional<ims::RtpStat> rtp_stat;  // for the BYE toward the network
};

// The P-CSCF's figures for its UE from the AGW's counts (ims/rtp_stat.h).
ims::RtpStat rtp_stat_for_ue(const CallMedia& media);

// One anchored leg of a call (an AGW session). Exposed for tests and logs.
struct AnchoredLeg {
  enum class Side { ue, network };
  struct Offer {
    Side from = Side::ue;
    std::string method;  // of the transaction it came in
    std::uint32_t cseq = 0;
    bool in_response = false;  // made in a 18x/2xx (late offer)
  };
  std::string sip_call_id;
  std::string ng_call_id;
  std::uint64_t generation = 0;  // which initial INVITE opened it (a new one with the Call-ID opens it again)
  bool originating = true;  // the UE is the caller
  bool ue_webrtc = false;   // the UE is on a WebSocket flow
  std::string ue_tag;
  std::string network_tag;
  std::string offerer_tag;  // the initial INVITE's From tag: a party the AGW has from the first offer
  std::string via_branch;   // of the initial INVITE, for its early dialogs
  std::uint32_t initial_cseq = 0;  // of the initial INVITE
  int forks = 0;  // its branches here still without a final response (a forking S-CSCF sends one per contact)
  std::string answered_tag;  // the To tag of the last answer the AGW got in a response to it
  std::map<std::string, std::string> early_answers;  // To tag -> the SDP its early dialog answered with
  bool session = false;     // an offer went through: the AGW has a session
  bool confirmed = false;   // the initial INVITE's 2xx went through
  std::optional<Offer> pending;  // an offer waiting for its answer
  std::optional<Offer> late;     // an INVITE without SDP: the offer comes in its response
  // The last response bodies the AGW rewrote: key (To tag, CSeq, input body) -> output.
  std::vector<std::pair<std::string, std::string>> rewritten;
  std::set<std::string> in_progress;  // keys being rewritten now
  // media checks
  runtime::Clock::MonotonicTime last_activity{};
  std::uint64_t last_packets = 0;
  std::optional<CallMedia> media;  // the last query's (or delete's) counts
  std::optional<runtime::Clock::MonotonicTime> unanswered_since;
  bool held = false;       // the last SDP had no sendrecv media (hold): no media timeout
  bool checking = false;   // a query is out
  bool releasing = false;  // released (or its other leg is): no more checks
};

class MediaAnchor;

// The media part of one proxied transaction in an INVITE dialog of a UE:
// the P-CSCF's transaction holds it and calls it from its on_request /
// filter_response. Its AGW requests are cancelled when it is destroyed.
class MediaTsx {
 public:
  // `originating`: the leg (the UE is the caller); `from_ue`: the request
  // comes from the UE (else it goes to it).
  MediaTsx(MediaAnchor& anchor, bool originating, bool from_ue);
  // An initial INVITE that ends without its 2xx having gone through (the
  // core answered it, a CANCEL crossed the AGW's answer) takes its leg and
  // AGW session with it.
  ~MediaTsx();
  MediaTsx(const MediaTsx&) = delete;
  MediaTsx& operator=(const MediaTsx&) = delete;

  // `new_dialog_flow`: for an initial INVITE, the UE's flow (whether to
  // anchor); null otherwise. May answer (488, 503, 200 to a DTMF INFO) or wait.
  sip::proxy::Verdict on_request(sip::proxy::ProxyTsxHelper& helper, const sip::Peer* new_dialog_flow);
  sip::proxy::Verdict filter_response(sip::proxy::ProxyTsxHelper& helper, sip::Message& response);

 private:
  using Side = AnchoredLeg::Side;
  sip::proxy::Verdict bye(sip::proxy::ProxyTsxHelper& helper, AnchoredLeg& leg);
  sip::proxy::Verdict info(sip::proxy::ProxyTsxHelper& helper, AnchoredLeg& leg);
  void start(NgClient::RequestId id) { ng_request_ = id; }
  // An initial INVITE's branch got its final response (or ended): one fork fewer.
  void end_fork(AnchoredLeg& leg);

  MediaAnchor& anchor_;
  bool originating_;
  bool from_ue_;
  std::string key_;  // the leg's ng call-id
  std::string call_id_;  // the SIP Call-ID
  std::string method_;
  std::uint32_t cseq_ = 0;
  bool initial_invite_ = false;
  std::optional<NgClient::RequestId> ng_request_;  // the one out now
  bool initial_offer_out_ = false;                 // ... is the initial INVITE's offer
  std::uint64_t generation_ = 0;                   // of the leg an initial INVITE opened (or joined)
  bool fork_ended_ = false;                        // end_fork() ran
  std::string offerer_tag_;
  std::optional<ims::RtpStat> stat_for_response_;  // a BYE toward the UE: its 2xx carries the counts
};

class MediaAnchor {
 public:
  using Release = std::function<void(const MediaRelease&)>;
  MediaAnchor(MediaAnchorOptions options, runtime::Logger& log, const runtime::Clock& clock,
              runtime::Metrics* metrics = nullptr);
  ~MediaAnchor();
  MediaAnchor(const MediaAnchor&) = delete;
  MediaAnchor& operator=(const MediaAnchor&) = delete;

  // Starts talking to the AGW: `send` puts one datagram on the wire
  // (answers come to on_datagram()), the timers run retransmissions and the
  // media checks, `release` is told of calls to release. Without it (or
  // with mode none) nothing is anchored.
  void attach(runtime::TimerQueue& timers, NgClient::Send send, Release release, std::string cookie_prefix);
  void on_datagram(std::string_view datagram);

  const MediaAnchorOptions& options() const { return options_; }
  // Whether a new INVITE dialog of a UE on that flow is anchored.
  bool anchors(const sip::Peer& ue_flow) const;

  // The ACK of a 2xx on the leg its Route names (ProxyService::on_ack):
  // the answer of a late offer goes to the AGW first.
  bool on_ack(sip::Message& ack, bool originating, const sip::proxy::ProxyService::ForwardAck& forward);
  // A 2xx retransmission (ProxyService::on_stray_2xx): the body it was given
  // the first time; false (drop it) while that is being made.
  bool on_stray_2xx(sip::Message& response);
  // The P-CSCF released a UE's dialog itself (its registration ended): the
  // session goes.
  void dialog_released(std::string_view call_id, std::string_view ue_tag);

  const AnchoredLeg* leg(std::string_view ng_call_id) const;
  std::size_t legs() const { return legs_.size(); }
  NgClient* ng() { return ng_.get(); }

 private:
  friend class MediaTsx;
  using Side = AnchoredLeg::Side;
  AnchoredLeg* find(std::string_view key);
  AnchoredLeg& open(const std::string& key, const sip::Message& invite, bool originating, bool ue_webrtc);
  // Forgets a leg; with `remove_session`, deletes its AGW session first.
  void close(const std::string& key, bool remove_session, std::string_view why);
  // Deletes an AGW session whose leg is gone already (an offer answered after a CANCEL).
  void delete_session(const std::string& key, const std::string& from_tag, const std::string& call_id,
                      std::string why);
  runtime::Logger& log() { return log_; }
  runtime::Clock::MonotonicTime now() const { return clock_.now(); }
  void check_media();
  void arm_checks();
  void on_query(const std::string& key, NgAnswer answer);
  void release(AnchoredLeg& leg, int cause, std::string text);
  void remember(AnchoredLeg& leg, std::string key, std::string output);
  // An offer or answer of the leg passes: whether it holds the call.
  void saw_sdp(AnchoredLeg& leg, std::string_view body);
  NgClient::RequestId send(std::string dictionary, std::string label, std::string call_id, NgClient::Callback done);

  MediaAnchorOptions options_;
  runtime::Logger& log_;
  const runtime::Clock& clock_;
  runtime::TimerQueue* timers_ = nullptr;
  std::unique_ptr<NgClient> ng_;
  Release release_;
  std::unordered_map<std::string, AnchoredLeg> legs_;  // by ng call-id
  std::uint64_t next_generation_ = 1;
  std::set<NgClient::RequestId> own_requests_;          // the anchor's own (ACK answers, queries, deletes)
  std::optional<runtime::TimerQueue::TimerId> check_timer_;
  runtime::Counter* sessions_total_ = nullptr;
  runtime::Counter* failures_total_ = nullptr;
  runtime::Counter* released_total_ = nullptr;
};

}  // namespace imsbox::pcscf
