#pragma once
// The TAS's ISC side (TS 24.229 §5.7, TS 23.218): a stateful proxy service
// the S-CSCF reaches through iFCs. The S-CSCF's request comes with the
// Route <tas;lr>, <scscf;odi=...;lr> and a P-Served-User naming the served
// user and the session case; the core takes our Route off and the request
// goes back along the ODI Route, changed by the services of the served
// user's simservs document (TS 24.623):
//   originating: OCB (TS 24.611) -> 603; OIR (TS 24.607) -> Privacy: id;
//     dialling the echo test (echo, *43) -> sip:echo@mrf.<domain>;
//   terminating: ICB -> 603, ACR -> 433 (RFC 5079); OIP: an anonymous
//     caller's identity hidden; CDIV (TS 24.604, INVITE only): CFU
//     retargets at once, and so does CFNL for a callee the S-CSCF says is
//     unregistered (regstate=unreg); CFB (486), CFNR (no answer within the
//     no-reply timer, counted from the callee's first 180 Ringing, TS 24.604
//     §4.5.2.6.4: the branch is CANCELled), CFNL (404/480), CFNRc (408
//     before any provisional, 500/503) and CD (302 with a Contact) retarget
//     after the callee's answer. Each diversion sends 181 upstream (unless
//     the rule says not to notify), adds History-Info with the RFC 4458
//     cause, and the sixth diversion of a call gets 480.
//   originating after diversion: passed on unchanged.
//   star codes (tas/star_codes.h): an originating INVITE that dials one is
//     not a call: the served user's document is changed and stored, and the
//     TAS answers the INVITE itself and ends the call (tas/star_code_uas.h);
//     a malformed code gets 484, one that cannot be stored 500.
// With announcements (issue 19, tas/announcements.h) the 603/433 come from
// the MRF after the caller heard why in early media: the INVITE goes on to
// sip:annc@mrf.<domain>;play=...;early=<status> instead (an MRF that fails
// that branch: the TAS answers the status itself); a terminating callee's
// 404/408/480/5xx that no diversion takes is retried once at
// play=not-reachable;early=<that status>, so the caller hears it and then
// gets the callee's status.
// Requests without a usable P-Served-User, in-dialog requests and the
// other methods are passed on along their Route unchanged.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sip/proxy/proxy_core.h"
#include "tas/call_event.h"
#include "tas/simservs/document.h"
#include "tas/star_code_uas.h"
#include "tas/star_codes.h"

namespace imsbox::runtime {
class Logger;
class TimerQueue;
}

namespace imsbox::tas {

struct TasOptions {
  // The simservs document of a public user identity (an empty document for
  // one without any). Wired to the TAS's store by the node; a map in tests.
  // Called on the loop once per initial request; it must not block long.
  std::function<simservs::Document(std::string_view impu)> services_of;
  // The home country code (digits, "33"): '+' numbers outside it are
  // international for the barring conditions. Empty: every '+' number is.
  std::string home_country_code;
  // Diversions a call may have had (History-Info entries with a cause);
  // one more gets 480 (TS 24.604 §4.5.2.6.1: 5).
  int max_diversions = 5;
  // The home domain: star codes' local numbers and user names are in it.
  std::string domain;
  // Stores the changed document of a public user identity (one write, a new
  // ETag); throws when it cannot. None: star codes get 500.
  std::function<void(std::string_view impu, const simservs::Document&)> store_services;
  // The box's MRF (issue 19) by its host name, mrf.<domain>: the S-CSCF
  // routes a Request-URI of that host to the MRF (tas/announcements.h).
  // Empty: no MRF; dialling the echo test (`echo`, *43) is an ordinary call.
  std::string mrf_host;
  // Refusals heard first (needs mrf_host): OCB, ICB and ACR send the INVITE
  // to the MRF's announcement in early media ending with their 603/433
  // instead of answering it, and a callee's 404/408/480/5xx that no
  // diversion takes is announced (not-reachable) before it reaches the
  // caller. Off: the TAS answers them itself.
  bool announcements = false;
  // The confirmation of a star code as an announcement (issue 19, the MRF):
  // the URI to send the INVITE to (the MRF with the announcement to play,
  // which then ends the call) instead of the TAS answering it. None, or
  // nothing returned: the TAS answers it itself.
  std::function<std::optional<std::string>(const StarCode&)> star_code_announcement;
  // Told of each diversion and barring as it happens (on the loop; it must
  // not throw). The node stores them for `imsbox calls`; empty: not told.
  std::function<void(const CallEvent&)> record;
};

class TasService final : public sip::proxy::ProxyService {
 public:
  TasService(TasOptions options, runtime::Logger& log);
  // The proxy stack's timers (the no-reply timer runs on them); before the
  // first request. Without them CFNR never fires (a log line says so).
  void attach(runtime::TimerQueue& timers) { timers_ = &timers; }
  runtime::TimerQueue* timers() { return timers_; }
  std::unique_ptr<sip::proxy::ProxyTsx> on_request(const sip::Message& request, const sip::Peer& source) override;
  // The ACKs of the 200s we sent to star codes are ours.
  bool on_ack(sip::Message& ack, const sip::Peer& source, const ForwardAck& forward) override;

  // Lets the TAS answer star codes itself, with the proxy stack's timers,
  // originator and transport (they exist only once the stack that owns this
  // service was built). Without it star codes get 500 and change nothing.
  void serve_star_codes(StarCodeUas::Io io);
  StarCodeUas* star_code_uas() { return star_code_uas_.get(); }

  const TasOptions& options() const { return options_; }
  runtime::Logger& log() { return log_; }
  // The served user's document; an empty one (and a log line) when the
  // provider throws.
  simservs::Document services_of(std::string_view impu, std::string_view call_id);
  void record(const CallEvent& e) {
    if (options_.record) options_.record(e);
  }

 private:
  TasOptions options_;
  runtime::Logger& log_;
  runtime::TimerQueue* timers_ = nullptr;
  std::unique_ptr<StarCodeUas> star_code_uas_;
};

}  // namespace imsbox::tas
