// UserAgent, session modification: re-INVITE (RFC 3261 §14) and UPDATE (RFC
// 3311) in both directions, with the glare rules and the target refresh
// that comes only with a 2xx (RFC 5407 §3.3, RFC 6141 §3.4).
#include "sip/response.h"
#include "sip/ua/user_agent.h"

namespace imsbox::sip::ua {

using transaction::ClientTransactionId;
using transaction::ServerTransactionId;

// §14.1: no new INVITE transaction while another is in progress in either
// direction; RFC 3311 §5.1: no UPDATE while an offer is unanswered.
bool UserAgent::may_offer(const Call& call, bool reinvite) const {
  if (!call.dialog || call.bye_pending || call.outgoing_offer || call.incoming_offer) return false;
  if (!reinvite) return true;  // an UPDATE may go in an early dialog
  if (call.dialog->state() != DialogState::confirmed || call.ok) return false;  // a 2xx of ours awaits its ACK
  return call.role == Role::uas || call.ack.has_value();                        // our INVITE's 2xx is ACKed
}

bool UserAgent::reinvite(CallHandle handle, std::string body, std::string_view content_type) {
  Call* call = find(handle);
  // The UA ACKs the 2xx itself, without body: the re-INVITE carries the offer.
  if (!call || body.empty() || !may_offer(*call, true)) return false;
  return send_offer(handle, *call, "INVITE", std::move(body), content_type);
}

bool UserAgent::update(CallHandle handle, std::string body, std::string_view content_type) {
  Call* call = find(handle);
  if (!call || !may_offer(*call, false)) return false;
  return send_offer(handle, *call, "UPDATE", std::move(body), content_type);
}

bool UserAgent::send_offer(CallHandle handle, Call& call, std::string_view method, std::string body,
                           std::string_view content_type) {
  Message m = call.dialog->make_request(method);  // with our Contact: both are target refreshes
  if (!body.empty()) m.set_body(std::move(body), content_type);
  const bool reinvite = method == "INVITE";
  const auto id = send_in_dialog(handle, std::move(m), reinvite ? Kind::reinvite : Kind::update);
  if (!id) return false;
  call.outgoing_offer = OutgoingOffer{*id, reinvite};
  return true;
}

void UserAgent::on_modification_response(ClientTransactionId id, CallHandle handle, Call& call,
                                         const Message& response) {
  const int status = response.status();
  if (status < 200) return;
  if (!call.outgoing_offer || call.outgoing_offer->tx != id) {
    // A 2xx retransmission (or another fork's) after the first: the same ACK.
    if (status < 300) resend_ack(call, response);
    return;
  }
  const bool reinvite = call.outgoing_offer->reinvite;
  call.outgoing_offer.reset();
  if (status < 300) {
    call.dialog->on_response(response);  // §12.2.1.2: the 2xx refreshes the remote target
    if (reinvite) call.reinvite_ack = send_ack(*call.dialog, response.cseq().number);
  }
  events_.on_offer_response(handle, response);
}

void UserAgent::on_modification_request(ServerTransactionId id, CallHandle handle, Call& call,
                                        const Message& request, const Peer& source) {
  const std::string to_tag = call.dialog->id().local_tag;
  const bool reinvite = request.method() == "INVITE";
  if (call.bye_pending) {
    respond(id, request, 481, to_tag);  // §15.1.1: for us the session is over
    return;
  }
  // §14.2, RFC 3311 §5.2: one of ours in progress: glare.
  if (call.outgoing_offer || (reinvite && call.role == Role::uac && !call.final_seen)) {
    respond(id, request, 491, to_tag);
    return;
  }
  // §14.2, RFC 3311 §5.2: the peer's previous INVITE or offer is unanswered
  // (or our 2xx to it awaits its ACK): 500 and a random 0-10 s Retry-After.
  if (call.incoming_offer || (reinvite && (call.ok || (call.role == Role::uas && !call.final_seen)))) {
    Message r = make_response(request, 500, {}, to_tag);
    r.append(HeaderId::retry_after, std::to_string(random_() % 11));
    layer_.respond(id, std::move(r));
    return;
  }
  call.incoming_offer = IncomingOffer{id, request.clone(), source};
  by_server_[id] = handle;
  if (!events_.on_offer(handle, request)) reject_offer(handle, 488);
}

bool UserAgent::accept_offer(CallHandle handle, std::string body, std::string_view content_type) {
  Call* call = find(handle);
  if (!call || !call->incoming_offer) return false;
  const IncomingOffer offer = std::move(*call->incoming_offer);
  call->incoming_offer.reset();
  Message r = make_response(offer.request, 200, {}, call->dialog->id().local_tag);
  r.append(HeaderId::contact, contact());
  r.append(HeaderId::allow, options_.allow);
  if (!body.empty()) r.set_body(std::move(body), content_type);
  call->dialog->refresh_target(offer.request);  // RFC 5407 §3.3: with the 2xx, not before
  if (offer.request.method() != "INVITE") return layer_.respond(offer.tx, std::move(r));
  // §13.3.1.4 as for the INVITE: retransmitted until its ACK.
  call->ok = PendingOk{r.clone(), offer.source, offer.request.cseq().number, true};
  if (!layer_.respond(offer.tx, std::move(r))) {
    call->ok.reset();
    return false;
  }
  call->ok_backoff.interval = options_.layer.timers.t1;
  call->ok_backoff.waited = std::chrono::milliseconds{0};
  schedule(call->ok_backoff, [this, handle] { on_ok_timer(handle); });
  return true;
}

bool UserAgent::reject_offer(CallHandle handle, int status) {
  Call* call = find(handle);
  if (!call || !call->incoming_offer || status < 300 || status > 699) return false;
  const IncomingOffer offer = std::move(*call->incoming_offer);
  call->incoming_offer.reset();
  return layer_.respond(offer.tx, make_response(offer.request, status, {}, call->dialog->id().local_tag));
}

}  // namespace imsbox::sip::ua
