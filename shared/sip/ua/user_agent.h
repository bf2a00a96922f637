#pragma once
// A minimal SIP user agent core (RFC 3261 §8, §12, §13, §15) on the
// transaction layer: places and answers calls, acknowledges 2xx, ends calls
// with BYE, and answers what it does not handle the way RFC 3261 says.
//
// What a caller may rely on:
// * The UserAgent owns its TransactionLayer (it is that layer's TU). The
//   transport hands it every parsed message through receive(); it sends
//   through the Sender given to the constructor (requests, responses, and
//   the ACK of a 2xx, which is no transaction's business, §13.2.2.4).
// * Timers (the layer's and the 2xx retransmission of §13.3.1.4) live in
//   the TimerQueue; nothing happens between calls unless fire_due() runs.
// * Calls are named by CallHandle numbers, never reused; a handle whose call
//   ended finds nothing (the API returns false).
// * Threading: single-threaded, on the event loop's thread. UserAgentEvents
//   callbacks run inside receive(), the API calls and fire_due(); they may
//   call the UserAgent again but must not destroy it.
// * Not done: forking (only the first dialog of an INVITE is kept; a 2xx
//   from another fork is ignored), CANCEL sent by the UAC, re-INVITE/UPDATE
//   offered to the application (an in-dialog INVITE is answered 488 after
//   its §12.2.2 checks), authentication, PRACK.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

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
  rejected,     // UAC: a non-2xx final response (or the layer's 408/503)
  bye_sent,     // our BYE got its final response (or timed out)
  bye_received, // the peer's BYE, answered 200
  cancelled,    // UAS: the caller's CANCEL, answered 487 on the INVITE
  declined,     // UAS: the application answered the INVITE with a non-2xx
  no_ack,       // UAS: no ACK for our 2xx within 64*T1 (§13.3.1.4): BYE sent
};

// The application's side: every callback has a do-nothing default.
class UserAgentEvents {
 public:
  virtual ~UserAgentEvents() = default;
  // A new INVITE outside any dialog: answer with ring(), answer(), reject().
  virtual void on_incoming_call(CallHandle, const Message& /*invite*/) {}
  // UAC: a 1xx (100 included) to our INVITE.
  virtual void on_provisional(CallHandle, const Message& /*response*/) {}
  // UAC: the final response to our INVITE (the first 2xx, or the non-2xx,
  // or the layer's 408/503 on timeout/transport error).
  virtual void on_final(CallHandle, const Message& /*response*/) {}
  // The dialog is confirmed: UAC on the first 2xx (send the ACK with ack()),
  // UAS when the ACK of its 2xx arrived.
  virtual void on_confirmed(CallHandle, const Dialog&) {}
  // The call is over; its handle now finds nothing.
  virtual void on_ended(CallHandle, EndReason) {}
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
  };

  UserAgent(transaction::Sender& sender, runtime::TimerQueue& timers, UserAgentEvents& events, Options options);
  ~UserAgent() override;
  UserAgent(const UserAgent&) = delete;
  UserAgent& operator=(const UserAgent&) = delete;

  // From the transport: a well-formed message from `source`.
  void receive(Message message, const Peer& source);

  // ---- UAC ----
  // Sends an INVITE from `from_uri` to `target_uri` with `body` (empty: no
  // body). None when there is nowhere to send it.
  std::optional<CallHandle> invite(std::string_view target_uri, std::string_view from_uri, std::string body = {},
                                   std::string_view content_type = "application/sdp");
  // Sends the ACK of the 2xx that confirmed the call (§13.2.2.4), with an
  // optional body; repeated to every retransmission of that 2xx.
  bool ack(CallHandle call, std::string body = {}, std::string_view content_type = "application/sdp");

  // ---- UAS ----
  bool ring(CallHandle call);  // 180 Ringing: an early dialog
  // 200 OK with `body`, retransmitted until its ACK (§13.3.1.4).
  bool answer(CallHandle call, std::string body = {}, std::string_view content_type = "application/sdp");
  bool reject(CallHandle call, int status);  // a 3xx-6xx; ends the call

  // ---- both ----
  // Sends BYE in a confirmed dialog (§15.1.1); the call ends on its answer.
  bool bye(CallHandle call);

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
  struct Call {
    Role role = Role::uac;
    bool ended = false;
    std::optional<Message> invite;  // UAC: as sent; UAS: as received
    std::optional<Dialog> dialog;
    std::optional<transaction::ServerTransactionId> server_tx;  // UAS: the INVITE's
    std::string local_tag;                                       // UAS
    std::optional<Message> ack;       // UAC: the ACK sent, for 2xx retransmissions
    std::optional<Peer> ack_peer;
    std::optional<Message> ok;        // UAS: the 2xx until its ACK
    std::optional<runtime::TimerQueue::TimerId> retransmit;
    std::chrono::milliseconds interval{0};
    std::chrono::milliseconds waited{0};  // since the first 2xx
    std::chrono::milliseconds delay{0};   // of the armed timer
    std::optional<Peer> source;       // UAS: where the INVITE came from
    bool final_seen = false;          // UAC: got / UAS: sent a final response to the INVITE
    bool bye_pending = false;
    EndReason bye_reason = EndReason::bye_sent;
  };
  struct ClientRole {
    CallHandle call;
    bool is_invite = false;
  };

  std::string via(const std::string& branch) const;
  std::string contact() const;
  std::string random_token();
  std::optional<Peer> route(const Message& request, bool in_dialog) const;
  void respond(transaction::ServerTransactionId id, const Message& request, int status,
               const std::string& to_tag = {});
  Call* find(CallHandle call);
  void register_dialog(CallHandle handle, Call& call);
  void end(CallHandle handle, EndReason reason);
  void send_bye(CallHandle handle, Call& call);
  void arm_retransmit(CallHandle handle);
  void on_retransmit(CallHandle handle);
  void handle_in_dialog(transaction::ServerTransactionId id, const Message& request);

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
  transaction::TransactionLayer layer_;  // last: destroyed first
};

}  // namespace imsbox::sip::ua
