#include "mrf/ua_stack.h"

#include "runtime/log.h"
#include "runtime/loop_timer.h"
#include "runtime/metrics.h"
#include "runtime/timer_queue.h"

namespace imsbox::sip::ua {

class UaStack::Sender final : public transaction::Sender {
 public:
  explicit Sender(TransportLayer& t) : transport_(t) {}
  bool send(const Peer& to, const Message& message) override { return transport_.send(to, message); }

 private:
  TransportLayer& transport_;
};

UaStack::UaStack(boost::asio::io_context& io, UaStackConfig config, UserAgentEvents& events,
                 runtime::TimerQueue& timers, runtime::Logger& log, runtime::Metrics& metrics)
    : io_(io), config_(std::move(config)), events_(events), log_(log), timers_(timers) {
  transport_ = std::make_unique<TransportLayer>(io_, config_.transport, log_, metrics, [this](Message&& m, const Peer& source) {
    if (ua_) ua_->receive(std::move(m), source);
  });
  sender_ = std::make_unique<Sender>(*transport_);
}

UaStack::~UaStack() {
  stop();
  ua_.reset();  // before the timers and the transport it uses
}

void UaStack::start() {
  transport_->start();
  auto options = config_.ua;
  const auto endpoints = transport_->local_endpoints();
  if (!endpoints.empty()) {
    options.transport = endpoints.front().transport;
    options.host = config_.advertised_host.empty() ? endpoints.front().address.to_string() : config_.advertised_host;
    options.port = endpoints.front().port;
  }
  ua_ = std::make_unique<UserAgent>(*sender_, timers_, events_, std::move(options));
  loop_timer_ = std::make_unique<runtime::LoopTimer>(io_, timers_);
  for (const auto& ep : endpoints) {
    log_.info("SIP " + std::string(to_string(ep.transport)) + " on " + ep.address.to_string() + ":" +
              std::to_string(ep.port));
  }
}

void UaStack::stop() {
  if (transport_) transport_->stop();
  loop_timer_.reset();
}

}  // namespace imsbox::sip::ua
