#pragma once
// The calls of one worker, by Call-ID, and the ng commands run against them
// (the AGW shards calls over its workers by Call-ID, so a call lives and
// dies in one table):
//   offer          makes the call when it is new
//   answer, play DTMF   the call must exist ("Unknown call-id" otherwise)
//   query          its statistics (ng::CallStats)
//   delete         frees it (ports, legs) and replies with its last statistics
//   ping           pong
//   play media, stop media  refused: the MRF's, not the AGW's
// Every refusal is `result: error` with the reason, logged; no exception
// leaves handle().
//
// tick() runs every 20 ms (transcoders, DTMF being sent); housekeeping()
// every second (RTCP reports, media timeouts, and freeing calls nobody
// controls any more: timed out and no ng command for another
// media_timeout, or never answered and no ng command for 10 minutes).
//
// Threading: the worker's thread.
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "agw/call.h"
#include "agw/ng/reply.h"
#include "agw/ng/request.h"

namespace imsbox::agw {

class CallTable {
 public:
  explicit CallTable(WorkerContext& ctx) : ctx_(ctx) {}
  ~CallTable();

  ng::NgReply handle(const ng::NgRequest& request);
  void tick();
  void housekeeping();

  std::size_t size() const { return calls_.size(); }
  Call* find(const std::string& call_id);

 private:
  ng::NgReply run(const ng::NgRequest& request);
  ng::NgReply unknown(const ng::NgRequest& request);

  WorkerContext& ctx_;
  std::unordered_map<std::string, std::unique_ptr<Call>> calls_;
};

}  // namespace imsbox::agw
