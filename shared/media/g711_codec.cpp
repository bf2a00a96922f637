#include "media/g711_codec.h"

#include <algorithm>

#include "media/g711.h"

namespace imsbox::media {

G711Codec::G711Codec(G711Law law) : law_(law) {
  info_.encoding_name = law == G711Law::ulaw ? "PCMU" : "PCMA";
  info_.rtp_clock_rate = 8000;
  info_.pcm_rate = 8000;
  info_.frame_samples = 160;
  info_.frame_timestamp = 160;
}

EncodeResult G711Codec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (pcm.size() != info_.frame_samples) return {0, CodecError::bad_input};
  if (payload.size() < pcm.size()) return {0, CodecError::buffer_too_small};
  if (law_ == G711Law::ulaw) {
    encode_ulaw(pcm, payload);
  } else {
    encode_alaw(pcm, payload);
  }
  return {pcm.size(), CodecError::none};
}

DecodeResult G711Codec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (payload.empty()) return {0, CodecError::malformed_payload};
  if (pcm.size() < payload.size()) return {0, CodecError::buffer_too_small};
  if (law_ == G711Law::ulaw) {
    decode_ulaw(payload, pcm);
  } else {
    decode_alaw(payload, pcm);
  }
  const std::size_t n = payload.size();
  plc_.keep(pcm.first(n));
  return {n, CodecError::none};
}

DecodeResult G711Codec::conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t>) {
  if (pcm.size() < info_.frame_samples) return {0, CodecError::buffer_too_small};
  plc_.conceal(pcm);
  return {info_.frame_samples, CodecError::none};
}

std::uint32_t G711Codec::payload_duration(std::span<const std::uint8_t> payload) const {
  return static_cast<std::uint32_t>(payload.size());
}

}  // namespace imsbox::media
