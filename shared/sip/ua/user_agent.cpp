#include "sip/ua/user_agent.h"

#include <algorithm>
#include <cstdio>

#include "sip/proxy/routing.h"
#include "sip/response.h"

namespace imsbox::sip::ua {

using transaction::ClientTransactionId;
using transaction::ServerTransactionId;

namespace {

constexpr const char* allowed_methods = "INVITE, ACK, CANCEL, BYE, OPTIONS";

std::uint64_t seed_of(const std::optional<std::uint64_t>& seed) {
  if (seed) return *seed;
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
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
    if (call.retransmit) timers_.cancel(*call.retransmit);
  }
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
  if (status == 405 || (status == 200 && request.method() == "OPTIONS")) r.append(HeaderId::allow, allowed_methods);
  layer_.respond(id, std::move(r));
}

UserAgent::Call* UserAgent::find(CallHandle call) {
  auto it = calls_.find(call.value);
  return it == calls_.end() || it->second.ended ? nullptr : &it->second;
}

const Dialog* UserAgent::dialog(CallHandle call) const {
  auto it = calls_.find(call.value);
  return it == calls_.end() || !it->second.dialog ? nullptr : &*it->second.dialog;
}

void UserAgent::register_dialog(CallHandle handle, Call& call) {
  if (call.dialog) by_dialog_[call.dialog->id()] = handle;
}

void UserAgent::end(CallHandle handle, EndReason reason) {
  auto it = calls_.find(handle.value);
  if (it == calls_.end()) return;
  Call& call = it->second;
  if (call.retransmit) timers_.cancel(*call.retransmit);
  if (call.dialog) {
    auto d = by_dialog_.find(call.dialog->id());
    if (d != by_dialog_.end() && d->second == handle) by_dialog_.erase(d);
  }
  calls_.erase(it);
  events_.on_ended(handle, reason);
}

void UserAgent::send_bye(CallHandle handle, Call& call) {
  if (call.retransmit) {
    timers_.cancel(*call.retransmit);
    call.retransmit.reset();
  }
  call.ok.reset();
  Message bye = call.dialog->make_request("BYE");
  bye.prepend(HeaderId::via, via(layer_.new_branch()));
  call.bye_pending = true;
  const auto peer = route(bye, true);
  std::optional<ClientTransactionId> id;
  if (peer) id = layer_.send_request(std::move(bye), *peer);
  if (!id) {
    end(handle, call.bye_reason);  // nowhere to send it: the dialog is over for us anyway
    return;
  }
  by_client_[*id] = ClientRole{handle, false};
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
  m.append(HeaderId::allow, allowed_methods);
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
  calls_.emplace(handle.value, std::move(call));
  by_client_[*id] = ClientRole{handle, true};
  return handle;
}

bool UserAgent::ack(CallHandle handle, std::string body, std::string_view content_type) {
  Call* call = find(handle);
  if (!call || call->role != Role::uac || !call->dialog || call->dialog->state() != DialogState::confirmed ||
      call->ack) {
    return false;
  }
  Message a = call->dialog->make_ack(call->invite->cseq().number);
  a.prepend(HeaderId::via, via(layer_.new_branch()));
  if (!body.empty()) a.set_body(std::move(body), content_type);
  const auto peer = route(a, true);
  if (!peer) return false;
  sender_.send(*peer, a);  // §13.2.2.4: straight to the transport, no transaction
  call->ack = std::move(a);
  call->ack_peer = peer;
  return true;
}

void UserAgent::on_response(ClientTransactionId id, Message response) {
  auto role = by_client_.find(id);
  if (role == by_client_.end()) return;
  const CallHandle handle = role->second.call;
  Call* call = find(handle);
  if (!call) return;
  const int status = response.status();

  if (!role->second.is_invite) {  // our BYE
    if (status >= 200) end(handle, call->bye_reason);
    return;
  }
  if (status < 200) {
    if (status > 100 && !response.to().tag().empty() && !call->dialog) {
      call->dialog = Dialog::from_uac(*call->invite, response);
      register_dialog(handle, *call);
    }
    events_.on_provisional(handle, response);
    return;
  }
  if (status >= 300) {
    if (call->final_seen) return;
    call->final_seen = true;
    events_.on_final(handle, response);
    end(handle, EndReason::rejected);
    return;
  }
  // 2xx
  if (call->final_seen) {
    // A retransmission (§13.2.2.4): the same ACK again. Other forks: not kept.
    if (call->ack && call->dialog && call->dialog->on_response(response)) sender_.send(*call->ack_peer, *call->ack);
    return;
  }
  if (call->dialog && !call->dialog->on_response(response)) {
    // The 2xx comes from another fork than the early dialog: that one wins.
    by_dialog_.erase(call->dialog->id());
    call->dialog.reset();
  }
  if (!call->dialog) {
    call->dialog = Dialog::from_uac(*call->invite, response);
    if (!call->dialog) return;  // unusable 2xx (no Contact, no To tag)
  }
  register_dialog(handle, *call);
  call->final_seen = true;
  events_.on_final(handle, response);
  if ((call = find(handle)) && call->dialog) events_.on_confirmed(handle, *call->dialog);
}

void UserAgent::on_stray_response(Message response, const Peer&) {
  // A 2xx retransmission after the INVITE transaction ended: ACK it again.
  if (response.status() < 200 || response.status() > 299 || response.cseq().method != "INVITE") return;
  const DialogId id{std::string(response.call_id()), std::string(response.from().tag()),
                    std::string(response.to().tag())};
  auto it = by_dialog_.find(id);
  if (it == by_dialog_.end()) return;
  Call* call = find(it->second);
  if (call && call->ack) sender_.send(*call->ack_peer, *call->ack);
}

void UserAgent::on_client_failure(ClientTransactionId id, transaction::Failure, Message response) {
  auto role = by_client_.find(id);
  if (role == by_client_.end()) return;
  const CallHandle handle = role->second.call;
  Call* call = find(handle);
  if (!call) return;
  if (!role->second.is_invite) {
    end(handle, call->bye_reason);
    return;
  }
  if (call->final_seen) return;
  call->final_seen = true;
  events_.on_final(handle, response);
  end(handle, EndReason::rejected);
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
    if (!call || call->final_seen || !call->server_tx) return;  // too late: the CANCEL has no effect
    call->final_seen = true;
    layer_.respond(*call->server_tx, make_response(*call->invite, 487, {}, call->local_tag));
    end(handle, EndReason::cancelled);
    return;
  }
  if (!request.to().tag().empty()) {
    handle_in_dialog(id, request);
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
  if (method == "BYE") {
    respond(id, request, 481);  // §15.1.2: no dialog can match a BYE without To tag
  } else if (method == "OPTIONS") {
    respond(id, request, 200);
  } else {
    respond(id, request, 405);  // §8.2.1, with Allow
  }
}

void UserAgent::handle_in_dialog(ServerTransactionId id, const Message& request) {
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
  } else if (method == "INVITE") {
    respond(id, request, 488, to_tag);  // session modification is not offered yet
  } else if (method == "OPTIONS") {
    respond(id, request, 200, to_tag);
  } else {
    respond(id, request, 405, to_tag);
  }
}

