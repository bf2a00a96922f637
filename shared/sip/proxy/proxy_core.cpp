#include "sip/proxy/proxy_core.h"

#include <algorithm>
#include <deque>

#include "sip/header_values.h"
#include "sip/proxy/request_checks.h"
#include "sip/response.h"
#include "sip/text.h"
#include "sip/transaction/cancel.h"
#include "sip/uri.h"

namespace imsbox::sip::proxy {

using transaction::ClientTransactionId;
using transaction::ServerTransactionId;
using namespace std::chrono;

// One proxied transaction: the server transaction upstream, the services
// taking part, and at most one branch downstream at a time (sequential forking).
class ProxyCore::Transaction final : public ProxyTsxHelper {
 public:
  Transaction(ProxyCore& core, ServerTransactionId id, Message request, Peer source, Interface inbound,
              std::string received_hash)
      : core_(core), server_(id), request_(std::move(request)), source_(std::move(source)), inbound_(std::move(inbound)),
        received_hash_(std::move(received_hash)), is_invite_(request_.method() == "INVITE") {}

  ~Transaction() override {
    disarm(wait_timer_);
    disarm(hold_timer_);
    if (branch_) {
      disarm(branch_->timer);
      core_.by_client_.erase(branch_->id);
    }
  }

  void add_service(std::unique_ptr<ProxyTsx> tsx) { tsxs_.push_back(std::move(tsx)); }
  ServerTransactionId id() const { return server_; }

  // ---- ProxyTsxHelper ----
  Message& request() override { return request_; }
  const Peer& source() const override { return source_; }
  const Interface& inbound() const override { return inbound_; }

  void respond(Message response) override {
    if (final_sent_) return;
    if (response.status() >= 200) {
      final_sent_ = true;
      final_out_ = true;  // responses held behind it are not sent any more
      targets_.clear();
      cancel_branch();
    }
    core_.layer_->respond(server_, std::move(response));
    if (final_out_ && !branch_) core_.retire(server_);
  }

  void respond(int status, std::string_view reason) override {
    respond(make_response(request_, status, reason, status > 100 ? to_tag() : std::string_view()));
  }

  void add_target(Target target) override { targets_.push_back(std::move(target)); }
  void record_route(std::string_view user = {}) override {
    record_route_ = true;
    record_route_user_ = std::string(user);
  }

  void resume(Verdict verdict) override {
    if (!waiting_) return;
    waiting_ = false;
    disarm(wait_timer_);
    if (retrying_) {
      if (on_verdict(verdict, next_retry_)) run_retries();
      return;
    }
    after_service(verdict);
  }

  void cancel_branch() override {
    if (!branch_ || !is_invite_) return;
    if (branch_->provisional) {
      send_cancel();
    } else {
      cancel_pending_ = true;  // §16.10: CANCEL once a provisional response arrives
    }
  }

  void resume_response() override {
    if (upstream_.empty()) return;
    auto& head = upstream_.front();
    if (!head.waiting) {
      // from inside filter_response, before it returned wait
      if (filtering_) resumed_early_ = true;
      return;
    }
    head.waiting = false;
    --head.next;
    disarm(hold_timer_);
    pump_upstream();
  }

  // ---- driven by the core ----
  void start() {
    if (core_.options_.record_route && is_dialog_creating()) record_route_ = true;
    run_services();
  }

