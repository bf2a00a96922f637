#pragma once
// Access gateway (TS 23.228 Annex U): bridges browser media (ICE, DTLS-SRTP, Opus) to
// telephone media (RTP, AMR-WB, AMR, G.711), transcoding where needed.
//
// Today the node stands on the runtime (config, logs, store, /health,
// /metrics, signals) and listens for its control protocol, a subset of
// rtpengine's ng protocol (agw/ng), on UDP 127.0.0.1:agw.ng_port: it answers
// `ping` with `pong` and every other command with `result: error`
// ("not implemented yet") until the media plane arrives.
#include <memory>

#include "runtime/node_main.h"

namespace imsbox::agw {

namespace ng {
class NgServer;
}

class Agw final : public runtime::Node {
 public:
  explicit Agw(runtime::NodeContext& ctx);
  ~Agw() override;
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
  std::unique_ptr<ng::NgServer> ng_;
};

}  // namespace imsbox::agw
