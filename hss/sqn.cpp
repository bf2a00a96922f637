#include "hss/sqn.h"

#include <stdexcept>

namespace imsbox::hss {

SqnPolicy::SqnPolicy(unsigned ind_bits) : ind_bits_(ind_bits) {
  if (ind_bits > 10) throw std::invalid_argument("IND length must be 0 to 10 bits");
}

std::optional<std::uint64_t> SqnPolicy::next(std::uint64_t last) const {
  const std::uint64_t seq_next = seq(last) + 1;
  if (seq_next > (kSqnMask >> ind_bits_)) return std::nullopt;
  const std::uint64_t ind_next = (ind(last) + 1) & ind_mask();
  return (seq_next << ind_bits_) | ind_next;
}

std::uint64_t SqnPolicy::after_resync(std::uint64_t last, std::uint64_t sqn_ms) const {
  return (seq(sqn_ms) << ind_bits_) | ind(last);
}

}  // namespace imsbox::hss
