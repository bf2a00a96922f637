#include "rtp/telephone_event.h"

#include <algorithm>

#include "rtp/rtp_packet.h"

namespace imsbox::rtp {

std::optional<TelephoneEvent> parse_telephone_event(Bytes payload, std::size_t index) {
  if (index >= telephone_event_count(payload)) return std::nullopt;
  const std::uint8_t* p = payload.data() + index * telephone_event_size;
  TelephoneEvent e;
  e.event = p[0];
  e.end = (p[1] & 0x80) != 0;
  e.volume = p[1] & 0x3f;
  e.duration = load16(p + 2);
  return e;
}

bool build_telephone_event(MutableBytes out, const TelephoneEvent& e) {
  if (out.size() < telephone_event_size || e.volume > 63) return false;
  out[0] = e.event;
  out[1] = static_cast<std::uint8_t>((e.end ? 0x80 : 0) | e.volume);
  store16(out.data() + 2, e.duration);
  return true;
}

char dtmf_char(std::uint8_t event) {
  static constexpr char digits[] = "0123456789*#ABCD";
  return event < 16 ? digits[event] : '\0';
}

std::optional<std::uint8_t> dtmf_event(char digit) {
  if (digit >= '0' && digit <= '9') return static_cast<std::uint8_t>(digit - '0');
  if (digit == '*') return 10;
  if (digit == '#') return 11;
  if (digit >= 'A' && digit <= 'D') return static_cast<std::uint8_t>(12 + digit - 'A');
  if (digit >= 'a' && digit <= 'd') return static_cast<std::uint8_t>(12 + digit - 'a');
  return std::nullopt;
}

// ---- Sender -------------------------------------------------------------------

std::size_t build_telephone_event_rtp(MutableBytes out, const TelephoneEventPacket& packet,
                                      std::uint8_t payload_type, std::uint16_t sequence, std::uint32_t ssrc) {
  std::array<std::uint8_t, telephone_event_size> payload{};
  if (!build_telephone_event(payload, packet.event)) return 0;
  RtpHeaderFields h;
  h.marker = packet.marker;
  h.payload_type = payload_type;
  h.sequence = sequence;
  h.timestamp = packet.timestamp;
  h.ssrc = ssrc;
  return build_rtp(out, h, payload);
}

TelephoneEventSender::TelephoneEventSender(const Options& options)
    : options_(options),
      interval_(std::max<std::uint32_t>(
          1, static_cast<std::uint32_t>(std::uint64_t{options.clock_rate} * options.update_interval_ms / 1000))) {
  options_.volume = std::min<std::uint8_t>(options_.volume, 63);
  options_.end_packets = std::max<std::uint8_t>(options_.end_packets, 1);
}

void TelephoneEventSender::start(std::uint8_t event, std::uint32_t start, std::uint32_t duration) {
  phase_ = Phase::sending;
  event_ = event;
  start_ = start;
  segment_start_ = start;
  duration_ = std::max<std::uint32_t>(duration, 1);
  last_sent_ = start;
  first_sent_ = false;
  ends_sent_ = 0;
}

void TelephoneEventSender::stop(std::uint32_t now) {
  if (phase_ != Phase::sending) return;
  const auto elapsed = static_cast<std::int32_t>(now - start_);
  const std::uint32_t so_far = elapsed > 0 ? static_cast<std::uint32_t>(elapsed) : 1;
  // not before what was already reported: the duration never shrinks
  duration_ = std::clamp(so_far, segment_start_ - start_ + 1, duration_);
}

std::optional<TelephoneEventPacket> TelephoneEventSender::poll(std::uint32_t now) {
  if (phase_ == Phase::idle) return std::nullopt;
  if (phase_ == Phase::ending) {
    if (now - last_sent_ < interval_) return std::nullopt;
    last_sent_ = now;
    if (++ends_sent_ >= options_.end_packets) phase_ = Phase::idle;
    return final_;
  }
  const auto signed_elapsed = static_cast<std::int32_t>(now - start_);
  const std::uint32_t elapsed = std::min(signed_elapsed > 0 ? static_cast<std::uint32_t>(signed_elapsed) : 0, duration_);
  const std::uint32_t in_segment = elapsed - (segment_start_ - start_);
  TelephoneEventPacket p;
  p.marker = !first_sent_;
  p.timestamp = segment_start_;
  p.event.event = event_;
  p.event.volume = options_.volume;
  if (in_segment > max_event_duration) {
    // §2.5.1.3: report the full segment (no E), then begin the next one
    p.event.duration = max_event_duration;
    segment_start_ += max_event_duration;
  } else if (elapsed >= duration_) {
    p.event.duration = static_cast<std::uint16_t>(in_segment);
    p.event.end = true;
    final_ = p;
    ends_sent_ = 1;
    phase_ = ends_sent_ >= options_.end_packets ? Phase::idle : Phase::ending;
  } else if (!first_sent_ || now - last_sent_ >= interval_) {
    p.event.duration = static_cast<std::uint16_t>(in_segment);
  } else {
    return std::nullopt;
  }
  first_sent_ = true;
  last_sent_ = now;
  return p;
}

// ---- Receiver -----------------------------------------------------------------

bool TelephoneEventReceiver::on_block(std::uint32_t start, const TelephoneEvent& block, Completed& done) {
  const auto report = [&](Current& c) {
    c.reported = true;
    done.events[done.size++] = c.event;
  };
  if (current_) {
    Current& c = *current_;
    const auto age = static_cast<std::int32_t>(start - c.segment_start);
    const bool same_event = block.event == c.event.event;
    if (age == 0 && same_event) {
      if (c.event.ended) return false;  // a repeated end packet
      c.event.duration = std::max(c.event.duration, c.earlier_segments + block.duration);
      if (block.end) {
        c.event.ended = true;
        report(c);
      }
      return false;
    }
    if (same_event && !c.event.ended && start - c.segment_start == max_event_duration) {
      // §2.5.2.3: the next segment of a long event
      c.earlier_segments += max_event_duration;
      c.segment_start = start;
      c.event.duration = c.earlier_segments + block.duration;
      if (block.end) {
        c.event.ended = true;
        report(c);
      }
      return false;
    }
    if (age < 0) return false;  // older than the current event: late, already superseded
    if (!c.reported) report(c);  // superseded before its end packets came
  }
  current_ = Current{ReceivedEvent{block.event, start, block.duration, block.volume, block.end}, start, 0, false};
  if (block.end) report(*current_);
  return true;
}

std::optional<ReceivedEvent> TelephoneEventReceiver::flush() {
  if (!current_ || current_->reported) return std::nullopt;
  current_->reported = true;
  return current_->event;
}

std::optional<ReceivedEvent> TelephoneEventReceiver::in_progress() const {
  if (!current_ || current_->reported) return std::nullopt;
  return current_->event;
}

// ---- Rescaling ------------------------------------------------------------------

TimestampRescaler::TimestampRescaler(std::uint32_t from_rate, std::uint32_t to_rate, std::uint32_t from_origin,
                                     std::uint32_t to_origin)
    : from_rate_(std::max<std::uint32_t>(from_rate, 1)),
      to_rate_(std::max<std::uint32_t>(to_rate, 1)),
      to_origin_(to_origin),
      last_(from_origin) {}

std::uint32_t TimestampRescaler::map(std::uint32_t from_timestamp) {
  offset_ += static_cast<std::int32_t>(from_timestamp - last_);
  last_ = from_timestamp;
  const std::int64_t scaled = offset_ * to_rate_;
  std::int64_t q = scaled / from_rate_;
  if (scaled % from_rate_ != 0 && scaled < 0) --q;  // floor, so that earlier stays earlier
  return to_origin_ + static_cast<std::uint32_t>(q);
}

std::uint64_t rescale_duration(std::uint64_t duration, std::uint32_t from_rate, std::uint32_t to_rate) {
  if (from_rate == 0) return duration;
  return (duration * to_rate + from_rate / 2) / from_rate;
}

bool TelephoneEventRescaler::apply(MutableBytes packet, TimestampRescaler& timestamps) {
  const auto parsed = parse_rtp(packet);
  if (!parsed) return false;
  const Bytes payload = parsed.packet.payload();
  const std::size_t events = telephone_event_count(payload);
  if (events == 0) return false;
  std::uint8_t* blocks = packet.data() + parsed.packet.header_size();
  const std::uint32_t from = timestamps.from_rate();
  const std::uint32_t to = timestamps.to_rate();
  const std::uint32_t timestamp = parsed.packet.timestamp();
  if (events > 1) {
    active_ = false;
    set_timestamp(packet, timestamps.map(timestamp));
    for (std::size_t i = 0; i < events; ++i) {
      std::uint8_t* d = blocks + i * telephone_event_size + 2;
      store16(d, static_cast<std::uint16_t>(std::min<std::uint64_t>(rescale_duration(load16(d), from, to),
                                                                     max_event_duration)));
    }
    return true;
  }
  const TelephoneEvent e = *parse_telephone_event(payload);
  if (active_ && e.event == event_ && timestamp == segment_start_) {
    // an update or a repeated end of the current segment
  } else if (active_ && e.event == event_ && !ended_ && timestamp - segment_start_ == max_event_duration) {
    earlier_segments_ += max_event_duration;  // the input's next segment: the same event
    segment_start_ = timestamp;
  } else {
    active_ = true;
    ended_ = false;
    event_ = e.event;
    start_ = timestamp;
    segment_start_ = timestamp;
    earlier_segments_ = 0;
  }
  ended_ = ended_ || e.end;
  const std::uint64_t total = rescale_duration(earlier_segments_ + e.duration, from, to);
  const std::uint64_t segment = total > max_event_duration ? (total - 1) / max_event_duration : 0;
  set_timestamp(packet, timestamps.map(start_) + static_cast<std::uint32_t>(segment * max_event_duration));
  store16(blocks + 2, static_cast<std::uint16_t>(total - segment * max_event_duration));
  return true;
}

}  // namespace imsbox::rtp