  // `unanswered`: the layer made this response (timeout, transport failure).
  void on_branch_response(ClientTransactionId id, Message response, bool unanswered = false) {
    response.remove_first_value(HeaderId::via);  // ours
    if (!branch_ || branch_->id != id) {
      // a 2xx from a branch we gave up on: still the caller's (RFC 6026)
      if (response.status() >= 200 && response.status() < 300 && is_invite_) forward_stray(std::move(response));
      return;
    }
    if (response.count(HeaderId::via) == 0) {
      // §16.7 step 3: nothing left to route it by; a broken downstream
      response = make_response(request_, response.status() < 200 ? 100 : 502, "Bad Gateway (response without Via)",
                               to_tag());
    }
    const int status = response.status();
    if (status < 200) {
      if (!branch_->provisional && branch_->awaiting_first_response) {
        branch_->awaiting_first_response = false;
        disarm(branch_->timer);
        arm_branch_timer(branch_->final_limit);
      }
      branch_->provisional = true;
      if (cancel_pending_) send_cancel();
      if (status == 100 || final_sent_) return;
      pass_upstream(std::move(response), false);
      return;
    }
    const bool stop_unless_unanswered = branch_->fallback_only_if_unanswered;
    end_branch();
    if (status < 300) {
      if (final_sent_) {
        forward_stray(std::move(response));
        return;
      }
      targets_.clear();
      pass_upstream(std::move(response), true);
      return;
    }
    finals_.push_back(std::move(response));
    if (status >= 600 || cancelled_ || final_sent_ || (stop_unless_unanswered && !unanswered)) {
      targets_.clear();
      finish();  // no more forking, nor retries
      return;
    }
    next_target();
  }

  void on_cancel() {
    if (final_sent_ || cancelled_) return;
    cancelled_ = true;
    for (auto& t : tsxs_) t->on_cancel(*this);
    targets_.clear();
    cancel_branch();
    if (!branch_) finish();  // nothing downstream: answer the INVITE ourselves
  }

  void on_branch_timeout() {
    if (!branch_) return;
    if (branch_->provisional && is_invite_) {
      send_cancel();  // the 487 will come back and the next target follows
      return;
    }
    // no final answer: give up on this branch (a CANCEL would change nothing
    // for a non-INVITE, RFC 3261 §9.1)
    abandon_branch();
  }

  void on_wait_expired() {
    if (!waiting_) return;
    waiting_ = false;
    respond(500, "Service Did Not Answer");
  }

  // A service held a response longer than the wait limit: it goes on as it is.
  void on_hold_expired() {
    hold_timer_.reset();
    if (upstream_.empty() || !upstream_.front().waiting) return;
    resume_response();
  }

 private:
  struct Branch {
    ClientTransactionId id;  // the layer keeps the request as sent (for its CANCEL)
    Peer peer;
    bool provisional = false;
    bool cancelled = false;
    bool fallback_only_if_unanswered = false;
    std::optional<runtime::TimerQueue::TimerId> timer;
    bool awaiting_first_response = false;  // timer is the first-response limit
    milliseconds final_limit{0};           // the limit for a final response (0: none)
  };

  bool is_dialog_creating() const {
    const auto m = request_.method();
    return request_.to().tag().empty() && (m == "INVITE" || m == "SUBSCRIBE" || m == "REFER" || m == "NOTIFY");
  }

  std::string_view to_tag() {
    if (to_tag_.empty()) to_tag_ = "p" + loop_hash(request_).substr(0, 10);
    return to_tag_;
  }

  void disarm(std::optional<runtime::TimerQueue::TimerId>& t) {
    if (t) core_.timers_.cancel(*t);
    t.reset();
  }

  // Acts on a service's verdict; true when the next service (`next`, the
  // index of the one that gave it) may run.
  bool on_verdict(Verdict verdict, std::size_t& next) {
    switch (verdict) {
      case Verdict::wait:  // (again, after resume(wait): a fresh limit)
        start_waiting();
        return false;
      case Verdict::done:
        if (!final_sent_) respond(500, "Service Answered Nothing");
        return false;
      case Verdict::next:
        ++next;
        return true;
    }
    return false;
  }

  void run_services() {
    while (next_service_ < tsxs_.size() && !final_sent_) {
      if (!on_verdict(tsxs_[next_service_]->on_request(*this), next_service_)) return;
    }
    if (final_sent_) return;
    if (cancelled_) {
      finish();
      return;
    }
    if (targets_.empty()) targets_.push_back(Target{});
    next_target();
  }

  // The service at next_service_ waits; it has wait_limit to resume.
  void start_waiting() {
    waiting_ = true;
    const auto server = server_;
    auto& core = core_;
    wait_timer_ = core_.timers_.schedule_after(duration_cast<microseconds>(core_.options_.wait_limit), [&core, server] {
      if (auto it = core.transactions_.find(server); it != core.transactions_.end()) it->second->on_wait_expired();
    });
  }

