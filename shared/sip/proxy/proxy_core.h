#pragma once
// The stateful proxy core (RFC 3261 §16) on the transaction layer, with the
// node logic plugged in as services (ARCHITECTURE.md §1-3).
//
// For every request that creates a server transaction the core asks each
// service, in order, whether it takes part (ProxyService::on_request ->
// a ProxyTsx, or null). Each taking part sees the request in turn and says
// what happens next (Verdict): pass it on, it answered, or it waits for
// something (an HSS answer) and resumes later. When every service passed it
// on, the core forwards it: to the targets the services added, tried one
// after the other (sequential forking, each with its own timer), or to where
// the Route / Request-URI leads. Responses come back through the services
// (on_response) before they go upstream; the best final one is chosen as
// §16.7 says. CANCEL cancels the pending branches (§16.10). ACKs of 2xx and
// stray 2xx responses are forwarded statelessly.
//
// The contract the core enforces: a transaction that neither forwards, nor
// answers, nor resumes within the wait limit is answered 500 by the core.
// Nothing leaks: a transaction's state (its services' ProxyTsx objects
// included) is destroyed once its final response went upstream and no branch
// is left, or when its server transaction ends, whichever comes first. A
// service that waits must cancel in its ProxyTsx destructor whatever would
// call resume() later.
//
// Threading: single-threaded on the event loop; services are called from
// inside the transaction layer's callbacks and may call their helper again.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/timer_queue.h"
#include "sip/message.h"
#include "sip/peer.h"
#include "sip/proxy/routing.h"
#include "sip/transaction/transaction_layer.h"

namespace imsbox::sip::proxy {

enum class Verdict {
  next,  // pass the request on (to the next service, then forward it)
  done,  // the service answered it (helper.respond with a final response)
  wait,  // the service will call helper.resume() later
};

// Where a forwarded copy goes.
struct Target {
  std::string request_uri;          // the new Request-URI; empty: unchanged
  std::vector<std::string> routes;  // Route values to put first (e.g. a Path), as written "<sip:..;lr>"
  std::optional<Peer> peer;         // where to send it; none: from the Route / Request-URI
  // Per-branch limit for a final response; 0: the transaction's own (timer
  // C-like for an INVITE, the layer's timer F otherwise). An INVITE branch
  // that sent a provisional response is cancelled then; any other branch is
  // given up at once, as a 408.
  std::chrono::milliseconds timeout{0};
  // A limit for the first response (100 Trying counts), after which the
  // branch is given up as unanswered; once something came, `timeout` (or the
  // transaction's own limit) applies. 0: none. For an application server
  // that may be down (TS 24.229 §5.4.3.2: its default handling applies).
  std::chrono::milliseconds first_response_timeout{0};
  // A final response from downstream ends forking here: the targets after
  // this one are tried only when it was never answered (its timeout, or the
  // layer's 408/503). An application server's default handling SESSION_CONTINUED
  // (TS 24.229 §5.4.3.2): skip it only when it is silent, never when it refused.
  bool fallback_only_if_unanswered = false;
};

// What a service may do with the transaction it takes part in. Narrow on
// purpose: a unit test can fake it.
class ProxyTsxHelper {
 public:
  virtual ~ProxyTsxHelper() = default;
  // The request as it will be forwarded; a service may change it.
  virtual Message& request() = 0;
  virtual const Peer& source() const = 0;
  // The interface the request came in on.
  virtual const Interface& inbound() const = 0;
  // Answers upstream. A final answer ends forwarding; a provisional one does not.
  virtual void respond(Message response) = 0;
  virtual void respond(int status, std::string_view reason = {}) = 0;
  // Forwarding targets, tried in the order added.
  virtual void add_target(Target target) = 0;
  // Ask for Record-Route on the forwarded copies; with a user part
  // (<sip:USER@host:port;lr>) that tells the legs of a dialog apart when
  // its in-dialog requests come back (the CSCFs' "orig" and "term").
  virtual void record_route(std::string_view user = {}) = 0;
  // After Verdict::wait: go on as if on_request had returned `verdict`.
  virtual void resume(Verdict verdict) = 0;
  // CANCELs the pending branch of an INVITE without cancelling the
  // transaction (a service's own timer: the TAS's no-reply timer, TS 24.604
  // §4.5.2.6.4). The CANCEL goes at once when the branch sent a provisional
  // response, else once one comes (§16.10). The branch's final response (its
  // 487, or a 408 when it never answers the CANCEL) is then a failure like
  // any other: on_branch_failure may try elsewhere. Nothing for a
  // non-INVITE, or when no branch is pending.
  virtual void cancel_branch() {}
  // After ProxyTsx::filter_response returned Verdict::wait: the response
  // (changed through the reference filter_response was given, which stays
  // valid until this call) goes on to the services before this one, then
  // upstream. May be called from inside filter_response.
  virtual void resume_response() {}
};

// A service's state for one transaction.
class ProxyTsx {
 public:
  virtual ~ProxyTsx() = default;
  virtual Verdict on_request(ProxyTsxHelper&) { return Verdict::next; }
  // A response on its way upstream (provisional or the chosen final one); the
  // service may change it.
  virtual void on_response(ProxyTsxHelper&, Message&) {}
  // What the core calls for each response on its way upstream; by default
  // on_response, then next. A service that must ask something before the
  // response can go on (the P-CSCF has the AGW rewrite its SDP) returns
  // Verdict::wait and calls helper.resume_response() later: the core holds
  // this response, and every later one of the transaction behind it, in
  // order, until then (a held final response already counts as chosen: no
  // other final response, CANCEL or timeout replaces it). A service that
  // does not resume within the core's wait_limit has the response passed on
  // as it is then. Verdict::done counts as next.
  virtual Verdict filter_response(ProxyTsxHelper& helper, Message& response) {
    on_response(helper, response);
    return Verdict::next;
  }
  // The transaction was cancelled by the caller.
  virtual void on_cancel(ProxyTsxHelper&) {}
  // The last target failed: it answered with a final response that is
  // neither 2xx nor 6xx, or the layer's 408 / 503 or the branch's own
  // timeout (a 408) stand for it; no target is left. The service may try
  // elsewhere (RFC 3261 §16.7 step 5): add targets and return next (the
  // failed branch's response is then no longer among those the final one is
  // chosen from: the retry takes its place), return wait and resume() later
  // (after asking something, e.g. the HSS for another S-CSCF, TS 24.229
  // §5.3.1.3), or answer and return done. Not called once the transaction
  // was cancelled or answered, after a 6xx, or after the refusal of a target
  // marked fallback_only_if_unanswered. Default: next, nothing added: the
  // final response is chosen from the branches' (§16.7 step 6).
  virtual Verdict on_branch_failure(ProxyTsxHelper&, const Message& /*response*/) { return Verdict::next; }
};

class ProxyService {
 public:
  virtual ~ProxyService() = default;
  // Whether the service takes part in this request's transaction: its state
  // for it, or null.
  virtual std::unique_ptr<ProxyTsx> on_request(const Message& request, const Peer& source) = 0;
  // Where the ACK of a 2xx goes when no Route is left after ours: the
  // service may know better than the Request-URI (the P-CSCF knows the flow
  // of a UE's contact, e.g. a WebSocket connection). Nothing: the core's own
  // choice. The ACK is the one about to be forwarded (our Route removed).
  virtual std::optional<Peer> ack_peer(const Message&) { return std::nullopt; }

