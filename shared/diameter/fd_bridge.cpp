#include "diameter/fd_bridge.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>

#include "diameter/cer_admission.h"

namespace imsbox::diameter::detail {
namespace {

std::uint64_t id_of(void* data) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(data)); }

// The throw-away identities refused CERs are renamed to (cer_admission.h):
// one per refused connection, so that two refusals never meet in one
// freeDiameter peer object; .invalid (RFC 2606) is nobody's name.
constexpr std::string_view kRefusedPrefix = "refused-";
constexpr std::string_view kRefusedSuffix = ".imsbox.invalid";

bool is_refused_name(std::string_view id) {
  return id.size() > kRefusedPrefix.size() + kRefusedSuffix.size() && id.substr(0, kRefusedPrefix.size()) == kRefusedPrefix &&
         id.substr(id.size() - kRefusedSuffix.size()) == kRefusedSuffix;
}

}  // namespace

Bridge& Bridge::instance() {
  static Bridge b;  // process-wide, as freeDiameter's own state (see the header)
  return b;
}

bool Bridge::claim() {
  std::lock_guard lock(mutex_);
  if (claimed_) return false;
  claimed_ = true;
  return true;
}

void Bridge::attach(boost::asio::io_context& io, std::weak_ptr<BridgeTarget> target, PeerAdmission admission,
                    bool clear_text) {
  {
    std::lock_guard lock(mutex_);
    io_ = &io;
    target_ = std::move(target);
    admission_ = std::make_shared<const PeerAdmission>(std::move(admission));
    clear_text_ = clear_text;
  }
  fd_log_handler_register(&Bridge::log_cb);
}

int Bridge::register_callbacks(dict_object* cx_application, dict_object* vendor) {
  disp_when when{};
  when.app = cx_application;
  disp_hdl* disp = nullptr;
  if (const int rc = fd_disp_register(&Bridge::dispatch_cb, DISP_HOW_APPID, &when, nullptr, &disp)) return rc;
  if (const int rc = fd_disp_app_support(cx_application, vendor, 1, 0)) return rc;
  fd_rt_fwd_hdl* fwd = nullptr;
  if (const int rc = fd_rt_fwd_register(&Bridge::answer_code_cb, nullptr, RT_FWD_ANS, &fwd)) return rc;
  const std::uint32_t hooks =
      HOOK_MASK(HOOK_MESSAGE_PARSING_ERROR, HOOK_MESSAGE_ROUTING_ERROR, HOOK_MESSAGE_DROPPED, HOOK_MESSAGE_FAILOVER,
                HOOK_PEER_CONNECT_FAILED, HOOK_PEER_CONNECT_SUCCESS);
  fd_hook_hdl* hook = nullptr;  // never unregistered: the hooks live as long as freeDiameter
  if (const int rc = fd_hook_register(hooks, &Bridge::hook_cb, nullptr, nullptr, &hook)) return rc;
  // Without a hook of its own for the events of every message, freeDiameter
  // formats a dump of each message under one process-wide mutex (a full
  // one, every AVP value, of each message we send) only to drop it below its
  // log level: a hook that does nothing saves that work on the Cx path.
  // (HOOK_MESSAGE_RECEIVED has the admission hook.)
  const std::uint32_t routine = HOOK_MASK(HOOK_MESSAGE_LOCAL, HOOK_MESSAGE_SENDING, HOOK_MESSAGE_SENT,
                                          HOOK_MESSAGE_ROUTING_FORWARD, HOOK_MESSAGE_ROUTING_LOCAL);
  fd_hook_hdl* quiet = nullptr;
  if (const int rc = fd_hook_register(routine, &Bridge::quiet_hook_cb, nullptr, nullptr, &quiet)) return rc;
  fd_hook_hdl* admission = nullptr;
  if (const int rc = fd_hook_register(HOOK_MASK(HOOK_MESSAGE_RECEIVED), &Bridge::admission_hook_cb, nullptr, nullptr,
                                      &admission))
    return rc;
  return fd_peer_validate_register(&Bridge::validate_cb);
}

void Bridge::start_accepting() {
  std::lock_guard lock(mutex_);
  accepting_ = true;
}

Bridge::Drained Bridge::stop_accepting() {
  std::lock_guard lock(mutex_);
  accepting_ = false;
  Drained d;
  for (auto& [id, m] : requests_) d.requests.push_back(m);
  for (auto& [id, m] : answers_) d.answers.push_back(m);
  requests_.clear();
  answers_.clear();
  return d;
}

void Bridge::detach() {
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
    io_ = nullptr;
    target_.reset();
  }
  fd_log_handler_unregister();
}

msg* Bridge::take_request(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(id);
  if (it == requests_.end()) return nullptr;
  msg* m = it->second;
  requests_.erase(it);
  return m;
}

msg* Bridge::take_answer(std::uint64_t send_id) {
  std::lock_guard lock(mutex_);
  auto it = answers_.find(send_id);
  if (it == answers_.end()) return nullptr;
  msg* m = it->second;
  answers_.erase(it);
  return m;
}

// ---- callbacks on freeDiameter's threads ----

