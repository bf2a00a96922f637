#include "mrf/tones.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace imsbox::mrf {

ToneCadence cadence_of(Tone t) {
  switch (t) {
    case Tone::ringback:
      return {425, 1000, 4000};
    case Tone::busy:
      return {425, 500, 500};
    case Tone::congestion:
      return {425, 250, 250};
  }
  return {};
}

std::optional<Tone> tone_named(std::string_view name) {
  if (name == "ringback") return Tone::ringback;
  if (name == "busy") return Tone::busy;
  if (name == "congestion") return Tone::congestion;
  return std::nullopt;
}

std::vector<std::int16_t> generate_tone(Tone t, int sample_rate, double seconds) {
  const auto c = cadence_of(t);
  const auto total = static_cast<std::size_t>(std::max(0.0, seconds) * sample_rate);
  const std::size_t on = static_cast<std::size_t>(c.on_ms) * sample_rate / 1000;
  const std::size_t period = on + static_cast<std::size_t>(c.off_ms) * sample_rate / 1000;
  const std::size_t ramp = std::max<std::size_t>(1, static_cast<std::size_t>(sample_rate) * 2 / 1000);
  const double peak = 32767.0 * std::pow(10.0, -16.0 / 20.0);
  std::vector<std::int16_t> pcm(total, 0);
  for (std::size_t i = 0; i < total; ++i) {
    const std::size_t in_period = i % period;
    if (in_period >= on) continue;
    const double edge = static_cast<double>(std::min({in_period, on - 1 - in_period, ramp})) / ramp;
    const double phase = 2 * std::numbers::pi * c.frequency_hz * static_cast<double>(i) / sample_rate;
    pcm[i] = static_cast<std::int16_t>(std::lround(peak * std::min(1.0, edge) * std::sin(phase)));
  }
  return pcm;
}

}  // namespace imsbox::mrf
