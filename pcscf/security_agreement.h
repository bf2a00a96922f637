#pragma once
// The P-CSCF's side of sec-agree for IMS-AKA (RFC 3329, TS 24.229 §5.2.2,
// TS 33.203 §7): what it does to a UE's REGISTERs and their 401 and 200 OK,
// which requests it takes from a protected port, and where messages to a
// protected UE go. The SA sets live in security_associations.h; their SAs
// are put in place and taken away by an ESP backend (kernel XFRM or ESP in
// this process).
//
//  * An unprotected REGISTER with Security-Client: the ipsec-3gpp offer our
//    preference (pcscf.ipsec_algorithms) ranks first is chosen; sec-agree
//    and the Security-* fields are taken off before it goes on, with
//    integrity-protected="no" in its Authorization. The 401 then gets a
//    pending set (two SPIs of ours, the four SAs, for
//    pcscf.ipsec_pending_s) and Security-Server; its ck/ik never leave.
//  * The protected REGISTER (over that set, to port_ps): Security-Verify must
//    repeat our Security-Server and Security-Client the first REGISTER's,
//    else 494 and the set goes; integrity-protected="yes". Its 200 OK makes
//    the set active for the registration's lifetime + 30 s; a set it
//    replaces stays until the first request over the new one.
//  * De-registration: the 200 OK still goes out protected, then the sets go.
//  * pcscf.ipsec = required: a REGISTER without sec-agree gets 421, one
//    with sec-agree but no ipsec-3gpp offer we take gets 494.
//
// Threading: the proxy core's. Time comes in as arguments; attach() gives
// it the timers for expiry.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pcscf/ipsec/security_association.h"
#include "pcscf/registration.h"
#include "pcscf/sec_agree.h"
#include "pcscf/security_associations.h"
#include "runtime/timer_queue.h"
#include "sip/message.h"

namespace imsbox::runtime {
class Clock;
class Counter;
class Gauge;
class Logger;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::pcscf {

enum class IpsecMode : std::uint8_t { off, optional, required };
std::optional<IpsecMode> parse_ipsec_mode(std::string_view text);

struct SecAgreeOptions {
  IpsecMode mode = IpsecMode::optional;
  std::vector<AlgorithmPair> algorithms = default_algorithm_pairs();
  ProtectedPorts ports{5100, 5101};
  std::chrono::seconds pending_lifetime{60};
  boost::asio::ip::address address;  // ours, as the UEs reach it (the SAs' addresses)
};

// What to do with a UE's REGISTER.
struct SecAgreeDecision {
  int status = 0;  // 0: forward it; else answer with this
  std::string reason;
  std::vector<std::pair<sip::HeaderId, std::string>> headers;  // for the answer
  // an unprotected REGISTER's choice among its offer, for the 401
  std::optional<IpsecMechanism> chosen;
  std::vector<IpsecMechanism> offer;
  std::optional<std::uint64_t> over;  // the set a protected REGISTER came over
  std::string note;                   // for the REGISTER's log line
};

class SecurityAgreement {
 public:
  // `backend` may be null when the mode is off.
  SecurityAgreement(SecAgreeOptions options, runtime::Logger& log, const runtime::Clock& clock,
                    runtime::Metrics* metrics, ipsec::EspBackend* backend);
  ~SecurityAgreement();
  SecurityAgreement(const SecurityAgreement&) = delete;
  SecurityAgreement& operator=(const SecurityAgreement&) = delete;

  void attach(runtime::TimerQueue& timers);
  bool enabled() const { return options_.mode != IpsecMode::off && backend_; }

  // A REGISTER from `source` before it is forwarded: checks it, takes
  // sec-agree off it and sets integrity-protected (when forwarded).
  SecAgreeDecision on_register(sip::Message& request, const sip::Peer& source, Time now);
  // The 401 to it (`keys`: the ck/ik the P-CSCF took off): a pending set,
  // its SAs installed, Security-Server added. False when no set could be made
  // (logged; the 401 then goes without Security-Server).
  bool on_challenge(const SecAgreeDecision& d, sip::Message& response, const AuthKeys& keys, std::string impi,
                    const sip::Peer& source, Time now);
  // The 200 OK to it: `lifetime` the longest expiry it gave a contact
  // (0: de-registered).
  void on_registered(const SecAgreeDecision& d, std::chrono::seconds lifetime, Time now);
  // A request other than REGISTER from a UE: false when it came to a
  // protected port over no active set (it is then dropped).
  bool on_request(const sip::Peer& source, Time now);
  // Where a message to a UE goes (SecurityAssociations::route).
  void route(sip::Peer& to, const sip::Message& m, Time now) const;

  const SecurityAssociations& table() const { return table_; }
  const SecAgreeOptions& options() const { return options_; }

 private:
  void install(const SecuritySet& set);
  void drop(const std::vector<SecuritySet>& sets, std::string_view why);
  void arm_expiry();
  void on_expiry();
  void update_gauge();

  SecAgreeOptions options_;
  runtime::Logger& log_;
  const runtime::Clock& clock_;
  ipsec::EspBackend* backend_;
  SecurityAssociations table_;
  runtime::TimerQueue* timers_ = nullptr;
  std::optional<runtime::TimerQueue::TimerId> expiry_timer_;
  std::optional<Time> expiry_at_;
  runtime::Gauge* sets_gauge_ = nullptr;
  runtime::Counter* refused_verify_ = nullptr;
  runtime::Counter* refused_required_ = nullptr;
  runtime::Counter* dropped_unprotected_ = nullptr;
};

}  // namespace imsbox::pcscf
