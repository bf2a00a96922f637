#pragma once
// A Diameter node's Cx stack on freeDiameter: serves Cx requests to handlers
// and sends Cx requests, on one boost::asio::io_context.
//
// One per process: freeDiameter's core, dictionary, peers and callbacks are
// process globals that cannot be initialized twice. The constructor throws
// std::logic_error when another stack was ever created in this process.
//
// Threading: every member function is called on the io_context's thread (the
// loop). freeDiameter runs its own threads (network, routing, dispatch); each
// of its callbacks only hands the message to the loop with post(), so
// handlers and send callbacks run on the loop, never concurrently.
//
// Peers: freeDiameter connects to config.peers. Inbound, a CER is admitted
// only when its Origin-Host is one of config.peers or config.allowed_peers
// AND the connection comes from an address of that peer (names resolved at
// start): the CER is checked on the connection it arrived on, before
// freeDiameter looks the peer up (cer_admission.h). Any other CER gets
// DIAMETER_UNKNOWN_PEER, a warning naming the identity and the address, and
// the connection is closed; the peer it claimed to be is not disturbed.
//
// Addresses: the stack listens (listen_port) on listen_address only and
// announces host_ip_addresses; it needs no address besides loopback.
//
// Ownership: io_context and Logger are borrowed and must outlive the stack.
// Requests and answers are values; freeDiameter messages stay inside.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "diameter/cx_messages.h"
#include "diameter/stack_config.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Logger;
}

namespace imsbox::diameter {

// Why a sent request has no answer.
struct CxError {
  enum class Kind {
    timeout,            // no answer within the timeout
    unable_to_deliver,  // no open connection to a peer for the destination, or it went away
    bad_answer,         // an answer came but is not a usable Cx answer
    not_sent,           // the request could not be built or queued
    stopped,            // the stack stopped before an answer came
  };
  Kind kind;
  std::string message;
};
std::string_view to_string(CxError::Kind k);

template <class Answer>
using AnswerOrError = std::variant<Answer, CxError>;

// Where a request goes: Destination-Realm, and Destination-Host when set.
struct Destination {
  std::string realm;
  std::string host;
};

enum class PeerState { unknown, connecting, open, closed };
std::string_view to_string(PeerState s);

namespace detail {
// The stack's side of a served request; see Responder.
class AnswerSink {
 public:
  virtual ~AnswerSink() = default;
  virtual void answer(std::uint64_t id, CxAnswer a) = 0;
  virtual void abandon(std::uint64_t id) = 0;
};
struct PendingAnswer {
  PendingAnswer(std::weak_ptr<AnswerSink> s, std::uint64_t i) : sink(std::move(s)), id(i) {}
  PendingAnswer(const PendingAnswer&) = delete;
  PendingAnswer& operator=(const PendingAnswer&) = delete;
  ~PendingAnswer();
  void answer(CxAnswer a);
  std::weak_ptr<AnswerSink> sink;
  std::uint64_t id;
  bool done = false;
};
}  // namespace detail

// Answers one served request, now or later, on the loop. Copies share one
// request: the first call answers, later calls are ignored. When the last
// copy is destroyed unanswered, the stack answers DIAMETER_UNABLE_TO_COMPLY
// (5012) at once; when StackConfig::answer_timeout passes first, it answers
// 5012 then and a later call is ignored. Session-Id and Origin-* are filled in
// by the stack: set the header's result and the body.
template <class Answer>
class Responder {
 public:
  explicit Responder(std::shared_ptr<detail::PendingAnswer> p) : pending_(std::move(p)) {}
  void operator()(Answer a) const { pending_->answer(CxAnswer(std::move(a))); }
  bool answered() const { return pending_->done; }

 private:
  std::shared_ptr<detail::PendingAnswer> pending_;
};

class DiameterStack {
 public:
  using ErasedHandler = std::function<void(CxRequest, std::shared_ptr<detail::PendingAnswer>)>;
  using ErasedCallback = std::function<void(std::variant<CxAnswer, CxError>)>;

