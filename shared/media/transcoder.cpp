#include "media/transcoder.h"

#include <algorithm>

namespace imsbox::media {

namespace {

JitterBufferConfig jitter_config(const FrameCodec& from, const TranscodeConfig& c) {
  JitterBufferConfig j;
  j.clock_rate = from.info().rtp_clock_rate;
  j.frame_timestamp = from.info().frame_timestamp;
  j.target_delay = c.target_delay;
  j.max_delay = c.max_delay;
  j.idle_timeout = c.idle_timeout;
  return j;
}

std::size_t samples_for_ms(int rate, int ms) { return static_cast<std::size_t>(rate) * static_cast<std::size_t>(ms) / 1000; }

}  // namespace

TranscodeChain::TranscodeChain(FrameCodec& from, FrameCodec& to, const TranscodeConfig& config)
    : from_(from), to_(to), jitter_(jitter_config(from, config)), out_ts_(config.initial_timestamp) {
  const int in_rate = from.info().pcm_rate;
  const int out_rate = to.info().pcm_rate;
  if (in_rate != out_rate) resampler_.emplace(in_rate, out_rate);
  decoded_.resize(samples_for_ms(in_rate, kMaxPayloadMs));
  converted_.resize(samples_for_ms(out_rate, kMaxPayloadMs));
  fifo_.resize(samples_for_ms(out_rate, kMaxPayloadMs) + to.info().frame_samples);
  out_.resize(kMaxPayload);
}

JitterBuffer::PushResult TranscodeChain::push(std::span<const std::uint8_t> payload, std::uint16_t seq,
                                              std::uint32_t timestamp, MediaTime now) {
  return jitter_.push(payload, seq, timestamp, from_.payload_duration(payload), now);
}

void TranscodeChain::append_pcm(std::span<const std::int16_t> pcm) {
  std::span<const std::int16_t> in = pcm;
  if (resampler_) {
    const std::size_t n = resampler_->process(pcm, converted_);
    in = std::span<const std::int16_t>(converted_.data(), n);
  }
  const std::size_t room = fifo_.size() - fifo_size_;
  const std::size_t n = std::min(room, in.size());
  std::copy_n(in.begin(), n, fifo_.begin() + static_cast<std::ptrdiff_t>(fifo_size_));
  fifo_size_ += n;
}

std::optional<TranscodeChain::Output> TranscodeChain::pull(MediaTime now) {
  const std::size_t frame = to_.info().frame_samples;
  for (;;) {
    if (fifo_size_ >= frame) {
      const auto r = to_.encode(std::span<const std::int16_t>(fifo_.data(), frame), out_);
      std::copy(fifo_.begin() + static_cast<std::ptrdiff_t>(frame),
                fifo_.begin() + static_cast<std::ptrdiff_t>(fifo_size_), fifo_.begin());
      fifo_size_ -= frame;
      const std::uint32_t ts = out_ts_;
      out_ts_ += to_.info().frame_timestamp;
      if (r.error != CodecError::none || r.size == 0) {
        ++stats_.suppressed;
        marker_ = true;  // the next packet sent starts a talk spurt
        continue;
      }
      ++stats_.encoded;
      Output o{std::span<const std::uint8_t>(out_.data(), r.size), ts, marker_};
      marker_ = false;
      return o;
    }

    const auto f = jitter_.pop(now);
    if (!f) return std::nullopt;
    if (f->first && produced_) {
      // playout restarted (after a pause or a re-anchor): the output
      // timestamps go on as if we had kept sending, so the gap shows
      const auto gap = now - last_frame_time_;
      const auto frames = std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() / kFrameMs;
      if (frames > 1) out_ts_ += static_cast<std::uint32_t>(frames - 1) * to_.info().frame_timestamp;
      marker_ = true;
    }
    produced_ = true;
    last_frame_time_ = now;

    DecodeResult d;
    if (!f->lost) {
      d = from_.decode(f->payload, decoded_);
      if (d.error == CodecError::none) {
        ++stats_.decoded;
      } else {
        ++stats_.malformed;
      }
    }
    if (f->lost || d.error != CodecError::none) {
      d = from_.conceal(decoded_, f->next_payload);
      ++stats_.concealed;
      if (d.error != CodecError::none) continue;
    }
    append_pcm(std::span<const std::int16_t>(decoded_.data(), d.samples));
  }
}

TranscodedCall::TranscodedCall(std::unique_ptr<FrameCodec> a, std::unique_ptr<FrameCodec> b,
                               const TranscodeConfig& config)
    : a_(std::move(a)), b_(std::move(b)), a_to_b_(*a_, *b_, config), b_to_a_(*b_, *a_, config) {}

}  // namespace imsbox::media
