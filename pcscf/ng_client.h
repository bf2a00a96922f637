#pragma once
// The P-CSCF's side of rtpengine's ng protocol: requests to the AGW (ours,
// or rtpengine itself) as `<cookie> <bencode dictionary>` datagrams, answers
// matched by their cookie (rtpengine's docs/ng_control_protocol.md).
//
// A request is sent again, unchanged (same cookie: the AGW's reply cache
// answers a repeat without running the command twice), every
// `retry_interval` until an answer comes or `tries` sends went unanswered;
// then its callback gets a timeout. An answer that does not decode, or
// whose `result` is not ok/pong, is an error for the callback. Every failure
// is logged here once (with the request's label), so callers only decide
// what it means for the SIP side.
//
// The client is pure but for its two edges: `send` (a function that puts
// one datagram on the wire: UdpNgSocket, or a test's fake) and the timer
// queue it retransmits on. Datagrams that arrive go to on_datagram().
// Callbacks always run later on the loop (from on_datagram() or a timer),
// never inside request(). Single-threaded: the P-CSCF's event loop.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agw/ng/value.h"
#include "runtime/timer_queue.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::pcscf {

// An answer from the AGW (or why there is none).
class NgAnswer {
 public:
  enum class Status {
    ok,       // result "ok" (or "pong")
    error,    // result "error" (error_reason() says why), another result, or a reply that does not decode
    timeout,  // no answer after every try
  };

  static NgAnswer failed(Status status, std::string reason);
  // Decodes a reply's dictionary (the bytes after the cookie).
  static NgAnswer decode(std::string_view dictionary);

  Status status() const { return status_; }
  bool ok() const { return status_ == Status::ok; }
  // "error-reason" of an error reply, or what went wrong.
  const std::string& error_reason() const { return error_; }
  // A dictionary value of an ok answer ("sdp", "warning", "totals", ...).
  std::optional<agw::ng::Value> get(std::string_view key) const;
  std::string_view string(std::string_view key) const;
  // The whole dictionary, when the answer decoded.
  std::optional<agw::ng::Value> root() const;

 private:
  Status status_ = Status::error;
  std::string error_;
  // The decoded tree's strings are views into these bytes: kept on the heap
  // so that moving the answer keeps them where they are.
  std::unique_ptr<std::string> bytes_;
  std::shared_ptr<agw::ng::Document> document_;
};

struct NgClientOptions {
  std::chrono::milliseconds retry_interval{500};  // between sends of one request
  unsigned tries = 3;                             // sends before a timeout
  std::string peer;                               // "127.0.0.1:2223", for logs
};

class NgClient {
 public:
  using Send = std::function<bool(std::string_view datagram)>;
  using Callback = std::function<void(NgAnswer answer)>;
  using RequestId = std::uint64_t;

  // `cookie_prefix` keeps this process's cookies apart from another's (the
  // AGW caches replies by cookie): a random string.
  NgClient(NgClientOptions options, Send send, runtime::TimerQueue& timers, runtime::Logger& log,
           std::string cookie_prefix);
  ~NgClient();
  NgClient(const NgClient&) = delete;
  NgClient& operator=(const NgClient&) = delete;

  // Sends one request (a bencode dictionary, ng's `command` in it). `label`
  // names it in logs ("offer"); `call_id` too. `done` runs once, later.
  RequestId request(std::string dictionary, std::string label, std::string call_id, Callback done);
  // The caller lost interest: `done` will not run.
  void cancel(RequestId id);
  // A datagram from the AGW.
  void on_datagram(std::string_view datagram);

  std::size_t pending() const { return pending_.size(); }
  const NgClientOptions& options() const { return options_; }

 private:
  struct Pending {
    std::string datagram;  // cookie + space + dictionary
    std::string label;
    std::string call_id;
    Callback done;
    unsigned sent = 0;
    runtime::TimerQueue::TimerId timer = 0;
  };
  void transmit(RequestId id);
  void finish(RequestId id, NgAnswer answer);

  NgClientOptions options_;
  Send send_;
  runtime::TimerQueue& timers_;
  runtime::Logger& log_;
  std::string cookie_prefix_;
  RequestId next_id_ = 1;
  std::unordered_map<RequestId, Pending> pending_;
};

}  // namespace imsbox::pcscf
