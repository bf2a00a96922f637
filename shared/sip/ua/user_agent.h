#pragma once
// A minimal SIP user agent core (RFC 3261 §8, §9, §12-§15, RFC 3262, RFC
// 3311) on the transaction layer: places, cancels and answers calls,
// acknowledges 2xx, modifies sessions (re-INVITE, UPDATE), sends and
// acknowledges reliable provisional responses (PRACK), ends calls with BYE,
// and answers what it does not handle the way RFC 3261 says.
//
// What a caller may rely on:
// * The UserAgent owns its TransactionLayer (it is that layer's TU). The
//   transport hands it every parsed message through receive(); it sends
//   through the Sender given to the constructor (requests, responses, and
//   the ACK of a 2xx, which is no transaction's business, §13.2.2.4).
// * Timers (the layer's, the 2xx retransmission of §13.3.1.4, the reliable
//   1xx retransmission of RFC 3262 §3, the 64*T1 wait after a CANCEL of §9.1)
//   live in the TimerQueue; nothing happens between calls unless fire_due()
//   runs.
// * Calls are named by CallHandle numbers, never reused; a handle whose call
//   ended finds nothing (the API returns false).
// * Threading: single-threaded, on the event loop's thread. UserAgentEvents
//   callbacks run inside receive(), the API calls and fire_due(); they may
//   call the UserAgent again but must not destroy it.
// * CANCEL (§9.1): cancel() waits for a provisional response before it sends
//   the CANCEL; once it returned true the call ends with cancelled_by_us
//   whatever the INVITE's final response (on_final reports it). A 2xx that
//   raced the CANCEL is ACKed and BYEd by the UA itself (no on_confirmed).
// * Forking (§13.2.2.4): the first 2xx's dialog is the call; a 2xx of another
//   fork is ACKed and BYEd here, unseen by the application, and its
//   retransmissions get the same ACK for 64*T1.
// * Session modification (§14, RFC 3311): a re-INVITE or UPDATE from the peer
//   goes to on_offer(); by default (on_offer returns false) it is answered
//   488 at once. Glare: 491 while one of ours is pending, 500 with a random
//   Retry-After of 0-10 s while the peer's previous INVITE or offer is
//   unanswered or our 2xx to it unacknowledged (§14.2, RFC 3311 §5.2); 481
//   once we sent BYE. The remote target changes only with a
//   2xx to the refresh (RFC 5407 §3.3, RFC 6141 §3.4), sent or received. The
//   2xx of a re-INVITE is ACKed by the UA (without body: reinvite() needs an
//   offer); the 2xx we send to one is retransmitted until its ACK, then BYE
//   (no_ack) after 64*T1 without it, as for the INVITE.
// * Reliable provisional responses (RFC 3262): our INVITEs say Supported:
//   100rel; a 1xx with Require: 100rel and RSeq in the call's dialog gets one
//   PRACK per RSeq, in order (retransmissions and out-of-order ones are not
//   PRACKed nor handed up). As UAS, ring() sends a reliable 1xx when asked
//   and the INVITE supports 100rel (always when it requires it), one
//   unacknowledged at a time, retransmitted doubling from T1 until its PRACK
//   or 64*T1 (then the INVITE gets 500 and the call ends with no_prack). A
//   2xx asked for meanwhile waits for the PRACK; a PRACK matching nothing
//   gets 481.
// * Not done: authentication (trusted IMS nodes); early dialogs of more than
//   one fork (a reliable 1xx of a fork other than the first early dialog is
//   not PRACKed); offers in reliable 1xx (our PRACK carries no body, and a
//   PRACK's body is not handed up); reinvite() without offer (the UA's ACK
//   has no body); CANCEL of a re-INVITE we received (the CANCEL gets 200, the
//   re-INVITE waits for the application); ending the dialog on a 408/481 to
//   a re-INVITE or UPDATE (§12.2.1.2: reported, the application decides); a
//   2xx of another fork arriving after timer M or after the call ended.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/timer_queue.h"
#include "sip/message.h"
#include "sip/peer.h"
#include "sip/transaction/sender.h"
#include "sip/transaction/transaction_layer.h"
#include "sip/transaction/transaction_user.h"
#include "sip/ua/dialog.h"

