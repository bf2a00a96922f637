// TransactionLayer: construction, timers, inspection, dispatch of incoming
// messages. The client side is in transaction_layer_client.cpp, the server
// side in transaction_layer_server.cpp.
#include "sip/transaction/transaction_layer.h"

#include <stdexcept>

namespace imsbox::sip::transaction {

namespace {

BranchGenerator make_branches(const std::optional<std::uint64_t>& seed) {
  return seed ? BranchGenerator(*seed) : BranchGenerator();
}

}  // namespace

TransactionLayer::TransactionLayer(Sender& sender, TransactionUser& tu, runtime::TimerQueue& timers, Options options)
    : sender_(sender),
      tu_(tu),
      timer_queue_(timers),
      timer_values_(options.timers),
      branches_(make_branches(options.branch_seed)) {
  if (!timer_values_.valid()) {
    throw std::invalid_argument("SIP transaction timers: T1, T2, T4 must be positive and T1 <= T2");
  }
}

TransactionLayer::~TransactionLayer() {
  for (auto& [id, e] : clients_) {
    for (auto& slot : e->timers) disarm(slot);
    disarm(e->failure_report);
  }
  for (auto& [id, e] : servers_) {
    for (auto& slot : e->timers) disarm(slot);
  }
}

TransactionLayer::Received TransactionLayer::receive(Message message, const Peer& source) {
  if (message.is_request()) return receive_request(std::move(message), source);
  return receive_response(std::move(message), source);
}

void TransactionLayer::arm(std::optional<runtime::TimerQueue::TimerId>& slot, std::chrono::milliseconds delay,
                           runtime::TimerQueue::Callback callback) {
  disarm(slot);
  slot = timer_queue_.schedule_after(delay, std::move(callback));
}

void TransactionLayer::disarm(std::optional<runtime::TimerQueue::TimerId>& slot) {
  if (slot) timer_queue_.cancel(*slot);
  slot.reset();
}

TransactionLayer::ClientEntry* TransactionLayer::find(ClientTransactionId id) const {
  const auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

TransactionLayer::ServerEntry* TransactionLayer::find(ServerTransactionId id) const {
  const auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : it->second.get();
}

const Message* TransactionLayer::request(ClientTransactionId id) const {
  const auto* e = find(id);
  return e ? &request_of(*e) : nullptr;
}

const Message* TransactionLayer::request(ServerTransactionId id) const {
  const auto* e = find(id);
  if (e == nullptr) return nullptr;
  return std::visit([](const auto& m) { return &m.request(); }, e->machine);
}

std::optional<State> TransactionLayer::state(ClientTransactionId id) const {
  const auto* e = find(id);
  if (e == nullptr) return std::nullopt;
  return std::visit([](const auto& m) { return m.state(); }, e->machine);
}

std::optional<State> TransactionLayer::state(ServerTransactionId id) const {
  const auto* e = find(id);
  if (e == nullptr) return std::nullopt;
  return std::visit([](const auto& m) { return m.state(); }, e->machine);
}

}  // namespace imsbox::sip::transaction
