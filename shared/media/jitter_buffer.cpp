#include "media/jitter_buffer.h"

#include <algorithm>
#include <cstring>

namespace imsbox::media {

JitterBuffer::JitterBuffer(const JitterBufferConfig& config) : config_(config), slots_(kSlots) {
  if (config_.clock_rate <= 0) config_.clock_rate = 8000;
  if (config_.frame_timestamp == 0) config_.frame_timestamp = static_cast<std::uint32_t>(config_.clock_rate / 50);
  if (config_.max_delay < config_.target_delay) config_.max_delay = config_.target_delay;
  if (config_.late_resync_after < 1) config_.late_resync_after = 1;
}

std::int64_t JitterBuffer::extend(std::uint32_t ts) const {
  const auto delta = static_cast<std::int32_t>(ts - static_cast<std::uint32_t>(ref_ts_));
  return ref_ts_ + delta;
}

MediaTime JitterBuffer::playout_time(std::int64_t ts) const {
  const std::int64_t us = (ts - anchor_ts_) * 1'000'000 / config_.clock_rate;
  return anchor_time_ + std::chrono::microseconds(us);
}

void JitterBuffer::clear() {
  for (auto& s : slots_) s.used = false;
}

void JitterBuffer::anchor(std::int64_t ts, MediaTime now, bool keep_newer) {
  if (ever_started_) ++stats_.resyncs;
  ever_started_ = true;
  if (!keep_newer) clear();
  started_ = true;
  first_pending_ = true;
  anchor_ts_ = ts;
  anchor_time_ = now + config_.target_delay;
  next_ts_ = ts;
  late_streak_ = 0;
}

std::int64_t JitterBuffer::to_ts(std::chrono::milliseconds d) const {
  return static_cast<std::int64_t>(d.count()) * config_.clock_rate / 1000;
}

std::size_t JitterBuffer::size() const {
  return static_cast<std::size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

JitterBuffer::PushResult JitterBuffer::store(std::int64_t ts, std::span<const std::uint8_t> payload,
                                             std::uint16_t seq, std::uint32_t duration, PushResult ok) {
  Slot* free_slot = nullptr;
  for (auto& s : slots_) {
    if (s.used && s.ts == ts) {
      ++stats_.duplicate;
      return PushResult::duplicate;
    }
    if (!s.used && free_slot == nullptr) free_slot = &s;
  }
  if (free_slot == nullptr) {
    ++stats_.dropped;
    return PushResult::dropped;
  }
  free_slot->used = true;
  free_slot->ts = ts;
  free_slot->duration = duration;
  free_slot->seq = seq;
  free_slot->size = static_cast<std::uint16_t>(payload.size());
  std::memcpy(free_slot->data.data(), payload.data(), payload.size());
  ++stats_.received;
  return ok;
}

JitterBuffer::PushResult JitterBuffer::push(std::span<const std::uint8_t> payload, std::uint16_t seq,
                                            std::uint32_t timestamp, std::uint32_t duration, MediaTime now) {
  if (payload.empty() || payload.size() > kMaxPayload || duration == 0) {
    ++stats_.dropped;
    return PushResult::dropped;
  }
  last_push_ = now;
  if (!started_) {
    ref_ts_ = timestamp;
    anchor(ref_ts_, now, false);
    return store(ref_ts_, payload, seq, duration, PushResult::stored);
  }
  const std::int64_t ts = extend(timestamp);
  if (ts < next_ts_ && first_pending_ && playout_time(ts) >= now) {
    // nothing handed out yet and this one is still on time: the first
    // packet was not the first sent (reordered at the start)
    next_ts_ = ts;
  }
  if (ts < next_ts_) {
    if (++late_streak_ >= config_.late_resync_after) {
      // the network's delay grew: play from this one, target_delay from now.
      // Packets already here come after it, unless this is a jump back in
      // timestamps (a new sender), whose old packets are of no use.
      const bool jump_back = next_ts_ - ts > to_ts(config_.max_delay);
      anchor(ts, now, !jump_back);
      ref_ts_ = std::max(ts, jump_back ? ts : ref_ts_);
      return store(ts, payload, seq, duration, PushResult::resynced);
    }
    ++stats_.late;
    return PushResult::late;
  }
  late_streak_ = 0;
  const std::int64_t newest = ref_ts_;
  ref_ts_ = std::max(ref_ts_, ts);
  if (const auto due = playout_time(ts); due > now + config_.max_delay) {
    if (ts - newest <= 2 * static_cast<std::int64_t>(config_.frame_timestamp)) {
      // in sequence but due too late: the sender's clock runs faster than
      // ours. Play everything a little earlier (the next pop may hand out
      // one frame more) instead of dropping what is buffered.
      anchor_time_ -= due - (now + config_.max_delay);
    } else {
      anchor(ts, now, false);  // a jump ahead: start again from this packet
      return store(ts, payload, seq, duration, PushResult::resynced);
    }
  }
  return store(ts, payload, seq, duration, PushResult::stored);
}

std::optional<JitterBuffer::Frame> JitterBuffer::pop(MediaTime now) {
  if (!started_) return std::nullopt;
  if (now - last_push_ > config_.idle_timeout) {
    started_ = false;
    clear();
    return std::nullopt;
  }
  if (playout_time(next_ts_) > now) return std::nullopt;

  Slot* exact = nullptr;
  Slot* earliest = nullptr;  // the first packet after next_ts_
  for (auto& s : slots_) {
    if (!s.used) continue;
    if (s.ts < next_ts_) {
      s.used = false;  // overtaken (overlapping packets): never playable
      continue;
    }
    if (s.ts == next_ts_) exact = &s;
    if (s.ts > next_ts_ && (earliest == nullptr || s.ts < earliest->ts)) earliest = &s;
  }
  // a packet that starts inside this frame (packetization changed) plays now
  if (exact == nullptr && earliest != nullptr && earliest->ts < next_ts_ + config_.frame_timestamp) {
    exact = earliest;
    next_ts_ = earliest->ts;
    earliest = nullptr;
  }

  Frame f;
  f.first = first_pending_;
  first_pending_ = false;
  f.timestamp = static_cast<std::uint32_t>(next_ts_);
  if (exact != nullptr) {
    exact->used = false;  // its bytes stay put until the next push()
    f.payload = std::span<const std::uint8_t>(exact->data.data(), exact->size);
    f.duration = exact->duration;
    next_ts_ += exact->duration;
    ++stats_.played;
    return f;
  }
  f.lost = true;
  f.duration = config_.frame_timestamp;
  if (earliest != nullptr && earliest->ts == next_ts_ + config_.frame_timestamp) {
    f.next_payload = std::span<const std::uint8_t>(earliest->data.data(), earliest->size);
  }
  next_ts_ += f.duration;
  ++stats_.lost;
  return f;
}

}  // namespace imsbox::media
