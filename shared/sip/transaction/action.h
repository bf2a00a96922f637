#pragma once
// What a transaction state machine asks its driver to do. The machines are
// pure: an event (a message, a TU response, a timer that fired, a transport
// error) goes in, a list of actions comes out, and nothing else happens.
//
// Order within a list is part of the contract: sends and timer changes come
// first, then what the TU is told (PassToTu, Timeout, TransportError), and
// Terminated, when present, is last. A driver may therefore run the TU's
// callbacks (which may feed the same machine again) after everything that
// touches the network or the timers.
#include <chrono>
#include <memory>
#include <variant>
#include <vector>

#include "sip/message.h"
#include "sip/transaction/timer.h"

namespace imsbox::sip::transaction {

namespace action {

// Hand this message to the transport: the request (or its retransmission),
// the ACK of a non-2xx, or a response. Shared with the machine, which keeps
// it for retransmissions; the pointer keeps it alive however long the driver
// needs it.
struct Send {
  std::shared_ptr<const Message> message;
};

// Start the timer for `duration`; a running timer of that name is replaced.
struct StartTimer {
  Timer timer;
  std::chrono::milliseconds duration;
};

// Stop the timer if it runs (no-op otherwise).
struct CancelTimer {
  Timer timer;
};

// Give this message to the TU: a response (client transactions) or an ACK
// that an Accepted INVITE server transaction passes up (RFC 6026).
struct PassToTu {
  Message message;
};

// Timer B or F (client: treat as a 408, §8.1.3.1) or timer H (server: the
// ACK never came) fired.
struct Timeout {};

// A send failed (§17.1.4, §17.2.4). Client TUs treat it as a 503.
struct TransportError {};

// The transaction is over; the driver forgets it and cancels its timers.
struct Terminated {};

}  // namespace action

using Action = std::variant<action::Send, action::StartTimer, action::CancelTimer, action::PassToTu,
                            action::Timeout, action::TransportError, action::Terminated>;
using Actions = std::vector<Action>;

}  // namespace imsbox::sip::transaction
