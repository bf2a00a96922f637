#pragma once
// The transaction layer (RFC 3261 §17): owns every client and server
// transaction of a process, matches incoming messages to them, drives their
// state machines and timers, and talks to the transport below (Sender) and
// to the transaction user above (TransactionUser).
//
// What a caller may rely on:
// * Ownership: the layer owns the transactions and the messages they keep.
//   The TU holds only ClientTransactionId / ServerTransactionId handles; a
//   handle whose transaction ended finds nothing: respond() returns false,
//   request() returns null, state() returns nothing. Nothing dangles.
// * Dependencies are references given to the constructor; they must outlive
//   the layer. The layer's timers live in the TimerQueue (and so run on its
//   Clock): the event loop, or a test after advancing a ManualClock, calls
//   TimerQueue::fire_due(). The destructor cancels them and tells the TU
//   nothing.
// * Threading: single-threaded, on the event loop's thread. TU callbacks run
//   inside receive(), respond(), terminate() and TimerQueue::fire_due(), and
//   may call the layer again; send_request() calls none (a failed first send
//   is reported from the timer queue).
// * Logging and counting are the caller's: every event ends either in a TU
//   callback or in receive()'s return value.
// * Matching: responses by top Via branch and CSeq method (§17.1.3);
//   requests by branch, sent-by and method with the magic cookie, by the RFC
//   2543 rules of §17.2.3 without it (Request-URI and top Via compared as
//   written, hosts and tokens case-insensitively).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "runtime/timer_queue.h"
#include "sip/message.h"
#include "sip/peer.h"
#include "sip/transaction/branch.h"
#include "sip/transaction/invite_client_transaction.h"
#include "sip/transaction/invite_server_transaction.h"
#include "sip/transaction/non_invite_client_transaction.h"
#include "sip/transaction/non_invite_server_transaction.h"
#include "sip/transaction/sender.h"
#include "sip/transaction/state.h"
#include "sip/transaction/timer.h"
#include "sip/transaction/transaction_id.h"
#include "sip/transaction/transaction_user.h"

namespace imsbox::sip::transaction {

class TransactionLayer {
 public:
  struct Options {
    TimerValues timers;
    // Seed of the branch generator; none: std::random_device. Tests set it.
    std::optional<std::uint64_t> branch_seed;
  };

  // What receive() did with a message (for the caller's counters and logs).
  enum class Received {
    response,         // matched a client transaction
    stray_response,   // matched none: TransactionUser::on_stray_response
    new_request,      // created a server transaction: TransactionUser::on_request
    merged_request,   // the same, with context.merged set (§8.2.2.2)
    matched_request,  // a retransmission or an ACK, handled by its server transaction
    stray_ack,        // an ACK that matched no transaction: TransactionUser::on_ack
    dropped,          // unusable: no Via
  };

  // Throws std::invalid_argument when options.timers is not valid().
  TransactionLayer(Sender& sender, TransactionUser& tu, runtime::TimerQueue& timers, Options options = {});
  ~TransactionLayer();
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  // ---- from the transport ----

  // A well-formed message that arrived from `source` (parse_message() said
  // so; a malformed request is answered statelessly before it gets here).
  Received receive(Message message, const Peer& source);

  // ---- client side: the TU sends ----

  // Starts a client transaction and sends `request` to `next_hop`. The TU has
  // put its own Via on top with a branch from new_branch(). Returns none,
  // and sends nothing, for an ACK (never a transaction: the ACK of a 2xx goes
  // straight to the transport), a request without a top Via branch with the
  // magic cookie, or one whose branch and method a live client transaction
  // already uses. A CANCEL (make_cancel) is a client transaction of its own.
  std::optional<ClientTransactionId> send_request(Message request, const Peer& next_hop);

  // Ends a client transaction at the TU's request, without a word to the
  // network: what §9.1 and §16.8 ask when a CANCEL got no final response for
  // the INVITE within 64*T1 (an INVITE client transaction in Proceeding has
  // no timer of its own). Calls on_client_terminated; false when it had
  // already ended.
  bool terminate(ClientTransactionId id);

  // A fresh branch value: "z9hG4bK" and 128 random bits.
  std::string new_branch() { return branches_.next(); }

