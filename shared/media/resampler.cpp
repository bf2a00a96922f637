#include "media/resampler.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace imsbox::media {

namespace {

constexpr std::size_t kTapsPerPhase = 64;
constexpr double kCutoff = 0.92;      // of the lower rate's Nyquist frequency
constexpr double kKaiserBeta = 7.0;   // ~70 dB stopband
constexpr std::size_t kBlock = 480;   // input samples per internal block

double bessel_i0(double x) {
  // power series; converges fast for the betas used here
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 50; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

// Low-pass prototype at the high rate: cutoff `fc` as a fraction of that
// rate, length n, unity DC gain times `gain`.
std::vector<double> design(std::size_t n, double fc, double gain) {
  std::vector<double> h(n);
  const double mid = (static_cast<double>(n) - 1.0) / 2.0;
  const double i0b = bessel_i0(kKaiserBeta);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) - mid;
    const double x = 2.0 * fc * t;
    const double sinc = t == 0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
    const double r = t / mid;
    const double w = bessel_i0(kKaiserBeta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0b;
    h[i] = 2.0 * fc * sinc * w;
    sum += h[i];
  }
  for (auto& v : h) v *= gain / sum;
  return h;
}

// Coefficients are fixed point with `shift` fractional bits, as many (up to
// 15) as keep every coefficient in 16 bits and every dot product of 16-bit
// samples in an int32 (choose_shift).

// n is a multiple of 8 (64 taps per phase): SSE2's pmaddwd does eight
// 16x16-bit products per instruction; the scalar loop elsewhere.
std::int32_t dot(const std::int16_t* c, const std::int16_t* x, std::size_t n) {
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  for (std::size_t k = 0; k < n; k += 8) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c + k));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + k));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(a, b));
  }
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(1, 0, 3, 2)));
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(acc);
#else
  std::int32_t acc = 0;
  for (std::size_t k = 0; k < n; ++k) acc += static_cast<std::int32_t>(c[k]) * x[k];
  return acc;
#endif
}

std::int16_t to_pcm(std::int32_t acc, int shift) {
  const std::int32_t v = (acc + (1 << (shift - 1))) >> shift;
  return static_cast<std::int16_t>(std::clamp(v, -32768, 32767));
}

// `sums`: the sum of |coefficient| of each dot product; `peak`: the largest |coefficient|.
int choose_shift(double peak, double max_sum) {
  int shift = 15;
  while (shift > 8 && (peak * (1 << shift) > 32767.0 || max_sum * (1 << shift) * 32768.0 > 2147483647.0)) --shift;
  return shift;
}

std::int16_t to_fixed(double c, int shift) { return static_cast<std::int16_t>(std::lround(c * (1 << shift))); }

}  // namespace

bool Resampler::supported(int in_rate, int out_rate) {
  const auto ok = [](int r) { return r == 8000 || r == 16000 || r == 48000; };
  return ok(in_rate) && ok(out_rate);
}

Resampler::Resampler(int in_rate, int out_rate) : in_rate_(in_rate), out_rate_(out_rate) {
  if (!supported(in_rate, out_rate)) {
    throw std::invalid_argument("Resampler: unsupported rates " + std::to_string(in_rate) + " -> " +
                                std::to_string(out_rate));
  }
  if (out_rate > in_rate) up_ = out_rate / in_rate;
  if (in_rate > out_rate) down_ = in_rate / out_rate;
  const int ratio = std::max(up_, down_);
  if (ratio == 1) return;
  taps_ = kTapsPerPhase * static_cast<std::size_t>(ratio);
  const double fc = kCutoff * 0.5 / ratio;  // fraction of the high rate
  if (up_ > 1) {
    // phase p holds h[k*L + p], k = 0..taps/L-1, reversed so that a dot
    // product with the history (oldest first) applies it
    const auto h = design(taps_, fc, static_cast<double>(up_));
    const std::size_t per = taps_ / static_cast<std::size_t>(up_);
    double peak = 0, max_sum = 0;
    for (std::size_t p = 0; p < static_cast<std::size_t>(up_); ++p) {
      double sum = 0;
      for (std::size_t k = 0; k < per; ++k) {
        const double c = std::abs(h[k * static_cast<std::size_t>(up_) + p]);
        sum += c;
        peak = std::max(peak, c);
      }
      max_sum = std::max(max_sum, sum);
    }
    shift_ = choose_shift(peak, max_sum);
    phases_.resize(taps_);
    for (std::size_t p = 0; p < static_cast<std::size_t>(up_); ++p) {
      for (std::size_t k = 0; k < per; ++k) {
        phases_[p * per + (per - 1 - k)] = to_fixed(h[k * static_cast<std::size_t>(up_) + p], shift_);
      }
    }
    history_ = per - 1;
  } else {
    const auto h = design(taps_, fc, 1.0);
    double peak = 0, sum = 0;
    for (const double c : h) {
      peak = std::max(peak, std::abs(c));
      sum += std::abs(c);
    }
    shift_ = choose_shift(peak, sum);
    phases_.resize(taps_);
    for (std::size_t k = 0; k < taps_; ++k) phases_[taps_ - 1 - k] = to_fixed(h[k], shift_);
    history_ = taps_ - 1;
  }
  buffer_.assign(history_ + kBlock, 0);
}

void Resampler::reset() { std::fill(buffer_.begin(), buffer_.end(), std::int16_t{0}); }

std::size_t Resampler::delay() const {
  if (taps_ == 0) return 0;
  // the prototype's group delay, (taps-1)/2 samples at the high rate
  const std::size_t high = (taps_ - 1) / 2;
  return up_ > 1 ? high : high / static_cast<std::size_t>(down_);
}

void Resampler::run_block(const std::int16_t* x, std::size_t n, std::int16_t* out) {
  // x points at the history; x[history_ .. history_+n) is the new input
  if (up_ > 1) {
    const std::size_t per = taps_ / static_cast<std::size_t>(up_);
    for (std::size_t i = 0; i < n; ++i) {
      const std::int16_t* window = x + i;  // the `per` samples ending at input i
      for (std::size_t p = 0; p < static_cast<std::size_t>(up_); ++p) {
        *out++ = to_pcm(dot(phases_.data() + p * per, window, per), shift_);
      }
    }
  } else {
    const std::size_t m = static_cast<std::size_t>(down_);
    for (std::size_t i = m - 1; i < n; i += m) {
      const std::int16_t* window = x + i;  // the taps_ samples ending at input i
      *out++ = to_pcm(dot(phases_.data(), window, taps_), shift_);
    }
  }
}

std::size_t Resampler::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
  if (in.size() % static_cast<std::size_t>(down_) != 0 || out.size() < output_size(in.size())) return 0;
  if (up_ == 1 && down_ == 1) {
    std::copy(in.begin(), in.end(), out.begin());
    return in.size();
  }
  std::size_t written = 0;
  std::size_t done = 0;
  while (done < in.size()) {
    // blocks are multiples of M, so each block's outputs are whole
    std::size_t n = std::min(kBlock, in.size() - done);
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(done), n, buffer_.begin() + static_cast<std::ptrdiff_t>(history_));
    run_block(buffer_.data(), n, out.data() + written);
    written += n * static_cast<std::size_t>(up_) / static_cast<std::size_t>(down_);
    // keep the last history_ samples for the next block
    std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(n), buffer_.begin() + static_cast<std::ptrdiff_t>(n + history_),
              buffer_.begin());
    done += n;
  }
  return written;
}

}  // namespace imsbox::media
