// UserAgent: helpers, the call's life (INVITE, CANCEL, ACK, BYE, forks) and
// the in-dialog request dispatch. Session modification is in
// session_modification.cpp, RFC 3262 in reliable_provisional.cpp.
#include "sip/ua/user_agent.h"

#include <algorithm>
#include <cstdio>

#include "sip/proxy/routing.h"
#include "sip/response.h"
#include "sip/transaction/cancel.h"

namespace imsbox::sip::ua {

using transaction::ClientTransactionId;
using transaction::ServerTransactionId;

namespace {

std::uint64_t seed_of(const std::optional<std::uint64_t>& seed) {
  if (seed) return *seed;
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// RFC 3261 §12.1.1: a UAS's dialog-creating response (a 101-199 with a To
// tag, a 2xx) carries every Record-Route of the request, in order, so the
// caller's route set keeps the proxies that record-routed (an IMS caller's
// ACK and BYE then go through its P-CSCF and S-CSCF).
void copy_record_route(const Message& request, Message& response) {
  for (const auto& h : request.headers()) {
    if (h.id == HeaderId::record_route) response.append(HeaderId::record_route, std::string(h.value));
  }
}

}  // namespace

UserAgent::UserAgent(transaction::Sender& sender, runtime::TimerQueue& timers, UserAgentEvents& events,
                     Options options)
    : sender_(sender),
      timers_(timers),
      events_(events),
      options_(std::move(options)),
      random_(seed_of(options_.seed)),
      layer_(sender, *this, timers, options_.layer) {}

UserAgent::~UserAgent() {
  for (auto& [handle, call] : calls_) {
    for (auto* t : {&call.ok_backoff.timer, &call.reliable_backoff.timer, &call.cancel_timer}) cancel_timer(*t);
  }
  for (auto& [id, fork] : forks_) timers_.cancel(fork.expiry);
}

void UserAgent::receive(Message message, const Peer& source) { layer_.receive(std::move(message), source); }

// ---------------------------------------------------------------- helpers

std::string UserAgent::via(const std::string& branch) const {
  const proxy::Interface me{options_.transport, options_.host, options_.port};
  return "SIP/2.0/" + std::string(to_string(options_.transport)) + " " + me.sent_by() + ";branch=" + branch;
}

std::string UserAgent::contact() const {
  const proxy::Interface me{options_.transport, options_.host, options_.port};
  std::string uri = "<sip:" + me.sent_by();
  if (options_.transport != Transport::udp) {
    std::string t(to_string(options_.transport));
    std::transform(t.begin(), t.end(), t.begin(), [](char c) { return static_cast<char>(c | 0x20); });
    uri += ";transport=" + t;
  }
  return uri + ">";
}

std::string UserAgent::random_token() {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(random_()));
  return buf;
}

std::optional<Peer> UserAgent::route(const Message& request, bool in_dialog) const {
  if (!in_dialog && options_.outbound_proxy) return options_.outbound_proxy;
  if (options_.resolve) return proxy::next_hop(request, options_.resolve);
  return proxy::next_hop(request, [](std::string_view) { return std::optional<boost::asio::ip::address>(); });
}

void UserAgent::respond(ServerTransactionId id, const Message& request, int status, const std::string& to_tag) {
  Message r = make_response(request, status, {}, to_tag.empty() && status != 100 ? random_token() : to_tag);
  if (status == 405 || (status == 200 && request.method() == "OPTIONS")) r.append(HeaderId::allow, options_.allow);
  layer_.respond(id, std::move(r));
}

std::optional<ClientTransactionId> UserAgent::send_in_dialog(CallHandle handle, Message request, Kind kind) {
  request.prepend(HeaderId::via, via(layer_.new_branch()));
  if (kind == Kind::reinvite || kind == Kind::update) request.append(HeaderId::allow, options_.allow);
  const auto peer = route(request, true);
  if (!peer) return std::nullopt;
  const auto id = layer_.send_request(std::move(request), *peer);
  if (id) by_client_[*id] = ClientRole{handle, kind};
  return id;
}

std::optional<UserAgent::SentAck> UserAgent::send_ack(const Dialog& dialog, std::uint32_t invite_cseq,
                                                      std::string body, std::string_view content_type) {
  Message a = dialog.make_ack(invite_cseq);
  a.prepend(HeaderId::via, via(layer_.new_branch()));
  if (!body.empty()) a.set_body(std::move(body), content_type);
  const auto peer = route(a, true);
  if (!peer) return std::nullopt;
  sender_.send(*peer, a);  // §13.2.2.4: straight to the transport, no transaction
  return SentAck{std::move(a), *peer};
}

// A retransmitted 2xx of the INVITE or of our last re-INVITE: the same ACK again.
void UserAgent::resend_ack(const Call& call, const Message& response) {
  const auto cseq = response.cseq().number;
  for (const auto* sent : {&call.ack, &call.reinvite_ack}) {
    if (*sent && (*sent)->ack.cseq().number == cseq) sender_.send((*sent)->to, (*sent)->ack);
  }
}

UserAgent::Call* UserAgent::find(CallHandle call) {
  auto it = calls_.find(call.value);
  return it == calls_.end() ? nullptr : &it->second;
}

const Dialog* UserAgent::dialog(CallHandle call) const {
  auto it = calls_.find(call.value);
  return it == calls_.end() || !it->second.dialog ? nullptr : &*it->second.dialog;
}

void UserAgent::register_dialog(CallHandle handle, Call& call) {
  if (call.dialog) by_dialog_[call.dialog->id()] = handle;
}

void UserAgent::cancel_timer(std::optional<runtime::TimerQueue::TimerId>& timer) {
  if (timer) timers_.cancel(*timer);
  timer.reset();
}

void UserAgent::end(CallHandle handle, EndReason reason) {
  Call* call = find(handle);
  if (!call) return;
  for (auto* t : {&call->ok_backoff.timer, &call->reliable_backoff.timer, &call->cancel_timer}) cancel_timer(*t);
  if (call->incoming_offer) {
    // §15.1.2: a request still pending in the dialog gets 487.
    const IncomingOffer offer = std::move(*call->incoming_offer);
    call->incoming_offer.reset();
    layer_.respond(offer.tx, make_response(offer.request, 487, {}, call->dialog->id().local_tag));
  }
  if (call->dialog) {
    auto d = by_dialog_.find(call->dialog->id());
    if (d != by_dialog_.end() && d->second == handle) by_dialog_.erase(d);
  }
  calls_.erase(handle.value);
  events_.on_ended(handle, reason);
}

void UserAgent::send_bye(CallHandle handle, Call& call) {
  cancel_timer(call.ok_backoff.timer);
  call.ok.reset();
  call.bye_pending = true;
  if (!send_in_dialog(handle, call.dialog->make_request("BYE"), Kind::bye)) {
    end(handle, call.bye_reason);  // nowhere to send it: the dialog is over for us anyway
  }
}

bool UserAgent::bye(CallHandle handle) {
  Call* call = find(handle);
  if (!call || !call->dialog || call->dialog->state() != DialogState::confirmed || call->bye_pending) return false;
  send_bye(handle, *call);
  return true;
}

// ---------------------------------------------------------------- UAC

std::optional<CallHandle> UserAgent::invite(std::string_view target_uri, std::string_view from_uri, std::string body,
                                            std::string_view content_type) {
  Message m = Message::request("INVITE", std::string(target_uri));
  m.append(HeaderId::via, via(layer_.new_branch()));
  m.append(HeaderId::max_forwards, "70");
  m.append(HeaderId::from, "<" + std::string(from_uri) + ">;tag=" + random_token());
  m.append(HeaderId::to, "<" + std::string(target_uri) + ">");
  m.append(HeaderId::call_id, random_token() + "@" + options_.host);
  m.append(HeaderId::cseq, "1 INVITE");
  m.append(HeaderId::contact, contact());
  m.append(HeaderId::allow, options_.allow);
  m.append(HeaderId::supported, "100rel");  // RFC 3262 §4
  if (!body.empty()) m.set_body(std::move(body), content_type);

  const auto peer = route(m, false);
  if (!peer) return std::nullopt;
  Message copy = m.clone();
  const auto id = layer_.send_request(std::move(m), *peer);
  if (!id) return std::nullopt;
  const CallHandle handle{next_call_++};
  Call call;
  call.role = Role::uac;
  call.invite = std::move(copy);
  call.invite_tx = id;
  call.invite_peer = peer;
  calls_.emplace(handle.value, std::move(call));
  by_client_[*id] = ClientRole{handle, Kind::invite};
  return handle;
}

bool UserAgent::ack(CallHandle handle, std::string body, std::string_view content_type) {
  Call* call = find(handle);
  if (!call || call->role != Role::uac || !call->dialog || call->dialog->state() != DialogState::confirmed ||
      call->ack || call->cancel_requested) {
    return false;
  }
  call->ack = send_ack(*call->dialog, call->invite->cseq().number, std::move(body), content_type);
  return call->ack.has_value();
}

bool UserAgent::cancel(CallHandle handle) {
  Call* call = find(handle);
  if (!call || call->role != Role::uac || call->final_seen || call->cancel_requested) return false;
  call->cancel_requested = true;
  // §9.1: not before a provisional response; on_invite_response sends it then.
  if (call->provisional_seen) send_cancel(handle, *call);
  return true;
}

void UserAgent::send_cancel(CallHandle handle, Call& call) {
  call.cancel_sent = true;
  const auto id = layer_.send_request(transaction::make_cancel(*call.invite), *call.invite_peer);
  if (id) by_client_[*id] = ClientRole{handle, Kind::cancel};
  // §9.1: no final response within 64*T1: the INVITE is over for us.
  call.cancel_timer = timers_.schedule_after(timeout(), [this, handle] { on_cancel_timeout(handle); });
}

void UserAgent::on_cancel_timeout(CallHandle handle) {
  Call* call = find(handle);
  if (!call) return;
  call->cancel_timer.reset();
  if (call->final_seen) return;
  call->final_seen = true;
  if (call->invite_tx) layer_.terminate(*call->invite_tx);
  events_.on_final(handle, make_response(*call->invite, 408));
  end(handle, EndReason::cancelled_by_us);
}

void UserAgent::on_response(ClientTransactionId id, Message response) {
  auto role = by_client_.find(id);
  if (role == by_client_.end()) return;
  const ClientRole r = role->second;
  Call* call = find(r.call);
  if (!call) return;
  switch (r.kind) {
    case Kind::invite:
      on_invite_response(r.call, *call, response);
      return;
    case Kind::bye:
      if (response.status() >= 200) end(r.call, call->bye_reason);
      return;
    case Kind::reinvite:
    case Kind::update:
      on_modification_response(id, r.call, *call, response);
      return;
    case Kind::other:
      if (response.status() >= 200) events_.on_request_response(r.call, response);
      return;
    case Kind::cancel:  // §9.1: the INVITE's final response is what counts
    case Kind::prack:   // RFC 3262 §4: nothing to do with its answer
      return;
  }
}

void UserAgent::on_invite_response(CallHandle handle, Call& call, const Message& response) {
  const int status = response.status();
  if (status < 200) {
    call.provisional_seen = true;
    if (status > 100 && !response.to().tag().empty() && !call.dialog) {
      call.dialog = Dialog::from_uac(*call.invite, response);
      register_dialog(handle, call);
    }
    if (!on_reliable_provisional(handle, call, response)) return;  // a retransmission: already handed up
    if (call.cancel_requested && !call.cancel_sent) send_cancel(handle, call);
    events_.on_provisional(handle, response);
    return;
  }
  const EndReason failed = call.cancel_requested ? EndReason::cancelled_by_us : EndReason::rejected;
  if (status >= 300) {
    if (call.final_seen) return;
    call.final_seen = true;
    events_.on_final(handle, response);
    end(handle, failed);
    return;
  }
  // 2xx
  if (call.final_seen) {
    // §13.2.2.4: a retransmission gets the same ACK; another fork's 2xx is
    // acknowledged and ended.
    if (call.dialog && call.dialog->on_response(response)) {
      resend_ack(call, response);
    } else {
      on_forked_2xx(*call.invite, response);
    }
    return;
  }
  if (call.dialog && !call.dialog->on_response(response)) {
    // The 2xx comes from another fork than the early dialog: that one wins.
    by_dialog_.erase(call.dialog->id());
    call.dialog.reset();
    call.last_rseq.reset();
  }
  if (!call.dialog) {
    call.dialog = Dialog::from_uac(*call.invite, response);
    if (!call.dialog) return;  // unusable 2xx (no Contact, no To tag)
  }
  register_dialog(handle, call);
  call.final_seen = true;
  cancel_timer(call.cancel_timer);
  const bool cancelled = call.cancel_requested;
  events_.on_final(handle, response);
  Call* c = find(handle);
  if (!c || !c->dialog) return;
  if (!cancelled) {
    events_.on_confirmed(handle, *c->dialog);
    return;
  }
  // §9.1, §15: the 2xx raced our CANCEL: the call exists; acknowledge it and end it.
  c->ack = send_ack(*c->dialog, c->invite->cseq().number);
  if (c->bye_pending) return;
  c->bye_reason = EndReason::cancelled_by_us;
  send_bye(handle, *c);
}

void UserAgent::on_forked_2xx(const Message& invite, const Message& response) {
  const DialogId id{std::string(response.call_id()), std::string(response.from().tag()),
                    std::string(response.to().tag())};
  if (auto it = forks_.find(id); it != forks_.end()) {
    sender_.send(it->second.ack.to, it->second.ack.ack);
    return;
  }
  auto dialog = Dialog::from_uac(invite, response);
  if (!dialog) return;
  auto ack = send_ack(*dialog, invite.cseq().number);
  if (!ack) return;
  // A dialog made only to be ended: its BYE's answer changes nothing here.
  Message bye = dialog->make_request("BYE");
  bye.prepend(HeaderId::via, via(layer_.new_branch()));
  if (const auto peer = route(bye, true)) layer_.send_request(std::move(bye), *peer);
  // The peer retransmits its 2xx for at most 64*T1 (§13.3.1.4).
  const auto expiry = timers_.schedule_after(timeout(), [this, id] { forks_.erase(id); });
  forks_.emplace(id, Fork{std::move(*ack), expiry});
}

void UserAgent::on_stray_response(Message response, const Peer&) {
  // A 2xx retransmission after the INVITE transaction ended: ACK it again.
  if (response.status() < 200 || response.status() > 299 || response.cseq().method != "INVITE") return;
  const DialogId id{std::string(response.call_id()), std::string(response.from().tag()),
                    std::string(response.to().tag())};
  if (auto fork = forks_.find(id); fork != forks_.end()) {
    sender_.send(fork->second.ack.to, fork->second.ack.ack);
    return;
  }
  auto it = by_dialog_.find(id);
  if (it == by_dialog_.end()) return;
  if (const Call* call = find(it->second)) resend_ack(*call, response);
}

void UserAgent::on_client_failure(ClientTransactionId id, transaction::Failure, Message response) {
  auto role = by_client_.find(id);
  if (role == by_client_.end()) return;
  const ClientRole r = role->second;
  Call* call = find(r.call);
  if (!call) return;
  switch (r.kind) {
    case Kind::invite: {
      if (call->final_seen) return;
      call->final_seen = true;
      const EndReason reason = call->cancel_requested ? EndReason::cancelled_by_us : EndReason::rejected;
      events_.on_final(r.call, response);
      end(r.call, reason);
      return;
    }
    case Kind::bye:
      end(r.call, call->bye_reason);
      return;
    case Kind::reinvite:
    case Kind::update:
      on_modification_response(id, r.call, *call, response);
      return;
    case Kind::other:
      events_.on_request_response(r.call, response);
      return;
    case Kind::cancel:  // the 64*T1 timer of §9.1 decides
    case Kind::prack:
      return;
  }
}

void UserAgent::on_client_terminated(ClientTransactionId id) { by_client_.erase(id); }

// ---------------------------------------------------------------- UAS

void UserAgent::on_request(ServerTransactionId id, const Message& request,
                           const transaction::RequestContext& context) {
  const auto method = request.method();
  if (context.merged) {
    respond(id, request, 482);  // §8.2.2.2
    return;
  }
  if (method == "CANCEL") {
    // §9.2: the INVITE it cancels, if we still have it.
    if (!context.invite) {
      respond(id, request, 481);
      return;
    }
    respond(id, request, 200);
    auto it = by_server_.find(*context.invite);
    if (it == by_server_.end()) return;
    const CallHandle handle = it->second;
    Call* call = find(handle);
    if (!call || call->final_seen || call->server_tx != *context.invite) return;  // too late, or a re-INVITE
    call->final_seen = true;
    layer_.respond(*call->server_tx, make_response(*call->invite, 487, {}, call->local_tag));
    end(handle, EndReason::cancelled);
    return;
  }
  if (!request.to().tag().empty()) {
    handle_in_dialog(id, request, context.source);
    return;
  }
  if (method == "INVITE") {
    const CallHandle handle{next_call_++};
    Call call;
    call.role = Role::uas;
    call.invite = request.clone();
    call.server_tx = id;
    call.local_tag = random_token();
    call.source = context.source;
    calls_.emplace(handle.value, std::move(call));
    by_server_[id] = handle;
    events_.on_incoming_call(handle, request);
    return;
  }
  if (method == "BYE" || method == "PRACK") {
    respond(id, request, 481);  // §15.1.2, RFC 3262 §3: no dialog can match it without To tag
  } else if (method == "OPTIONS") {
    respond(id, request, 200);
  } else {
    respond(id, request, 405);  // §8.2.1, with Allow
  }
}

void UserAgent::handle_in_dialog(ServerTransactionId id, const Message& request, const Peer& source) {
  auto it = by_dialog_.find(incoming_dialog_id(request));
  Call* call = it == by_dialog_.end() ? nullptr : find(it->second);
  if (!call || !call->dialog) {
    respond(id, request, 481);  // §12.2.2
    return;
  }
  const CallHandle handle = it->second;
  const std::string to_tag = call->dialog->id().local_tag;
  if (auto status = call->dialog->on_request(request)) {
    respond(id, request, *status, to_tag);
    return;
  }
  const auto method = request.method();
  if (method == "BYE") {
    // §15.1.2: 200, and the session and dialog end. In an early dialog the
    // INVITE still waits for its final response: 487.
    respond(id, request, 200, to_tag);
    if (call->role == Role::uas && !call->final_seen && call->server_tx) {
      call->final_seen = true;
      layer_.respond(*call->server_tx, make_response(*call->invite, 487, {}, call->local_tag));
    }
    end(handle, EndReason::bye_received);
  } else if (method == "INVITE" || method == "UPDATE") {
    on_modification_request(id, handle, *call, request, source);
  } else if (method == "PRACK") {
    on_prack(id, handle, *call, request);
  } else if (method == "OPTIONS") {
    respond(id, request, 200, to_tag);
  } else if (method == "INFO" || method == "NOTIFY" || method == "REFER" || method == "MESSAGE" ||
             method == "SUBSCRIBE" || method == "PUBLISH") {
    int status = events_.on_dialog_request(handle, request);
    if (status < 200 || status > 699) status = 500;
    respond(id, request, status, to_tag);
  } else {
    respond(id, request, 405, to_tag);
  }
}

bool UserAgent::request(CallHandle handle, std::string_view method, std::vector<ExtraHeader> headers, std::string body,
                        std::string_view content_type) {
  static constexpr std::string_view own_calls[] = {"INVITE", "UPDATE", "BYE", "PRACK", "ACK", "CANCEL"};
  if (method.empty() || std::find(std::begin(own_calls), std::end(own_calls), method) != std::end(own_calls)) {
    return false;
  }
  Call* call = find(handle);
  if (!call || !call->dialog || call->bye_pending) return false;
  Message m = call->dialog->make_request(method);
  for (auto& h : headers) m.append(std::move(h.name), std::move(h.value));
  if (!body.empty()) m.set_body(std::move(body), content_type);
  return send_in_dialog(handle, std::move(m), Kind::other).has_value();
}

bool UserAgent::ring(CallHandle handle, Provisional provisional) {
  Call* call = find(handle);
  if (!call || call->role != Role::uas || call->final_seen || !call->server_tx || provisional.status < 101 ||
      provisional.status > 199) {
    return false;
  }
  Message r = make_response(*call->invite, provisional.status, {}, call->local_tag);
  copy_record_route(*call->invite, r);
  r.append(HeaderId::contact, contact());
  for (auto& h : provisional.headers) r.append(std::move(h.name), std::move(h.value));
  if (!provisional.body.empty()) r.set_body(std::move(provisional.body), provisional.content_type);
  if (!call->dialog) {
    call->dialog = Dialog::from_uas(*call->invite, r);
    register_dialog(handle, *call);
  }
  return send_provisional(handle, *call, std::move(r), provisional.reliable);
}

bool UserAgent::answer(CallHandle handle, std::string body, std::string_view content_type) {
  Call* call = find(handle);
  if (!call || call->role != Role::uas || call->final_seen || !call->server_tx || call->queued_answer) return false;
  if (call->reliable) {
    // RFC 3262 §3: no 2xx while a reliable 1xx (maybe with an offer) awaits its PRACK.
    call->queued_answer = QueuedAnswer{std::move(body), std::string(content_type)};
    return true;
  }
  return send_answer(handle, *call, std::move(body), content_type);
}

bool UserAgent::send_answer(CallHandle handle, Call& call, std::string body, std::string_view content_type) {
  Message r = make_response(*call.invite, 200, {}, call.local_tag);
  copy_record_route(*call.invite, r);
  r.append(HeaderId::contact, contact());
  r.append(HeaderId::allow, options_.allow);
  if (!body.empty()) r.set_body(std::move(body), content_type);
  if (!call.dialog) call.dialog = Dialog::from_uas(*call.invite, r);
  if (!call.dialog) {
    // The INVITE cannot make a dialog (no Contact): §8.1.1.8 makes it a 400.
    call.final_seen = true;
    layer_.respond(*call.server_tx, make_response(*call.invite, 400, "Missing Contact", call.local_tag));
    end(handle, EndReason::declined);
    return false;
  }
  call.dialog->confirm();
  register_dialog(handle, call);
  call.final_seen = true;
  call.ok = PendingOk{r.clone(), *call.source, call.invite->cseq().number, false};
  if (!layer_.respond(*call.server_tx, std::move(r))) return false;
  call.ok_backoff.interval = options_.layer.timers.t1;
  call.ok_backoff.waited = std::chrono::milliseconds{0};
  schedule(call.ok_backoff, [this, handle] { on_ok_timer(handle); });
  return true;
}

bool UserAgent::reject(CallHandle handle, int status) {
  Call* call = find(handle);
  if (!call || call->role != Role::uas || call->final_seen || !call->server_tx || status < 300 || status > 699) return false;
  call->final_seen = true;
  layer_.respond(*call->server_tx, make_response(*call->invite, status, {}, call->local_tag));
  end(handle, EndReason::declined);
  return true;
}

void UserAgent::schedule(Backoff& backoff, std::function<void()> fire) {
  // The next retransmission, or the end of the 64*T1 wait if that comes first.
  backoff.delay = std::min(backoff.interval, timeout() - backoff.waited);
  backoff.timer = timers_.schedule_after(backoff.delay, std::move(fire));
}

bool UserAgent::expired(Backoff& backoff) {
  backoff.timer.reset();
  backoff.waited += backoff.delay;
  return backoff.waited >= timeout();
}

void UserAgent::on_ok_timer(CallHandle handle) {
  Call* call = find(handle);
  if (!call) return;
  if (expired(call->ok_backoff)) {
    if (!call->ok) return;
    // §13.3.1.4: no ACK within 64*T1: confirmed, but the session ends.
    call->bye_reason = EndReason::no_ack;
    send_bye(handle, *call);
    return;
  }
  if (!call->ok) return;
  sender_.send(call->ok->to, call->ok->response);
  call->ok_backoff.interval = std::min(call->ok_backoff.interval * 2, options_.layer.timers.t2);
  schedule(call->ok_backoff, [this, handle] { on_ok_timer(handle); });
}

void UserAgent::on_ack(Message ack, const transaction::RequestContext&) {
  auto it = by_dialog_.find(incoming_dialog_id(ack));
  if (it == by_dialog_.end()) return;
  const CallHandle handle = it->second;
  Call* call = find(handle);
  if (!call || !call->ok) return;  // a retransmitted ACK, or not ours
  if (ack.cseq().number != call->ok->cseq) return;
  cancel_timer(call->ok_backoff.timer);
  const bool reinvite = call->ok->reinvite;
  call->ok.reset();
  if (reinvite) {
    events_.on_reinvite_ack(handle, ack);
  } else {
    events_.on_confirmed(handle, *call->dialog);
  }
}

void UserAgent::on_server_failure(ServerTransactionId, transaction::Failure) {
  // Timer H (no ACK for a non-2xx) or a response that could not be sent: the
  // call already ended (non-2xx) or the 2xx retransmission timer decides.
}

void UserAgent::on_server_terminated(ServerTransactionId id) {
  auto it = by_server_.find(id);
  if (it == by_server_.end()) return;
  if (Call* call = find(it->second)) {
    if (call->server_tx == id) call->server_tx.reset();
    if (call->incoming_offer && call->incoming_offer->tx == id) call->incoming_offer.reset();
  }
  by_server_.erase(it);
}

}  // namespace imsbox::sip::ua