  // ---- server side: the TU answers ----

  // Sends `response` on server transaction `id`, to the peer its request came
  // from. Returns false, and sends nothing, when the transaction has ended or
  // its state takes no such response (another final response after a final
  // one; a non-2xx after a 2xx).
  bool respond(ServerTransactionId id, Message response);

  // ---- inspection ----

  // The request of a live transaction (as sent / as received); null otherwise.
  const Message* request(ClientTransactionId id) const;
  const Message* request(ServerTransactionId id) const;
  // The state of a live transaction; none once it ended.
  std::optional<State> state(ClientTransactionId id) const;
  std::optional<State> state(ServerTransactionId id) const;
  std::size_t client_count() const { return clients_.size(); }
  std::size_t server_count() const { return servers_.size(); }

 private:
  using TimerSlots = std::array<std::optional<runtime::TimerQueue::TimerId>, timer_count>;

  struct ClientEntry {
    ClientEntry(ClientTransactionId id, const Peer& peer, std::string key, Message request, const TimerValues& timers);
    ClientTransactionId id;
    Peer peer;
    std::string key;
    std::variant<InviteClientTransaction, NonInviteClientTransaction> machine;
    TimerSlots timers;
    std::optional<runtime::TimerQueue::TimerId> failure_report;
  };

  struct ServerEntry {
    ServerEntry(ServerTransactionId id, const Peer& source, Message request, const TimerValues& timers);
    ServerTransactionId id;
    Peer source;
    std::variant<InviteServerTransaction, NonInviteServerTransaction> machine;
    std::optional<std::string> key;         // §17.2.3 with the magic cookie
    std::optional<std::string> legacy_key;  // the RFC 2543 fallback's base key
    std::string method;
    std::string request_to_tag;                 // RFC 2543 matching of retransmissions and CANCEL
    std::optional<std::string> response_to_tag;  // RFC 2543 matching of the ACK (final response's To tag)
    std::optional<std::string> merge_key;
    TimerSlots timers;
  };

  ClientEntry* find(ClientTransactionId id) const;
  ServerEntry* find(ServerTransactionId id) const;
  const Message& request_of(const ClientEntry& e) const;

  Received receive_response(Message response, const Peer& source);
  Received receive_request(Message request, const Peer& source);
  ServerEntry* match(const Message& request) const;
  std::optional<ServerTransactionId> find_invite_for_cancel(const Message& cancel) const;
  bool is_merged(const Message& request) const;

  enum class SendFailure { report_now, report_later };
  void apply(ClientTransactionId id, Actions actions, SendFailure on_failure = SendFailure::report_now);
  // `source`: where the message that caused the actions came from, if any.
  void apply(ServerTransactionId id, Actions actions, const Peer* source = nullptr);
  void arm(std::optional<runtime::TimerQueue::TimerId>& slot, std::chrono::milliseconds delay,
           runtime::TimerQueue::Callback callback);
  void disarm(std::optional<runtime::TimerQueue::TimerId>& slot);
  void on_timer(ClientTransactionId id, Timer timer);
  void on_timer(ServerTransactionId id, Timer timer);
  void on_failure_report(ClientTransactionId id);
  void forget(ClientTransactionId id);
  void forget(ServerTransactionId id);

  Sender& sender_;
  TransactionUser& tu_;
  runtime::TimerQueue& timer_queue_;
  TimerValues timer_values_;
  BranchGenerator branches_;
  std::uint64_t next_id_ = 1;

  // unique_ptr: an entry stays put while the maps rehash under it (a TU
  // callback may create transactions while an entry's actions are applied).
  std::unordered_map<ClientTransactionId, std::unique_ptr<ClientEntry>> clients_;
  std::unordered_map<std::string, ClientTransactionId> client_by_key_;
  std::unordered_map<ServerTransactionId, std::unique_ptr<ServerEntry>> servers_;
  std::unordered_map<std::string, ServerTransactionId> server_by_key_;
  std::unordered_multimap<std::string, ServerTransactionId> server_by_legacy_key_;
  std::unordered_multimap<std::string, ServerTransactionId> server_by_merge_key_;
};

}  // namespace imsbox::sip::transaction
