// TransactionLayer, client side: send_request, responses, client timers.
#include "sip/response.h"
#include "sip/transaction/matching.h"
#include "sip/transaction/overloaded.h"
#include "sip/transaction/transaction_layer.h"

namespace imsbox::sip::transaction {

namespace {

bool is_invite(const Message& request) { return request.method() == "INVITE"; }

}  // namespace

TransactionLayer::ClientEntry::ClientEntry(ClientTransactionId id_, const Peer& peer_, std::string key_,
                                           Message request, const TimerValues& timers)
    : id(id_),
      peer(peer_),
      key(std::move(key_)),
      machine(is_invite(request) ? decltype(machine){std::in_place_type<InviteClientTransaction>, std::move(request),
                                                     is_reliable(peer_.transport), timers}
                                 : decltype(machine){std::in_place_type<NonInviteClientTransaction>,
                                                     std::move(request), is_reliable(peer_.transport), timers}) {}

const Message& TransactionLayer::request_of(const ClientEntry& e) const {
  return std::visit([](const auto& m) -> const Message& { return m.request(); }, e.machine);
}

std::optional<ClientTransactionId> TransactionLayer::send_request(Message request, const Peer& next_hop) {
  if (!request.is_request() || request.method() == "ACK") return std::nullopt;
  const auto top = request.top_via();
  if (!top || !has_magic_cookie(top->branch())) return std::nullopt;
  std::string key = client_key(top->branch(), request.method());
  if (client_by_key_.contains(key)) return std::nullopt;

  const ClientTransactionId id{next_id_++};
  client_by_key_.emplace(key, id);
  auto entry = std::make_unique<ClientEntry>(id, next_hop, std::move(key), std::move(request), timer_values_);
  auto& machine = entry->machine;
  clients_.emplace(id, std::move(entry));
  apply(id, std::visit([](auto& m) { return m.start(); }, machine), SendFailure::report_later);
  return id;
}

TransactionLayer::Received TransactionLayer::receive_response(Message response, const Peer& source) {
  const auto key = client_key_of_response(response);
  const auto it = key ? client_by_key_.find(*key) : client_by_key_.end();
  if (it == client_by_key_.end()) {
    tu_.on_stray_response(std::move(response), source);
    return Received::stray_response;
  }
  const ClientTransactionId id = it->second;
  auto* e = find(id);
  apply(id, std::visit([&](auto& m) { return m.on_response(std::move(response)); }, e->machine));
  return Received::response;
}

void TransactionLayer::apply(ClientTransactionId id, Actions actions, SendFailure on_failure) {
  bool send_failed = false;
  for (auto& a : actions) {
    // Looked up again each time: a TU callback may have ended the transaction.
    ClientEntry* e = find(id);
    if (e == nullptr) return;
    std::visit(detail::Overloaded{
                   [&](action::Send& s) {
                     if (!sender_.send(e->peer, *s.message)) send_failed = true;
                   },
                   [&](action::StartTimer& t) {
                     arm(e->timers[static_cast<std::size_t>(t.timer)], t.duration,
                         [this, id, timer = t.timer] { on_timer(id, timer); });
                   },
                   [&](action::CancelTimer& t) { disarm(e->timers[static_cast<std::size_t>(t.timer)]); },
                   [&](action::PassToTu& p) { tu_.on_response(id, std::move(p.message)); },
                   [&](action::Timeout&) {
                     tu_.on_client_failure(id, Failure::timeout, make_response(request_of(*e), 408));
                   },
                   [&](action::TransportError&) {
                     tu_.on_client_failure(id, Failure::transport_error, make_response(request_of(*e), 503));
                   },
                   [&](action::Terminated&) {
                     if (send_failed) {  // the last send (an ACK) failed: say so before the end
                       send_failed = false;
                       tu_.on_client_failure(id, Failure::transport_error, make_response(request_of(*e), 503));
                     }
                     forget(id);
                     tu_.on_client_terminated(id);
                   },
               },
               a);
  }
  if (!send_failed) return;
  ClientEntry* e = find(id);
  if (e == nullptr) return;
  if (on_failure == SendFailure::report_later) {
    // The TU has no handle yet (we are inside send_request): tell it from the
    // timer queue.
    arm(e->failure_report, std::chrono::milliseconds{0}, [this, id] { on_failure_report(id); });
    return;
  }
  apply(id, std::visit([](auto& m) { return m.on_transport_error(); }, e->machine));
}

bool TransactionLayer::terminate(ClientTransactionId id) {
  if (find(id) == nullptr) return false;
  forget(id);
  tu_.on_client_terminated(id);
  return true;
}

void TransactionLayer::on_timer(ClientTransactionId id, Timer timer) {
  ClientEntry* e = find(id);
  if (e == nullptr) return;
  e->timers[static_cast<std::size_t>(timer)].reset();
  apply(id, std::visit([timer](auto& m) { return m.on_timer(timer); }, e->machine));
}

void TransactionLayer::on_failure_report(ClientTransactionId id) {
  ClientEntry* e = find(id);
  if (e == nullptr) return;
  e->failure_report.reset();
  apply(id, std::visit([](auto& m) { return m.on_transport_error(); }, e->machine));
}

void TransactionLayer::forget(ClientTransactionId id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  ClientEntry& e = *it->second;
  for (auto& slot : e.timers) disarm(slot);
  disarm(e.failure_report);
  client_by_key_.erase(e.key);
  clients_.erase(it);
}

}  // namespace imsbox::sip::transaction
