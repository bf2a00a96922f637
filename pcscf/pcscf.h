#pragma once
// P-CSCF and eP-CSCF (TS 24.229 §5.2; TS 23.228 Annex U): the UE's first contact over
// UDP, TCP, TLS, WS and WSS, and the WWSF serving the browser client.
//
// Today the node stands on the runtime only (config, logs, store, /health,
// /metrics, signals); its protocol logic arrives with the issues that build it.
#include "runtime/node_main.h"

namespace imsbox::pcscf {

class Pcscf final : public runtime::Node {
 public:
  explicit Pcscf(runtime::NodeContext& ctx) : ctx_(ctx) {}
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
};

}  // namespace imsbox::pcscf