namespace imsbox::sip::ua {

struct CallHandle {
  std::uint64_t value = 0;
  friend auto operator<=>(const CallHandle&, const CallHandle&) = default;
};

enum class EndReason {
  rejected,         // UAC: a non-2xx final response (or the layer's 408/503)
  bye_sent,         // our BYE got its final response (or timed out)
  bye_received,     // the peer's BYE, answered 200
  cancelled,        // UAS: the caller's CANCEL, answered 487 on the INVITE
  declined,         // UAS: the application answered the INVITE with a non-2xx
  no_ack,           // UAS: no ACK for our 2xx within 64*T1 (§13.3.1.4): BYE sent
  cancelled_by_us,  // UAC: cancel() returned true (§9.1); a racing 2xx was ACKed and BYEd
  no_prack,         // UAS: no PRACK for a reliable 1xx within 64*T1 (RFC 3262 §3): 500 sent
};

// The application's side: every callback has a default that does nothing
// (on_offer: declines).
class UserAgentEvents {
 public:
  virtual ~UserAgentEvents() = default;
  // A new INVITE outside any dialog: answer with ring(), answer(), reject().
  virtual void on_incoming_call(CallHandle, const Message& /*invite*/) {}
  // UAC: a 1xx (100 included) to our INVITE; a reliable one once per RSeq.
  virtual void on_provisional(CallHandle, const Message& /*response*/) {}
  // UAC: the final response to our INVITE (the first 2xx, or the non-2xx,
  // or the layer's 408/503 on timeout/transport error, or a 408 of our own
  // when a CANCEL brought no final response within 64*T1).
  virtual void on_final(CallHandle, const Message& /*response*/) {}
  // The dialog is confirmed: UAC on the first 2xx (send the ACK with ack()),
  // UAS when the ACK of its 2xx arrived. Not after cancel().
  virtual void on_confirmed(CallHandle, const Dialog&) {}
  // The call is over; its handle now finds nothing.
  virtual void on_ended(CallHandle, EndReason) {}

  // A re-INVITE (confirmed dialog) or UPDATE (early or confirmed) from the
  // peer, past the §12.2.2 and glare checks; its body is the offer (a
  // re-INVITE without body asks for one in the 2xx; the answer then comes in
  // the ACK, on_reinvite_ack). Return true to answer it, now or later, with
  // accept_offer() or reject_offer(); false answers it 488 at once.
  virtual bool on_offer(CallHandle, const Message& /*request*/) { return false; }
  // The ACK of the 2xx we sent to a re-INVITE (accept_offer()).
  virtual void on_reinvite_ack(CallHandle, const Message& /*ack*/) {}
  // The final response to our reinvite() or update(): a 2xx (the answer in
  // its body; the UA has ACKed a re-INVITE's), a non-2xx (the session is
  // unchanged, §14.1; 491: glare, try again later), or the layer's 408/503.
  virtual void on_offer_response(CallHandle, const Message& /*response*/) {}

