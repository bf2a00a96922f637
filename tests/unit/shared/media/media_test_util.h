#pragma once
// Helpers of the media tests: tones through codecs, bit strings.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "media/frame_codec.h"
#include "media/tone_detector.h"

namespace imsbox::media::test {

// "0101 1" -> bytes, MSB first, zero-padded; spaces ignored.
inline std::vector<std::uint8_t> bits_to_bytes(const std::string& bits) {
  std::vector<std::uint8_t> out;
  std::size_t n = 0;
  for (const char c : bits) {
    if (c != '0' && c != '1') continue;
    if (n % 8 == 0) out.push_back(0);
    if (c == '1') out.back() = static_cast<std::uint8_t>(out.back() | (0x80u >> (n % 8)));
    ++n;
  }
  return out;
}

inline std::string to_bits(unsigned value, unsigned width) {
  std::string s;
  for (unsigned i = width; i-- > 0;) s += ((value >> i) & 1u) ? '1' : '0';
  return s;
}

// `frames` 20 ms frames of a continuous tone at the codec's PCM rate.
inline std::vector<std::int16_t> tone(int rate, double hz, std::size_t samples, double dbfs = -10.0) {
  std::vector<std::int16_t> pcm(samples);
  generate_tone(pcm, rate, hz, dbfs);
  return pcm;
}

// Encodes `seconds` of a tone with `codec` into payloads (one per 20 ms).
inline std::vector<std::vector<std::uint8_t>> encode_tone(FrameCodec& codec, double hz, double seconds,
                                                          double dbfs = -10.0) {
  const auto& info = codec.info();
  const auto total = static_cast<std::size_t>(seconds * 50) * info.frame_samples;
  const auto pcm = tone(info.pcm_rate, hz, total, dbfs);
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t off = 0; off + info.frame_samples <= pcm.size(); off += info.frame_samples) {
    std::vector<std::uint8_t> payload(kMaxPayload);
    const auto r = codec.encode(std::span<const std::int16_t>(pcm.data() + off, info.frame_samples), payload);
    if (r.error != CodecError::none) return {};
    payload.resize(r.size);
    out.push_back(std::move(payload));
  }
  return out;
}

// Decodes payloads with `codec`, one after another.
inline std::vector<std::int16_t> decode_all(FrameCodec& codec, const std::vector<std::vector<std::uint8_t>>& payloads) {
  std::vector<std::int16_t> pcm;
  std::vector<std::int16_t> buf(48 * kMaxPayloadMs);
  for (const auto& p : payloads) {
    const auto r = codec.decode(p, buf);
    if (r.error != CodecError::none) return {};
    pcm.insert(pcm.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.samples));
  }
  return pcm;
}

// The last `seconds` of `pcm` (past the codec's start-up).
inline std::span<const std::int16_t> tail(const std::vector<std::int16_t>& pcm, int rate, double seconds) {
  const auto n = static_cast<std::size_t>(rate * seconds);
  if (pcm.size() < n) return {};
  return std::span<const std::int16_t>(pcm.data() + pcm.size() - n, n);
}

}  // namespace imsbox::media::test