  void after_service(Verdict verdict) {
    if (on_verdict(verdict, next_service_)) run_services();
  }

  void next_target() {
    while (!targets_.empty() && !final_sent_ && !cancelled_) {
      Target target = std::move(targets_.front());
      targets_.pop_front();
      if (start_branch(target)) return;
    }
    if (branch_) return;
    if (final_sent_ || cancelled_ || finals_.empty()) {
      finish();
      return;
    }
    // every target failed: the services may try elsewhere
    retrying_ = true;
    next_retry_ = 0;
    run_retries();
  }

  // The services, in turn, on the last failure (on_branch_failure), until one
  // adds targets, waits or answers.
  void run_retries() {
    while (next_retry_ < tsxs_.size() && !final_sent_ && targets_.empty()) {
      if (!on_verdict(tsxs_[next_retry_]->on_branch_failure(*this, finals_.back()), next_retry_)) return;
    }
    retrying_ = false;
    if (final_sent_) return;
    if (targets_.empty() || cancelled_) {
      finish();
      return;
    }
    finals_.pop_back();  // the retry takes the failed branch's place
    next_target();
  }

  bool start_branch(const Target& target) {
    Message copy = request_.clone();
    if (!target.request_uri.empty()) copy.set_request_uri(target.request_uri);
    for (auto it = target.routes.rbegin(); it != target.routes.rend(); ++it) copy.prepend(HeaderId::route, *it);
    auto peer = target.peer ? target.peer : next_hop(copy, core_.options_.resolve);
    if (!peer) {
      auto nowhere = make_response(request_, 404, "No Route to the Target");
      finals_.push_back(std::move(nowhere));
      return false;
    }
    ForwardPlan plan;
    plan.inbound = inbound_;
    plan.outbound = core_.interface_for(*peer);
    plan.record_route = record_route_;
    plan.record_route_user = record_route_user_;
    plan.branch = make_branch_with_hash(received_hash_, std::to_string(core_.next_branch_++));
    const auto id = core_.layer_->send_request(prepare_forward(std::move(copy), plan), *peer);
    if (!id) {
      finals_.push_back(make_response(request_, 503, "Cannot Send to the Target"));
      return false;
    }
    branch_ = Branch{*id, *peer, false, false, target.fallback_only_if_unanswered, std::nullopt, false, milliseconds(0)};
    core_.by_client_[*id] = this;
    branch_->final_limit = target.timeout.count() > 0 ? target.timeout : (is_invite_ ? core_.options_.invite_timeout : milliseconds(0));
    if (target.first_response_timeout.count() > 0) {
      branch_->awaiting_first_response = true;
      arm_branch_timer(target.first_response_timeout);
    } else {
      arm_branch_timer(branch_->final_limit);
    }
    return true;
  }

  // The current branch's timer: on_branch_timeout() after `limit` (0: none).
  void arm_branch_timer(milliseconds limit) {
    if (limit.count() <= 0) return;
    const auto server = server_;
    const auto client = branch_->id;
    auto& core = core_;
    branch_->timer = core_.timers_.schedule_after(duration_cast<microseconds>(limit), [&core, server, client] {
      auto it = core.transactions_.find(server);
      if (it == core.transactions_.end() || !it->second->branch_ || it->second->branch_->id != client) return;
      it->second->branch_->timer.reset();
      it->second->on_branch_timeout();
    });
  }

  void end_branch() {
    if (!branch_) return;
    disarm(branch_->timer);
    core_.by_client_.erase(branch_->id);
    branch_.reset();
    cancel_pending_ = false;  // it was this branch's
    if (final_out_ && upstream_.empty()) core_.retire(server_);
  }