  // Any other request in an early or confirmed dialog (INFO, NOTIFY, REFER,
  // MESSAGE, ...), past the §12.2.2 check: the status it is answered with
  // (200-699). The default, 405 with Allow, is what a UA that does not know
  // the method says (§8.2.1).
  virtual int on_dialog_request(CallHandle, const Message& /*request*/) { return 405; }
  // The final response to a request sent with request() (INFO, REFER, ...),
  // or the layer's 408/503.
  virtual void on_request_response(CallHandle, const Message& /*response*/) {}
};

// A header field a UA adds to what it sends (name and value as written).
struct ExtraHeader {
  std::string name;
  std::string value;
};

// A provisional response of a UAS (ring()).
struct Provisional {
  int status = 180;  // 101-199
  // RFC 3262: send it reliably (Require: 100rel, RSeq) when the INVITE said
  // Supported: 100rel. An INVITE with Require: 100rel gets every 1xx reliably.
  bool reliable = false;
  std::string body;  // empty: none
  std::string content_type = "application/sdp";
  std::vector<ExtraHeader> headers;  // e.g. P-Early-Media (RFC 5009)
};

class UserAgent final : public transaction::TransactionUser {
 public:
  struct Options {
    Transport transport = Transport::udp;  // in Via and Contact
    std::string host = "127.0.0.1";        // Via sent-by and Contact host
    std::uint16_t port = 5060;
    // Every out-of-dialog request (the INVITE) goes there; none: to where its
    // Request-URI leads. In-dialog requests go where their top Route (the
    // route set) or Request-URI (the remote target) leads (§12.2.1.1).
    std::optional<Peer> outbound_proxy;
    // Host names to addresses (proxy::next_hop); none: IP literals only.
    std::function<std::optional<boost::asio::ip::address>(std::string_view)> resolve;
    transaction::TransactionLayer::Options layer;
    // Seed of the tag and Call-ID generator; none: std::random_device.
    std::optional<std::uint64_t> seed;
    // The Allow header field's value (responses to OPTIONS, 405s, our INVITE,
    // 2xx, re-INVITE, UPDATE): add the methods on_dialog_request() takes.
    std::string allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE";
  };

  UserAgent(transaction::Sender& sender, runtime::TimerQueue& timers, UserAgentEvents& events, Options options);
  ~UserAgent() override;
  UserAgent(const UserAgent&) = delete;
  UserAgent& operator=(const UserAgent&) = delete;

  // From the transport: a well-formed message from `source`.
  void receive(Message message, const Peer& source);

  // ---- UAC ----
  // Sends an INVITE from `from_uri` to `target_uri` with `body` (empty: no
  // body), Supported: 100rel. None when there is nowhere to send it.
  std::optional<CallHandle> invite(std::string_view target_uri, std::string_view from_uri, std::string body = {},
                                   std::string_view content_type = "application/sdp");
  // Sends the ACK of the 2xx that confirmed the call (§13.2.2.4), with an
  // optional body; repeated to every retransmission of that 2xx.
  bool ack(CallHandle call, std::string body = {}, std::string_view content_type = "application/sdp");
  // Cancels our INVITE (§9.1): sends CANCEL now, or on the first provisional
  // response if none came yet. False once the INVITE has a final response
  // (or cancel() was called before).
  bool cancel(CallHandle call);

  // ---- UAS ----
  // A provisional response (default 180 Ringing) with our Contact: an early
  // dialog. False while a reliable one is unacknowledged and this one would
  // be reliable too (RFC 3262 §3).
  bool ring(CallHandle call, Provisional provisional = {});
  // 200 OK with `body`, retransmitted until its ACK (§13.3.1.4). While a
  // reliable 1xx awaits its PRACK the 200 waits too (RFC 3262 §3).
  bool answer(CallHandle call, std::string body = {}, std::string_view content_type = "application/sdp");
  bool reject(CallHandle call, int status);  // a 3xx-6xx; ends the call

  // ---- both ----
  // Sends BYE in a confirmed dialog (§15.1.1); the call ends on its answer.
  bool bye(CallHandle call);
  // Session modification (§14.1, RFC 3311 §5.1): sends a re-INVITE with the
  // offer `body` (not empty) in a confirmed dialog whose INVITE exchange is
  // over (2xx ACKed), or an UPDATE (body optional) in an early or confirmed
  // dialog. False while another offer is pending either way or a BYE went
  // out. The final response comes to on_offer_response().
  bool reinvite(CallHandle call, std::string body, std::string_view content_type = "application/sdp");
  bool update(CallHandle call, std::string body = {}, std::string_view content_type = "application/sdp");
  // Answers the peer's re-INVITE/UPDATE that on_offer() took: 200 with our
  // Contact and `body` (the answer, or the offer to a re-INVITE without
  // one), and the remote target becomes the request's Contact; or a 3xx-6xx
  // (488 Not Acceptable Here by default) that changes nothing.
  bool accept_offer(CallHandle call, std::string body = {}, std::string_view content_type = "application/sdp");
  bool reject_offer(CallHandle call, int status = 488);
  // Sends another request (INFO, REFER, NOTIFY, MESSAGE; not INVITE, UPDATE,
  // BYE, PRACK, ACK, CANCEL, which have their own calls) in an early or
  // confirmed dialog, with `headers` and an optional body; its final
  // response comes to on_request_response(). False when there is no dialog,
  // a BYE went out, or the method has its own call.
  bool request(CallHandle call, std::string_view method, std::vector<ExtraHeader> headers = {},
               std::string body = {}, std::string_view content_type = {});

