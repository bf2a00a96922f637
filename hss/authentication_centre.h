#pragma once
// The Authentication Centre of the HSS (TS 33.102 §6.3, TS 33.203 §6.1):
// IMS AKA vectors for subscribers with a SIM, and resynchronisation from
// AUTS. Every SQN is written to the store, committed, before the vectors
// that carry it are returned, so a crash can never make the HSS issue an SQN
// twice; SQNs follow TS 33.102 Annex C (SqnPolicy).
//
// Runs on the caller's thread against the caller's Database (opened for the
// "hss" owner). Secrets (K, OPc, CK, IK, XRES) stay in fixed-size arrays
// that have no print operator.
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "aka/milenage.h"
#include "hss/sqn.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::hss {

// A vector as Cx carries it in SIP-Auth-Data-Item (TS 29.229 §6.3.13-6.3.18).
struct AkaVector {
  std::uint64_t sqn = 0;
  aka::Block rand{};
  aka::Autn autn{};
  aka::Res xres{};
  aka::Block ck{};
  aka::Block ik{};
  // SIP-Authenticate: RAND || AUTN (TS 29.229 §6.3.14).
  std::array<std::uint8_t, 32> sip_authenticate() const;
};

// Fills its argument with unpredictable bytes.
using RandomSource = std::function<void(std::span<std::uint8_t>)>;
// OpenSSL's CSPRNG (RAND_bytes); throws std::runtime_error if it fails.
RandomSource system_random();

class AuthenticationCentre {
 public:
  AuthenticationCentre(store::Database& db, SqnPolicy policy, RandomSource random);

  enum class Outcome {
    ok,
    unknown_subscriber,  // no such IMPI
    no_sim,              // a password subscriber: no AKA
    sqn_exhausted,       // SEQ cannot grow any more (a SIM for the bin)
    mac_failure,         // resync: MAC-S in AUTS is wrong
  };
  struct Issued {
    Outcome outcome = Outcome::ok;
    std::vector<AkaVector> vectors;
  };

  // `count` fresh vectors (1 or more) for `impi`.
  Issued issue(const std::string& impi, std::size_t count);

  // TS 33.102 §6.3.5: verifies AUTS (sent back with the RAND it answers) and
  // moves SQN_HE to SQN_MS unless the next SQN_HE would be accepted by the
  // USIM already. Then issue() gives vectors the USIM accepts.
  Outcome resynchronise(const std::string& impi, const aka::Block& rand, const aka::Auts& auts);

 private:
  store::Database& db_;
  SqnPolicy policy_;
  RandomSource random_;
};

}  // namespace imsbox::hss
