#pragma once
// The transaction user (TU, RFC 3261 §17) as the transaction layer sees it:
// the callbacks of a UA core or a proxy core.
//
// Threading: every callback comes on the event loop's thread, from inside a
// TransactionLayer call (receive(), respond(), terminate()) or from the
// TimerQueue's fire_due(). A callback may call the layer again (answer the
// request it was just given, start a client transaction); it must not
// destroy the layer.
//
// Order a TU may rely on, per transaction: nothing after on_*_terminated;
// on_client_failure / on_server_failure at most once and right before the
// terminated callback (except a transport error in an INVITE server
// transaction's Accepted state, which does not end it); a failure is never
// reported from inside the call that created the transaction (send_request).
#include <optional>

#include "sip/message.h"
#include "sip/peer.h"
#include "sip/transaction/transaction_id.h"

namespace imsbox::sip::transaction {

enum class Failure {
  timeout,          // client: timer B or F; server: timer H (no ACK for a non-2xx)
  transport_error,  // a send failed
};

// What the layer knows about a request it hands up.
struct RequestContext {
  Peer source;  // where it came from; responses go back there
  // §8.2.2.2: same From tag, Call-ID and CSeq as a request that has a server
  // transaction, but not a retransmission of it, and no To tag: the same
  // request reached us by another path. A UAS answers it with 482 on its own
  // server transaction; a proxy forwards it as any other (loops are its Via
  // check's business, §16.3).
  bool merged = false;
  // CANCEL: the INVITE server transaction it refers to (same branch and
  // sent-by, §9.2), when there is one; none means answer the CANCEL 481.
  // ACK: the Accepted INVITE server transaction that passed it up (RFC
  // 6026), none for an ACK that matched no transaction (the ACK of a 2xx,
  // normally).
  std::optional<ServerTransactionId> invite;
};

class TransactionUser {
 public:
  virtual ~TransactionUser() = default;

  // A request that is not a retransmission created server transaction `id`.
  // The request belongs to the transaction and stays valid while it lives
  // (TransactionLayer::request(id)); it is valid until this call returns even
  // if the TU's answer ends the transaction. Answer with layer.respond(id, ...).
  virtual void on_request(ServerTransactionId id, const Message& request, const RequestContext& context) = 0;

  // An ACK that is not absorbed by an INVITE server transaction: the ACK of a
  // 2xx (or one passed up by an Accepted transaction, context.invite set).
  virtual void on_ack(Message ack, const RequestContext& context) = 0;

  // A response that matched client transaction `id`: provisional, final, and
  // in the INVITE's Accepted state every 2xx (retransmissions and other
  // forks). Retransmitted non-2xx final responses are not passed up.
  virtual void on_response(ClientTransactionId id, Message response) = 0;

  // A response that matched no client transaction (§17.1.3). A proxy
  // forwards a stray 2xx of an INVITE statelessly (§16.7 step 10 as RFC 6026
  // §8.5 reads it); other strays are dropped, with a count.
  virtual void on_stray_response(Message response, const Peer& source) = 0;

  // Timer B/F fired or a send failed. `response` is what §8.1.3.1 tells the
  // TU to act on as if it had been received: a 408 for a timeout, a 503 for
  // a transport error, built from the request (so its top Via is ours).
  virtual void on_client_failure(ClientTransactionId id, Failure failure, Message response) = 0;

  // Timer H fired (the ACK of a non-2xx never came) or a response could not
  // be sent.
  virtual void on_server_failure(ServerTransactionId id, Failure failure) = 0;

  // The transaction ended; its handle now finds nothing.
  virtual void on_client_terminated(ClientTransactionId id) = 0;
  virtual void on_server_terminated(ServerTransactionId id) = 0;
};

}  // namespace imsbox::sip::transaction