  void send_cancel() {
    cancel_pending_ = false;
    if (!branch_ || branch_->cancelled) return;
    branch_->cancelled = true;
    if (const auto* sent = core_.layer_->request(branch_->id)) {
      core_.layer_->send_request(transaction::make_cancel(*sent), branch_->peer);
    }
    // A branch that never answers the CANCEL would hold the INVITE client
    // transaction in Proceeding for ever (it has no timer there): give it
    // 64*T1 for its 487, then end it as a 408 (§9.1, §16.8).
    disarm(branch_->timer);
    const auto server = server_;
    const auto client = branch_->id;
    auto& core = core_;
    branch_->timer = core_.timers_.schedule_after(duration_cast<microseconds>(core_.options_.cancel_timeout), [&core, server, client] {
      auto it = core.transactions_.find(server);
      if (it == core.transactions_.end() || !it->second->branch_ || it->second->branch_->id != client) return;
      it->second->branch_->timer.reset();
      it->second->abandon_branch();
    });
  }

  // Ends the current branch as if it had answered 408.
  void abandon_branch() {
    if (!branch_) return;
    const auto id = branch_->id;
    auto timeout = make_response(request_, 408, {}, to_tag());
    end_branch();
    core_.layer_->terminate(id);
    finals_.push_back(std::move(timeout));
    next_target();
  }

  // The chosen final response, or 408 when none came (§16.7 step 6).
  void finish() {
    if (final_sent_) return;
    if (finals_.empty()) {
      respond(cancelled_ ? 487 : 408, {});
      return;
    }
    std::vector<int> statuses;
    for (const auto& f : finals_) statuses.push_back(f.status());
    const auto chosen = best_response(statuses);
    Message best = std::move(finals_[chosen]);
    if (best.status() == 401 || best.status() == 407) {
      // §16.7 step 7: the caller gets every branch's challenge, to answer them all
      for (std::size_t i = 0; i < finals_.size(); ++i) {
        if (i == chosen) continue;
        for (const auto& h : finals_[i].headers()) {
          if (h.id == HeaderId::www_authenticate || h.id == HeaderId::proxy_authenticate) {
            best.append(h.id, std::string(h.value));
          }
        }
      }
    }
    finals_.clear();
    if (best.status() == 503 && !(core_.options_.relay_overload && best.find(HeaderId::retry_after))) {
      best = make_response(request_, 500, {}, to_tag());  // §16.7 step 6
    }
    pass_upstream(std::move(best), true);
  }

  // Through the services (last first), then upstream, in order: a service
  // may hold one (filter_response), and those after it wait behind it.
  void pass_upstream(Message response, bool final) {
    if (final) final_sent_ = true;
    upstream_.push_back(Upstream{std::move(response), final, tsxs_.size(), false});
    pump_upstream();
  }

  void pump_upstream() {
    if (pumping_) return;  // a service resumed from inside filter_response: the loop below goes on
    pumping_ = true;
    while (!upstream_.empty() && !upstream_.front().waiting) {
      auto& head = upstream_.front();
      bool held = false;
      while (head.next > 0) {
        filtering_ = true;
        resumed_early_ = false;
        const auto verdict = tsxs_[head.next - 1]->filter_response(*this, head.response);
        filtering_ = false;
        if (verdict == Verdict::wait && !resumed_early_) {
          head.waiting = true;
          arm_hold_timer();
          held = true;
          break;
        }
        --head.next;
      }
      if (held) break;
      Upstream out = std::move(upstream_.front());
      upstream_.pop_front();
      if (final_out_) continue;  // a final response went first (respond()): nothing follows it
      if (out.final) final_out_ = true;
      core_.layer_->respond(server_, std::move(out.response));
    }
    pumping_ = false;
    if (final_out_ && !branch_ && upstream_.empty()) core_.retire(server_);
  }

  void arm_hold_timer() {
    disarm(hold_timer_);
    const auto server = server_;
    auto& core = core_;
    hold_timer_ = core_.timers_.schedule_after(duration_cast<microseconds>(core_.options_.wait_limit), [&core, server] {
      if (auto it = core.transactions_.find(server); it != core.transactions_.end()) it->second->on_hold_expired();
    });
  }

  void forward_stray(Message response) { core_.forward_stray_2xx(std::move(response)); }

