#pragma once
// S-CSCF (TS 24.229 §5.4): registrar, authentication (IMS-AKA, SIP digest) and
// session control with initial filter criteria.
//
// Today the node stands on the runtime only (config, logs, store, /health,
// /metrics, signals); its protocol logic arrives with the issues that build it.
#include "runtime/node_main.h"

namespace imsbox::scscf {

class Scscf final : public runtime::Node {
 public:
  explicit Scscf(runtime::NodeContext& ctx) : ctx_(ctx) {}
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
};

}  // namespace imsbox::scscf