  const Dialog* dialog(CallHandle call) const;
  std::size_t call_count() const { return calls_.size(); }
  transaction::TransactionLayer& layer() { return layer_; }

  // ---- transaction::TransactionUser ----
  void on_request(transaction::ServerTransactionId id, const Message& request,
                  const transaction::RequestContext& context) override;
  void on_ack(Message ack, const transaction::RequestContext& context) override;
  void on_response(transaction::ClientTransactionId id, Message response) override;
  void on_stray_response(Message response, const Peer& source) override;
  void on_client_failure(transaction::ClientTransactionId id, transaction::Failure failure,
                         Message response) override;
  void on_server_failure(transaction::ServerTransactionId id, transaction::Failure failure) override;
  void on_client_terminated(transaction::ClientTransactionId id) override;
  void on_server_terminated(transaction::ServerTransactionId id) override;

 private:
  enum class Role { uac, uas };
  // A response the UA core retransmits itself, its interval doubling from T1
  // until 64*T1 have passed: a 2xx to an INVITE (§13.3.1.4, capped at T2), a
  // reliable 1xx (RFC 3262 §3, no cap).
  struct Backoff {
    std::optional<runtime::TimerQueue::TimerId> timer;
    std::chrono::milliseconds interval{0};
    std::chrono::milliseconds waited{0};  // since the first send
    std::chrono::milliseconds delay{0};   // of the armed timer
  };
  struct PendingOk {     // a 2xx we sent to an INVITE or re-INVITE, until its ACK
    Message response;
    Peer to;
    std::uint32_t cseq = 0;  // of the INVITE it answers (the ACK's)
    bool reinvite = false;
  };
  struct SentAck {       // the ACK we sent to a 2xx, for its retransmissions
    Message ack;
    Peer to;
  };
  struct PendingReliable {  // UAS: a reliable 1xx until its PRACK
    Message response;
    std::uint32_t rseq = 0;
  };
  struct QueuedAnswer {     // UAS: answer() while a reliable 1xx awaits its PRACK
    std::string body;
    std::string content_type;
  };
  struct IncomingOffer {    // the peer's re-INVITE/UPDATE the application holds
    transaction::ServerTransactionId tx;
    Message request;
    Peer source;
  };
  struct OutgoingOffer {    // our re-INVITE/UPDATE until its final response
    transaction::ClientTransactionId tx;
    bool reinvite = false;
  };
  struct Call {
    Role role = Role::uac;
    std::optional<Message> invite;  // UAC: as sent; UAS: as received
    std::optional<Dialog> dialog;
    bool final_seen = false;        // UAC: got / UAS: sent a final response to the INVITE
    bool bye_pending = false;
    EndReason bye_reason = EndReason::bye_sent;
    // UAC
    std::optional<transaction::ClientTransactionId> invite_tx;
    std::optional<Peer> invite_peer;
    std::optional<SentAck> ack;             // of the INVITE's 2xx
    bool provisional_seen = false;          // §9.1: CANCEL only after one
    bool cancel_requested = false;
    bool cancel_sent = false;
    std::optional<runtime::TimerQueue::TimerId> cancel_timer;  // 64*T1 after the CANCEL
    std::optional<std::uint32_t> last_rseq;  // RFC 3262 §4: of the last PRACKed 1xx
    // UAS
    std::optional<transaction::ServerTransactionId> server_tx;  // the INVITE's
    std::string local_tag;
    std::optional<Peer> source;             // where the INVITE came from
    std::optional<PendingReliable> reliable;
    Backoff reliable_backoff;
    std::uint32_t next_rseq = 0;            // 0: none sent yet
    std::optional<QueuedAnswer> queued_answer;
    // both
    std::optional<PendingOk> ok;
    Backoff ok_backoff;
    std::optional<IncomingOffer> incoming_offer;
    std::optional<OutgoingOffer> outgoing_offer;
    std::optional<SentAck> reinvite_ack;    // of our last re-INVITE's 2xx
  };
  enum class Kind { invite, bye, cancel, reinvite, update, prack, other };
  struct ClientRole {
    CallHandle call;
    Kind kind = Kind::invite;
  };
  struct Fork {  // §13.2.2.4: the ACK of another fork's 2xx, for its retransmissions
    SentAck ack;
    runtime::TimerQueue::TimerId expiry = 0;
  };

