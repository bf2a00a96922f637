#pragma once
// Internal to shared/diameter (pulls in freeDiameter's headers). The meeting
// point of freeDiameter's threads and the stack's event loop.
//
// freeDiameter calls back from its own threads, and three of its callbacks
// (peer validation, logging, and the dispatch callback's registration for the
// process) carry no user pointer, so this is a process-wide singleton, like
// freeDiameter itself. Every callback does the least it can on the calling
// thread: it parks the message in a table under a mutex and posts the table
// key to the loop, where the stack takes it. Nothing of ours (node logic,
// Logger) runs on freeDiameter's threads, and no exception crosses into them.
//
// Lifetime of messages at shutdown: once stop_accepting() has run, the
// callbacks answer requests DIAMETER_UNABLE_TO_COMPLY and free answers
// themselves, on freeDiameter's threads while its dictionary is alive; the
// stack frees what was parked before freeDiameter shuts down. So no message
// outlives the freeDiameter core.
//
// Logging: freeDiameter's log goes to the loop's Logger. Its default hooks
// dump whole messages, every AVP value included (CK, IK, XRES, HA1 in an
// MAA), on parsing and routing errors and drops; registering our own hooks
// for those events replaces the dumps with one line naming the command, the
// ids and the peer, never a value.
//
// Admission: every incoming connection's CER is screened on freeDiameter's
// thread by the HOOK_MESSAGE_RECEIVED hook against the PeerAdmission table
// with the connection's remote address (cer_admission.h); one not admitted
// is renamed so that the validator refuses it (DIAMETER_UNKNOWN_PEER). The
// validator then only has to accept the identities of the table: whatever
// reaches it under such a name came from an admitted address.
//
// Locking: mutex_ is never held while calling into freeDiameter (whose log
// lock is held while log_cb runs, and log_cb takes mutex_).
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "diameter/peer_admission.h"

namespace boost::asio {
class io_context;
}

namespace imsbox::diameter::detail {

// Severity of a line from freeDiameter, already mapped from its levels.
enum class FdLogLevel { debug, info, warning, error };

// The stack's side, called on the loop thread only.
class BridgeTarget {
 public:
  virtual ~BridgeTarget() = default;
  virtual void on_request(std::uint64_t id) = 0;    // take it with take_request(id)
  virtual void on_answer(std::uint64_t send_id) = 0;  // take it with take_answer(send_id)
  virtual void on_expired(std::uint64_t send_id) = 0;
  virtual void on_fd_log(FdLogLevel level, std::string line) = 0;
  // A CER refused: the identity it claimed, where it came from, why, and
  // the name freeDiameter's own log gives the refused peer.
  virtual void on_peer_refused(std::string identity, std::string address, std::string reason,
                               std::string refused_as) = 0;
};

class Bridge {
 public:
  static Bridge& instance();

  // True the first time in the process: freeDiameter can be started once.
  bool claim();

  // Before freeDiameter is initialized: routes its log to the loop and sets
  // who may connect from where and whether clear-text (No_TLS) connections
  // are allowed.
  void attach(boost::asio::io_context& io, std::weak_ptr<BridgeTarget> target, PeerAdmission admission,
              bool clear_text);
  // After the dictionary is loaded, before fd_core_start: registers the Cx
  // dispatch callback, advertises the Cx application (auth, vendor 3GPP),
  // registers the CER admission hook, the peer validator, the one-line
  // logging hooks, and a guard
  // that gives an 'E'-bit answer the command code of its request
  // (freeDiameter 1.2.1 aborts on an answer whose code is not in its
  // dictionary). Returns 0 or freeDiameter's error.
  int register_callbacks(dict_object* cx_application, dict_object* vendor);
  void start_accepting();

  struct Drained {
    std::vector<msg*> requests;
    std::vector<msg*> answers;
  };
  // Callbacks stop handing messages over; returns those parked but not taken.
  Drained stop_accepting();
  // After freeDiameter's shutdown: forget the loop, restore freeDiameter's logger.
  void detach();

  // The last few warning/error lines from freeDiameter, joined: for the
  // message of a failed start, when the loop never ran to log them.
  std::string recent_problems();

  msg* take_request(std::uint64_t id);
  msg* take_answer(std::uint64_t send_id);

  // For fd_msg_send_timeout: data is the send id.
  static void answer_cb(void* data, msg** answer);
  static void expire_cb(void* data, DiamId_t sent_to, size_t len, msg** request);

 private:
  Bridge() = default;
  static int dispatch_cb(msg** m, avp* a, session* s, void* opaque, disp_action* act);
  static int validate_cb(peer_info* info, int* auth, int (**cb2)(peer_info*));
  static int answer_code_cb(void* data, msg** answer);
  static void hook_cb(fd_hook_type type, msg* m, peer_hdr* peer, void* other, fd_hook_permsgdata* pmd, void* data);
  static void admission_hook_cb(fd_hook_type type, msg* m, peer_hdr* peer, void* other, fd_hook_permsgdata* pmd,
                                void* data);
  static void quiet_hook_cb(fd_hook_type type, msg* m, peer_hdr* peer, void* other, fd_hook_permsgdata* pmd, void* data);
  void post_log(FdLogLevel level, std::string line);
  static void log_cb(int level, const char* format, va_list args);

  std::mutex mutex_;
  bool claimed_ = false;
  boost::asio::io_context* io_ = nullptr;
  std::weak_ptr<BridgeTarget> target_;
  bool accepting_ = false;
  std::shared_ptr<const PeerAdmission> admission_;  // read-only once attached
  std::uint64_t refused_count_ = 0;
  bool clear_text_ = false;
  std::uint64_t next_request_id_ = 0;
  std::unordered_map<std::uint64_t, msg*> requests_;
  std::unordered_map<std::uint64_t, msg*> answers_;
  std::deque<std::string> recent_problems_;
};

}  // namespace imsbox::diameter::detail
