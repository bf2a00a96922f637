#pragma once
// Concealment for codecs without their own (G.711, G.722): the last 20 ms
// repeated with a fading gain (halved per lost frame, silence from the
// fourth), a simple stand-in for G.711 Appendix I. Fixed size, no allocation.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace imsbox::media {

template <std::size_t FrameSamples>
class FadeConcealment {
 public:
  // Remember what was decoded (any length).
  void keep(std::span<const std::int16_t> pcm) {
    const std::size_t n = pcm.size();
    if (n >= last_.size()) {
      std::copy(pcm.end() - static_cast<std::ptrdiff_t>(last_.size()), pcm.end(), last_.begin());
    } else {
      std::move(last_.begin() + static_cast<std::ptrdiff_t>(n), last_.end(), last_.begin());
      std::copy(pcm.begin(), pcm.end(), last_.end() - static_cast<std::ptrdiff_t>(n));
    }
    lost_in_a_row_ = 0;
  }

  // One frame of concealment into `out` (at least FrameSamples long).
  void conceal(std::span<std::int16_t> out) {
    ++lost_in_a_row_;
    const int shift = lost_in_a_row_;  // 1/2, 1/4, 1/8, then silence
    for (std::size_t i = 0; i < last_.size(); ++i) {
      out[i] = static_cast<std::int16_t>(shift > 3 ? 0 : last_[i] / (1 << shift));
    }
  }

 private:
  std::array<std::int16_t, FrameSamples> last_{};
  int lost_in_a_row_ = 0;
};

}  // namespace imsbox::media
