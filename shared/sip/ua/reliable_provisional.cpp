// UserAgent, reliable provisional responses (RFC 3262): the UAC's PRACK, the
// UAS's retransmission of a reliable 1xx until its PRACK, and the 2xx that
// waits for it.
#include "sip/header_values.h"
#include "sip/response.h"
#include "sip/ua/user_agent.h"

namespace imsbox::sip::ua {

using transaction::ServerTransactionId;

namespace {

constexpr std::uint64_t max_rseq = 2147483647;  // 2**31 - 1 (RFC 3262 §7.1)

// Whether a field `id` (Supported, Require) of `m` lists option tag `tag`.
bool lists_option(const Message& m, HeaderId id, std::string_view tag) {
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    const auto tokens = parse_token_list(h.value);
    if (!tokens) continue;
    for (auto t : tokens.value) {
      if (t == tag) return true;
    }
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------- UAC (§4)

bool UserAgent::on_reliable_provisional(CallHandle handle, Call& call, const Message& response) {
  if (response.status() == 100 || !lists_option(response, HeaderId::require, "100rel")) return true;
  const auto* field = response.find(HeaderId::rseq);
  if (!field) return true;
  const auto rseq = parse_number(field->value, max_rseq);
  if (!rseq || rseq.value == 0) return true;  // unusable: taken as an unreliable 1xx
  // Only the call's early dialog is kept: another fork's 1xx is not PRACKed.
  if (!call.dialog || call.dialog->id().remote_tag != response.to().tag()) return true;
  // A retransmission, or out of order: neither PRACKed nor processed further.
  if (call.last_rseq && rseq.value != *call.last_rseq + 1ULL) return false;
  call.last_rseq = static_cast<std::uint32_t>(rseq.value);
  Message prack = call.dialog->make_request("PRACK");
  prack.append(HeaderId::rack,
               std::to_string(rseq.value) + " " + std::to_string(call.invite->cseq().number) + " INVITE");
  send_in_dialog(handle, std::move(prack), Kind::prack);  // its own transaction retransmits it
  return true;
}

// ---------------------------------------------------------------- UAS (§3)

bool UserAgent::send_provisional(CallHandle handle, Call& call, Message response, bool asked_reliable) {
  const Message& invite = *call.invite;
  const bool reliable = call.dialog && ((asked_reliable && lists_option(invite, HeaderId::supported, "100rel")) ||
                                        lists_option(invite, HeaderId::require, "100rel"));
  if (!reliable) return layer_.respond(*call.server_tx, std::move(response));
  if (call.reliable) return false;  // one unacknowledged at a time
  if (call.next_rseq == 0) call.next_rseq = static_cast<std::uint32_t>(random_() % max_rseq) + 1;
  response.append(HeaderId::require, "100rel");
  response.append(HeaderId::rseq, std::to_string(call.next_rseq));
  call.reliable = PendingReliable{response.clone(), call.next_rseq++};
  if (!layer_.respond(*call.server_tx, std::move(response))) {
    call.reliable.reset();
    return false;
  }
  call.reliable_backoff.interval = options_.layer.timers.t1;
  call.reliable_backoff.waited = std::chrono::milliseconds{0};
  schedule(call.reliable_backoff, [this, handle] { on_reliable_timer(handle); });
  return true;
}

void UserAgent::on_reliable_timer(CallHandle handle) {
  Call* call = find(handle);
  if (!call) return;
  if (expired(call->reliable_backoff)) {
    if (!call->reliable) return;
    // No PRACK within 64*T1: the INVITE is rejected with a 5xx.
    if (!call->final_seen && call->server_tx) {
      call->final_seen = true;
      layer_.respond(*call->server_tx, make_response(*call->invite, 500, {}, call->local_tag));
    }
    end(handle, EndReason::no_prack);
    return;
  }
  if (!call->reliable || !call->server_tx) return;
  layer_.respond(*call->server_tx, call->reliable->response.clone());
  call->reliable_backoff.interval *= 2;  // T1, 2*T1, 4*T1 ... without the T2 cap
  schedule(call->reliable_backoff, [this, handle] { on_reliable_timer(handle); });
}

void UserAgent::on_prack(ServerTransactionId id, CallHandle handle, Call& call, const Message& prack) {
  const std::string to_tag = call.dialog->id().local_tag;
  const auto* field = prack.find(HeaderId::rack);
  const auto rack = field ? parse_rack(field->value) : Parsed<RAck>{{}, "Missing RAck"};
  if (!rack) {
    layer_.respond(id, make_response(prack, 400, rack.error, to_tag));
    return;
  }
  if (!call.reliable || rack.value.rseq != call.reliable->rseq || rack.value.cseq != call.invite->cseq().number ||
      rack.value.method != "INVITE") {
    respond(id, prack, 481, to_tag);  // no unacknowledged reliable 1xx of ours matches
    return;
  }
  respond(id, prack, 200, to_tag);
  cancel_timer(call.reliable_backoff.timer);
  call.reliable.reset();
  if (call.queued_answer) {
    QueuedAnswer queued = std::move(*call.queued_answer);
    call.queued_answer.reset();
    send_answer(handle, call, std::move(queued.body), queued.content_type);
  }
}

}  // namespace imsbox::sip::ua