  ProxyCore& core_;
  ServerTransactionId server_;
  Message request_;
  Peer source_;
  Interface inbound_;
  std::string received_hash_;  // loop_hash of the request as received: the branches carry it
  bool is_invite_;
  std::vector<std::unique_ptr<ProxyTsx>> tsxs_;
  std::size_t next_service_ = 0;
  bool retrying_ = false;        // the services are asked to retry (run_retries)
  std::size_t next_retry_ = 0;   // the service asked next
  bool waiting_ = false;
  std::optional<runtime::TimerQueue::TimerId> wait_timer_;
  // Responses on their way upstream (pass_upstream): each goes through the
  // services from the last (`next` counts down) and may be held by one.
  struct Upstream {
    Message response;
    bool final;
    std::size_t next;  // services not yet passed: tsxs_[0 .. next)
    bool waiting;      // held by tsxs_[next - 1]
  };
  std::deque<Upstream> upstream_;
  std::optional<runtime::TimerQueue::TimerId> hold_timer_;
  bool pumping_ = false;
  bool filtering_ = false;      // inside a filter_response call
  bool resumed_early_ = false;  // ... which called resume_response()
  bool final_sent_ = false;  // the final response is chosen (maybe held by a service)
  bool final_out_ = false;   // ... and went to the layer
  bool cancelled_ = false;
  bool cancel_pending_ = false;
  bool record_route_ = false;
  std::string record_route_user_;  // the user part of our Record-Route, if any
  std::deque<Target> targets_;
  std::optional<Branch> branch_;
  std::vector<Message> finals_;
  std::string to_tag_;
};

ProxyCore::ProxyCore(runtime::TimerQueue& timers, ProxyOptions options, std::vector<std::unique_ptr<ProxyService>> services)
    : timers_(timers), options_(std::move(options)), services_(std::move(services)) {
  for (const auto& i : options_.interfaces) own_sent_by_.push_back(i.sent_by());
  if (!options_.resolve) options_.resolve = [](std::string_view) { return std::optional<boost::asio::ip::address>(); };
}

ProxyCore::~ProxyCore() {
  for (const auto& [id, timer] : erase_timer_of_) timers_.cancel(timer);
  transactions_.clear();
}

void ProxyCore::attach(transaction::TransactionLayer& layer, transaction::Sender& sender) {
  layer_ = &layer;
  sender_ = &sender;
}

bool ProxyCore::is_own_uri(std::string_view uri) const {
  const auto parsed = parse_uri(uri);
  if (!parsed.uri || parsed.uri->scheme == Uri::Scheme::tel) return false;
  // A URI without a port leads to 5060 (5061): not to a node of the same
  // address on another port.
  const auto port = port_or_default(*parsed.uri);
  const auto bare = [](std::string_view host) {
    return host.size() > 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
  };
  for (const auto& i : options_.interfaces) {
    if (text::iequals(bare(parsed.uri->host), bare(i.host)) && port == i.port) return true;
  }
  for (const auto& own : options_.own_uris) {
    const auto o = parse_uri(own);
    if (o.uri && same_hostport(*parsed.uri, *o.uri)) return true;
  }
  return false;
}

const Interface& ProxyCore::interface_for(const Peer& peer) const {
  if (peer.local_port != 0) {
    for (const auto& i : options_.interfaces) {
      if (i.transport == peer.transport && i.port == peer.local_port) return i;
    }
  }
  for (const auto& i : options_.interfaces) {
    if (i.transport == peer.transport) return i;
  }
  return options_.interfaces.front();
}

std::optional<Peer> ProxyCore::response_peer(const Message& response) const {
  const auto top = response.top_via();
  if (!top) return std::nullopt;
  const auto& via = *top;
  Peer peer;
  peer.transport = transport_from_string(via.transport).value_or(Transport::udp);
  std::string_view host = via.host;
  if (const auto* received = find_param(via.params, "received"); received && received->has_value) host = received->value;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  peer.address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) {
    const auto resolved = options_.resolve(host);
    if (!resolved) return std::nullopt;
    peer.address = *resolved;
  }
  peer.port = via.port ? *via.port : 5060;
  if (const auto* rport = find_param(via.params, "rport"); rport && rport->has_value) {
    const auto n = parse_number(rport->value, 65535);
    if (n) peer.port = static_cast<std::uint16_t>(n.value);
  }
  return peer;
}

