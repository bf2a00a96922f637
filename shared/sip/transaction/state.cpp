#include "sip/transaction/state.h"

namespace imsbox::sip::transaction {

std::string_view to_string(State s) {
  switch (s) {
    case State::calling: return "Calling";
    case State::trying: return "Trying";
    case State::proceeding: return "Proceeding";
    case State::completed: return "Completed";
    case State::confirmed: return "Confirmed";
    case State::accepted: return "Accepted";
    case State::terminated: return "Terminated";
  }
  return "?";
}

}  // namespace imsbox::sip::transaction