bool UserAgent::ring(CallHandle handle) {
  Call* call = find(handle);
  if (!call || call->role != Role::uas || call->final_seen || !call->server_tx) return false;
  Message r = make_response(*call->invite, 180, {}, call->local_tag);
  r.append(HeaderId::contact, contact());
  if (!call->dialog) {
    call->dialog = Dialog::from_uas(*call->invite, r);
    register_dialog(handle, *call);
  }
  return layer_.respond(*call->server_tx, std::move(r));
}

bool UserAgent::answer(CallHandle handle, std::string body, std::string_view content_type) {
  Call* call = find(handle);
  if (!call || call->role != Role::uas || call->final_seen || !call->server_tx) return false;
  Message r = make_response(*call->invite, 200, {}, call->local_tag);
  r.append(HeaderId::contact, contact());
  r.append(HeaderId::allow, allowed_methods);
  if (!body.empty()) r.set_body(std::move(body), content_type);
  if (!call->dialog) call->dialog = Dialog::from_uas(*call->invite, r);
  if (!call->dialog) {
    // The INVITE cannot make a dialog (no Contact): §8.1.1.8 makes it a 400.
    call->final_seen = true;
    layer_.respond(*call->server_tx, make_response(*call->invite, 400, "Missing Contact", call->local_tag));
    end(handle, EndReason::declined);
    return false;
  }
  call->dialog->confirm();
  register_dialog(handle, *call);
  call->final_seen = true;
  call->ok = r.clone();
  if (!layer_.respond(*call->server_tx, std::move(r))) return false;
  call->interval = options_.layer.timers.t1;
  call->waited = std::chrono::milliseconds{0};
  arm_retransmit(handle);
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

void UserAgent::arm_retransmit(CallHandle handle) {
  Call* call = find(handle);
  if (!call) return;
  // The next retransmission, or the end of the 64*T1 wait if that comes first.
  call->delay = std::min(call->interval, options_.layer.timers.timeout() - call->waited);
  call->retransmit = timers_.schedule_after(call->delay, [this, handle] { on_retransmit(handle); });
}

void UserAgent::on_retransmit(CallHandle handle) {
  Call* call = find(handle);
  if (!call) return;
  call->retransmit.reset();
  if (!call->ok) return;
  call->waited += call->delay;
  if (call->waited >= options_.layer.timers.timeout()) {
    // §13.3.1.4: no ACK within 64*T1: confirmed, but the session ends.
    call->bye_reason = EndReason::no_ack;
    send_bye(handle, *call);
    return;
  }
  sender_.send(*call->source, *call->ok);
  call->interval = std::min(call->interval * 2, options_.layer.timers.t2);
  arm_retransmit(handle);
}

void UserAgent::on_ack(Message ack, const transaction::RequestContext&) {
  auto it = by_dialog_.find(incoming_dialog_id(ack));
  if (it == by_dialog_.end()) return;
  const CallHandle handle = it->second;
  Call* call = find(handle);
  if (!call || call->role != Role::uas || !call->ok) return;  // a retransmitted ACK, or not ours
  if (ack.cseq().number != call->invite->cseq().number) return;
  if (call->retransmit) timers_.cancel(*call->retransmit);
  call->retransmit.reset();
  call->ok.reset();
  events_.on_confirmed(handle, *call->dialog);
}

void UserAgent::on_server_failure(ServerTransactionId, transaction::Failure) {
  // Timer H (no ACK for a non-2xx) or a response that could not be sent: the
  // call already ended (non-2xx) or the 2xx retransmission timer decides.
}

void UserAgent::on_server_terminated(ServerTransactionId id) {
  auto it = by_server_.find(id);
  if (it == by_server_.end()) return;
  if (Call* call = find(it->second); call && call->server_tx == id) call->server_tx.reset();
  by_server_.erase(it);
}

}  // namespace imsbox::sip::ua
