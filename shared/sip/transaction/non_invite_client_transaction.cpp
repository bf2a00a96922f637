#include "sip/transaction/non_invite_client_transaction.h"

#include <algorithm>

namespace imsbox::sip::transaction {

NonInviteClientTransaction::NonInviteClientTransaction(Message request, bool reliable, const TimerValues& timers)
    : request_(std::make_shared<const Message>(std::move(request))),
      reliable_(reliable),
      timers_(timers),
      timer_e_(timers.t1) {}

Actions NonInviteClientTransaction::start() {
  Actions out;
  out.push_back(action::Send{request_});
  if (!reliable_) out.push_back(action::StartTimer{Timer::e, timer_e_});
  out.push_back(action::StartTimer{Timer::f, timers_.timeout()});
  return out;
}

Actions NonInviteClientTransaction::terminate(Actions actions) {
  state_ = State::terminated;
  actions.push_back(action::Terminated{});
  return actions;
}

Actions NonInviteClientTransaction::on_response(Message response) {
  const int status = response.status();
  Actions out;
  if (status < 100 || status > 699) return out;
  if (state_ != State::trying && state_ != State::proceeding) return out;  // Completed absorbs
  if (status < 200) {
    state_ = State::proceeding;
    out.push_back(action::PassToTu{std::move(response)});
    return out;
  }
  if (!reliable_) out.push_back(action::CancelTimer{Timer::e});
  out.push_back(action::CancelTimer{Timer::f});
  state_ = State::completed;
  if (reliable_) {  // timer K is 0 on reliable transports
    out.push_back(action::PassToTu{std::move(response)});
    return terminate(std::move(out));
  }
  out.push_back(action::StartTimer{Timer::k, timers_.t4});
  out.push_back(action::PassToTu{std::move(response)});
  return out;
}

Actions NonInviteClientTransaction::on_timer(Timer timer) {
  Actions out;
  if (timer == Timer::e && !reliable_ && (state_ == State::trying || state_ == State::proceeding)) {
    // §17.1.2.2: min(2E, T2) in Trying; T2 flat once a provisional came.
    timer_e_ = state_ == State::trying ? std::min(2 * timer_e_, timers_.t2) : timers_.t2;
    out.push_back(action::Send{request_});
    out.push_back(action::StartTimer{Timer::e, timer_e_});
  } else if (timer == Timer::f && (state_ == State::trying || state_ == State::proceeding)) {
    if (!reliable_) out.push_back(action::CancelTimer{Timer::e});
    out.push_back(action::Timeout{});
    return terminate(std::move(out));
  } else if (timer == Timer::k && state_ == State::completed) {
    return terminate(std::move(out));
  }
  return out;
}

Actions NonInviteClientTransaction::on_transport_error() {
  Actions out;
  if (state_ == State::trying || state_ == State::proceeding) {
    out.push_back(action::TransportError{});
    return terminate(std::move(out));
  }
  return out;
}

}  // namespace imsbox::sip::transaction
