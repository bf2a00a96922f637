#pragma once
// The transaction timers of RFC 3261 §17 (Table 4) and RFC 6026, and the
// values they are derived from.
//
// The state machines never run a timer themselves: they ask for one with an
// action::StartTimer and are told it fired through on_timer(). Whoever drives
// them (TransactionLayer, or a test) owns the clock.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace imsbox::sip::transaction {

enum class Timer : std::uint8_t {
  a,  // INVITE client: request retransmission (unreliable transports)
  b,  // INVITE client: transaction timeout
  d,  // INVITE client: wait for final response retransmissions
  e,  // non-INVITE client: request retransmission (unreliable transports)
  f,  // non-INVITE client: transaction timeout
  g,  // INVITE server: final response retransmission (unreliable transports)
  h,  // INVITE server: wait for ACK
  i,  // INVITE server: wait for ACK retransmissions
  j,  // non-INVITE server: wait for request retransmissions
  k,  // non-INVITE client: wait for response retransmissions
  l,  // INVITE server (RFC 6026): wait for INVITE retransmissions after a 2xx
  m,  // INVITE client (RFC 6026): wait for 2xx retransmissions
  trying,  // INVITE server: send 100 Trying if the TU is silent (§17.2.1, 200 ms)
};
inline constexpr std::size_t timer_count = static_cast<std::size_t>(Timer::trying) + 1;

// "A", "B", ... "trying": for logs.
std::string_view to_string(Timer t);

// T1, T2, T4 (RFC 3261 §17.1.1.1, Table 4) and the few fixed values. Every
// other duration is derived from them as the RFCs say. The defaults are the
// RFC's; a lab network on loopback may shorten them.
struct TimerValues {
  using Duration = std::chrono::milliseconds;
  Duration t1{500};     // RTT estimate
  Duration t2{4000};    // cap of non-INVITE request and INVITE response retransmission intervals
  Duration t4{5000};    // how long a message may stay in the network
  Duration d{32000};    // timer D on unreliable transports (RFC 3261: "> 32 s")
  Duration trying{200};  // §17.2.1: the TU's grace period before the server sends 100 Trying

  Duration timeout() const { return 64 * t1; }  // timers B, F, H, J (unreliable), L, M
  // Whether the values make sense (all positive, t1 <= t2): a layer refuses others.
  bool valid() const;
};

}  // namespace imsbox::sip::transaction
