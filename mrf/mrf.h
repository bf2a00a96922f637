#pragma once
// Media resource function (TS 24.229 §5.8): announcements and IVR.
//
// Today the node stands on the runtime only (config, logs, store, /health,
// /metrics, signals); its protocol logic arrives with the issues that build it.
#include "runtime/node_main.h"

namespace imsbox::mrf {

class Mrf final : public runtime::Node {
 public:
  explicit Mrf(runtime::NodeContext& ctx) : ctx_(ctx) {}
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
};

}  // namespace imsbox::mrf
