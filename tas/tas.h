#pragma once
// Telephony application server (TS 24.604, TS 24.611): call forwarding and barring over ISC.
//
// Today the node stands on the runtime only (config, logs, store, /health,
// /metrics, signals); its protocol logic arrives with the issues that build it.
#include "runtime/node_main.h"

namespace imsbox::tas {

class Tas final : public runtime::Node {
 public:
  explicit Tas(runtime::NodeContext& ctx) : ctx_(ctx) {}
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
};

}  // namespace imsbox::tas
