#pragma once
// The INVITE client transaction (RFC 3261 §17.1.1, figure 5 as RFC 6026
// amends it): Calling, Proceeding, Completed, Accepted, Terminated; timers A,
// B, D, M.
//
// A pure state machine: events in, Actions out (action.h), no I/O and no
// clock. The driver sends what it is told, runs the timers, and feeds back
// their expiry and any send failure.
//
// What it does on its own: retransmits the INVITE on timer A (doubling from
// T1, unreliable transports only), gives up on timer B (64*T1), builds and
// sends the ACK of a non-2xx final response and resends it, without telling
// the TU again, when that response is retransmitted. A 2xx goes to the TU,
// which ACKs it itself; in Accepted (until timer M) further 2xx, from the
// same or other forks, go to the TU too.
//
// Proceeding has no timer (B guards Calling only): a final response or the
// TU ends it (Timer C of a proxy, §16.8; a CANCEL left unanswered, §9.1).
//
// Single-threaded; not copyable.
#include <memory>

#include "sip/message.h"
#include "sip/transaction/action.h"
#include "sip/transaction/state.h"
#include "sip/transaction/timer.h"

namespace imsbox::sip::transaction {

class InviteClientTransaction {
 public:
  // `request` is the INVITE as it goes on the wire (top Via with its branch).
  // `reliable`: is_reliable() of the transport towards the next hop.
  InviteClientTransaction(Message request, bool reliable, const TimerValues& timers = {});
  InviteClientTransaction(const InviteClientTransaction&) = delete;
  InviteClientTransaction& operator=(const InviteClientTransaction&) = delete;

  // Sends the INVITE and starts timers A (unreliable) and B. Call once.
  Actions start();
  // A response matched to this transaction (§17.1.3).
  Actions on_response(Message response);
  Actions on_timer(Timer timer);
  // A send failed (the INVITE, a retransmission or the ACK).
  Actions on_transport_error();

  State state() const { return state_; }
  const Message& request() const { return *request_; }
  // The ACK once a non-2xx final response came; null before.
  const Message* ack() const { return ack_.get(); }

 private:
  Actions terminate(Actions actions);

  std::shared_ptr<const Message> request_;
  std::shared_ptr<const Message> ack_;
  bool reliable_;
  TimerValues timers_;
  std::chrono::milliseconds timer_a_;
  State state_ = State::calling;
};

}  // namespace imsbox::sip::transaction
