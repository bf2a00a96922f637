#include "sip/transaction/invite_client_transaction.h"

#include "sip/transaction/ack.h"

namespace imsbox::sip::transaction {

InviteClientTransaction::InviteClientTransaction(Message request, bool reliable, const TimerValues& timers)
    : request_(std::make_shared<const Message>(std::move(request))),
      reliable_(reliable),
      timers_(timers),
      timer_a_(timers.t1) {}

Actions InviteClientTransaction::start() {
  Actions out;
  out.push_back(action::Send{request_});
  if (!reliable_) out.push_back(action::StartTimer{Timer::a, timer_a_});
  out.push_back(action::StartTimer{Timer::b, timers_.timeout()});
  return out;
}

Actions InviteClientTransaction::terminate(Actions actions) {
  state_ = State::terminated;
  actions.push_back(action::Terminated{});
  return actions;
}

Actions InviteClientTransaction::on_response(Message response) {
  const int status = response.status();
  Actions out;
  if (status < 100 || status > 699) return out;
  switch (state_) {
    case State::calling:
    case State::proceeding:
      // Calling -> anything stops the retransmissions; timer B only guards Calling.
      if (state_ == State::calling) {
        if (!reliable_) out.push_back(action::CancelTimer{Timer::a});
        out.push_back(action::CancelTimer{Timer::b});
      }
      if (status < 200) {
        state_ = State::proceeding;
        out.push_back(action::PassToTu{std::move(response)});
      } else if (status < 300) {
        // RFC 6026: Accepted, so that 2xx retransmissions still find a home.
        state_ = State::accepted;
        out.push_back(action::StartTimer{Timer::m, timers_.timeout()});
        out.push_back(action::PassToTu{std::move(response)});
      } else {
        ack_ = std::make_shared<const Message>(make_ack(*request_, response));
        state_ = State::completed;
        out.push_back(action::Send{ack_});
        if (reliable_) {  // timer D is 0 on reliable transports
          out.push_back(action::PassToTu{std::move(response)});
          return terminate(std::move(out));
        }
        out.push_back(action::StartTimer{Timer::d, timers_.d});
        out.push_back(action::PassToTu{std::move(response)});
      }
      return out;
    case State::completed:
      // A retransmitted final response: ACK again, the TU already has it.
      if (status >= 300) out.push_back(action::Send{ack_});
      return out;
    case State::accepted:
      if (status >= 200 && status < 300) out.push_back(action::PassToTu{std::move(response)});
      return out;
    default:
      return out;
  }
}

Actions InviteClientTransaction::on_timer(Timer timer) {
  Actions out;
  if (timer == Timer::a && state_ == State::calling && !reliable_) {
    timer_a_ *= 2;  // A doubles without a cap (§17.1.1.2); B ends it
    out.push_back(action::Send{request_});
    out.push_back(action::StartTimer{Timer::a, timer_a_});
  } else if (timer == Timer::b && state_ == State::calling) {
    if (!reliable_) out.push_back(action::CancelTimer{Timer::a});
    out.push_back(action::Timeout{});
    return terminate(std::move(out));
  } else if ((timer == Timer::d && state_ == State::completed) || (timer == Timer::m && state_ == State::accepted)) {
    return terminate(std::move(out));
  }
  return out;
}

Actions InviteClientTransaction::on_transport_error() {
  Actions out;
  if (state_ == State::calling || state_ == State::proceeding || state_ == State::completed) {
    out.push_back(action::TransportError{});
    return terminate(std::move(out));
  }
  return out;
}

}  // namespace imsbox::sip::transaction
