#include "media/tone_detector.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace imsbox::media {

namespace {

void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
    const std::complex<double> wl(std::cos(angle), std::sin(angle));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.0, 0.0);
      for (std::size_t k = 0; k < len / 2; ++k) {
        const auto u = a[i + k];
        const auto v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wl;
      }
    }
  }
}

}  // namespace

ToneMeasurement measure_tone(std::span<const std::int16_t> pcm, int sample_rate) {
  ToneMeasurement m;
  std::size_t n = 256;
  if (pcm.size() < n || sample_rate <= 0) return m;
  while (n * 2 <= pcm.size() && n < 16384) n *= 2;

  double sum_sq = 0;
  for (std::size_t i = 0; i < n; ++i) sum_sq += static_cast<double>(pcm[i]) * pcm[i];
  const double rms = std::sqrt(sum_sq / static_cast<double>(n));
  m.level_dbfs = rms > 0 ? 20.0 * std::log10(rms / 32768.0) : -120.0;
  if (rms == 0) return m;

  std::vector<std::complex<double>> a(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
    a[i] = {pcm[i] * w, 0.0};
  }
  fft(a);
  std::vector<double> power(n / 2 + 1);
  for (std::size_t k = 0; k <= n / 2; ++k) power[k] = std::norm(a[k]);
  std::size_t peak = 1;
  for (std::size_t k = 2; k < n / 2; ++k) {
    if (power[k] > power[peak]) peak = k;
  }
  // parabolic interpolation on the log magnitudes of the peak and its neighbours
  const double l = std::log(power[peak - 1] + 1e-12), c = std::log(power[peak] + 1e-12),
               r = std::log(power[peak + 1] + 1e-12);
  const double denom = l - 2 * c + r;
  const double offset = denom != 0 ? std::clamp(0.5 * (l - r) / denom, -0.5, 0.5) : 0.0;
  const double bin_hz = static_cast<double>(sample_rate) / static_cast<double>(n);
  m.frequency_hz = (static_cast<double>(peak) + offset) * bin_hz;

  // the energy within +-2 % of the peak (at least +-2 bins: the Hann window's main lobe)
  const double half_width = std::max(2.0, 0.02 * m.frequency_hz / bin_hz);
  double total = 0, tone = 0;
  for (std::size_t k = 1; k <= n / 2; ++k) {
    total += power[k];
    if (std::abs(static_cast<double>(k) - (static_cast<double>(peak) + offset)) <= half_width) tone += power[k];
  }
  m.tone_fraction = total > 0 ? tone / total : 0;
  return m;
}

bool tone_present(const ToneMeasurement& m, const ToneCriteria& c) {
  return std::abs(m.frequency_hz - c.frequency_hz) <= c.tolerance * c.frequency_hz &&
         m.level_dbfs >= c.min_level_dbfs && m.tone_fraction >= c.min_fraction;
}

double ToneScan::first_time_s() const { return first_window < 0 ? -1.0 : static_cast<double>(first_window) * window_s; }

ToneScan scan_tone(std::span<const std::int16_t> pcm, int sample_rate, const ToneCriteria& criteria, int window_ms) {
  ToneScan s;
  const std::size_t window = static_cast<std::size_t>(sample_rate) * static_cast<std::size_t>(window_ms) / 1000;
  s.window_s = window_ms / 1000.0;
  if (window == 0) return s;
  for (std::size_t start = 0; start + window <= pcm.size(); start += window) {
    const auto m = measure_tone(pcm.subspan(start, window), sample_rate);
    if (tone_present(m, criteria)) {
      if (s.first_window < 0) s.first_window = static_cast<std::ptrdiff_t>(s.windows);
      ++s.with_tone;
    }
    ++s.windows;
  }
  return s;
}

void generate_tone(std::span<std::int16_t> out, int sample_rate, double frequency_hz, double level_dbfs, double phase) {
  const double amplitude = 32767.0 * std::pow(10.0, level_dbfs / 20.0);
  const double step = 2.0 * std::numbers::pi * frequency_hz / sample_rate;
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::int16_t>(std::lround(amplitude * std::sin(phase + step * static_cast<double>(i))));
  }
}

}  // namespace imsbox::media