  // user_agent.cpp
  std::string via(const std::string& branch) const;
  std::string contact() const;
  std::string random_token();
  std::chrono::milliseconds timeout() const { return options_.layer.timers.timeout(); }
  std::optional<Peer> route(const Message& request, bool in_dialog) const;
  void respond(transaction::ServerTransactionId id, const Message& request, int status,
               const std::string& to_tag = {});
  std::optional<transaction::ClientTransactionId> send_in_dialog(CallHandle handle, Message request, Kind kind);
  std::optional<SentAck> send_ack(const Dialog& dialog, std::uint32_t invite_cseq, std::string body = {},
                                  std::string_view content_type = {});
  void resend_ack(const Call& call, const Message& response);
  Call* find(CallHandle call);
  void register_dialog(CallHandle handle, Call& call);
  void end(CallHandle handle, EndReason reason);
  void send_bye(CallHandle handle, Call& call);
  void send_cancel(CallHandle handle, Call& call);
  void on_cancel_timeout(CallHandle handle);
  void on_invite_response(CallHandle handle, Call& call, const Message& response);
  void on_forked_2xx(const Message& invite, const Message& response);
  bool send_answer(CallHandle handle, Call& call, std::string body, std::string_view content_type);
  void schedule(Backoff& backoff, std::function<void()> fire);
  bool expired(Backoff& backoff);
  void cancel_timer(std::optional<runtime::TimerQueue::TimerId>& timer);
  void on_ok_timer(CallHandle handle);
  void handle_in_dialog(transaction::ServerTransactionId id, const Message& request, const Peer& source);
  // session_modification.cpp
  bool may_offer(const Call& call, bool reinvite) const;
  bool send_offer(CallHandle handle, Call& call, std::string_view method, std::string body,
                  std::string_view content_type);
  void on_modification_request(transaction::ServerTransactionId id, CallHandle handle, Call& call, const Message& request,
                        const Peer& source);
  void on_modification_response(transaction::ClientTransactionId id, CallHandle handle, Call& call, const Message& response);
  // reliable_provisional.cpp
  bool on_reliable_provisional(CallHandle handle, Call& call, const Message& response);
  bool send_provisional(CallHandle handle, Call& call, Message response, bool asked_reliable);
  void on_reliable_timer(CallHandle handle);
  void on_prack(transaction::ServerTransactionId id, CallHandle handle, Call& call, const Message& prack);

  transaction::Sender& sender_;
  runtime::TimerQueue& timers_;
  UserAgentEvents& events_;
  Options options_;
  std::mt19937_64 random_;
  std::uint64_t next_call_ = 1;
  std::map<std::uint64_t, Call> calls_;
  std::unordered_map<DialogId, CallHandle, DialogIdHash> by_dialog_;
  std::unordered_map<transaction::ClientTransactionId, ClientRole> by_client_;
  std::unordered_map<transaction::ServerTransactionId, CallHandle> by_server_;
  std::unordered_map<DialogId, Fork, DialogIdHash> forks_;
  transaction::TransactionLayer layer_;  // last: destroyed first
};

}  // namespace imsbox::sip::ua
