#include "pcscf/ipsec/anti_replay.h"

namespace imsbox::pcscf::ipsec {
namespace {

constexpr std::uint32_t block_of(std::uint32_t sequence) {
  return (sequence / AntiReplayWindow::block_bits) % AntiReplayWindow::blocks;
}
constexpr std::uint64_t bit_of(std::uint32_t sequence) {
  return std::uint64_t{1} << (sequence % AntiReplayWindow::block_bits);
}

}  // namespace

AntiReplayWindow::Verdict AntiReplayWindow::check(std::uint32_t sequence) const {
  if (sequence == 0) return Verdict::too_old;
  if (sequence > top_) return Verdict::fresh;
  if (top_ - sequence >= size) return Verdict::too_old;
  return (bitmap_[block_of(sequence)] & bit_of(sequence)) != 0 ? Verdict::duplicate : Verdict::fresh;
}

void AntiReplayWindow::accept(std::uint32_t sequence) {
  if (sequence > top_) {
    // clear the blocks the window moves into (all of them after a jump of a whole ring or more)
    const std::uint32_t current = top_ / block_bits;
    const std::uint32_t target = sequence / block_bits;
    const std::uint32_t moved = target - current < blocks ? target - current : blocks;
    for (std::uint32_t i = 1; i <= moved; ++i) bitmap_[(current + i) % blocks] = 0;
    top_ = sequence;
  }
  bitmap_[block_of(sequence)] |= bit_of(sequence);
}

}  // namespace imsbox::pcscf::ipsec
