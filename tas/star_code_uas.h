#pragma once
// The short UAS side of a star-code call: the TAS, having applied the code,
// answers the INVITE itself and ends the call (issue 18). RFC 3261:
//   * 200 OK with our Contact and an SDP answer that accepts nothing (RFC
//     3264 §6: every offered m-line with port 0; an INVITE without an offer
//     gets an offer of one inactive audio stream, answered in the ACK);
//   * the 2xx retransmitted from T1 doubling to T2 until its ACK (§13.3.1.4);
//     without an ACK within 64*T1 the call is ended all the same;
//   * then BYE within the dialog of §12.1.1 (route set = the INVITE's
//     Record-Route in order, remote target = its Contact), sent through the
//     proxy core's RequestOriginator;
//   * a BYE from the caller first ends the call here (200, no BYE of ours).
// The first 200 goes upstream through the proxy transaction (helper.respond),
// whose server transaction then sits in Accepted (RFC 6026) while the
// retransmissions are sent like any response: to the peer the INVITE came
// from. The proxy core hands ACKs of 2xx to its services first
// (ProxyService::on_ack): ours are taken there and go no further.
//
// Threading: on the proxy stack's loop. Its timers are the stack's.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/timer_queue.h"
#include "sip/message.h"
#include "sip/peer.h"
#include "sip/proxy/proxy_core.h"
#include "sip/ua/dialog.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::tas {

class StarCodeUas {
 public:
  struct Io {
    runtime::TimerQueue& timers;
    sip::proxy::RequestOriginator& originator;  // the BYE
    // A retransmission of the 2xx to the peer the INVITE came from.
    std::function<bool(const sip::Peer& to, const sip::Message& response)> send;
    std::chrono::milliseconds t1{500};
    std::chrono::milliseconds t2{4000};
  };

  StarCodeUas(Io io, runtime::Logger& log);
  ~StarCodeUas();
  StarCodeUas(const StarCodeUas&) = delete;
  StarCodeUas& operator=(const StarCodeUas&) = delete;

  // Answers the helper's INVITE with 200 OK and ends the call later as said
  // above. False (nothing sent) when the INVITE cannot make a dialog (no
  // Contact, no From tag: RFC 3261 §8.1.1.8), for the caller to answer 400.
  bool answer(sip::proxy::ProxyTsxHelper& helper);

  // An ACK of a 2xx: true when it acknowledges one of our 200s (it is then
  // consumed: the BYE follows).
  bool on_ack(const sip::Message& ack);
  // Whether an in-dialog request belongs to one of our calls; a BYE of one
  // ends it (answer it 200).
  bool owns(const sip::Message& request) const;
  void on_bye(const sip::Message& bye);

  // Calls between the 200 and the BYE's answer (or their end).
  std::size_t calls() const { return calls_.size(); }

 private:
  struct Call {
    sip::ua::Dialog dialog;
    sip::Message ok;
    sip::Peer caller;  // where the 2xx goes
    std::string call_id;  // for log lines
    std::chrono::milliseconds interval{0};
    std::chrono::milliseconds waited{0};
    std::optional<runtime::TimerQueue::TimerId> timer;
  };
  void schedule(const sip::ua::DialogId& id, Call& call);
  void on_timer(sip::ua::DialogId id);
  void send_bye(const sip::ua::DialogId& id, Call& call);
  void forget(const sip::ua::DialogId& id);

  Io io_;
  runtime::Logger& log_;
  std::uint64_t next_tag_ = 1;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for callbacks that may outlive us
  std::unordered_map<sip::ua::DialogId, Call, sip::ua::DialogIdHash> calls_;
};

// The SDP of our 200 OK (RFC 3264): to an offer, an answer rejecting every
// m-line (port 0, the offered formats kept); to no offer, an offer of one
// inactive audio stream (PCMU). `host` names us in o= and c=.
std::string star_code_sdp(std::string_view offer, std::string_view host);

}  // namespace imsbox::tas
