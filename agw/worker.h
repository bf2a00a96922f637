#pragma once
// One AGW worker: a thread running an io_context of its own, with its own
// media sockets (a slice of the port range), its own log handle, and the
// calls whose Call-ID hashes to it (CallTable). The ng server hands each
// command to the call's worker once (post) and the worker replies from its
// thread (NgServer::Responder). Nothing is shared between workers but
// read-only things (the DTLS certificate and context, the configuration)
// and the metrics' atomic counters.
//
// Timers on the worker's loop: a 20 ms tick (transcoders, DTMF) kept on a
// fixed schedule, and a 1 s housekeeping round (RTCP reports, media
// timeouts, abandoned calls).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "agw/media_path.h"
#include "agw/ng/ng_server.h"
#include "agw/prompt_source.h"

namespace imsbox::runtime {
class Clock;
class Counter;
class Gauge;
}  // namespace imsbox::runtime
namespace imsbox::agw::webrtc {
class DtlsContext;
}

namespace imsbox::agw {

struct WorkerSettings {
  std::size_t index = 0;
  std::uint16_t port_min = 30000;  // this worker's slice
  std::uint16_t port_max = 39999;
  std::string bind_address = "127.0.0.1";
  std::string browser_bind_address = "127.0.0.1";
  std::string advertised_address = "127.0.0.1";
  MediaPathConfig media;
  std::chrono::seconds media_timeout{60};
  std::filesystem::path log_path;  // empty: stderr
  int log_level = 1;               // runtime::LogLevel as int (debug 0 .. error 3)
  runtime::Counter* media_timeouts = nullptr;
  runtime::Counter* transcoded_calls = nullptr;
  runtime::Gauge* calls = nullptr;  // calls held, summed over the workers
  std::shared_ptr<const PromptSource> prompts;  // play media by prompt name (shared by the workers)
};

class Worker {
 public:
  Worker(WorkerSettings settings, std::shared_ptr<const webrtc::DtlsContext> dtls, const runtime::Clock& clock);
  ~Worker();  // stop()s
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread.
  void start();
  // Frees every call on the worker's thread, then ends it and joins. Idempotent.
  void stop();
  // Runs the command on the worker's thread and answers through `respond`.
  void post(ng::NgRequest request, ng::NgServer::Responder respond);
  // Reopens the worker's log file (after a rotation: SIGHUP), on its thread.
  void reopen_log();

  std::size_t index() const;
  // Calls held (read from any thread; updated by the worker).
  std::size_t calls() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::agw
