#include "diameter/diameter_stack.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "diameter/cx_codec.h"
#include "diameter/cx_dictionary.h"
#include "diameter/fd_bridge.h"
#include "diameter/fd_core.h"
#include "diameter/peer_admission.h"
#include "runtime/log.h"

namespace imsbox::diameter {

using detail::Bridge;

std::string_view to_string(CxError::Kind k) {
  switch (k) {
    case CxError::Kind::timeout: return "timeout";
    case CxError::Kind::unable_to_deliver: return "unable_to_deliver";
    case CxError::Kind::bad_answer: return "bad_answer";
    case CxError::Kind::not_sent: return "not_sent";
    case CxError::Kind::stopped: return "stopped";
  }
  return "?";
}

std::string_view to_string(PeerState s) {
  switch (s) {
    case PeerState::unknown: return "unknown";
    case PeerState::connecting: return "connecting";
    case PeerState::open: return "open";
    case PeerState::closed: return "closed";
  }
  return "?";
}

namespace detail {
PendingAnswer::~PendingAnswer() {
  if (!done)
    if (auto s = sink.lock()) s->abandon(id);
}
void PendingAnswer::answer(CxAnswer a) {
  if (done) return;
  done = true;
  if (auto s = sink.lock()) s->answer(id, std::move(a));
}
}  // namespace detail

namespace {

bool same_identity(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string describe(const CxRequest& r) {
  const auto& h = header_of(r);
  return std::string(request_abbrev(command_of(r))) + " from " + h.origin_host + " (Session-Id " + h.session_id + ")";
}

}  // namespace

class DiameterStack::Impl : public detail::AnswerSink,
                            public detail::BridgeTarget,
                            public std::enable_shared_from_this<DiameterStack::Impl> {
 public:
  Impl(boost::asio::io_context& io, StackConfig config, runtime::Logger& log)
      : io_(io), config_(std::move(config)), log_(log) {}

  enum class State { created, running, stopping, stopped };

  void start();
  void stop(std::function<void()> on_stopped);
  void finish_now();  // from the destructor

  // AnswerSink
  void answer(std::uint64_t id, CxAnswer a) override;
  void abandon(std::uint64_t id) override;
  // BridgeTarget
  void on_request(std::uint64_t id) override;
  void on_answer(std::uint64_t send_id) override;
  void on_expired(std::uint64_t send_id) override;
  void on_fd_log(detail::FdLogLevel level, std::string line) override;
  void on_peer_refused(std::string identity, std::string address, std::string reason, std::string refused_as) override;

  void send(CxRequest request, Destination to, std::chrono::milliseconds timeout, ErasedCallback cb);
  PeerState peer_state(const std::string& identity) const;
  void poll_peer(std::shared_ptr<boost::asio::steady_timer> timer, std::string identity,
                 std::chrono::steady_clock::time_point deadline, std::function<void(bool)> done);

  boost::asio::io_context& io_;
  StackConfig config_;
  runtime::Logger& log_;
  State state_ = State::created;
  std::optional<CxDictionary> dict_;
  std::map<CxCommand, ErasedHandler> handlers_;

 private:
  struct Serving {
    MsgPtr request;
    CxCommand command;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  struct Sending {
    ErasedCallback callback;
    CxCommand command;
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::chrono::milliseconds timeout;
  };

  PeerAdmission admission();
  std::vector<boost::asio::ip::address> resolve(const std::string& host, const std::string& what);
  void send_answer(MsgPtr answer);
  void answer_error(MsgPtr request, const DecodeError& e);
  void fail_later(ErasedCallback cb, CxError e);
  void drain_and_shut_down();
  void on_shutdown_complete();

  std::unordered_map<std::uint64_t, Serving> serving_;
  std::unordered_map<std::uint64_t, Sending> sending_;
  std::uint64_t next_send_id_ = 0;
  std::thread shutdown_waiter_;
  std::function<void()> on_stopped_;
};

// ---- lifecycle ----

void DiameterStack::Impl::start() {
  if (state_ != State::created) throw std::logic_error("DiameterStack::start: already started");
  std::filesystem::create_directories(config_.run_dir);
  const auto path = conf_path(config_);
  {
    std::ofstream out(path, std::ios::trunc);
    out << freediameter_conf(config_);
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  Bridge& bridge = Bridge::instance();
  PeerAdmission admitted = admission();
  const std::string admitted_text = admitted.describe();
  const LocalEndpoints endpoints = local_endpoints(config_);
  bridge.attach(io_, weak_from_this(), std::move(admitted), !config_.tls);
  // freeDiameter explains its refusals in its log, which the loop has not
  // written yet: put the last lines in the exception.
  const auto failed = [&](const std::string& what, int rc) {
    const std::string why = bridge.recent_problems();
    return std::runtime_error(what + ": " + std::strerror(rc) + (why.empty() ? "" : " (freeDiameter: " + why + ")"));
  };
  try {
    dict_ = initialize_freediameter(path, endpoints);
  } catch (const std::runtime_error& e) {
    const std::string why = bridge.recent_problems();
    throw std::runtime_error(e.what() + (why.empty() ? "" : " (freeDiameter: " + why + ")"));
  }
  try {
    if (const int rc = bridge.register_callbacks(dict_->application(), dict_->vendor()))
      throw failed("freeDiameter callbacks", rc);
    bridge.start_accepting();
    if (const int rc = fd_core_start()) throw failed("fd_core_start", rc);
  } catch (...) {
    bridge.stop_accepting();
    fd_core_shutdown();
    fd_core_wait_shutdown_complete();
    bridge.detach();
    state_ = State::stopped;
    throw;
  }
  state_ = State::running;
  std::string listening;
  for (const auto& a : endpoints.listen)
    listening += (listening.empty() ? "" : ", ") + (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" +
                 std::to_string(config_.listen_port);
  log_.info("diameter: " + config_.identity + " (realm " + config_.realm + ") started, " +
            std::to_string(config_.peers.size()) + " peer(s) to connect to, " +
            (listening.empty() ? "not listening" : "listening on TCP " + listening + ", admitting " + admitted_text));
}

std::vector<boost::asio::ip::address> DiameterStack::Impl::resolve(const std::string& host, const std::string& what) {
  std::vector<boost::asio::ip::address> out;
  boost::system::error_code ec;
  if (auto a = boost::asio::ip::make_address(host, ec); !ec) {
    out.push_back(a);
    return out;
  }
  // A name: its addresses now (freeDiameter resolves ConnectTo names once
  // too, when it reads its configuration).
  boost::asio::ip::tcp::resolver resolver(io_);
  const auto results = resolver.resolve(host, "", ec);
  if (ec) {
    log_.warning("diameter: cannot resolve " + host + " (" + what + "): " + ec.message() +
                 "; no connection is admitted from it");
    return out;
  }
  for (const auto& r : results) {
    const auto a = r.endpoint().address();
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

PeerAdmission DiameterStack::Impl::admission() {
  PeerAdmission a;
  for (const auto& p : config_.allowed_peers) {
    if (p.loopback) a.allow_loopback(p.identity);
    for (const auto& host : p.addresses)
      for (const auto& address : resolve(host, "an address of " + p.identity)) a.allow(p.identity, address);
  }
  for (const auto& p : config_.peers)
    for (const auto& address : resolve(p.address, "the address of " + p.identity)) a.allow(p.identity, address);
  return a;
}

void DiameterStack::Impl::stop(std::function<void()> on_stopped) {
  if (state_ == State::created) {
    state_ = State::stopped;
    if (on_stopped) boost::asio::post(io_, std::move(on_stopped));
    return;
  }
  if (state_ != State::running) return;
  state_ = State::stopping;
  on_stopped_ = std::move(on_stopped);
  drain_and_shut_down();
  // Keep the loop alive until the helper thread reports the end of the shutdown.
  auto guard = boost::asio::make_work_guard(io_);
  shutdown_waiter_ = std::thread([this, guard = std::move(guard), weak = weak_from_this()]() mutable {
    fd_core_wait_shutdown_complete();
    boost::asio::post(io_, [weak] {
      if (auto s = weak.lock()) s->on_shutdown_complete();
    });
    guard.reset();
  });
}

void DiameterStack::Impl::drain_and_shut_down() {
  auto drained = Bridge::instance().stop_accepting();
  for (msg* m : drained.answers) MsgDeleter{}(m);
  for (msg* m : drained.requests)
    answer_error(MsgPtr(m), DecodeError{result_code::unable_to_comply, {}, {}, "shutting down"});
  auto serving = std::move(serving_);
  serving_.clear();
  for (auto& [id, s] : serving)
    answer_error(std::move(s.request), DecodeError{result_code::unable_to_comply, {}, {}, "shutting down"});
  auto sending = std::move(sending_);
  sending_.clear();
  for (auto& [id, s] : sending) fail_later(std::move(s.callback), CxError{CxError::Kind::stopped, "stack stopped"});
  log_.info("diameter: stopping (" + std::to_string(serving.size()) + " request(s) answered 5012, " +
            std::to_string(sending.size()) + " pending send(s) failed)");
  fd_core_shutdown();
}

void DiameterStack::Impl::on_shutdown_complete() {
  if (state_ == State::stopped) return;
  if (shutdown_waiter_.joinable()) shutdown_waiter_.join();
  Bridge::instance().detach();
  state_ = State::stopped;
  log_.info("diameter: stopped");
  if (auto cb = std::move(on_stopped_)) cb();
}

void DiameterStack::Impl::finish_now() {
  if (state_ == State::running) {
    state_ = State::stopping;
    drain_and_shut_down();
    fd_core_wait_shutdown_complete();
  }
  if (shutdown_waiter_.joinable()) shutdown_waiter_.join();
  if (state_ == State::stopping) {
    Bridge::instance().detach();
    state_ = State::stopped;
  }
}

// ---- serving ----

void DiameterStack::Impl::send_answer(MsgPtr answer) {
  msg* raw = answer.release();
  if (const int rc = fd_msg_send(&raw, nullptr, nullptr)) {
    log_.error(std::string("diameter: cannot send an answer: ") + std::strerror(rc));
    MsgDeleter{}(raw);
  }
}

void DiameterStack::Impl::answer_error(MsgPtr request, const DecodeError& e) {
  try {
    send_answer(encode_error_answer(*dict_, std::move(request), e));
  } catch (const std::exception& ex) {
    log_.error(std::string("diameter: cannot build an error answer: ") + ex.what());
  }
}

void DiameterStack::Impl::on_request(std::uint64_t id) {
  MsgPtr m(Bridge::instance().take_request(id));
  if (!m) return;
  if (state_ != State::running) {
    answer_error(std::move(m), DecodeError{result_code::unable_to_comply, {}, {}, "shutting down"});
    return;
  }
  auto decoded = decode_request(*dict_, m.get());
  if (!decoded) {
    const DecodeError& e = decoded.error();
    log_.warning("diameter: request refused with " + std::to_string(e.result_code) + ": " + e.message);
    answer_error(std::move(m), e);
    return;
  }
  CxRequest request = std::move(decoded.value());
  const CxCommand cmd = command_of(request);
  const auto handler = handlers_.find(cmd);
  if (handler == handlers_.end()) {
    log_.warning("diameter: " + describe(request) + " answered 3001: not served here");
    answer_error(std::move(m), DecodeError{result_code::command_unsupported, {}, {},
                                           std::string(request_abbrev(cmd)) + " is not served here"});
    return;
  }
  log_.debug("diameter: " + describe(request));
  auto timer = std::make_unique<boost::asio::steady_timer>(io_, config_.answer_timeout);
  timer->async_wait([weak = weak_from_this(), id](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto s = weak.lock()) {
      s->log_.warning("diameter: no answer from the handler within " +
                      std::to_string(s->config_.answer_timeout.count()) + " ms, answering 5012");
      s->abandon(id);
    }
  });
  serving_.emplace(id, Serving{std::move(m), cmd, std::move(timer)});
  auto pending = std::make_shared<detail::PendingAnswer>(weak_from_this(), id);
  try {
    handler->second(std::move(request), pending);
  } catch (const std::exception& e) {
    // Policy: handlers do not throw. One that does gets its request answered 5012.
    log_.error(std::string("diameter: handler threw: ") + e.what());
    pending->done = true;
    abandon(id);
  }
}

void DiameterStack::Impl::answer(std::uint64_t id, CxAnswer a) {
  auto it = serving_.find(id);
  if (it == serving_.end()) {
    log_.debug("diameter: late answer dropped (already answered 5012)");
    return;
  }
  Serving s = std::move(it->second);
  serving_.erase(it);
  if (command_of(a) != s.command) {
    log_.error("diameter: handler answered " + std::string(answer_abbrev(command_of(a))) + " to a " +
               std::string(request_abbrev(s.command)) + "; answering 5012");
    answer_error(std::move(s.request), DecodeError{result_code::unable_to_comply, {}, {}, "internal error"});
    return;
  }
  try {
    send_answer(encode_answer(*dict_, std::move(s.request), a));
  } catch (const std::exception& e) {
    log_.error(std::string("diameter: cannot build the answer: ") + e.what());
  }
}

void DiameterStack::Impl::abandon(std::uint64_t id) {
  auto it = serving_.find(id);
  if (it == serving_.end()) return;
  MsgPtr request = std::move(it->second.request);
  serving_.erase(it);
  answer_error(std::move(request), DecodeError{result_code::unable_to_comply, {}, {}, "no answer from the node"});
}

// ---- sending ----

void DiameterStack::Impl::fail_later(ErasedCallback cb, CxError e) {
  boost::asio::post(io_, [cb = std::move(cb), e = std::move(e)]() mutable { cb(std::move(e)); });
}

void DiameterStack::Impl::send(CxRequest request, Destination to, std::chrono::milliseconds timeout,
                               ErasedCallback cb) {
  if (state_ != State::running) {
    fail_later(std::move(cb), CxError{state_ == State::created ? CxError::Kind::not_sent : CxError::Kind::stopped,
                                      "the Diameter stack is not running"});
    return;
  }
  RequestHeader& h = header_of(request);
  h.destination_realm = std::move(to.realm);
  h.destination_host = std::move(to.host);
  MsgPtr m;
  try {
    m = encode_request(*dict_, request);
  } catch (const std::exception& e) {
    fail_later(std::move(cb), CxError{CxError::Kind::not_sent, e.what()});
    return;
  }
  const std::uint64_t id = ++next_send_id_;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_, timeout);
  timer->async_wait([weak = weak_from_this(), id](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto s = weak.lock()) s->on_expired(id);
  });
  sending_.emplace(id, Sending{std::move(cb), command_of(request), std::move(timer), timeout});
  timespec deadline{};
  clock_gettime(CLOCK_REALTIME, &deadline);
  const auto ms = timeout.count();
  deadline.tv_sec += ms / 1000;
  deadline.tv_nsec += (ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000L;
  }
  msg* raw = m.release();
  void* data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
  if (const int rc = fd_msg_send_timeout(&raw, &Bridge::answer_cb, data, &Bridge::expire_cb, &deadline)) {
    MsgDeleter{}(raw);
    auto it = sending_.find(id);
    auto callback = std::move(it->second.callback);
    sending_.erase(it);
    fail_later(std::move(callback), CxError{CxError::Kind::not_sent, std::string("fd_msg_send: ") + std::strerror(rc)});
  }
}

void DiameterStack::Impl::on_answer(std::uint64_t send_id) {
  MsgPtr m(Bridge::instance().take_answer(send_id));
  auto it = sending_.find(send_id);
  if (!m || it == sending_.end()) return;
  ErasedCallback cb = std::move(it->second.callback);
  const CxCommand sent = it->second.command;
  sending_.erase(it);
  auto decoded = decode_answer(*dict_, m.get(), sent);
  if (!decoded) return cb(CxError{CxError::Kind::bad_answer, decoded.error().message});
  const AnswerHeader& h = header_of(decoded.value());
  // freeDiameter answers for a peer it could not reach with an 'E'-bit answer of its own.
  if (h.error_bit && same_identity(h.origin_host, config_.identity))
    return cb(CxError{CxError::Kind::unable_to_deliver,
                      "Result-Code " + std::to_string(h.result.code) +
                          (h.error_message.empty() ? "" : ": " + h.error_message)});
  cb(std::move(decoded.value()));
}

void DiameterStack::Impl::on_expired(std::uint64_t send_id) {
  auto it = sending_.find(send_id);
  if (it == sending_.end()) return;
  ErasedCallback cb = std::move(it->second.callback);
  const auto timeout = it->second.timeout;
  sending_.erase(it);
  cb(CxError{CxError::Kind::timeout, "no answer within " + std::to_string(timeout.count()) + " ms"});
}

// ---- peers and logs ----

PeerState DiameterStack::Impl::peer_state(const std::string& identity) const {
  if (state_ != State::running) return PeerState::unknown;
  peer_hdr* peer = nullptr;
  std::string id = identity;
  if (fd_peer_getbyid(id.data(), id.size(), 1, &peer) != 0 || !peer) return PeerState::unknown;
  switch (fd_peer_get_state(peer)) {
    case STATE_OPEN:
    case STATE_OPEN_NEW:
    case STATE_REOPEN:
    case STATE_SUSPECT: return PeerState::open;
    case STATE_CLOSED:
    case STATE_ZOMBIE:
    case STATE_CLOSING:
    case STATE_CLOSING_GRACE: return PeerState::closed;
    default: return PeerState::connecting;
  }
}

void DiameterStack::Impl::poll_peer(std::shared_ptr<boost::asio::steady_timer> timer, std::string identity,
                                    std::chrono::steady_clock::time_point deadline, std::function<void(bool)> done) {
  if (peer_state(identity) == PeerState::open) return done(true);
  if (std::chrono::steady_clock::now() >= deadline || state_ != State::running) return done(false);
  timer->expires_after(std::chrono::milliseconds(20));
  timer->async_wait([weak = weak_from_this(), timer, identity = std::move(identity), deadline,
                     done = std::move(done)](const boost::system::error_code& ec) mutable {
    auto s = weak.lock();
    if (ec || !s) return done(false);
    s->poll_peer(std::move(timer), std::move(identity), deadline, std::move(done));
  });
}

void DiameterStack::Impl::on_fd_log(detail::FdLogLevel level, std::string line) {
  using detail::FdLogLevel;
  const auto ours = level == FdLogLevel::error     ? runtime::LogLevel::error
                    : level == FdLogLevel::warning ? runtime::LogLevel::warning
                    : level == FdLogLevel::info    ? runtime::LogLevel::info
                                                   : runtime::LogLevel::debug;
  if (log_.enabled(ours)) log_.log(ours, line.rfind("freeDiameter", 0) == 0 ? line : "freeDiameter: " + line);
}

void DiameterStack::Impl::on_peer_refused(std::string identity, std::string address, std::string reason,
                                          std::string refused_as) {
  log_.warning("diameter: refused peer " + (identity.empty() ? "(no Origin-Host)" : identity) + " from " + address +
               ": " + reason + " (its CER answered DIAMETER_UNKNOWN_PEER" +
               (refused_as == identity ? "" : ", as " + refused_as + " in freeDiameter's log") + ")");
}

// ---- the public face ----

DiameterStack::DiameterStack(boost::asio::io_context& io, StackConfig config, runtime::Logger& log) {
  if (const std::string problem = validate(config); !problem.empty()) throw std::invalid_argument(problem);
  if (!Bridge::instance().claim())
    throw std::logic_error("a Diameter stack already exists in this process (freeDiameter is process-global)");
  impl_ = std::make_shared<Impl>(io, std::move(config), log);
}

DiameterStack::~DiameterStack() { impl_->finish_now(); }

void DiameterStack::serve_erased(CxCommand command, ErasedHandler handler) {
  if (impl_->state_ != Impl::State::created) throw std::logic_error("DiameterStack::serve after start()");
  impl_->handlers_[command] = std::move(handler);
}

void DiameterStack::start() { impl_->start(); }

void DiameterStack::stop(std::function<void()> on_stopped) { impl_->stop(std::move(on_stopped)); }

void DiameterStack::send_erased(CxRequest request, Destination to, std::chrono::milliseconds timeout,
                                ErasedCallback callback) {
  impl_->send(std::move(request), std::move(to), timeout, std::move(callback));
}

PeerState DiameterStack::peer_state(const std::string& identity) const { return impl_->peer_state(identity); }

void DiameterStack::wait_for_peer(std::string identity, std::chrono::milliseconds timeout,
                                  std::function<void(bool)> done) {
  auto timer = std::make_shared<boost::asio::steady_timer>(impl_->io_);
  impl_->poll_peer(std::move(timer), std::move(identity), std::chrono::steady_clock::now() + timeout,
                   std::move(done));
}

const StackConfig& DiameterStack::config() const { return impl_->config_; }

}  // namespace imsbox::diameter
