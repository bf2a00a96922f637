#pragma once
// A SIP proxy process's stack on one io_context: the transport layer, the
// transaction layer, the proxy core with its services, and the LoopTimer
// that runs their timers. What a CSCF node (or a test proxy) instantiates.
//
// Threading: single-threaded on the io_context. Ownership: the stack owns the
// layers and the services; io_context, Logger, Metrics and Clock are
// borrowed and must outlive it.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/proxy/proxy_core.h"
#include "sip/transport/transport_layer.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Clock;
class Logger;
class LoopTimer;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::sip::proxy {

struct ProxyStackConfig {
  TransportConfig transport;
  // Leave proxy.interfaces empty to derive them from the bound listeners
  // (host: advertised_host, or the listener's address).
  ProxyOptions proxy;
  std::string advertised_host;
  transaction::TransactionLayer::Options transactions;
  // A last say on where each message leaves from and goes to, after the
  // layers above chose (the P-CSCF's protected ports, TS 33.203 §7.1); none:
  // as chosen. Called on the loop for every message sent.
  std::function<void(Peer& to, const Message& message)> outbound_route;
};

class ProxyStack {
 public:
  ProxyStack(boost::asio::io_context& io, ProxyStackConfig config, std::vector<std::unique_ptr<ProxyService>> services,
             runtime::Logger& log, runtime::Metrics& metrics, const runtime::Clock& clock);
  ~ProxyStack();
  ProxyStack(const ProxyStack&) = delete;
  ProxyStack& operator=(const ProxyStack&) = delete;

  // Binds the listeners (throws std::runtime_error naming the one that
  // fails) and starts serving.
  void start();
  void stop();

  TransportLayer& transport() { return *transport_; }
  const std::vector<Interface>& interfaces() const { return interfaces_; }
  std::size_t active_transactions() const { return core_ ? core_->active() : 0; }
  // Sends requests of the node's own (see RequestOriginator); valid from
  // start() until the stack is destroyed (after stop() it sends nothing).
  RequestOriginator& originator() { return *core_; }
  // The stack's timers, on its clock: for the services' own (registration
  // expiry, subscriptions).
  runtime::TimerQueue& timers() { return *timers_; }

 private:
  class Sender;
  boost::asio::io_context& io_;
  ProxyStackConfig config_;
  std::vector<std::unique_ptr<ProxyService>> services_;
  runtime::Logger& log_;
  runtime::Metrics& metrics_;
  std::unique_ptr<runtime::TimerQueue> timers_;
  std::unique_ptr<runtime::LoopTimer> loop_timer_;
  std::unique_ptr<TransportLayer> transport_;
  std::unique_ptr<Sender> sender_;
  std::optional<ProxyCore> core_;
  std::optional<transaction::TransactionLayer> transactions_;
  std::vector<Interface> interfaces_;
};

}  // namespace imsbox::sip::proxy
