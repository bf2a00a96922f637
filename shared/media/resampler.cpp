#include "media/resampler.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

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

// n is a multiple of 8 (taps per phase is 64): eight partial sums, which
// the compiler turns into vector instructions without -ffast-math.
float dot(const float* c, const float* x, std::size_t n) {
  float acc[8] = {};
  for (std::size_t k = 0; k < n; k += 8) {
    for (std::size_t j = 0; j < 8; ++j) acc[j] += c[k + j] * x[k + j];
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

std::int16_t to_pcm(float v) {
  const float r = std::nearbyint(v);
  return static_cast<std::int16_t>(std::clamp(r, -32768.0f, 32767.0f));
}

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
    phases_.resize(taps_);
    for (std::size_t p = 0; p < static_cast<std::size_t>(up_); ++p) {
      for (std::size_t k = 0; k < per; ++k) {
        phases_[p * per + (per - 1 - k)] = static_cast<float>(h[k * static_cast<std::size_t>(up_) + p]);
      }
    }
    history_ = per - 1;
  } else {
    const auto h = design(taps_, fc, 1.0);
    phases_.resize(taps_);
    for (std::size_t k = 0; k < taps_; ++k) phases_[taps_ - 1 - k] = static_cast<float>(h[k]);
    history_ = taps_ - 1;
  }
  buffer_.assign(history_ + kBlock, 0.0f);
}

void Resampler::reset() { std::fill(buffer_.begin(), buffer_.end(), 0.0f); }

std::size_t Resampler::delay() const {
  if (taps_ == 0) return 0;
  // the prototype's group delay, (taps-1)/2 samples at the high rate
  const std::size_t high = (taps_ - 1) / 2;
  return up_ > 1 ? high : high / static_cast<std::size_t>(down_);
}

void Resampler::run_block(const float* x, std::size_t n, std::int16_t* out) {
  // x points at the history; x[history_ .. history_+n) is the new input
  if (up_ > 1) {
    const std::size_t per = taps_ / static_cast<std::size_t>(up_);
    for (std::size_t i = 0; i < n; ++i) {
      const float* window = x + i;  // the `per` samples ending at input i
      for (std::size_t p = 0; p < static_cast<std::size_t>(up_); ++p) {
        *out++ = to_pcm(dot(phases_.data() + p * per, window, per));
      }
    }
  } else {
    const std::size_t m = static_cast<std::size_t>(down_);
    for (std::size_t i = m - 1; i < n; i += m) {
      const float* window = x + i;  // the taps_ samples ending at input i
      *out++ = to_pcm(dot(phases_.data(), window, taps_));
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
    float* block = buffer_.data() + history_;
    for (std::size_t i = 0; i < n; ++i) block[i] = static_cast<float>(in[done + i]);
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
