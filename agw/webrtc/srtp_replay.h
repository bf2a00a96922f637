#pragma once
// The per-SSRC bookkeeping of SRTP (RFC 3711 §3.3.1, Appendix A): the packet
// index a sequence number stands for (ROC estimation), and the replay list
// (§3.3.2) as a sliding window of the last kSrtpReplayWindow indices. Pure:
// no I/O, no allocation, no crypto.
#include <array>
#include <cstddef>
#include <cstdint>

namespace imsbox::agw::webrtc {

// Browsers reorder little, but a jitter of a few hundred packets happens on
// loaded hosts: wider than libsrtp's default 128, it costs 128 bytes.
inline constexpr std::size_t kSrtpReplayWindow = 1024;

// The 48-bit index i = 2^16 * ROC + SEQ (RFC 3711 §3.3.1) that `seq` most
// likely stands for, given the highest index seen so far (none yet: 0). While
// that is at most 2^15 the ROC is 0 (libsrtp does the same, so a stream
// starting at a high sequence number does not guess ROC -1); beyond it,
// Appendix A's rule: the candidate among ROC-1, ROC, ROC+1 closest to s_l.
std::uint64_t estimate_srtp_index(std::uint64_t highest, std::uint16_t seq);

// Which of the last kSrtpReplayWindow indices below the highest one were
// accepted. Used for SRTP packet indices (48 bits) and SRTCP indices (31).
class SrtpReplayWindow {
 public:
  enum class Verdict { fresh, replayed, too_old };

  // Whether `index` may be accepted (it is not yet recorded).
  Verdict check(std::uint64_t index) const;
  // Records `index` as accepted (after it authenticated); the window slides
  // when it is the new highest.
  void accept(std::uint64_t index);

  bool empty() const { return empty_; }
  std::uint64_t highest() const { return highest_; }

 private:
  bool test(std::uint64_t index) const { return (bits_[slot(index)] >> (index % 64)) & 1U; }
  void set(std::uint64_t index) { bits_[slot(index)] |= std::uint64_t{1} << (index % 64); }
  void clear(std::uint64_t index) { bits_[slot(index)] &= ~(std::uint64_t{1} << (index % 64)); }
  static std::size_t slot(std::uint64_t index) { return (index % kSrtpReplayWindow) / 64; }

  // Bit (index mod kSrtpReplayWindow) is set when index, within the window
  // below highest_, was accepted: a ring, so sliding by one clears one bit.
  std::array<std::uint64_t, kSrtpReplayWindow / 64> bits_{};
  std::uint64_t highest_ = 0;
  bool empty_ = true;
};

}  // namespace imsbox::agw::webrtc
