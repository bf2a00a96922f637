#include "hss/authentication_centre.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "store/database.h"
#include "store/subscriber_table.h"

namespace imsbox::hss {

namespace {

aka::Sqn sqn_bytes(std::uint64_t sqn) {
  aka::Sqn out{};
  for (int i = 5; i >= 0; --i, sqn >>= 8) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sqn & 0xff);
  return out;
}

std::uint64_t sqn_value(const aka::Sqn& bytes) {
  std::uint64_t out = 0;
  for (const auto b : bytes) out = (out << 8) | b;
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const std::vector<std::uint8_t>& bytes) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(bytes.begin(), std::min(N, bytes.size()), out.begin());
  return out;
}

// TS 33.102 Annex C.2.2: the USIM accepts a SEQ at most this far ahead of
// the highest it has seen (L = 2^28 in the example of C.3.1).
constexpr std::uint64_t kDelta = std::uint64_t{1} << 28;

}  // namespace

std::array<std::uint8_t, 32> AkaVector::sip_authenticate() const {
  std::array<std::uint8_t, 32> out{};
  std::copy(rand.begin(), rand.end(), out.begin());
  std::copy(autn.begin(), autn.end(), out.begin() + 16);
  return out;
}

RandomSource system_random() {
  return [](std::span<std::uint8_t> out) {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
      throw std::runtime_error("the system's random generator failed");
    }
  };
}

AuthenticationCentre::AuthenticationCentre(store::Database& db, SqnPolicy policy, RandomSource random)
    : db_(db), policy_(policy), random_(std::move(random)) {}

AuthenticationCentre::Issued AuthenticationCentre::issue(const std::string& impi, std::size_t count) {
  Issued out;
  std::vector<std::uint64_t> sqns;
  std::optional<store::SimCredentials> sim;
  {
    store::Database::Transaction tx(db_);
    store::SubscriberTable table(db_);
    sim = table.sim(impi);
    if (!sim) {
      out.outcome = table.exists(impi) ? Outcome::no_sim : Outcome::unknown_subscriber;
      return out;
    }
    std::uint64_t last = sim->sqn;
    for (std::size_t i = 0; i < count; ++i) {
      const auto next = policy_.next(last);
      if (!next) {
        out.outcome = Outcome::sqn_exhausted;
        return out;
      }
      sqns.push_back(last = *next);
    }
    table.set_sqn(impi, last);
    tx.commit();  // before any vector exists: a crash now wastes SQNs, never repeats one
  }
  aka::Milenage milenage(to_array<16>(sim->k.reveal()), to_array<16>(sim->opc.reveal()));
  std::vector<std::uint8_t> rands(16 * sqns.size());
  random_(rands);  // one call: the CSPRNG's per-call cost dominates a vector's
  out.vectors.reserve(sqns.size());
  for (std::size_t i = 0; i < sqns.size(); ++i) {
    aka::Block rand{};
    std::copy_n(rands.begin() + static_cast<std::ptrdiff_t>(16 * i), 16, rand.begin());
    auto v = aka::generate_vector(milenage, rand, sqn_bytes(sqns[i]), sim->amf);
    // RES is the Digest-AKA password (RFC 3310 §3.1): binary, but clients
    // that keep it as a C string (sipp among them) cut it at its first zero
    // byte and fail 1 vector in 32. A RAND whose RES has none costs nothing
    // (the RAND stays unpredictable), so draw again, a bounded number of times.
    for (int redraw = 0; redraw < 16 && std::find(v.xres.begin(), v.xres.end(), 0) != v.xres.end(); ++redraw) {
      random_(rand);
      v = aka::generate_vector(milenage, rand, sqn_bytes(sqns[i]), sim->amf);
    }
    out.vectors.push_back(AkaVector{sqns[i], v.rand, v.autn, v.xres, v.ck, v.ik});
  }
  return out;
}

AuthenticationCentre::Outcome AuthenticationCentre::resynchronise(const std::string& impi, const aka::Block& rand,
                                                                  const aka::Auts& auts) {
  store::Database::Transaction tx(db_);
  store::SubscriberTable table(db_);
  const auto sim = table.sim(impi);
  if (!sim) return table.exists(impi) ? Outcome::no_sim : Outcome::unknown_subscriber;
  aka::Milenage milenage(to_array<16>(sim->k.reveal()), to_array<16>(sim->opc.reveal()));
  const auto sqn_ms = aka::resync_sqn_ms(milenage, rand, auts);
  if (!sqn_ms) return Outcome::mac_failure;
  const std::uint64_t seq_ms = policy_.seq(sqn_value(*sqn_ms));
  const std::uint64_t seq_he = policy_.seq(sim->sqn);
  // SQN_HE still ahead of the USIM, and not too far: its next SQN will be accepted.
  if (seq_he >= seq_ms && seq_he - seq_ms < kDelta) return Outcome::ok;
  table.set_sqn(impi, policy_.after_resync(sim->sqn, sqn_value(*sqn_ms)));
  tx.commit();
  return Outcome::ok;
}

}  // namespace imsbox::hss