int Bridge::dispatch_cb(msg** m, avp*, session*, void*, disp_action* act) {
  *act = DISP_ACT_CONT;
  msg_hdr* h = nullptr;
  if (fd_msg_hdr(*m, &h) != 0 || !(h->msg_flags & CMD_FLAG_REQUEST)) return 0;  // answers: not via dispatch
  Bridge& b = instance();
  bool handed = false;
  try {
    std::lock_guard lock(b.mutex_);
    if (b.accepting_ && b.io_) {
      const std::uint64_t id = ++b.next_request_id_;
      b.requests_.emplace(id, *m);
      boost::asio::post(*b.io_, [t = b.target_, id] {
        if (auto s = t.lock()) s->on_request(id);
      });
      handed = true;
    }
  } catch (...) {
    // Out of memory while parking it: answer below like when stopping.
  }
  if (handed) {
    *m = nullptr;  // the stack owns it now
    return 0;
  }
  // Stopping: answer here, on freeDiameter's thread, with its own API only.
  if (fd_msg_new_answer_from_req(fd_g_config->cnf_dict, m, 0) == 0 &&
      fd_msg_rescode_set(*m, const_cast<char*>("DIAMETER_UNABLE_TO_COMPLY"), const_cast<char*>("shutting down"),
                         nullptr, 1) == 0) {
    *act = DISP_ACT_SEND;
  }
  return 0;
}

void Bridge::answer_cb(void* data, msg** answer) {
  Bridge& b = instance();
  const std::uint64_t id = id_of(data);
  bool handed = false;
  try {
    std::lock_guard lock(b.mutex_);
    if (b.accepting_ && b.io_) {
      b.answers_[id] = *answer;
      boost::asio::post(*b.io_, [t = b.target_, id] {
        if (auto s = t.lock()) s->on_answer(id);
      });
      handed = true;
    }
  } catch (...) {
  }
  if (!handed) fd_msg_free(*answer);
  *answer = nullptr;
}

void Bridge::expire_cb(void* data, DiamId_t, size_t, msg** request) {
  // The loop only needs the id; disposing of the request here keeps
  // freeDiameter from logging it as discarded.
  fd_msg_free(*request);
  *request = nullptr;
  Bridge& b = instance();
  const std::uint64_t id = id_of(data);
  try {
    std::lock_guard lock(b.mutex_);
    if (b.accepting_ && b.io_) {
      boost::asio::post(*b.io_, [t = b.target_, id] {
        if (auto s = t.lock()) s->on_expired(id);
      });
    }
  } catch (...) {
  }
}

int Bridge::answer_code_cb(void*, msg** answer) {
  // Runs on freeDiameter's routing thread for 'E'-bit answers to our requests,
  // before the dictionary parse that would abort on an unknown command code.
  msg_hdr* h = nullptr;
  msg* query = nullptr;
  msg_hdr* qh = nullptr;
  if (fd_msg_hdr(*answer, &h) != 0 || (h->msg_flags & CMD_FLAG_REQUEST)) return 0;
  if (fd_msg_answ_getq(*answer, &query) != 0 || !query || fd_msg_hdr(query, &qh) != 0) return 0;
  if (h->msg_code != qh->msg_code) {
    dict_object* model = nullptr;
    if (fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_CODE_A, &h->msg_code, &model, ENOENT) != 0)
      h->msg_code = qh->msg_code;
  }
  return 0;
}

void Bridge::admission_hook_cb(fd_hook_type, msg* m, peer_hdr* peer, void* other, fd_hook_permsgdata*, void*) {
  // Only the first message of a connection not yet tied to a peer: `other`
  // is then the connection's name. Messages of open connections pass.
  if (peer || !other || !m) return;
  Bridge& b = instance();
  try {
    std::string refused_as;
    std::shared_ptr<const PeerAdmission> admission;
    {
      std::lock_guard lock(b.mutex_);
      refused_as = std::string(kRefusedPrefix) + std::to_string(++b.refused_count_) + std::string(kRefusedSuffix);
      admission = b.admission_;
    }
    if (!admission) admission = std::make_shared<const PeerAdmission>();  // nobody
    const CerScreening s = screen_incoming_cer(m, static_cast<const char*>(other), *admission, refused_as);
    if (!s.is_cer || s.admitted) return;
    std::lock_guard lock(b.mutex_);
    if (b.io_)
      boost::asio::post(*b.io_, [t = b.target_, s, refused_as]() mutable {
        if (auto target = t.lock())
          target->on_peer_refused(std::move(s.identity), std::move(s.address), std::move(s.reason),
                                  std::move(refused_as));
      });
  } catch (...) {
    // Out of memory, perhaps before the CER was screened: fail closed by
    // making it no CER, which freeDiameter answers by closing the connection.
    msg_hdr* h = nullptr;
    if (fd_msg_hdr(m, &h) == 0 && h->msg_code == CC_CAPABILITIES_EXCHANGE) h->msg_code = 0;
  }
}

