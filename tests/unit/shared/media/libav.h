#pragma once
// libavcodec as the independent implementation the media tests check our
// codecs against (FFmpeg 5.1, Debian 12): a decoder and an encoder of
// 16-bit mono PCM whatever sample format the codec uses.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
}

#include <cstdint>
#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace imsbox::media::test {

class LibavDecoder {
 public:
  LibavDecoder(AVCodecID id, int sample_rate) {
    const AVCodec* codec = avcodec_find_decoder(id);
    if (!codec) return;
    ctx_ = avcodec_alloc_context3(codec);
    ctx_->sample_rate = sample_rate;
    ctx_->ch_layout = AV_CHANNEL_LAYOUT_MONO;
    if (avcodec_open2(ctx_, codec, nullptr) < 0) {
      avcodec_free_context(&ctx_);
      return;
    }
    packet_ = av_packet_alloc();
    frame_ = av_frame_alloc();
  }
  ~LibavDecoder() {
    av_frame_free(&frame_);
    av_packet_free(&packet_);
    avcodec_free_context(&ctx_);
  }
  LibavDecoder(const LibavDecoder&) = delete;
  LibavDecoder& operator=(const LibavDecoder&) = delete;

  bool ok() const { return ctx_ != nullptr; }
  int sample_rate() const { return ctx_->sample_rate; }

  // Decodes one packet; appends the samples (first channel) to `out`.
  bool decode(std::span<const std::uint8_t> data, std::vector<std::int16_t>& out) {
    std::vector<std::uint8_t> padded(data.begin(), data.end());
    padded.resize(data.size() + AV_INPUT_BUFFER_PADDING_SIZE, 0);
    packet_->data = padded.data();
    packet_->size = static_cast<int>(data.size());
    if (avcodec_send_packet(ctx_, packet_) < 0) return false;
    while (avcodec_receive_frame(ctx_, frame_) == 0) {
      const int n = frame_->nb_samples;
      for (int i = 0; i < n; ++i) out.push_back(sample(i));
    }
    return true;
  }

 private:
  std::int16_t sample(int i) const {
    const auto fmt = static_cast<AVSampleFormat>(frame_->format);
    const int ch = frame_->ch_layout.nb_channels;
    double v = 0;
    switch (fmt) {
      case AV_SAMPLE_FMT_S16: return reinterpret_cast<const std::int16_t*>(frame_->data[0])[i * ch];
      case AV_SAMPLE_FMT_S16P: return reinterpret_cast<const std::int16_t*>(frame_->data[0])[i];
      case AV_SAMPLE_FMT_FLT: v = reinterpret_cast<const float*>(frame_->data[0])[i * ch]; break;
      case AV_SAMPLE_FMT_FLTP: v = reinterpret_cast<const float*>(frame_->data[0])[i]; break;
      default: return 0;
    }
    return static_cast<std::int16_t>(std::lround(std::fmax(-1.0, std::fmin(1.0, v)) * 32767.0));
  }

  AVCodecContext* ctx_ = nullptr;
  AVPacket* packet_ = nullptr;
  AVFrame* frame_ = nullptr;
};

// An encoder of s16 mono input (for G.711), one call per frame.
class LibavEncoder {
 public:
  LibavEncoder(AVCodecID id, int sample_rate) {
    const AVCodec* codec = avcodec_find_encoder(id);
    if (!codec) return;
    ctx_ = avcodec_alloc_context3(codec);
    ctx_->sample_rate = sample_rate;
    ctx_->ch_layout = AV_CHANNEL_LAYOUT_MONO;
    ctx_->sample_fmt = AV_SAMPLE_FMT_S16;
    if (avcodec_open2(ctx_, codec, nullptr) < 0) {
      avcodec_free_context(&ctx_);
      return;
    }
    packet_ = av_packet_alloc();
    frame_ = av_frame_alloc();
  }
  ~LibavEncoder() {
    av_frame_free(&frame_);
    av_packet_free(&packet_);
    avcodec_free_context(&ctx_);
  }
  LibavEncoder(const LibavEncoder&) = delete;
  LibavEncoder& operator=(const LibavEncoder&) = delete;

  bool ok() const { return ctx_ != nullptr; }

  std::vector<std::uint8_t> encode(std::span<const std::int16_t> pcm) {
    std::vector<std::uint8_t> out;
    av_frame_unref(frame_);
    frame_->nb_samples = static_cast<int>(pcm.size());
    frame_->format = AV_SAMPLE_FMT_S16;
    frame_->sample_rate = ctx_->sample_rate;
    av_channel_layout_copy(&frame_->ch_layout, &ctx_->ch_layout);
    if (av_frame_get_buffer(frame_, 0) < 0) return out;
    std::copy(pcm.begin(), pcm.end(), reinterpret_cast<std::int16_t*>(frame_->data[0]));
    if (avcodec_send_frame(ctx_, frame_) < 0) return out;
    while (avcodec_receive_packet(ctx_, packet_) == 0) {
      out.insert(out.end(), packet_->data, packet_->data + packet_->size);
      av_packet_unref(packet_);
    }
    return out;
  }

 private:
  AVCodecContext* ctx_ = nullptr;
  AVPacket* packet_ = nullptr;
  AVFrame* frame_ = nullptr;
};

}  // namespace imsbox::media::test
