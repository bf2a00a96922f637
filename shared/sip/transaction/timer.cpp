#include "sip/transaction/timer.h"

namespace imsbox::sip::transaction {

std::string_view to_string(Timer t) {
  switch (t) {
    case Timer::a: return "A";
    case Timer::b: return "B";
    case Timer::d: return "D";
    case Timer::e: return "E";
    case Timer::f: return "F";
    case Timer::g: return "G";
    case Timer::h: return "H";
    case Timer::i: return "I";
    case Timer::j: return "J";
    case Timer::k: return "K";
    case Timer::l: return "L";
    case Timer::m: return "M";
    case Timer::trying: return "trying";
  }
  return "?";
}

bool TimerValues::valid() const {
  const Duration zero{0};
  return t1 > zero && t2 >= t1 && t4 > zero && d >= zero && trying >= zero;
}

}  // namespace imsbox::sip::transaction