void ProxyCore::on_request(ServerTransactionId id, const Message& request, const transaction::RequestContext& context) {
  if (request.method() == "CANCEL") {
    // §16.10: answer the CANCEL, then cancel what the INVITE started
    if (!context.invite) {
      layer_->respond(id, make_response(request, 481, {}, "p481"));
      return;
    }
    // §9.2: the INVITE is known; once it has its final response the CANCEL
    // changes nothing (its proxy state may be gone already)
    layer_->respond(id, make_response(request, 200));
    if (auto it = transactions_.find(*context.invite); it != transactions_.end()) it->second->on_cancel();
    return;
  }
  if (refuse_for_overload(request)) {
    auto response = make_response(request, 503, {}, "pover");
    response.append(HeaderId::retry_after, std::to_string(options_.overload_retry_after.count()));
    layer_->respond(id, std::move(response));
    return;
  }
  const std::vector<std::string_view> supported(options_.supported_options.begin(), options_.supported_options.end());
  if (auto rejection = check_request(request, supported)) {
    auto response = make_response(request, rejection->status, rejection->reason, "prej");
    for (auto& [hid, value] : rejection->headers) response.append(hid, value);
    layer_->respond(id, std::move(response));
    return;
  }
  if (loop_detected(request, own_sent_by_)) {
    layer_->respond(id, make_response(request, 482, {}, "ploop"));
    return;
  }
  Message working = request.clone();
  preprocess_route(working, [this](std::string_view uri) { return is_own_uri(uri); });
  auto tx = std::make_unique<Transaction>(*this, id, std::move(working), context.source,
                                          interface_for(context.source), loop_hash(request));
  for (auto& service : services_) {
    if (auto tsx = service->on_request(request, context.source)) tx->add_service(std::move(tsx));
  }
  auto* raw = tx.get();
  transactions_[id] = std::move(tx);
  raw->start();
}

namespace {

// Whether a request answers a challenge: an Authorization or
// Proxy-Authorization with a response (a VoLTE UE's first REGISTER carries
// one with an empty response, only to name its IMPI).
bool answers_challenge(const Message& request) {
  for (const auto& f : request.headers()) {
    if (f.id != HeaderId::authorization && f.id != HeaderId::proxy_authorization) continue;
    const auto auth = parse_auth(f.value);
    if (!auth) continue;
    const auto* response = find_param(auth.value.params, "response");
    if (response && !unquote(response->value).empty()) return true;
  }
  return false;
}

}  // namespace

bool ProxyCore::refuse_for_overload(const Message& request) {
  if (options_.overload_delay.count() <= 0 || !options_.queue_delay) return false;
  const auto delay = options_.queue_delay();
  if (delay <= options_.overload_delay && !refusing_) return false;
  // only new work: a request within a dialog (To tag), or one that answers
  // a challenge (its first round went through the whole chain), finishes
  // work already taken on
  if (!request.to().tag().empty() || answers_challenge(request)) return false;
  const bool refuse = delay > options_.overload_delay;
  if (refuse != refusing_) {
    refusing_ = refuse;
    if (options_.overload_changed) options_.overload_changed(refuse, delay);
  }
  return refuse;
}

void ProxyCore::on_ack(Message ack, const transaction::RequestContext& context) {
  // the ACK of a 2xx is forwarded statelessly along the Route set (§16.6)
  const auto received_hash = loop_hash(ack);
  continue_ack(std::move(ack), context.source, received_hash, 0);
}