  // The ACK of a 2xx, as received from `source` (our Route still on top),
  // before the core forwards it statelessly. The service may change it;
  // returning true, it takes the ACK over and calls `forward` later (once,
  // on the loop, with the ACK as received, changed or not) to have the core
  // go on with it (the services after this one, then forwarding), or never,
  // to drop it. `forward` must not be called once the core is gone.
  using ForwardAck = std::function<void(Message ack)>;
  virtual bool on_ack(Message& /*ack*/, const Peer& /*source*/, const ForwardAck& /*forward*/) { return false; }

  // A 2xx to an INVITE forwarded upstream statelessly (RFC 6026: a
  // retransmission of one already passed on, or one of a branch the
  // transaction is done with): the service may change it (the P-CSCF puts
  // in the SDP it gave the first copy) or drop it (false).
  virtual bool on_stray_2xx(Message& /*response*/) { return true; }
};

// Requests a node sends on its own behalf (the P-CSCF's SUBSCRIBE to the reg
// event, the S-CSCF's NOTIFY and third-party REGISTER), through the same
// transaction layer as the proxied ones. Non-INVITE only.
class RequestOriginator {
 public:
  using Done = std::function<void(const Message& final_response)>;
  virtual ~RequestOriginator() = default;
  // Sends `request` (complete but for the Via, which is added; Max-Forwards
  // is added when missing) to `to`, or where its Route / Request-URI leads.
  // `done` runs once, on the loop, with the final response: received, or the
  // layer's 408 / 503 (§8.1.3.1). False when it cannot be sent at all (an
  // INVITE or ACK, no next hop, the transport refused): `done` is not called.
  virtual bool originate(Message request, std::optional<Peer> to, Done done) = 0;
};

struct ProxyOptions {
  std::vector<Interface> interfaces;        // one per listening transport; the first is the default
  // SIP URIs that name this proxy besides its interfaces (another name, the
  // address it is known by): a URI is ours when its host and port are those
  // of one of them (sip::same_hostport), whatever its user part. The port
  // counts: the nodes of a box share one address.
  std::vector<std::string> own_uris;
  std::vector<std::string> supported_options;  // option tags for Proxy-Require (§16.3 step 5)
  bool record_route = false;                // Record-Route every dialog-creating request
  std::chrono::milliseconds invite_timeout{180'000};  // timer C (§16.6 step 11): > 3 min
  std::chrono::milliseconds wait_limit{10'000};       // a service that waits longer gets the 500
  std::chrono::milliseconds cancel_timeout{32'000};   // a cancelled branch's 487 must come within this (64*T1)
  // Host names of next hops; IP literals need none.
  std::function<std::optional<boost::asio::ip::address>(std::string_view host)> resolve;

  // Overload control. While queue_delay() (how long the messages being read
  // waited to be read; ProxyStack wires the transport's) exceeds
  // overload_delay, a new request outside a dialog gets 503 with
  // Retry-After: overload_retry_after (RFC 3261 §21.5.4) instead of adding to
  // the backlog, whose every late request comes back as retransmissions.
  // Requests within dialogs, requests that answer a challenge (an
  // Authorization with a response: the REGISTER after a 401), ACK, CANCEL
  // and responses still pass: they finish work already taken on.
  // overload_delay 0: off.
  std::chrono::milliseconds overload_delay{0};
  std::chrono::seconds overload_retry_after{2};
  std::function<std::chrono::microseconds()> queue_delay;
  // Told when the proxy starts and stops refusing (for a log line).
  std::function<void(bool refusing, std::chrono::microseconds queue_delay)> overload_changed;
  // §16.7 step 6: a 503 chosen as the best response goes upstream as a 500,
  // unless the proxy knows every request it could send would get a 503 too.
  // A CSCF whose next hops are the one server of each kind the box has (the
  // P-CSCF, the I-CSCF) knows it: with relay_overload, a 503 that carries
  // Retry-After (a next hop refusing for load) passes upstream as it is, so
  // that a phone refused for load waits Retry-After instead of retrying a
  // bare 500 at once. A 503 without Retry-After (a transport failure, a
  // callee's) is still a 500.
  bool relay_overload = false;
};

class ProxyCore final : public transaction::TransactionUser, public RequestOriginator {
 public:
  // The layer is wired to this core as its TransactionUser by the caller
  // (construct the core first, then the layer with it, then attach()).
  ProxyCore(runtime::TimerQueue& timers, ProxyOptions options, std::vector<std::unique_ptr<ProxyService>> services);
  ~ProxyCore() override;
  void attach(transaction::TransactionLayer& layer, transaction::Sender& sender);

  std::size_t active() const { return transactions_.size(); }

  // RequestOriginator
  bool originate(Message request, std::optional<Peer> to, Done done) override;

  // TransactionUser
  void on_request(transaction::ServerTransactionId id, const Message& request,
                  const transaction::RequestContext& context) override;
  void on_ack(Message ack, const transaction::RequestContext& context) override;
  void on_response(transaction::ClientTransactionId id, Message response) override;
  void on_stray_response(Message response, const Peer& source) override;
  void on_client_failure(transaction::ClientTransactionId id, transaction::Failure failure, Message response) override;
  void on_server_failure(transaction::ServerTransactionId id, transaction::Failure failure) override;
  void on_client_terminated(transaction::ClientTransactionId id) override;
  void on_server_terminated(transaction::ServerTransactionId id) override;

 private:
  // on_ack after the services before `next_service` had their say.
  void continue_ack(Message ack, const Peer& source, const std::string& received_hash, std::size_t next_service);
  // A 2xx going upstream statelessly (§16.7 step 5 for 2xx, RFC 6026), after the services' on_stray_2xx.
  void forward_stray_2xx(Message response);
  class Transaction;
  friend class Transaction;

  // Erases a transaction from a 0 ms timer: it may be in one of its own calls.
  void retire(transaction::ServerTransactionId id);
  bool is_own_uri(std::string_view uri) const;
  // The interface of that transport on peer.local_port (the one a request
  // came in on, or a send is to leave from), else the first of that
  // transport, else the default.
  const Interface& interface_for(const Peer& peer) const;
  // Overload control (ProxyOptions::overload_delay): true when `request`
  // is to be refused now.
  bool refuse_for_overload(const Message& request);
  std::optional<Peer> response_peer(const Message& response) const;

  runtime::TimerQueue& timers_;
  ProxyOptions options_;
  std::vector<std::unique_ptr<ProxyService>> services_;
  std::vector<std::string> own_sent_by_;
  transaction::TransactionLayer* layer_ = nullptr;
  transaction::Sender* sender_ = nullptr;
  std::uint64_t next_branch_ = 1;
  bool refusing_ = false;  // overload control's state, for overload_changed
  std::unordered_map<transaction::ServerTransactionId, std::unique_ptr<Transaction>> transactions_;
  std::unordered_map<transaction::ClientTransactionId, Transaction*> by_client_;
  std::unordered_map<transaction::ClientTransactionId, Done> originated_;
  // Transactions being retired, and the timers that erase them.
  std::unordered_map<transaction::ServerTransactionId, runtime::TimerQueue::TimerId> erase_timer_of_;
};

}  // namespace imsbox::sip::proxy
