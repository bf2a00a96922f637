#pragma once
// The receiver's anti-replay window of an ESP SA (RFC 4303 §3.4.3), kept as
// an RFC 6479 ring of 64-bit blocks: moving the window clears whole blocks,
// never shifts bits. 32-bit sequence numbers only (no ESN: the SAs of TS
// 33.203 do not use it). Sequence number 0 is never valid: the sender's
// first packet carries 1.
//
// Use: check() before the ICV is verified (cheap rejection of duplicates and
// of numbers left of the window), accept() only after the ICV proved the
// packet genuine, so that forged packets cannot move the window.
#include <array>
#include <cstdint>

namespace imsbox::pcscf::ipsec {

class AntiReplayWindow {
 public:
  static constexpr std::uint32_t block_bits = 64;
  static constexpr std::uint32_t blocks = 4;  // a power of two
  // Numbers this far below the highest received one are still accepted once.
  static constexpr std::uint32_t size = (blocks - 1) * block_bits;

  enum class Verdict { fresh, duplicate, too_old };

  Verdict check(std::uint32_t sequence) const;
  // Marks `sequence` received (check() said fresh) and moves the window right when it is the highest yet.
  void accept(std::uint32_t sequence);
  std::uint32_t highest() const { return top_; }

 private:
  std::array<std::uint64_t, blocks> bitmap_{};
  std::uint32_t top_ = 0;  // the highest sequence number accepted, 0 before the first
};

}  // namespace imsbox::pcscf::ipsec
