#pragma once
// The MRF's calls (issue 19): the UserAgent's events turned into the
// services of service_request.h on MediaSessions.
//
//   annc   200 with the SDP answer, play once ACKed, BYE when it ends (and
//          playout_tail of silence after it); 404 when
//          the prompt does not exist. With early=<status>: 183 with the answer
//          and P-Early-Media: sendonly (RFC 5009, TS 24.628), reliable (RFC 3262)
//          when the INVITE supports or requires 100rel, play, then <status>;
//          CANCEL ends it (487).
//   echo   200, MediaSession::echo(200 ms) until the caller's BYE.
//   ivr    200, then the menu's IvrMachine: digits from RFC 4733 (on_digit) and
//          SIP INFO (application/dtmf-relay, application/dtmf; answered 200),
//          transfers by REFER (RFC 3515), leaving with BYE once the NOTIFY's
//          sipfrag says 2xx.
//   re-INVITE / UPDATE: MediaSession::update(), 200 with its answer or 488.
// Any INVITE it cannot serve gets the status of why (404 unknown service,
// prompt or menu; 400 bad parameters; 488 no usable offer) and a log line.
//
// Threading: the MRF's loop. Media callbacks are deferred to a zero-delay
// timer, so a session is never destroyed inside its own callback.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mrf/ivr_menu.h"
#include "mrf/media_session.h"
#include "mrf/service_request.h"
#include "runtime/timer_queue.h"
#include "sip/ua/user_agent.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::mrf {

struct MrfServiceDeps {
  MediaEngine* engine = nullptr;
  // A prompt's PCM at a rate (PromptStore::find); nothing when there is none.
  std::function<std::optional<std::vector<std::int16_t>>(std::string_view name, int rate)> prompt;
  // A stored IVR menu; nothing when there is none (or it does not parse).
  std::function<std::optional<Menu>(std::string_view name)> menu;
  runtime::TimerQueue* timers = nullptr;
  runtime::Logger* log = nullptr;
  std::chrono::milliseconds echo_delay{200};
  // Silence sent after a prompt that ends the call (annc, an IVR's goodbye)
  // before the BYE or final status: a phone whose jitter buffer moves only
  // when packets come (baresip) never plays the prompt's last frames out
  // otherwise (baresip lost the last 100 ms of every announcement).
  std::chrono::milliseconds playout_tail{300};
};

class MrfService final : public sip::ua::UserAgentEvents {
 public:
  explicit MrfService(MrfServiceDeps deps) : deps_(std::move(deps)) {}
  ~MrfService() override { shutdown(); }
  // Ends every session (media first) and cancels the service's timers; call
  // it while the timers and the UserAgent still exist (before the stack
  // goes). The UserAgent's calls are not signalled.
  void shutdown();
  // The UserAgent it answers with (it is that UA's events object).
  void attach(sip::ua::UserAgent& ua) { ua_ = &ua; }
  std::size_t active() const { return calls_.size(); }

  void on_incoming_call(sip::ua::CallHandle, const sip::Message& invite) override;
  void on_confirmed(sip::ua::CallHandle, const sip::ua::Dialog&) override;
  void on_ended(sip::ua::CallHandle, sip::ua::EndReason) override;
  bool on_offer(sip::ua::CallHandle, const sip::Message& request) override;
  int on_dialog_request(sip::ua::CallHandle, const sip::Message& request) override;
  void on_request_response(sip::ua::CallHandle, const sip::Message& response) override;

 private:
  struct Call {
    ServiceRequest request;
    std::string call_id;
    std::unique_ptr<MediaSession> media;
    std::string answer;
    bool started = false;
    IvrMachine ivr;
    std::optional<runtime::TimerQueue::TimerId> ivr_timer;
    bool transferring = false;
    bool leaving = false;  // BYE or final status on its way
  };
  void log(const Call& call, const std::string& text);
  void start(std::uint64_t id);
  bool play(std::uint64_t id, const std::string& prompt, const Announcement& how, std::function<void(std::uint64_t)> done);
  void on_announcement_done(std::uint64_t id);
  // Sends playout_tail of silence, then then(id).
  void play_tail(std::uint64_t id, std::function<void(std::uint64_t)> then);
  void apply(std::uint64_t id, const std::vector<IvrAction>& actions);
  void on_digit(std::uint64_t id, char digit);
  void leave(std::uint64_t id);
  void defer(std::function<void()> f);
  Call* find(std::uint64_t id);

  MrfServiceDeps deps_;
  sip::ua::UserAgent* ua_ = nullptr;
  std::map<std::uint64_t, Call> calls_;
  std::set<runtime::TimerQueue::TimerId> deferred_;
};

// A NOTIFY's message/sipfrag body (RFC 3515 §2.4.5): the status of its
// status line ("SIP/2.0 200 OK" -> 200), or nothing.
std::optional<int> sipfrag_status(std::string_view body);

}  // namespace imsbox::mrf
