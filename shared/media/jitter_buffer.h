#pragma once
// A small jitter buffer for the decode side of a transcoded leg: reorders
// by RTP timestamp, hands out each frame at its playout time, reports lost
// frames (for concealment) and keeps the delay bounded.
//
// Playout: the first packet plays target_delay after it arrived, every later
// timestamp at the same offset. A packet that comes after its frame was
// handed out is late and dropped; `late_resync_after` late packets in a row
// re-anchor on the last of them (the delay grows to what the network needs;
// a sender whose clock runs slower than ours ends up here now and then, at
// the cost of a concealed frame or two). A packet in sequence but due more
// than max_delay ahead (a sender clock faster than ours) moves playout
// earlier so that the delay stays bounded without dropping anything; one
// out of sequence (a timestamp jump, a sender restart) re-anchors on it.
// No packet for idle_timeout (a hold, the end of a talk spurt without DTX)
// stops playout until the next packet, which re-anchors.
//
// Pure: time is passed in (`now`, from the caller's clock), payloads are
// copied into fixed slots at push (no allocation after construction). One
// per stream direction, used by one thread at a time.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "media/frame_codec.h"

namespace imsbox::media {

using MediaClock = std::chrono::steady_clock;
using MediaTime = MediaClock::time_point;

struct JitterBufferConfig {
  int clock_rate = 8000;                 // RTP clock of the stream
  std::uint32_t frame_timestamp = 160;   // 20 ms in RTP units: the step of a lost frame
  std::chrono::milliseconds target_delay{40};
  std::chrono::milliseconds max_delay{200};
  std::chrono::milliseconds idle_timeout{1000};
  int late_resync_after = 3;
};

struct JitterStats {
  std::uint64_t received = 0;   // packets stored
  std::uint64_t late = 0;       // dropped: their frame was already played
  std::uint64_t duplicate = 0;
  std::uint64_t dropped = 0;    // empty, oversized, zero duration or no free slot
  std::uint64_t played = 0;     // packets handed out
  std::uint64_t lost = 0;       // frames handed out as lost
  std::uint64_t resyncs = 0;    // re-anchors after the first
};

class JitterBuffer {
 public:
  static constexpr std::size_t kSlots = 16;

  explicit JitterBuffer(const JitterBufferConfig& config);

  enum class PushResult : std::uint8_t { stored, resynced, late, duplicate, dropped };

  // `duration`: RTP units the payload covers (FrameCodec::payload_duration);
  // 0 (a payload that does not parse) drops it, and its frame is reported lost.
  PushResult push(std::span<const std::uint8_t> payload, std::uint16_t seq, std::uint32_t timestamp,
                  std::uint32_t duration, MediaTime now);

  struct Frame {
    bool lost = false;
    std::span<const std::uint8_t> payload;       // when !lost; valid until the next push() or pop()
    std::span<const std::uint8_t> next_payload;  // when lost: the packet right after the gap, if here (FEC)
    std::uint32_t timestamp = 0;
    std::uint32_t duration = 0;
    bool first = false;  // the first frame after (re)anchoring
  };

  // The next frame when its playout time has come (call until nullopt), or
  // nullopt: nothing due yet, or playout stopped (idle, not started).
  std::optional<Frame> pop(MediaTime now);

  bool playing() const { return started_; }
  // Packets waiting.
  std::size_t size() const;
  const JitterStats& stats() const { return stats_; }

 private:
  struct Slot {
    bool used = false;
    std::int64_t ts = 0;  // extended timestamp
    std::uint32_t duration = 0;
    std::uint16_t seq = 0;
    std::uint16_t size = 0;
    std::array<std::uint8_t, kMaxPayload> data{};
  };

  std::int64_t extend(std::uint32_t ts) const;
  MediaTime playout_time(std::int64_t ts) const;
  void anchor(std::int64_t ts, MediaTime now, bool keep_newer);
  std::int64_t to_ts(std::chrono::milliseconds d) const;
  void clear();
  PushResult store(std::int64_t ts, std::span<const std::uint8_t> payload, std::uint16_t seq,
                   std::uint32_t duration, PushResult ok);

  JitterBufferConfig config_;
  std::vector<Slot> slots_;  // kSlots, allocated once
  bool started_ = false;
  bool first_pending_ = false;
  bool ever_started_ = false;
  std::int64_t anchor_ts_ = 0;
  MediaTime anchor_time_{};
  std::int64_t next_ts_ = 0;
  std::int64_t ref_ts_ = 0;  // the last extended timestamp seen, for unwrapping
  MediaTime last_push_{};
  int late_streak_ = 0;
  JitterStats stats_;
};

}  // namespace imsbox::media
