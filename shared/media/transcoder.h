#pragma once
// Transcoding of one direction of a call: payloads of codec A (with their
// RTP sequence number and timestamp) in, payloads of codec B (with their
// timestamp) out, through a jitter buffer, A's decoder (concealment for lost
// frames), a rate converter when the two PCM rates differ, and B's encoder.
//
//   push(payload, seq, ts, now)  on every packet from A's peer
//   pull(now)                    on the caller's 20 ms tick (and at will):
//                                call until nullopt; each result is one
//                                payload for B's peer
//
// The codecs are the legs' objects (owned by the caller, outliving the
// chain): A's decoder sees A's CMR and so steers A's encoder, which the
// other direction's chain uses. TranscodedCall below owns both legs and both
// directions. Pure: time is passed in; no allocation after construction;
// not thread-safe (one call = one worker thread at a time).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "media/frame_codec.h"
#include "media/jitter_buffer.h"
#include "media/resampler.h"

namespace imsbox::media {

struct TranscodeConfig {
  std::chrono::milliseconds target_delay{40};
  std::chrono::milliseconds max_delay{200};
  std::chrono::milliseconds idle_timeout{1000};
  std::uint32_t initial_timestamp = 0;  // the first output RTP timestamp (random in RTP)
};

struct TranscodeStats {
  std::uint64_t decoded = 0;     // payloads decoded
  std::uint64_t concealed = 0;   // frames concealed (lost, or malformed payloads)
  std::uint64_t malformed = 0;   // payloads that did not decode
  std::uint64_t encoded = 0;     // payloads produced
  std::uint64_t suppressed = 0;  // frames the encoder chose not to send (DTX)
};

class TranscodeChain {
 public:
  // Throws std::invalid_argument when the PCM rates cannot be converted.
  TranscodeChain(FrameCodec& from, FrameCodec& to, const TranscodeConfig& config = {});

  JitterBuffer::PushResult push(std::span<const std::uint8_t> payload, std::uint16_t seq, std::uint32_t timestamp,
                                MediaTime now);

  struct Output {
    std::span<const std::uint8_t> payload;  // valid until the next pull()
    std::uint32_t timestamp = 0;            // in B's RTP clock
    bool marker = false;                    // first packet of a talk spurt (RFC 3551 §4.1)
  };
  std::optional<Output> pull(MediaTime now);

  const TranscodeStats& stats() const { return stats_; }
  const JitterStats& jitter_stats() const { return jitter_.stats(); }

 private:
  void append_pcm(std::span<const std::int16_t> pcm);

  FrameCodec& from_;
  FrameCodec& to_;
  JitterBuffer jitter_;
  std::optional<Resampler> resampler_;
  std::vector<std::int16_t> decoded_;    // one payload at A's rate
  std::vector<std::int16_t> converted_;  // the same at B's rate
  std::vector<std::int16_t> fifo_;       // PCM at B's rate waiting for a whole frame
  std::size_t fifo_size_ = 0;
  std::vector<std::uint8_t> out_;
  std::uint32_t out_ts_;
  bool marker_ = true;
  bool produced_ = false;
  MediaTime last_frame_time_{};
  TranscodeStats stats_;
};

// Both directions of a transcoded call: leg A's codec and leg B's codec,
// A->B and B->A chains over them.
class TranscodedCall {
 public:
  TranscodedCall(std::unique_ptr<FrameCodec> a, std::unique_ptr<FrameCodec> b, const TranscodeConfig& config = {});

  FrameCodec& leg_a() { return *a_; }
  FrameCodec& leg_b() { return *b_; }
  TranscodeChain& a_to_b() { return a_to_b_; }
  TranscodeChain& b_to_a() { return b_to_a_; }

 private:
  std::unique_ptr<FrameCodec> a_;
  std::unique_ptr<FrameCodec> b_;
  TranscodeChain a_to_b_;
  TranscodeChain b_to_a_;
};

}  // namespace imsbox::media
