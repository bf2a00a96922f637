#include "media/g722_codec.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
}

#include <algorithm>
#include <cstring>

namespace imsbox::media {

namespace {

AVCodecContext* open(const AVCodec* codec, bool encoder) {
  if (codec == nullptr) return nullptr;
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  if (ctx == nullptr) return nullptr;
  ctx->sample_rate = 16000;
  ctx->ch_layout = AV_CHANNEL_LAYOUT_MONO;
  if (encoder) {
    ctx->sample_fmt = AV_SAMPLE_FMT_S16;
    ctx->frame_size = 320;
  }
  if (avcodec_open2(ctx, codec, nullptr) < 0) avcodec_free_context(&ctx);
  return ctx;
}

}  // namespace

std::unique_ptr<G722Codec> G722Codec::create(std::string* error) {
  std::unique_ptr<G722Codec> c(new G722Codec());
  c->info_.encoding_name = "G722";
  c->info_.rtp_clock_rate = 8000;
  c->info_.pcm_rate = 16000;
  c->info_.frame_samples = 320;
  c->info_.frame_timestamp = 160;
  c->encoder_ = open(avcodec_find_encoder(AV_CODEC_ID_ADPCM_G722), true);
  c->decoder_ = open(avcodec_find_decoder(AV_CODEC_ID_ADPCM_G722), false);
  c->in_frame_ = av_frame_alloc();
  c->out_frame_ = av_frame_alloc();
  c->packet_ = av_packet_alloc();
  bool ok = c->encoder_ && c->decoder_ && c->in_frame_ && c->out_frame_ && c->packet_;
  if (ok) {
    c->in_frame_->nb_samples = 320;
    c->in_frame_->format = AV_SAMPLE_FMT_S16;
    c->in_frame_->sample_rate = 16000;
    ok = av_channel_layout_copy(&c->in_frame_->ch_layout, &c->encoder_->ch_layout) >= 0 &&
         av_frame_get_buffer(c->in_frame_, 0) >= 0;
  }
  if (!ok) {
    if (error) *error = "libavcodec has no usable adpcm_g722";
    return nullptr;
  }
  c->padded_.resize(kMaxPayload + AV_INPUT_BUFFER_PADDING_SIZE);
  return c;
}

G722Codec::~G722Codec() {
  av_packet_free(&packet_);
  av_frame_free(&in_frame_);
  av_frame_free(&out_frame_);
  avcodec_free_context(&encoder_);
  avcodec_free_context(&decoder_);
}

EncodeResult G722Codec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (pcm.size() != info_.frame_samples) return {0, CodecError::bad_input};
  if (payload.size() < pcm.size() / 2) return {0, CodecError::buffer_too_small};
  // the encoder copies what it keeps: the buffer is ours again after send
  if (av_frame_make_writable(in_frame_) < 0) return {0, CodecError::codec_failure};
  std::memcpy(in_frame_->data[0], pcm.data(), pcm.size() * sizeof(std::int16_t));
  if (avcodec_send_frame(encoder_, in_frame_) < 0) return {0, CodecError::codec_failure};
  std::size_t size = 0;
  while (avcodec_receive_packet(encoder_, packet_) == 0) {
    const auto n = static_cast<std::size_t>(packet_->size);
    if (size + n <= payload.size()) std::memcpy(payload.data() + size, packet_->data, n);
    size += n;
    av_packet_unref(packet_);
  }
  if (size > payload.size()) return {0, CodecError::buffer_too_small};
  return {size, CodecError::none};
}

DecodeResult G722Codec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (payload.empty() || payload.size() > kMaxPayload) return {0, CodecError::malformed_payload};
  if (pcm.size() < payload.size() * 2) return {0, CodecError::buffer_too_small};
  std::memcpy(padded_.data(), payload.data(), payload.size());
  std::memset(padded_.data() + payload.size(), 0, AV_INPUT_BUFFER_PADDING_SIZE);
  packet_->data = padded_.data();
  packet_->size = static_cast<int>(payload.size());
  const int rc = avcodec_send_packet(decoder_, packet_);
  packet_->data = nullptr;
  packet_->size = 0;
  if (rc < 0) return {0, CodecError::malformed_payload};
  std::size_t samples = 0;
  while (avcodec_receive_frame(decoder_, out_frame_) == 0) {
    const auto n = static_cast<std::size_t>(out_frame_->nb_samples);
    if (samples + n <= pcm.size()) std::memcpy(pcm.data() + samples, out_frame_->data[0], n * sizeof(std::int16_t));
    samples += n;
    av_frame_unref(out_frame_);
  }
  if (samples > pcm.size()) return {0, CodecError::buffer_too_small};
  plc_.keep(pcm.first(samples));
  return {samples, CodecError::none};
}

DecodeResult G722Codec::conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t>) {
  if (pcm.size() < info_.frame_samples) return {0, CodecError::buffer_too_small};
  plc_.conceal(pcm);
  return {info_.frame_samples, CodecError::none};
}

std::uint32_t G722Codec::payload_duration(std::span<const std::uint8_t> payload) const {
  return static_cast<std::uint32_t>(payload.size());  // one octet = two 16 kHz samples = one 8 kHz tick
}

}  // namespace imsbox::media
