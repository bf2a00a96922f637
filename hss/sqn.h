#pragma once
// Sequence numbers for authentication vectors, TS 33.102 Annex C (C.1.1,
// C.3.2, C.3.4): SQN = SEQ || IND, 48 bits, IND the low `ind_bits` bits.
// Each new vector takes the next SEQ and the next IND in turn, so that the
// USIM's array of SEQ_MS per IND accepts vectors used out of order (several
// vectors of a batch, several serving nodes). After a synchronisation
// failure the HSS continues from the SEQ the USIM reported (SQN_MS).
//
// Pure arithmetic: the HSS stores the last SQN it issued and asks here for
// the next ones before it lets a vector go.
#include <cstdint>
#include <optional>

namespace imsbox::hss {

inline constexpr std::uint64_t kSqnMask = (std::uint64_t{1} << 48) - 1;

class SqnPolicy {
 public:
  // ind_bits: the length of IND, 0..10 (TS 33.102 C.3.2 suggests 5).
  explicit SqnPolicy(unsigned ind_bits = 5);

  unsigned ind_bits() const { return ind_bits_; }
  std::uint64_t seq(std::uint64_t sqn) const { return (sqn & kSqnMask) >> ind_bits_; }
  std::uint64_t ind(std::uint64_t sqn) const { return sqn & ind_mask(); }

  // The SQN after `last`: SEQ + 1 and the next IND (cycling). None when SEQ
  // would not fit any more (the subscriber needs a new SIM or a SQN reset).
  std::optional<std::uint64_t> next(std::uint64_t last) const;

  // After a resynchronisation with `sqn_ms` (recovered from AUTS): the value
  // to store as the last SQN issued, so that next() continues from SEQ_MS
  // with our IND sequence (C.3.4: SEQ_HE is set to SEQ_MS).
  std::uint64_t after_resync(std::uint64_t last, std::uint64_t sqn_ms) const;

 private:
  std::uint64_t ind_mask() const { return (std::uint64_t{1} << ind_bits_) - 1; }
  unsigned ind_bits_;
};

}  // namespace imsbox::hss
