#include "media/amr_codec.h"

#include <array>
#include <cstring>

extern "C" {
#include <opencore-amrnb/interf_dec.h>
#include <opencore-amrnb/interf_enc.h>
#include <opencore-amrwb/dec_if.h>
#include <vo-amrwbenc/enc_if.h>
}

namespace imsbox::media {

std::unique_ptr<AmrCodec> AmrCodec::create(const AmrParams& params, std::string* error) {
  void* enc = nullptr;
  void* dec = nullptr;
  if (params.kind == AmrKind::nb) {
    enc = Encoder_Interface_init(params.dtx ? 1 : 0);
    dec = Decoder_Interface_init();
  } else {
    enc = E_IF_init();
    dec = D_IF_init();
  }
  if (enc == nullptr || dec == nullptr) {
    if (error) *error = "the AMR library could not start an encoder or decoder";
    if (params.kind == AmrKind::nb) {
      if (enc) Encoder_Interface_exit(enc);
      if (dec) Decoder_Interface_exit(dec);
    } else {
      if (enc) E_IF_exit(enc);
      if (dec) D_IF_exit(dec);
    }
    return nullptr;
  }
  return std::unique_ptr<AmrCodec>(new AmrCodec(params, enc, dec));
}

AmrCodec::AmrCodec(const AmrParams& params, void* encoder, void* decoder)
    : params_(params), modes_(params.kind, params.modes), encoder_(encoder), decoder_(decoder) {
  const bool nb = params.kind == AmrKind::nb;
  info_.encoding_name = nb ? "AMR" : "AMR-WB";
  info_.rtp_clock_rate = amr_sample_rate(params.kind);
  info_.pcm_rate = info_.rtp_clock_rate;
  info_.frame_samples = amr_frame_samples(params.kind);
  info_.frame_timestamp = static_cast<std::uint32_t>(info_.frame_samples);
}

AmrCodec::~AmrCodec() {
  if (params_.kind == AmrKind::nb) {
    Encoder_Interface_exit(encoder_);
    Decoder_Interface_exit(decoder_);
  } else {
    E_IF_exit(encoder_);
    D_IF_exit(decoder_);
  }
}

EncodeResult AmrCodec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (pcm.size() != info_.frame_samples) return {0, CodecError::bad_input};
  const std::uint8_t mode = modes_.next_frame_mode();
  std::array<std::uint8_t, kAmrMaxStorageFrame + 8> storage{};
  int n = 0;
  if (params_.kind == AmrKind::nb) {
    // Encoder_Interface_Encode writes into its input samples: give it a copy.
    std::array<short, 160> copy;
    std::memcpy(copy.data(), pcm.data(), sizeof copy);
    n = Encoder_Interface_Encode(encoder_, static_cast<Mode>(mode), copy.data(), storage.data(), 0);
  } else {
    std::array<short, 320> copy;
    std::memcpy(copy.data(), pcm.data(), sizeof copy);
    n = E_IF_encode(encoder_, mode, copy.data(), storage.data(), params_.dtx ? 1 : 0);
  }
  if (n <= 0) return {0, CodecError::codec_failure};
  const std::uint8_t ft = amr_storage_ft(storage[0]);
  if (ft == kAmrNoData) return {0, CodecError::none};  // DTX: nothing to send
  const std::span<const std::uint8_t> frame(storage.data(), static_cast<std::size_t>(n));
  const auto packed = pack_amr_payload(params_.kind, params_.packing, cmr_out_,
                                       std::span<const std::span<const std::uint8_t>>(&frame, 1), payload);
  if (packed.error == AmrPayloadError::buffer_too_small) return {0, CodecError::buffer_too_small};
  if (packed.error != AmrPayloadError::none) return {0, CodecError::codec_failure};
  return {packed.size, CodecError::none};
}

void AmrCodec::decode_storage(const std::uint8_t* storage, std::int16_t* pcm) {
  if (params_.kind == AmrKind::nb) {
    Decoder_Interface_Decode(decoder_, storage, pcm, 0);
  } else {
    D_IF_decode(decoder_, storage, pcm, 0);
  }
}

DecodeResult AmrCodec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (unpack_amr_payload(params_.kind, params_.packing, payload, packet_) != AmrPayloadError::none) {
    return {0, CodecError::malformed_payload};
  }
  const std::size_t need = packet_.frame_count * info_.frame_samples;
  if (pcm.size() < need) return {0, CodecError::buffer_too_small};
  peer_cmr_ = packet_.cmr;
  modes_.on_mode_request(packet_.cmr);
  for (std::size_t i = 0; i < packet_.frame_count; ++i) {
    decode_storage(packet_.frames[i].bytes.data(), pcm.data() + i * info_.frame_samples);
  }
  return {need, CodecError::none};
}

DecodeResult AmrCodec::conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t>) {
  if (pcm.size() < info_.frame_samples) return {0, CodecError::buffer_too_small};
  // A lost frame: AMR-WB has SPEECH_LOST for it; AMR's decoder treats
  // NO_DATA outside DTX as a lost frame and during DTX as comfort noise.
  const std::uint8_t ft = params_.kind == AmrKind::wb ? kAmrWbSpeechLost : kAmrNoData;
  std::array<std::uint8_t, kAmrMaxStorageFrame> storage{};
  storage[0] = amr_storage_header(ft, false);
  decode_storage(storage.data(), pcm.data());
  return {info_.frame_samples, CodecError::none};
}

std::uint32_t AmrCodec::payload_duration(std::span<const std::uint8_t> payload) const {
  return static_cast<std::uint32_t>(count_amr_frames(params_.kind, params_.packing, payload) *
                                    info_.frame_timestamp);
}

}  // namespace imsbox::media