  // Checks the configuration (std::invalid_argument naming the option) and
  // claims freeDiameter for this process (std::logic_error if taken).
  DiameterStack(boost::asio::io_context& io, StackConfig config, runtime::Logger& log);
  // Stops if still running, waiting for freeDiameter's shutdown to complete.
  ~DiameterStack();
  DiameterStack(const DiameterStack&) = delete;
  DiameterStack& operator=(const DiameterStack&) = delete;

  // Registers the handler of one request type, before start(). It runs on the
  // loop with the decoded request (only well-formed ones: a request missing a
  // mandatory AVP or with a bad value is answered 5005/5004 with Failed-AVP by
  // the stack) and a Responder. Requests of a command without handler are
  // answered DIAMETER_COMMAND_UNSUPPORTED (3001).
  //   stack.serve<UserAuthorizationRequest>([](UserAuthorizationRequest r, auto respond) { ... });
  template <class Request>
  void serve(std::function<void(Request, Responder<AnswerFor<Request>>)> handler) {
    serve_erased(CxTraits<Request>::command,
                 [h = std::move(handler)](CxRequest r, std::shared_ptr<detail::PendingAnswer> p) {
                   h(std::get<Request>(std::move(r)), Responder<AnswerFor<Request>>(std::move(p)));
                 });
  }
  void serve_erased(CxCommand command, ErasedHandler handler);

  // Writes the freeDiameter configuration under run_dir, initializes and
  // starts freeDiameter's core (listening, connecting to the peers). Throws
  // std::runtime_error when freeDiameter refuses (its log line says why).
  void start();

  // Stops without blocking: refuses new work, answers requests still waiting
  // for their handler with 5012, fails pending sends with CxError::stopped
  // (callbacks posted), then shuts freeDiameter down (DPR to the peers) on a
  // helper thread; on_stopped runs on the loop when that is complete. Keeps
  // the loop busy until then. Callable from a SIGTERM handler on the loop.
  void stop(std::function<void()> on_stopped = {});

  // Sends a request and calls back on the loop exactly once with its answer
  // or an error: a timeout, no open connection to a peer for the destination,
  // a peer that went away before answering. Any answer from the peer (also a
  // non-2xx result or an 'E'-bit answer) is an answer. Session-Id is created
  // when the header has none; Origin-* are this node's; the destination comes
  // from `to`.
  // A function that sends `Request`s to `to` with that timeout: what a Cx
  // client (the I-CSCF's, the S-CSCF's) is given to reach the HSS. The stack
  // must outlive it.
  template <class Request>
  std::function<void(Request, std::function<void(AnswerOrError<AnswerFor<Request>>)>)> sender(
      Destination to, std::chrono::milliseconds timeout) {
    return [this, to = std::move(to), timeout](Request r, std::function<void(AnswerOrError<AnswerFor<Request>>)> done) {
      send<Request>(std::move(r), to, timeout, std::move(done));
    };
  }

  template <class Request>
  void send(Request request, Destination to, std::chrono::milliseconds timeout,
            std::function<void(AnswerOrError<AnswerFor<Request>>)> callback) {
    send_erased(CxRequest(std::move(request)), std::move(to), timeout,
                [cb = std::move(callback)](std::variant<CxAnswer, CxError> r) {
                  if (auto* e = std::get_if<CxError>(&r)) return cb(std::move(*e));
                  auto& a = std::get<CxAnswer>(r);
                  if (auto* typed = std::get_if<AnswerFor<Request>>(&a)) return cb(std::move(*typed));
                  cb(CxError{CxError::Kind::bad_answer, "answer of another command"});
                });
  }
  void send_erased(CxRequest request, Destination to, std::chrono::milliseconds timeout, ErasedCallback callback);

  // The state of the connection with a peer (by Diameter identity).
  PeerState peer_state(const std::string& identity) const;
  // Calls done(true) on the loop once the peer's connection is open, or
  // done(false) after the timeout. For clients that must not send before.
  void wait_for_peer(std::string identity, std::chrono::milliseconds timeout, std::function<void(bool)> done);

  const StackConfig& config() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::diameter
