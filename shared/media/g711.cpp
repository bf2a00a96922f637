#include "media/g711.h"

#include <array>
#include <cstddef>

namespace imsbox::media {

namespace {

// mu-law: bias 0x84 (132), 14-bit magnitude, 8 segments; code bits inverted.
constexpr int kUlawBias = 0x84;
constexpr int kUlawClip = 32635;

constexpr std::uint8_t ulaw_encode(int sample) {
  // negative samples in one's complement (~x = -x - 1), as ITU-T G.191's
  // reference encoder does: the decision levels then fall where G.711 has them
  const int sign = sample < 0 ? 0x80 : 0x00;
  int magnitude = sample < 0 ? ~sample : sample;
  if (magnitude > kUlawClip) magnitude = kUlawClip;
  magnitude += kUlawBias;
  int segment = 7;
  for (int mask = 0x4000; (magnitude & mask) == 0 && segment > 0; mask >>= 1) --segment;
  const int mantissa = (magnitude >> (segment + 3)) & 0x0f;
  return static_cast<std::uint8_t>(~(sign | (segment << 4) | mantissa));
}

constexpr std::int16_t ulaw_decode(std::uint8_t code) {
  const int u = static_cast<std::uint8_t>(~code);
  const int segment = (u >> 4) & 0x07;
  const int magnitude = ((((u & 0x0f) << 3) + kUlawBias) << segment) - kUlawBias;
  return static_cast<std::int16_t>((u & 0x80) ? -magnitude : magnitude);
}

// A-law: 13-bit magnitude, 8 segments; even bits inverted (xor 0x55).
constexpr std::uint8_t alaw_encode(int sample) {
  // G.711 works on 13 bits: drop the 3 lowest of a 16-bit sample; negative
  // values in one's complement (-s - 1), as G.191's reference encoder
  int s = sample >> 3;
  int sign = 0x80;
  if (s < 0) {
    s = -s - 1;
    sign = 0x00;
  }
  std::uint8_t code;
  if (s < 32) {
    code = static_cast<std::uint8_t>(s >> 1);
  } else {
    int segment = 1;
    while (segment < 7 && s >= (32 << segment)) ++segment;
    if (s >= (32 << 7)) s = (32 << 7) - 1;  // clip
    code = static_cast<std::uint8_t>((segment << 4) | ((s >> segment) & 0x0f));
  }
  return static_cast<std::uint8_t>((code | sign) ^ 0x55);
}

constexpr std::int16_t alaw_decode(std::uint8_t code) {
  const int a = code ^ 0x55;
  const int segment = (a >> 4) & 0x07;
  int magnitude = ((a & 0x0f) << 4) + 8;
  if (segment != 0) magnitude = (magnitude + 0x100) << (segment - 1);
  return static_cast<std::int16_t>((a & 0x80) ? magnitude : -magnitude);
}

template <typename F>
constexpr std::array<std::int16_t, 256> make_table(F f) {
  std::array<std::int16_t, 256> t{};
  for (std::size_t i = 0; i < 256; ++i) t[i] = f(static_cast<std::uint8_t>(i));
  return t;
}

constexpr auto kUlawTable = make_table(ulaw_decode);
constexpr auto kAlawTable = make_table(alaw_decode);

}  // namespace

std::uint8_t linear_to_ulaw(std::int16_t pcm) { return ulaw_encode(pcm); }
std::int16_t ulaw_to_linear(std::uint8_t code) { return kUlawTable[code]; }
std::uint8_t linear_to_alaw(std::int16_t pcm) { return alaw_encode(pcm); }
std::int16_t alaw_to_linear(std::uint8_t code) { return kAlawTable[code]; }

void encode_ulaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = ulaw_encode(in[i]);
}
void decode_ulaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = kUlawTable[in[i]];
}
void encode_alaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = alaw_encode(in[i]);
}
void decode_alaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = kAlawTable[in[i]];
}

}  // namespace imsbox::media
