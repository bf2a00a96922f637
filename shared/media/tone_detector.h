#pragma once
// Finds a tone in PCM: the dominant frequency (FFT with a Hann window,
// refined by parabolic interpolation between bins), its level and how much
// of the signal's energy it holds. The issue's end-to-end tests ("each side
// detects the other's tone": frequency within 2 %, energy above a threshold)
// and the MRF use it. Pure; allocates its work buffers per call (not for
// the packet path).
#include <cstddef>
#include <cstdint>
#include <span>

namespace imsbox::media {

struct ToneMeasurement {
  double frequency_hz = 0;  // the dominant frequency (0 for silence)
  double level_dbfs = -120;  // RMS level of the whole window, dB relative to full scale (a full-scale sine is -3)
  double tone_fraction = 0;  // share of the window's energy within +-2 % of frequency_hz (0..1)
};

// Measures the first power-of-two samples of `pcm` (at most 16384, at least 256).
ToneMeasurement measure_tone(std::span<const std::int16_t> pcm, int sample_rate);

struct ToneCriteria {
  double frequency_hz = 1000;
  double tolerance = 0.02;      // relative
  double min_level_dbfs = -40;  // the window's level
  double min_fraction = 0.5;    // the tone dominates the window
};

bool tone_present(const ToneMeasurement& m, const ToneCriteria& criteria);

// Splits `pcm` into windows of `window_ms` and counts those with the tone.
struct ToneScan {
  std::size_t windows = 0;
  std::size_t with_tone = 0;
  std::ptrdiff_t first_window = -1;  // index of the first window with the tone
  double first_time_s() const;       // its start time; -1 when none
  double window_s = 0;
};
ToneScan scan_tone(std::span<const std::int16_t> pcm, int sample_rate, const ToneCriteria& criteria,
                   int window_ms = 100);

// A sine of `frequency_hz` at `level_dbfs` (peak relative to full scale),
// starting at phase `phase` (radians); for tests and fixtures.
void generate_tone(std::span<std::int16_t> out, int sample_rate, double frequency_hz, double level_dbfs = -6.0,
                   double phase = 0.0);

}  // namespace imsbox::media
