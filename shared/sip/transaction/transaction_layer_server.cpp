// TransactionLayer, server side: matching requests (§17.2.3), new server
// transactions, CANCEL and merged requests, respond, server timers.
#include "sip/transaction/matching.h"
#include "sip/transaction/overloaded.h"
#include "sip/transaction/transaction_layer.h"

namespace imsbox::sip::transaction {

namespace {

bool is_invite(const Message& request) { return request.method() == "INVITE"; }

}  // namespace

TransactionLayer::ServerEntry::ServerEntry(ServerTransactionId id_, const Peer& source_, Message request,
                                           const TimerValues& timers)
    : id(id_),
      source(source_),
      machine(is_invite(request) ? decltype(machine){std::in_place_type<InviteServerTransaction>, std::move(request),
                                                     is_reliable(source_.transport), timers}
                                 : decltype(machine){std::in_place_type<NonInviteServerTransaction>,
                                                     std::move(request), is_reliable(source_.transport), timers}) {}

TransactionLayer::ServerEntry* TransactionLayer::match(const Message& request) const {
  if (const auto key = server_key(request)) {
    const auto it = server_by_key_.find(*key);
    return it == server_by_key_.end() ? nullptr : find(it->second);
  }
  const auto legacy = legacy_key(request);
  if (!legacy) return nullptr;
  const bool ack = request.method() == "ACK";
  const auto [first, last] = server_by_legacy_key_.equal_range(legacy->base);
  for (auto it = first; it != last; ++it) {
    ServerEntry* e = find(it->second);
    if (e == nullptr) continue;
    if (ack) {
      // The ACK carries the To tag of the final response, not of the INVITE.
      if (e->method == "INVITE" && e->response_to_tag == legacy->to_tag) return e;
    } else if (e->method == request.method() && e->request_to_tag == legacy->to_tag) {
      return e;
    }
  }
  return nullptr;
}

std::optional<ServerTransactionId> TransactionLayer::find_invite_for_cancel(const Message& cancel) const {
  if (const auto key = server_key(cancel, "INVITE")) {
    const auto it = server_by_key_.find(*key);
    if (it == server_by_key_.end()) return std::nullopt;
    return it->second;
  }
  // §9.2 for RFC 2543 peers: Request-URI, tags, Call-ID, CSeq number, top Via.
  const auto legacy = legacy_key(cancel);
  if (!legacy) return std::nullopt;
  const auto [first, last] = server_by_legacy_key_.equal_range(legacy->base);
  for (auto it = first; it != last; ++it) {
    const ServerEntry* e = find(it->second);
    if (e != nullptr && e->method == "INVITE" && e->request_to_tag == legacy->to_tag) return e->id;
  }
  return std::nullopt;
}

bool TransactionLayer::is_merged(const Message& request) const {
  // §8.2.2.2 applies only outside a dialog (no To tag).
  if (!request.to().tag().empty()) return false;
  return server_by_merge_key_.contains(merge_key(request));
}

TransactionLayer::Received TransactionLayer::receive_request(Message request, const Peer& source) {
  if (!request.top_via()) return Received::dropped;
  const bool ack = request.method() == "ACK";

  if (ServerEntry* e = match(request)) {
    const ServerTransactionId id = e->id;
    Actions actions;
    if (ack) {
      auto* invite = std::get_if<InviteServerTransaction>(&e->machine);
      if (invite != nullptr) actions = invite->on_ack(std::move(request));
    } else {
      actions = std::visit([](auto& m) { return m.on_request_retransmission(); }, e->machine);
    }
    apply(id, std::move(actions), &source);
    return Received::matched_request;
  }

  RequestContext context;
  context.source = source;
  if (ack) {
    tu_.on_ack(std::move(request), context);
    return Received::stray_ack;
  }
  if (request.method() == "CANCEL") context.invite = find_invite_for_cancel(request);
  context.merged = is_merged(request);

  // Keys first: the request moves into its transaction below.
  std::optional<std::string> key = server_key(request);
  std::optional<LegacyKey> legacy = key ? std::nullopt : legacy_key(request);
  std::optional<std::string> merge;
  if (request.to().tag().empty()) merge = merge_key(request);

  const ServerTransactionId id{next_id_++};
  auto entry = std::make_unique<ServerEntry>(id, source, std::move(request), timer_values_);
  entry->method = std::string(std::visit([](const auto& m) { return m.request().method(); }, entry->machine));
  if (key) {
    server_by_key_.emplace(*key, id);
    entry->key = std::move(key);
  } else if (legacy) {
    server_by_legacy_key_.emplace(legacy->base, id);
    entry->legacy_key = std::move(legacy->base);
    entry->request_to_tag = std::move(legacy->to_tag);
  }
  if (merge) {
    server_by_merge_key_.emplace(*merge, id);
    entry->merge_key = std::move(merge);
  }
  auto& machine = entry->machine;
  servers_.emplace(id, std::move(entry));

  // Kept alive through on_request even if the TU's answer ends the transaction.
  const std::shared_ptr<const Message> kept = std::visit([](const auto& m) { return m.shared_request(); }, machine);
  apply(id, std::visit([](auto& m) { return m.start(); }, machine));
  tu_.on_request(id, *kept, context);
  return context.merged ? Received::merged_request : Received::new_request;
}

bool TransactionLayer::respond(ServerTransactionId id, Message response) {
  ServerEntry* e = find(id);
  if (e == nullptr || response.is_request()) return false;
  std::optional<std::string> to_tag;
  if (e->legacy_key && response.status() >= 200) to_tag = std::string(response.to().tag());
  Actions actions = std::visit([&](auto& m) { return m.on_tu_response(std::move(response)); }, e->machine);
  if (actions.empty()) return false;  // this state takes no such response
  if (to_tag) e->response_to_tag = std::move(to_tag);
  apply(id, std::move(actions));
  return true;
}

void TransactionLayer::apply(ServerTransactionId id, Actions actions, const Peer* source) {
  bool send_failed = false;
  for (auto& a : actions) {
    // Looked up again each time: a TU callback may have ended the transaction.
    ServerEntry* e = find(id);
    if (e == nullptr) return;
    std::visit(detail::Overloaded{
                   [&](action::Send& s) {
                     if (!sender_.send(e->source, *s.message)) send_failed = true;
                   },
                   [&](action::StartTimer& t) {
                     arm(e->timers[static_cast<std::size_t>(t.timer)], t.duration,
                         [this, id, timer = t.timer] { on_timer(id, timer); });
                   },
                   [&](action::CancelTimer& t) { disarm(e->timers[static_cast<std::size_t>(t.timer)]); },
                   [&](action::PassToTu& p) {
                     RequestContext context;
                     context.source = source != nullptr ? *source : e->source;
                     context.invite = id;
                     tu_.on_ack(std::move(p.message), context);
                   },
                   [&](action::Timeout&) { tu_.on_server_failure(id, Failure::timeout); },
                   [&](action::TransportError&) { tu_.on_server_failure(id, Failure::transport_error); },
                   [&](action::Terminated&) {
                     if (send_failed) {  // the final response could not be sent: say so before the end
                       send_failed = false;
                       tu_.on_server_failure(id, Failure::transport_error);
                     }
                     forget(id);
                     tu_.on_server_terminated(id);
                   },
               },
               a);
  }
  if (!send_failed) return;
  ServerEntry* e = find(id);
  if (e == nullptr) return;
  apply(id, std::visit([](auto& m) { return m.on_transport_error(); }, e->machine));
}

void TransactionLayer::on_timer(ServerTransactionId id, Timer timer) {
  ServerEntry* e = find(id);
  if (e == nullptr) return;
  e->timers[static_cast<std::size_t>(timer)].reset();
  apply(id, std::visit([timer](auto& m) { return m.on_timer(timer); }, e->machine));
}

void TransactionLayer::forget(ServerTransactionId id) {
  const auto it = servers_.find(id);
  if (it == servers_.end()) return;
  ServerEntry& e = *it->second;
  for (auto& slot : e.timers) disarm(slot);
  if (e.key) server_by_key_.erase(*e.key);
  const auto erase_from = [id](auto& multimap, const std::string& key) {
    const auto [first, last] = multimap.equal_range(key);
    for (auto i = first; i != last; ++i) {
      if (i->second == id) {
        multimap.erase(i);
        return;
      }
    }
  };
  if (e.legacy_key) erase_from(server_by_legacy_key_, *e.legacy_key);
  if (e.merge_key) erase_from(server_by_merge_key_, *e.merge_key);
  servers_.erase(it);
}

}  // namespace imsbox::sip::transaction
