#include "media/opus_codec.h"

#include <opus/opus.h>

#include <algorithm>

namespace imsbox::media {

namespace {

int bandwidth_for(int max_playback_rate) {
  if (max_playback_rate <= 8000) return OPUS_BANDWIDTH_NARROWBAND;
  if (max_playback_rate <= 12000) return OPUS_BANDWIDTH_MEDIUMBAND;
  if (max_playback_rate <= 16000) return OPUS_BANDWIDTH_WIDEBAND;
  if (max_playback_rate <= 24000) return OPUS_BANDWIDTH_SUPERWIDEBAND;
  return OPUS_BANDWIDTH_FULLBAND;
}

}  // namespace

std::unique_ptr<OpusCodec> OpusCodec::create(const OpusParams& params, std::string* error) {
  if (params.pcm_rate != 8000 && params.pcm_rate != 16000 && params.pcm_rate != 48000) {
    if (error) *error = "Opus runs at 8000, 16000 or 48000 Hz here";
    return nullptr;
  }
  int err = OPUS_OK;
  OpusEncoder* enc = opus_encoder_create(params.pcm_rate, 1, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK || enc == nullptr) {
    if (error) *error = std::string("opus_encoder_create: ") + opus_strerror(err);
    return nullptr;
  }
  OpusDecoder* dec = opus_decoder_create(params.pcm_rate, 1, &err);
  if (err != OPUS_OK || dec == nullptr) {
    opus_encoder_destroy(enc);
    if (error) *error = std::string("opus_decoder_create: ") + opus_strerror(err);
    return nullptr;
  }
  opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(std::clamp(params.complexity, 0, 10)));
  opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  opus_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(bandwidth_for(params.max_playback_rate)));
  if (params.max_average_bitrate > 0) {
    opus_encoder_ctl(enc, OPUS_SET_BITRATE(std::clamp(params.max_average_bitrate, 6000, 510000)));
  }
  if (params.cbr) opus_encoder_ctl(enc, OPUS_SET_VBR(0));
  if (params.inband_fec) {
    opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
    // FEC is only sent when the encoder expects loss
    opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(5));
  }
  if (params.dtx) opus_encoder_ctl(enc, OPUS_SET_DTX(1));
  return std::unique_ptr<OpusCodec>(new OpusCodec(params, enc, dec));
}

OpusCodec::OpusCodec(const OpusParams& params, OpusEncoder* encoder, OpusDecoder* decoder)
    : params_(params), encoder_(encoder), decoder_(decoder) {
  info_.encoding_name = "opus";
  info_.rtp_clock_rate = 48000;
  info_.pcm_rate = params.pcm_rate;
  info_.frame_samples = static_cast<std::size_t>(params.pcm_rate / 50);
  info_.frame_timestamp = 960;
}

OpusCodec::~OpusCodec() {
  opus_encoder_destroy(encoder_);
  opus_decoder_destroy(decoder_);
}

EncodeResult OpusCodec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (pcm.size() != info_.frame_samples) return {0, CodecError::bad_input};
  const opus_int32 room = static_cast<opus_int32>(std::min<std::size_t>(payload.size(), kMaxPayload));
  const int n = opus_encode(encoder_, pcm.data(), static_cast<int>(pcm.size()), payload.data(), room);
  if (n == OPUS_BUFFER_TOO_SMALL) return {0, CodecError::buffer_too_small};
  if (n < 0) return {0, CodecError::codec_failure};
  // 1 or 2 octets: a DTX frame that need not be sent (opus_encode docs)
  if (params_.dtx && n <= 2) return {0, CodecError::none};
  return {static_cast<std::size_t>(n), CodecError::none};
}

DecodeResult OpusCodec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (payload.empty()) return {0, CodecError::malformed_payload};
  const int samples = opus_decoder_get_nb_samples(decoder_, payload.data(), static_cast<opus_int32>(payload.size()));
  if (samples < 0) return {0, CodecError::malformed_payload};
  if (pcm.size() < static_cast<std::size_t>(samples)) return {0, CodecError::buffer_too_small};
  const int n = opus_decode(decoder_, payload.data(), static_cast<opus_int32>(payload.size()), pcm.data(),
                            static_cast<int>(pcm.size()), 0);
  if (n < 0) return {0, CodecError::malformed_payload};
  return {static_cast<std::size_t>(n), CodecError::none};
}

DecodeResult OpusCodec::conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t> next_payload) {
  if (pcm.size() < info_.frame_samples) return {0, CodecError::buffer_too_small};
  const int frame = static_cast<int>(info_.frame_samples);
  int n = -1;
  if (!next_payload.empty()) {
    // decode_fec=1: the lost frame from the FEC data of the next packet;
    // without FEC data in it, libopus runs its PLC instead
    n = opus_decode(decoder_, next_payload.data(), static_cast<opus_int32>(next_payload.size()), pcm.data(),
                    frame, 1);
  }
  if (n < 0) n = opus_decode(decoder_, nullptr, 0, pcm.data(), frame, 0);
  if (n < 0) return {0, CodecError::codec_failure};
  return {static_cast<std::size_t>(n), CodecError::none};
}

std::uint32_t OpusCodec::payload_duration(std::span<const std::uint8_t> payload) const {
  if (payload.empty()) return 0;
  const int n = opus_packet_get_nb_samples(payload.data(), static_cast<opus_int32>(payload.size()), 48000);
  return n > 0 ? static_cast<std::uint32_t>(n) : 0;
}

}  // namespace imsbox::media
