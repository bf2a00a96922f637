#include "sip/transaction/invite_server_transaction.h"

#include <algorithm>
#include <string>

#include "sip/response.h"

namespace imsbox::sip::transaction {

Message make_trying(const Message& request) {
  Message trying = make_response(request, 100);
  if (const auto* timestamp = request.find(HeaderId::timestamp)) {
    trying.append(HeaderId::timestamp, std::string(timestamp->value));
  }
  return trying;
}

InviteServerTransaction::InviteServerTransaction(Message request, bool reliable, const TimerValues& timers)
    : request_(std::make_shared<const Message>(std::move(request))),
      reliable_(reliable),
      timers_(timers),
      timer_g_(timers.t1) {}

Actions InviteServerTransaction::start() {
  Actions out;
  trying_pending_ = true;
  out.push_back(action::StartTimer{Timer::trying, timers_.trying});
  return out;
}

Actions InviteServerTransaction::terminate(Actions actions) {
  state_ = State::terminated;
  actions.push_back(action::Terminated{});
  return actions;
}

Actions InviteServerTransaction::on_request_retransmission() {
  Actions out;
  // Proceeding: the last provisional, if any; Completed: the final response.
  // Accepted absorbs the INVITE: the TU retransmits its 2xx itself.
  if ((state_ == State::proceeding || state_ == State::completed) && last_response_) {
    out.push_back(action::Send{last_response_});
  }
  return out;
}

Actions InviteServerTransaction::on_ack(Message ack) {
  Actions out;
  if (state_ == State::completed) {
    state_ = State::confirmed;
    if (!reliable_) out.push_back(action::CancelTimer{Timer::g});
    out.push_back(action::CancelTimer{Timer::h});
    if (reliable_) return terminate(std::move(out));  // timer I is 0 on reliable transports
    out.push_back(action::StartTimer{Timer::i, timers_.t4});
  } else if (state_ == State::accepted) {
    out.push_back(action::PassToTu{std::move(ack)});
  }
  return out;  // Confirmed absorbs retransmitted ACKs; Proceeding has nothing to ACK
}

Actions InviteServerTransaction::on_tu_response(Message response) {
  const int status = response.status();
  Actions out;
  if (status < 100 || status > 699) return out;
  if (state_ == State::accepted) {
    // RFC 6026 §7.1: the TU's 2xx retransmissions go out; nothing else.
    if (status >= 200 && status < 300) {
      last_response_ = std::make_shared<const Message>(std::move(response));
      out.push_back(action::Send{last_response_});
    }
    return out;
  }
  if (state_ != State::proceeding) return out;

  last_response_ = std::make_shared<const Message>(std::move(response));
  if (trying_pending_) {
    trying_pending_ = false;
    out.push_back(action::CancelTimer{Timer::trying});
  }
  out.push_back(action::Send{last_response_});
  if (status >= 200 && status < 300) {
    state_ = State::accepted;
    out.push_back(action::StartTimer{Timer::l, timers_.timeout()});
  } else if (status >= 300) {
    state_ = State::completed;
    if (!reliable_) out.push_back(action::StartTimer{Timer::g, timer_g_});
    out.push_back(action::StartTimer{Timer::h, timers_.timeout()});
  }
  return out;
}

Actions InviteServerTransaction::on_timer(Timer timer) {
  Actions out;
  switch (timer) {
    case Timer::trying:
      if (state_ == State::proceeding && trying_pending_) {
        trying_pending_ = false;
        last_response_ = std::make_shared<const Message>(make_trying(*request_));
        out.push_back(action::Send{last_response_});
      }
      break;
    case Timer::g:
      if (state_ == State::completed && !reliable_) {
        timer_g_ = std::min(2 * timer_g_, timers_.t2);
        out.push_back(action::Send{last_response_});
        out.push_back(action::StartTimer{Timer::g, timer_g_});
      }
      break;
    case Timer::h:
      if (state_ == State::completed) {
        if (!reliable_) out.push_back(action::CancelTimer{Timer::g});
        out.push_back(action::Timeout{});
        return terminate(std::move(out));
      }
      break;
    case Timer::i:
      if (state_ == State::confirmed) return terminate(std::move(out));
      break;
    case Timer::l:
      if (state_ == State::accepted) return terminate(std::move(out));
      break;
    default:
      break;
  }
  return out;
}

Actions InviteServerTransaction::on_transport_error() {
  Actions out;
  if (state_ == State::proceeding || state_ == State::completed) {
    out.push_back(action::TransportError{});
    return terminate(std::move(out));
  }
  // Accepted: the 2xx is the TU's to retransmit, so it hears of the failure
  // and decides; the transaction stays to absorb INVITE retransmissions.
  if (state_ == State::accepted) out.push_back(action::TransportError{});
  return out;
}

}  // namespace imsbox::sip::transaction
