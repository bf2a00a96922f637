#pragma once
// Call-progress tones the MRF plays (ITU-T E.180 / ETSI ES 201 970 values
// of the European 425 Hz plan): ringback 1 s on 4 s off, busy 0.5 s on 0.5 s
// off, congestion 0.25 s on 0.25 s off. Pure: PCM out.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace imsbox::mrf {

enum class Tone { ringback, busy, congestion };

struct ToneCadence {
  double frequency_hz = 425;
  int on_ms = 0;
  int off_ms = 0;
};

ToneCadence cadence_of(Tone t);
// "ringback", "busy", "congestion".
std::optional<Tone> tone_named(std::string_view name);

// `seconds` of the tone at `sample_rate`, starting with its on period, at
// -13 dBm0-ish (peak -16 dBFS); on/off edges ramped over 2 ms so they do not click.
std::vector<std::int16_t> generate_tone(Tone t, int sample_rate, double seconds);

}  // namespace imsbox::mrf
