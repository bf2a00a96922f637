#pragma once
// A SIP user agent process's stack on one io_context: the transport layer
// (UDP and TCP listeners), the UserAgent with its transaction layer, and the
// LoopTimer that runs their timers; what ProxyStack is to a proxy. The MRF
// instantiates it; it knows nothing of the MRF.
//
// Threading: single-threaded on the io_context. Ownership: the stack owns
// the layers; io_context, events, timers, Logger and Metrics are borrowed
// and must outlive it (the application's own timers share the queue).
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sip/transport/transport_layer.h"
#include "sip/ua/user_agent.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Logger;
class LoopTimer;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::sip::ua {

struct UaStackConfig {
  TransportConfig transport;
  // Via sent-by and Contact host; empty: the first listener's address.
  std::string advertised_host;
  // The rest of the UserAgent's options (transport, host and port are the
  // first listener's).
  UserAgent::Options ua;
};

class UaStack {
 public:
  UaStack(boost::asio::io_context& io, UaStackConfig config, UserAgentEvents& events, runtime::TimerQueue& timers,
          runtime::Logger& log, runtime::Metrics& metrics);
  ~UaStack();
  UaStack(const UaStack&) = delete;
  UaStack& operator=(const UaStack&) = delete;

  // Binds the listeners (throws std::runtime_error naming the one that
  // fails) and starts the UserAgent.
  void start();
  void stop();

  // Valid from start() until the stack is destroyed.
  UserAgent& user_agent() { return *ua_; }
  TransportLayer& transport() { return *transport_; }

 private:
  class Sender;
  boost::asio::io_context& io_;
  UaStackConfig config_;
  UserAgentEvents& events_;
  runtime::Logger& log_;
  runtime::TimerQueue& timers_;
  std::unique_ptr<TransportLayer> transport_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<UserAgent> ua_;
  std::unique_ptr<runtime::LoopTimer> loop_timer_;
};

}  // namespace imsbox::sip::ua
