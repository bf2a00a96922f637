#include "rtp/reception_stats.h"

#include <algorithm>
#include <cmath>

namespace imsbox::rtp {

namespace {
constexpr std::uint32_t seq_mod = 1u << 16;
}

// ---- A.1 --------------------------------------------------------------------

void ReceptionStatistics::init_sequence(std::uint16_t sequence) {
  base_seq_ = sequence;
  max_seq_ = sequence;
  bad_seq_ = seq_mod + 1;  // so that sequence == bad_seq_ is false
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
}

ReceptionStatistics::Verdict ReceptionStatistics::update_sequence(std::uint16_t sequence) {
  const std::uint16_t udelta = static_cast<std::uint16_t>(sequence - max_seq_);
  if (probation_ != 0) {
    if (sequence == static_cast<std::uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = sequence;
      if (probation_ == 0) {
        init_sequence(sequence);
        ++received_;
        return Verdict::counted;
      }
    } else {
      probation_ = min_sequential - 1;
      max_seq_ = sequence;
    }
    return Verdict::probation;
  }
  if (udelta < max_dropout) {
    if (sequence < max_seq_) cycles_ += seq_mod;  // wrapped: one more cycle
    max_seq_ = sequence;
  } else if (udelta <= seq_mod - max_misorder) {
    // a very large jump
    if (sequence == bad_seq_) {
      // two sequential packets: the sender restarted without telling us
      init_sequence(sequence);
    } else {
      bad_seq_ = (sequence + 1u) & (seq_mod - 1);
      return Verdict::discarded;
    }
  } else {
    // a duplicate or reordered packet
  }
  ++received_;
  return Verdict::counted;
}

ReceptionStatistics::Verdict ReceptionStatistics::on_packet(std::uint16_t sequence, std::uint32_t timestamp,
                                                            std::chrono::nanoseconds arrival, bool timing) {
  if (!started_) {
    started_ = true;
    init_sequence(sequence);
    max_seq_ = static_cast<std::uint16_t>(sequence - 1);
    probation_ = min_sequential;
  }
  const Verdict verdict = update_sequence(sequence);
  if (verdict == Verdict::discarded || !timing) return verdict;
  // A.8: D(i-1,i) = (R_i - R_{i-1}) - (S_i - S_{i-1}), J += (|D| - J) / 16
  if (have_transit_) {
    const double arrival_delta =
        static_cast<double>((arrival - last_arrival_).count()) * clock_rate_ / 1e9;
    const double d = arrival_delta - static_cast<double>(static_cast<std::int32_t>(timestamp - last_timestamp_));
    jitter_ += (std::fabs(d) - jitter_) / 16.0;
    max_jitter_ = std::max(max_jitter_, jitter_);
  }
  have_transit_ = true;
  last_arrival_ = arrival;
  last_timestamp_ = timestamp;
  return verdict;
}

// ---- A.3 --------------------------------------------------------------------

std::uint64_t ReceptionStatistics::expected() const {
  if (!started_ || probation_ != 0) return 0;
  return std::uint64_t{cycles_} + max_seq_ - base_seq_ + 1;
}

std::int64_t ReceptionStatistics::lost() const {
  return static_cast<std::int64_t>(expected()) - static_cast<std::int64_t>(received_);
}

double ReceptionStatistics::loss_fraction() const {
  const std::uint64_t e = expected();
  const std::int64_t l = lost();
  return e == 0 || l <= 0 ? 0.0 : static_cast<double>(l) / static_cast<double>(e);
}

std::uint32_t ReceptionStatistics::jitter() const { return static_cast<std::uint32_t>(std::lround(jitter_)); }

void ReceptionStatistics::on_sender_report(std::uint64_t ntp_timestamp, std::chrono::nanoseconds arrival) {
  have_sr_ = true;
  last_sr_ = ntp_middle32(ntp_timestamp);
  last_sr_arrival_ = arrival;
}

ReportBlock ReceptionStatistics::make_report_block(std::uint32_t ssrc, std::chrono::nanoseconds now) {
  ReportBlock b;
  b.ssrc = ssrc;
  const std::uint64_t expected_now = expected();
  const std::uint64_t expected_interval = expected_now - std::min(expected_prior_, expected_now);
  const std::uint64_t received_interval = received_ - std::min(received_prior_, received_);
  expected_prior_ = expected_now;
  received_prior_ = received_;
  const std::int64_t lost_interval =
      static_cast<std::int64_t>(expected_interval) - static_cast<std::int64_t>(received_interval);
  if (expected_interval != 0 && lost_interval > 0) {
    b.fraction_lost = static_cast<std::uint8_t>((static_cast<std::uint64_t>(lost_interval) << 8) / expected_interval);
  }
  b.cumulative_lost = static_cast<std::int32_t>(std::clamp<std::int64_t>(lost(), -0x800000, 0x7fffff));
  b.extended_highest_sequence = extended_highest_sequence();
  b.jitter = jitter();
  if (have_sr_) {
    b.last_sr = last_sr_;
    const auto since = std::max(now - last_sr_arrival_, std::chrono::nanoseconds{0});
    b.delay_since_last_sr = static_cast<std::uint32_t>((static_cast<std::uint64_t>(since.count()) << 16) / 1000000000);
  }
  return b;
}

// ---- One direction ------------------------------------------------------------

ReceptionStatistics::Verdict DirectionStatistics::on_rtp(const RtpPacket& packet, std::chrono::nanoseconds arrival) {
  ++packets_;
  bytes_ += packet.bytes().size();
  if (ssrc_ && *ssrc_ != packet.ssrc()) {
    earlier_expected_ += source_.expected();
    earlier_lost_ += source_.lost();
    earlier_max_jitter_ms_ = std::max(earlier_max_jitter_ms_, source_.max_jitter_ms());
    ++ssrc_changes_;
    source_ = ReceptionStatistics(clock_rate_);
  }
  ssrc_ = packet.ssrc();
  return source_.on_packet(packet.sequence(), packet.timestamp(), arrival, !no_timing_.test(packet.payload_type()));
}

StreamStatistics DirectionStatistics::summary() const {
  StreamStatistics s;
  s.packets = packets_;
  s.bytes = bytes_;
  s.rtcp_packets = rtcp_packets_;
  s.rtcp_bytes = rtcp_bytes_;
  s.errors = errors_;
  s.ssrc_changes = ssrc_changes_;
  s.expected = earlier_expected_ + source_.expected();
  s.packets_lost = earlier_lost_ + source_.lost();
  s.loss_percent = s.expected == 0 || s.packets_lost <= 0
                       ? 0.0
                       : 100.0 * static_cast<double>(s.packets_lost) / static_cast<double>(s.expected);
  s.jitter_ms = source_.jitter_ms();
  s.max_jitter_ms = std::max(earlier_max_jitter_ms_, source_.max_jitter_ms());
  return s;
}

std::optional<std::chrono::microseconds> round_trip_time(const ReportBlock& block, std::uint32_t arrival_ntp_middle32) {
  if (block.last_sr == 0) return std::nullopt;
  const std::uint32_t rtt = arrival_ntp_middle32 - block.last_sr - block.delay_since_last_sr;
  if (static_cast<std::int32_t>(rtt) < 0) return std::nullopt;
  return std::chrono::microseconds((std::uint64_t{rtt} * 1000000) >> 16);
}

}  // namespace imsbox::rtp
