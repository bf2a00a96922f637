#pragma once
// The INVITE server transaction (RFC 3261 §17.2.1, figure 7 as RFC 6026
// amends it): Proceeding, Completed, Confirmed, Accepted, Terminated; timers
// G, H, I, L and the 200 ms "trying" timer.
//
// Pure, like every machine here (see action.h). What it does on its own:
// sends 100 Trying when the TU has sent no response within 200 ms; resends
// the last response when the INVITE is retransmitted; retransmits a non-2xx
// final response on timer G (unreliable transports) until the ACK comes
// (Completed -> Confirmed, absorbed) or timer H gives up; after a 2xx stays
// in Accepted for timer L (64*T1), absorbing INVITE retransmissions, sending
// the 2xx retransmissions the TU makes and passing ACKs up (RFC 6026 §7.1).
//
// Single-threaded; not copyable.
#include <memory>

#include "sip/message.h"
#include "sip/transaction/action.h"
#include "sip/transaction/state.h"
#include "sip/transaction/timer.h"

namespace imsbox::sip::transaction {

class InviteServerTransaction {
 public:
  // `request`: the INVITE that created the transaction. `reliable`:
  // is_reliable() of the transport it came on.
  InviteServerTransaction(Message request, bool reliable, const TimerValues& timers = {});
  InviteServerTransaction(const InviteServerTransaction&) = delete;
  InviteServerTransaction& operator=(const InviteServerTransaction&) = delete;

  // Starts the 100 Trying timer. Call once; the driver hands the request to
  // the TU itself.
  Actions start();
  // The INVITE again (a retransmission matched by §17.2.3).
  Actions on_request_retransmission();
  // An ACK matched to this transaction.
  Actions on_ack(Message ack);
  // A response from the TU. Returns no actions when this state takes no such
  // response (after a non-2xx final; a non-2xx after a 2xx): it is dropped.
  Actions on_tu_response(Message response);
  Actions on_timer(Timer timer);
  // A send failed.
  Actions on_transport_error();

  State state() const { return state_; }
  const Message& request() const { return *request_; }
  std::shared_ptr<const Message> shared_request() const { return request_; }
  // The last response sent (the TU's, or the 100 Trying); null before.
  const Message* last_response() const { return last_response_.get(); }

 private:
  Actions terminate(Actions actions);

  std::shared_ptr<const Message> request_;
  std::shared_ptr<const Message> last_response_;
  bool reliable_;
  TimerValues timers_;
  std::chrono::milliseconds timer_g_;
  bool trying_pending_ = false;
  State state_ = State::proceeding;
};

// The 100 Trying an element sends for `request` (§8.2.6.1, §17.2.1): no To
// tag, the request's Timestamp copied.
Message make_trying(const Message& request);

}  // namespace imsbox::sip::transaction
