#pragma once
// The non-INVITE client transaction (RFC 3261 §17.1.2, figure 6): Trying,
// Proceeding, Completed, Terminated; timers E, F, K.
//
// Pure, like every machine here (see action.h). On unreliable transports the
// request is retransmitted on timer E, doubling from T1 up to T2 in Trying and
// every T2 once a provisional came (Proceeding). Timer F (64*T1) ends it with
// a timeout. The first final response goes to the TU; retransmissions of it
// are absorbed in Completed until timer K (T4; 0 on reliable transports).
//
// Not for ACK, which never has a client transaction of its own.
// Single-threaded; not copyable.
#include <memory>

#include "sip/message.h"
#include "sip/transaction/action.h"
#include "sip/transaction/state.h"
#include "sip/transaction/timer.h"

namespace imsbox::sip::transaction {

class NonInviteClientTransaction {
 public:
  // `request` as it goes on the wire; `reliable`: is_reliable() of the transport.
  NonInviteClientTransaction(Message request, bool reliable, const TimerValues& timers = {});
  NonInviteClientTransaction(const NonInviteClientTransaction&) = delete;
  NonInviteClientTransaction& operator=(const NonInviteClientTransaction&) = delete;

  // Sends the request and starts timers E (unreliable) and F. Call once.
  Actions start();
  Actions on_response(Message response);
  Actions on_timer(Timer timer);
  Actions on_transport_error();

  State state() const { return state_; }
  const Message& request() const { return *request_; }

 private:
  Actions terminate(Actions actions);

  std::shared_ptr<const Message> request_;
  bool reliable_;
  TimerValues timers_;
  std::chrono::milliseconds timer_e_;
  State state_ = State::trying;
};

}  // namespace imsbox::sip::transaction
