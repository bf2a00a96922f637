#pragma once
// Access gateway (TS 23.228 Annex U): bridges browser media (ICE, DTLS-SRTP, Opus) to
// telephone media (RTP, AMR-WB, AMR, G.711), transcoding where needed.
//
// The node: the ng control protocol (agw/ng, a subset of rtpengine's) on UDP
// 127.0.0.1:agw.ng_port, served on the node's loop; agw.workers media
// workers (worker.h), each a thread with its own io_context, its own slice
// of agw.rtp_port_min..agw.rtp_port_max and the calls whose Call-ID hashes
// to it. A command is handed to its call's worker once and answered from
// there. At start: one DTLS certificate for every browser leg, the open
// files limit raised and the descriptor table grown to hold every leg of the
// media port range (descriptor_table.h: then no ng offer grows it).
#include <memory>
#include <string>
#include <vector>

#include "runtime/node_main.h"

namespace imsbox::agw {

namespace ng {
class NgServer;
}
class Worker;

class Agw final : public runtime::Node {
 public:
  explicit Agw(runtime::NodeContext& ctx);
  ~Agw() override;
  void start() override;
  void stop() override;
  std::string health() const override;

 private:
  void wait_hup();

  runtime::NodeContext& ctx_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<ng::NgServer> ng_;
  struct Hangup;  // SIGHUP: the workers reopen their log files
  std::unique_ptr<Hangup> hup_;
  bool stopped_ = false;
};

}  // namespace imsbox::agw
