#pragma once
// HSS (TS 29.228/29.229): master of subscriber data; Milenage authentication vectors over
// Diameter Cx and an HTTP/2 service-based interface.
//
// Today the node stands on the runtime only (config, logs, store, /health,
// /metrics, signals); its protocol logic arrives with the issues that build it.
#include "runtime/node_main.h"

namespace imsbox::hss {

class Hss final : public runtime::Node {
 public:
  explicit Hss(runtime::NodeContext& ctx) : ctx_(ctx) {}
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
};

}  // namespace imsbox::hss
