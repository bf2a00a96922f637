#include "agw/outgoing_stream.h"

namespace imsbox::agw {

OutgoingStream::OutgoingStream(std::uint32_t ssrc, std::uint16_t first_sequence, std::uint32_t first_timestamp,
                               std::uint32_t clock_rate)
    : ssrc_(ssrc),
      clock_rate_(clock_rate == 0 ? 8000 : clock_rate),
      next_sequence_(first_sequence),
      first_timestamp_(first_timestamp) {}

void OutgoingStream::relay(rtp::MutableBytes packet, const rtp::RtpPacket& parsed, MediaTime now) {
  const std::uint16_t in_sequence = parsed.sequence();
  const std::uint32_t in_timestamp = parsed.timestamp();
  if (!source_ || *source_ != parsed.ssrc()) {
    source_ = parsed.ssrc();
    sequence_offset_ = static_cast<std::uint16_t>(next_sequence_ - in_sequence);
    timestamp_offset_ = timestamp_at(now) - in_timestamp;
  }
  const auto out_sequence = static_cast<std::uint16_t>(in_sequence + sequence_offset_);
  rtp::set_ssrc(packet, ssrc_);
  rtp::set_sequence(packet, out_sequence);
  rtp::set_timestamp(packet, in_timestamp + timestamp_offset_);
  // newer than anything sent (RFC 3550 A.1's modular comparison): the next one follows it
  if (static_cast<std::int16_t>(out_sequence - next_sequence_) >= 0) {
    next_sequence_ = static_cast<std::uint16_t>(out_sequence + 1);
  }
}

std::uint16_t OutgoingStream::take_sequence() {
  ++sequence_offset_;
  return next_sequence_++;
}

void OutgoingStream::sent(std::uint32_t timestamp, std::size_t payload_bytes, MediaTime now, bool media) {
  ++packets_;
  octets_ += payload_bytes;
  if (media) {
    have_sent_ = true;
    anchored_ = true;
    last_timestamp_ = timestamp;
    last_time_ = now;
  }
}

std::uint32_t OutgoingStream::timestamp_at(MediaTime now) {
  if (!anchored_) {
    anchored_ = true;
    last_timestamp_ = first_timestamp_;
    last_time_ = now;
    return first_timestamp_;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - last_time_).count();
  if (elapsed <= 0) return last_timestamp_;
  return last_timestamp_ + static_cast<std::uint32_t>(static_cast<std::uint64_t>(elapsed) * clock_rate_ / 1000000);
}

std::uint32_t OutgoingStream::next_timestamp(MediaTime now, std::uint32_t frame) {
  const std::uint32_t at = timestamp_at(now);
  if (!have_sent_) return at;
  const std::uint32_t after_last = last_timestamp_ + frame;
  // RFC 3550 A.1's modular comparison: whichever is later
  return static_cast<std::int32_t>(at - after_last) >= 0 ? at : after_last;
}

void OutgoingStream::anchor(std::uint32_t timestamp, MediaTime when) {
  anchored_ = true;
  last_timestamp_ = timestamp;
  last_time_ = when;
}

}  // namespace imsbox::agw
