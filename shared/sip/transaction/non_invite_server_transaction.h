#pragma once
// The non-INVITE server transaction (RFC 3261 §17.2.2, figure 8): Trying,
// Proceeding, Completed, Terminated; timer J.
//
// Pure, like every machine here (see action.h). It sends what the TU answers,
// resends the last response (provisional in Proceeding, final in Completed)
// when the request is retransmitted, absorbs retransmissions in Trying, and
// after the final response waits for timer J (64*T1; 0 on reliable
// transports) before it ends. It never retransmits on its own.
//
// Single-threaded; not copyable.
#include <memory>

#include "sip/message.h"
#include "sip/transaction/action.h"
#include "sip/transaction/state.h"
#include "sip/transaction/timer.h"

namespace imsbox::sip::transaction {

class NonInviteServerTransaction {
 public:
  // `request`: the request that created the transaction (not an ACK).
  // `reliable`: is_reliable() of the transport it came on.
  NonInviteServerTransaction(Message request, bool reliable, const TimerValues& timers = {});
  NonInviteServerTransaction(const NonInviteServerTransaction&) = delete;
  NonInviteServerTransaction& operator=(const NonInviteServerTransaction&) = delete;

  // Nothing to start: the driver hands the request to the TU. Call once.
  Actions start();
  Actions on_request_retransmission();
  // A response from the TU; no actions (dropped) once a final one was sent.
  Actions on_tu_response(Message response);
  Actions on_timer(Timer timer);
  Actions on_transport_error();

  State state() const { return state_; }
  const Message& request() const { return *request_; }
  std::shared_ptr<const Message> shared_request() const { return request_; }
  const Message* last_response() const { return last_response_.get(); }

 private:
  Actions terminate(Actions actions);

  std::shared_ptr<const Message> request_;
  std::shared_ptr<const Message> last_response_;
  bool reliable_;
  TimerValues timers_;
  State state_ = State::trying;
};

}  // namespace imsbox::sip::transaction
