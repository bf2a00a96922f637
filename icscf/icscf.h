#pragma once
// I-CSCF (TS 24.229 §5.3): the home network's entry point; asks the HSS (Cx UAR/LIR)
// which S-CSCF serves a user.
//
// Today the node stands on the runtime only (config, logs, store, /health,
// /metrics, signals); its protocol logic arrives with the issues that build it.
#include "runtime/node_main.h"

namespace imsbox::icscf {

class Icscf final : public runtime::Node {
 public:
  explicit Icscf(runtime::NodeContext& ctx) : ctx_(ctx) {}
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
};

}  // namespace imsbox::icscf
