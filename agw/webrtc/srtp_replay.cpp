#include "agw/webrtc/srtp_replay.h"

namespace imsbox::agw::webrtc {

std::uint64_t estimate_srtp_index(std::uint64_t highest, std::uint16_t seq) {
  constexpr std::uint64_t half = 1U << 15;
  if (highest <= half) return seq;
  const std::uint64_t roc = highest >> 16;
  const std::uint64_t s_l = highest & 0xffff;
  std::uint64_t v = roc;
  if (s_l < half) {
    if (seq > s_l + half) v = roc - 1;  // roc >= 1 here: highest > 2^15 with s_l < 2^15
  } else if (s_l - half > seq) {
    v = roc + 1;
  }
  return (v << 16) | seq;
}

SrtpReplayWindow::Verdict SrtpReplayWindow::check(std::uint64_t index) const {
  if (empty_ || index > highest_) return Verdict::fresh;
  if (highest_ - index >= kSrtpReplayWindow) return Verdict::too_old;
  return test(index) ? Verdict::replayed : Verdict::fresh;
}

void SrtpReplayWindow::accept(std::uint64_t index) {
  if (empty_) {
    bits_.fill(0);
    highest_ = index;
    empty_ = false;
  } else if (index > highest_) {
    if (index - highest_ >= kSrtpReplayWindow) {
      bits_.fill(0);
    } else {
      for (std::uint64_t i = highest_ + 1; i <= index; ++i) clear(i);
    }
    highest_ = index;
  } else if (highest_ - index >= kSrtpReplayWindow) {
    return;  // too old to record (check refused it already)
  }
  set(index);
}

}  // namespace imsbox::agw::webrtc
