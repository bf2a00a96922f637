#include "sip/proxy/proxy_stack.h"

#include "runtime/log.h"
#include "runtime/loop_timer.h"
#include "runtime/metrics.h"
#include "runtime/timer_queue.h"

namespace imsbox::sip::proxy {

class ProxyStack::Sender final : public transaction::Sender {
 public:
  using Route = std::function<void(Peer& to, const Message& message)>;
  Sender(TransportLayer& t, Route route) : transport_(t), route_(std::move(route)) {}
  bool send(const Peer& to, const Message& message) override {
    if (!route_) return transport_.send(to, message);
    Peer routed = to;
    route_(routed, message);
    return transport_.send(routed, message);
  }

 private:
  TransportLayer& transport_;
  Route route_;
};

ProxyStack::ProxyStack(boost::asio::io_context& io, ProxyStackConfig config,
                       std::vector<std::unique_ptr<ProxyService>> services, runtime::Logger& log,
                       runtime::Metrics& metrics, const runtime::Clock& clock)
    : io_(io), config_(std::move(config)), services_(std::move(services)), log_(log), metrics_(metrics),
      timers_(std::make_unique<runtime::TimerQueue>(clock)) {
  transport_ = std::make_unique<TransportLayer>(io_, config_.transport, log_, metrics_,
                                                [this](Message&& m, const Peer& source) {
                                                  if (transactions_) transactions_->receive(std::move(m), source);
                                                });
  sender_ = std::make_unique<Sender>(*transport_, config_.outbound_route);
}

ProxyStack::~ProxyStack() { stop(); }

void ProxyStack::start() {
  transport_->start();
  interfaces_ = config_.proxy.interfaces;
  if (interfaces_.empty()) {
    for (const auto& ep : transport_->local_endpoints()) {
      interfaces_.push_back(
          Interface{ep.transport, config_.advertised_host.empty() ? ep.address.to_string() : config_.advertised_host, ep.port});
    }
  }
  auto options = config_.proxy;
  options.interfaces = interfaces_;
  if (!options.queue_delay) options.queue_delay = [t = transport_.get()] { return t->receive_delay(); };
  if (!options.overload_changed) {
    options.overload_changed = [this, limit = options.overload_delay](bool refusing, std::chrono::microseconds delay) {
      const auto waited = std::to_string(delay.count() / 1000) + " ms";
      if (refusing)
        log_.warning("overloaded: requests wait " + waited + " to be read (limit " + std::to_string(limit.count()) +
                     " ms); new requests get 503 until the backlog is gone");
      else
        log_.info("overload over: requests wait " + waited + " to be read; taking new requests again");
    };
  }
  core_.emplace(*timers_, std::move(options), std::move(services_));
  transactions_.emplace(*sender_, *core_, *timers_, config_.transactions);
  core_->attach(*transactions_, *sender_);
  loop_timer_ = std::make_unique<runtime::LoopTimer>(io_, *timers_);
  for (const auto& i : interfaces_) {
    log_.info("SIP " + std::string(to_string(i.transport)) + " on " + i.sent_by());
  }
}

void ProxyStack::stop() {
  if (transport_) transport_->stop();
  loop_timer_.reset();
}

}  // namespace imsbox::sip::proxy