int Bridge::validate_cb(peer_info* info, int* auth, int (**)(peer_info*)) {
  Bridge& b = instance();
  try {
    const std::string id(info->pi_diamid, info->pi_diamidlen);
    std::lock_guard lock(b.mutex_);
    // The admission hook has checked this CER's address; a CER it refused
    // arrives here under a refused- name, which is not in the table.
    if (b.admission_ && b.admission_->knows(id)) {
      *auth = 1;
      // Accepting a clear-text connection must be said per peer (RFC 6733 §13).
      if (b.clear_text_) info->config.pic_flags.sec |= PI_SEC_NONE;
    } else {
      *auth = -1;
      if (b.io_ && !is_refused_name(id))
        boost::asio::post(*b.io_, [t = b.target_, id] {
          if (auto s = t.lock()) s->on_peer_refused(id, "?", "unknown identity", id);
        });
    }
  } catch (...) {
    *auth = -1;
  }
  return 0;
}

std::string Bridge::recent_problems() {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& l : recent_problems_) out += (out.empty() ? "" : " | ") + l;
  return out;
}

void Bridge::post_log(FdLogLevel level, std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (level >= FdLogLevel::warning) {
      recent_problems_.push_back(line);
      if (recent_problems_.size() > 4) recent_problems_.pop_front();
    }
    if (io_) {
      boost::asio::post(*io_, [t = target_, level, line = std::move(line)]() mutable {
        if (auto s = t.lock()) s->on_fd_log(level, std::move(line));
      });
      return;
    }
  }
  if (level >= FdLogLevel::warning) std::fprintf(stderr, "freeDiameter: %s\n", line.c_str());
}

void Bridge::log_cb(int level, const char* format, va_list args) {
  if (level < FD_LOG_NOTICE) return;  // debug traces: not wanted, not even formatted
  char buf[1024];
  if (std::vsnprintf(buf, sizeof buf, format, args) < 0) return;
  std::string line(buf);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  // Its notices are chatty (configuration dump, state changes): debug for us.
  FdLogLevel ours = level >= FD_LOG_FATAL ? FdLogLevel::error
                    : level >= FD_LOG_ERROR ? FdLogLevel::warning
                                            : FdLogLevel::debug;
  // It reports its own orderly shutdown at its FATAL level.
  if (line.find("Initiating freeDiameter shutdown sequence") != std::string::npos) ours = FdLogLevel::debug;
  try {
    instance().post_log(ours, std::move(line));
  } catch (...) {
  }
}

namespace {

// "UAR (300 R, app 16777216, hbh 0x.., e2e 0x..) from peer": ids, no values.
std::string summary(msg* m) {
  msg_hdr* h = nullptr;
  if (!m || fd_msg_hdr(m, &h) != 0) return "(no message)";
  char ids[96];
  std::snprintf(ids, sizeof ids, "%u %s, app %u, hbh 0x%08x, e2e 0x%08x", h->msg_code,
                (h->msg_flags & CMD_FLAG_REQUEST) ? "request" : "answer", h->msg_appl, h->msg_hbhid, h->msg_eteid);
  std::string s = "command ";
  s += ids;
  DiamId_t source = nullptr;
  size_t len = 0;
  if (fd_msg_source_get(m, &source, &len) == 0 && source) s += ", from " + std::string(source, len);
  return s;
}

std::string peer_name(peer_hdr* peer) {
  if (!peer || !peer->info.pi_diamid) return "an unknown peer";
  return std::string(peer->info.pi_diamid, peer->info.pi_diamidlen);
}

}  // namespace

void Bridge::quiet_hook_cb(fd_hook_type, msg*, peer_hdr*, void*, fd_hook_permsgdata*, void*) {}

void Bridge::hook_cb(fd_hook_type type, msg* m, peer_hdr* peer, void* other, fd_hook_permsgdata*, void*) {
  try {
    const char* reason = static_cast<const char*>(other);
    std::string line;
    FdLogLevel level = FdLogLevel::warning;
    switch (type) {
      case HOOK_MESSAGE_PARSING_ERROR:
        // Without a message, other is the raw buffer, not a reason.
        line = m ? std::string("parsing error: ") + (reason ? reason : "?") + ": " + summary(m)
                 : "parsing error: undecodable buffer from " + peer_name(peer);
        break;
      case HOOK_MESSAGE_ROUTING_ERROR:
        line = std::string("routing error: ") + (reason ? reason : "?") + ": " + summary(m);
        break;
      case HOOK_MESSAGE_DROPPED:
        line = std::string("message dropped: ") + (reason ? reason : "?") + ": " + summary(m);
        break;
      case HOOK_MESSAGE_FAILOVER:
        level = FdLogLevel::info;
        line = "failing over " + summary(m) + " sent to " + peer_name(peer);
        break;
      case HOOK_PEER_CONNECT_FAILED:
        level = FdLogLevel::info;
        line = "connection with " + peer_name(peer) + " failed: " + (reason ? reason : "?");
        break;
      case HOOK_PEER_CONNECT_SUCCESS:
        level = FdLogLevel::info;
        line = "connection with " + peer_name(peer) + " open";
        break;
      default: return;
    }
    instance().post_log(level, "freeDiameter " + line);
  } catch (...) {
  }
}

}  // namespace imsbox::diameter::detail
