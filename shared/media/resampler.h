#pragma once
// Sample-rate conversion between the rates our codecs run at (8, 16 and
// 48 kHz: ratios 2, 3 and 6 up or down), for a transcoded call whose legs
// differ in rate. A polyphase windowed-sinc FIR of our own (Kaiser window,
// 64 taps per phase, cutoff at 92 % of the lower Nyquist frequency; about
// 70 dB of stopband), not libswresample: bench_media measures both, and ours
// costs less per 20 ms frame at equal or better image/alias rejection, takes
// exactly one frame in and gives exactly one frame out (libswresample holds
// samples back and returns varying counts), allocates only at construction
// and has a fixed delay of (taps/2) input samples. libswresample stays the
// tool for arbitrary rates (prompt files: convert_sample_rate in
// prompt_resample.h).
//
// Stateful (the filter history), one per stream direction; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace imsbox::media {

class Resampler {
 public:
  // Throws std::invalid_argument unless supported(in_rate, out_rate).
  Resampler(int in_rate, int out_rate);

  static bool supported(int in_rate, int out_rate);

  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }

  // Samples process() writes for `in_samples` input samples.
  std::size_t output_size(std::size_t in_samples) const {
    return in_samples * static_cast<std::size_t>(up_) / static_cast<std::size_t>(down_);
  }

  // Converts `in` (its length a multiple of the down-sampling factor) into
  // `out` (at least output_size(in.size()) long); returns the samples
  // written, 0 when the sizes do not fit.
  std::size_t process(std::span<const std::int16_t> in, std::span<std::int16_t> out);

  // Forgets the history (a new talk spurt after a gap, say).
  void reset();

  // Group delay in output samples (for aligning test signals).
  std::size_t delay() const;

 private:
  void run_block(const float* x, std::size_t n, std::int16_t* out);

  int in_rate_;
  int out_rate_;
  int up_ = 1;    // L
  int down_ = 1;  // M
  std::size_t taps_ = 0;           // prototype filter length, multiple of L (or of M)
  std::vector<float> phases_;      // up: L phases of taps_/L coefficients, reversed; down: taps_ reversed
  std::vector<float> buffer_;      // history (taps-1 samples at the input rate) + a block
  std::size_t history_ = 0;        // samples of history kept
};

}  // namespace imsbox::media