void ProxyCore::continue_ack(Message ack, const Peer& source, const std::string& received_hash,
                             std::size_t next_service) {
  for (std::size_t i = next_service; i < services_.size(); ++i) {
    const auto forward = [this, source, received_hash, i](Message held) {
      continue_ack(std::move(held), source, received_hash, i + 1);
    };
    if (services_[i]->on_ack(ack, source, forward)) return;
  }
  preprocess_route(ack, [this](std::string_view uri) { return is_own_uri(uri); });
  std::optional<Peer> peer;
  if (ack.count(HeaderId::route) == 0) {
    for (auto& service : services_) {
      if ((peer = service->ack_peer(ack))) break;
    }
  }
  if (!peer) peer = next_hop(ack, options_.resolve);
  if (!peer) return;
  ForwardPlan plan;
  plan.outbound = interface_for(*peer);
  plan.inbound = plan.outbound;
  plan.branch = make_branch_with_hash(received_hash, "ack");
  sender_->send(*peer, prepare_forward(ack, plan));
}

bool ProxyCore::originate(Message request, std::optional<Peer> to, Done done) {
  if (!layer_ || !request.is_request() || request.method() == "INVITE" || request.method() == "ACK") return false;
  auto peer = to ? to : next_hop(request, options_.resolve);
  if (!peer) return false;
  ForwardPlan plan;
  plan.outbound = interface_for(*peer);
  plan.inbound = plan.outbound;
  plan.branch = make_branch(request, "o" + std::to_string(next_branch_++));
  // prepare_forward counts this node as a hop: start from 71 so 70 leaves
  if (!request.find(HeaderId::max_forwards)) request.append(HeaderId::max_forwards, "71");
  const auto id = layer_->send_request(prepare_forward(std::move(request), plan), *peer);
  if (!id) return false;
  originated_[*id] = std::move(done);
  return true;
}

void ProxyCore::on_response(ClientTransactionId id, Message response) {
  if (const auto o = originated_.find(id); o != originated_.end()) {
    if (response.status() < 200) return;
    auto done = std::move(o->second);
    originated_.erase(o);
    if (done) done(response);
    return;
  }
  const auto it = by_client_.find(id);
  if (it == by_client_.end()) {
    // a branch we already ended (e.g. the 487 after our CANCEL, or a late 2xx)
    if (response.status() >= 200 && response.status() < 300 && response.cseq().method == "INVITE") {
      on_stray_response(std::move(response), Peer{});
    }
    return;
  }
  it->second->on_branch_response(id, std::move(response));
}

void ProxyCore::on_stray_response(Message response, const Peer&) {
  // RFC 6026 §8.5: a stray 2xx to an INVITE still goes upstream, statelessly
  if (response.status() < 200 || response.status() >= 300 || response.cseq().method != "INVITE") return;
  const auto top = response.top_via();
  if (!top) return;
  bool ours = false;
  for (const auto& s : own_sent_by_) ours |= text::iequals(top->sent_by, s);
  if (!ours) return;
  response.remove_first_value(HeaderId::via);
  forward_stray_2xx(std::move(response));
}

void ProxyCore::forward_stray_2xx(Message response) {
  for (auto& service : services_) {
    if (!service->on_stray_2xx(response)) return;
  }
  if (auto peer = response_peer(response)) sender_->send(*peer, response);
}

void ProxyCore::on_client_failure(ClientTransactionId id, transaction::Failure, Message response) {
  // act on the 408 / 503 the layer made as if it had been received (§8.1.3.1)
  if (const auto it = by_client_.find(id); it != by_client_.end()) {
    it->second->on_branch_response(id, std::move(response), true);
    return;
  }
  on_response(id, std::move(response));
}

void ProxyCore::on_server_failure(ServerTransactionId, transaction::Failure) {}

void ProxyCore::on_client_terminated(ClientTransactionId id) {
  by_client_.erase(id);
  originated_.erase(id);
}

void ProxyCore::on_server_terminated(ServerTransactionId id) { retire(id); }

void ProxyCore::retire(ServerTransactionId id) {
  if (!transactions_.contains(id) || erase_timer_of_.contains(id)) return;
  erase_timer_of_[id] = timers_.schedule_after(microseconds(0), [this, id] {
    erase_timer_of_.erase(id);
    transactions_.erase(id);
  });
}

}  // namespace imsbox::sip::proxy
