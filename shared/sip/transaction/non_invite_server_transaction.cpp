#include "sip/transaction/non_invite_server_transaction.h"

namespace imsbox::sip::transaction {

NonInviteServerTransaction::NonInviteServerTransaction(Message request, bool reliable, const TimerValues& timers)
    : request_(std::make_shared<const Message>(std::move(request))), reliable_(reliable), timers_(timers) {}

Actions NonInviteServerTransaction::start() { return {}; }

Actions NonInviteServerTransaction::terminate(Actions actions) {
  state_ = State::terminated;
  actions.push_back(action::Terminated{});
  return actions;
}

Actions NonInviteServerTransaction::on_request_retransmission() {
  Actions out;
  if ((state_ == State::proceeding || state_ == State::completed) && last_response_) {
    out.push_back(action::Send{last_response_});
  }
  return out;  // Trying: absorbed, the TU has not answered yet
}

Actions NonInviteServerTransaction::on_tu_response(Message response) {
  const int status = response.status();
  Actions out;
  if (status < 100 || status > 699) return out;
  if (state_ != State::trying && state_ != State::proceeding) return out;
  last_response_ = std::make_shared<const Message>(std::move(response));
  out.push_back(action::Send{last_response_});
  if (status < 200) {
    state_ = State::proceeding;
    return out;
  }
  state_ = State::completed;
  if (reliable_) return terminate(std::move(out));  // timer J is 0 on reliable transports
  out.push_back(action::StartTimer{Timer::j, timers_.timeout()});
  return out;
}

Actions NonInviteServerTransaction::on_timer(Timer timer) {
  if (timer == Timer::j && state_ == State::completed) return terminate({});
  return {};
}

Actions NonInviteServerTransaction::on_transport_error() {
  Actions out;
  if (state_ != State::terminated) {
    out.push_back(action::TransportError{});
    return terminate(std::move(out));
  }
  return out;
}

}  // namespace imsbox::sip::transaction
