#pragma once
// G.711 (ITU-T G.711) mu-law (PCMU) and A-law (PCMA), sample by sample.
// Decoding is a 256-entry table, encoding a segment search; both constexpr
// and pure. Checked against libavcodec's pcm_mulaw/pcm_alaw for every input.
#include <cstdint>
#include <span>

namespace imsbox::media {

std::uint8_t linear_to_ulaw(std::int16_t pcm);
std::int16_t ulaw_to_linear(std::uint8_t code);
std::uint8_t linear_to_alaw(std::int16_t pcm);
std::int16_t alaw_to_linear(std::uint8_t code);

// Whole buffers; `out` must be at least as long as `in`.
void encode_ulaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
void decode_ulaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
void encode_alaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
void decode_alaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);

}  // namespace imsbox::media
