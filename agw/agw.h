#pragma once
// Access gateway (TS 23.228 Annex U): bridges browser media (ICE, DTLS-SRTP, Opus) to
// telephone media (RTP, AMR-WB, AMR, G.711), transcoding where needed.
//
// Today the node stands on the runtime only (config, logs, store, /health,
// /metrics, signals); its protocol logic arrives with the issues that build it.
#include "runtime/node_main.h"

namespace imsbox::agw {

class Agw final : public runtime::Node {
 public:
  explicit Agw(runtime::NodeContext& ctx) : ctx_(ctx) {}
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
};

}  // namespace imsbox::agw
