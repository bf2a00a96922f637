#pragma once
// Reception statistics of RTP (RFC 3550 Appendix A): sequence number
// tracking with wrap, probation and restart detection (A.1), expected and
// lost packets and the fraction lost per report interval (A.3),
// interarrival jitter (A.8), and the counters a call record and an ng
// `query` reply need for one direction of a call.
//
// Pure: the caller passes each packet's arrival time, read from its own
// monotonic clock (the AGW's loop clock, a test's ManualClock) - nothing
// here reads a clock. No allocation. One object per direction, on one
// thread.
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/rtcp.h"
#include "rtp/rtp_packet.h"

namespace imsbox::rtp {

// One synchronization source, as a receiver sees it.
class ReceptionStatistics {
 public:
  // A.1's constants
  static constexpr int max_dropout = 3000;
  static constexpr int max_misorder = 100;
  static constexpr int min_sequential = 2;

  enum class Verdict : std::uint8_t {
    counted,    // in sequence, a permissible gap, a duplicate or reordered: counted as received (A.1)
    probation,  // a new source not yet confirmed by min_sequential packets in sequence
    discarded,  // a jump beyond max_dropout, until the next packet confirms a restart
  };

  explicit ReceptionStatistics(std::uint32_t clock_rate) : clock_rate_(clock_rate == 0 ? 1 : clock_rate) {}

  // One RTP packet of this source. `timing` false keeps it out of the jitter
  // (telephone-events repeat one timestamp for the whole event, §2.5.1.2 of
  // RFC 4733, which would read as jitter).
  Verdict on_packet(std::uint16_t sequence, std::uint32_t timestamp, std::chrono::nanoseconds arrival,
                    bool timing = true);
  // An SR of this source arrived: LSR and DLSR of the next report block.
  void on_sender_report(std::uint64_t ntp_timestamp, std::chrono::nanoseconds arrival);

  // The report block about this source for our next SR/RR. Starts a new
  // report interval (fraction lost is over the interval since the last call).
  ReportBlock make_report_block(std::uint32_t ssrc, std::chrono::nanoseconds now);

  std::uint32_t extended_highest_sequence() const { return cycles_ + max_seq_; }
  std::uint64_t expected() const;    // A.3: extended highest - base + 1
  std::uint64_t received() const { return received_; }  // as A.1 counts: duplicates included
  std::int64_t lost() const;         // expected - received; negative when duplicates outnumber losses
  double loss_fraction() const;      // lost / expected over the whole stream, 0 when nothing lost or expected
  std::uint32_t jitter() const;      // A.8, timestamp units
  double jitter_ms() const { return jitter_ * 1000.0 / clock_rate_; }
  double max_jitter_ms() const { return max_jitter_ * 1000.0 / clock_rate_; }
  std::uint32_t clock_rate() const { return clock_rate_; }
  bool confirmed() const { return probation_ == 0 && started_; }

 private:
  void init_sequence(std::uint16_t sequence);
  Verdict update_sequence(std::uint16_t sequence);

  std::uint32_t clock_rate_;
  bool started_ = false;
  // A.1
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;  // shifted count of sequence number cycles
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0;
  std::uint32_t probation_ = 0;
  std::uint64_t received_ = 0;
  // A.3
  std::uint64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;
  // A.8, kept in floating point so that arrival times need no rounding to timestamp units
  bool have_transit_ = false;
  std::chrono::nanoseconds last_arrival_{0};
  std::uint32_t last_timestamp_ = 0;
  double jitter_ = 0;
  double max_jitter_ = 0;
  // LSR/DLSR
  bool have_sr_ = false;
  std::uint32_t last_sr_ = 0;
  std::chrono::nanoseconds last_sr_arrival_{0};
};

// One direction of a call's media as a call record and an ng `query` reply
// (rtpengine's "packets", "bytes", "errors", loss, jitter) carry it.
struct StreamStatistics {
  std::uint64_t packets = 0;  // RTP, every datagram that parsed
  std::uint64_t bytes = 0;    // their UDP payload octets
  std::uint64_t rtcp_packets = 0;
  std::uint64_t rtcp_bytes = 0;
  std::uint64_t errors = 0;      // datagrams dropped as malformed
  std::uint32_t ssrc_changes = 0;
  std::uint64_t expected = 0;    // over every source the direction had (A.3)
  std::int64_t packets_lost = 0;
  double loss_percent = 0;   // packets_lost / expected * 100, 0 when negative
  double jitter_ms = 0;      // the current source's A.8 jitter
  double max_jitter_ms = 0;  // the highest it reached, over every source
};

// The statistics of one direction of a call's media: counters for all of
// it, and ReceptionStatistics for its current source. A new SSRC (a
// re-INVITE, another early-media fork) starts a new source; what the old one
// lost stays in the totals.
class DirectionStatistics {
 public:
  explicit DirectionStatistics(std::uint32_t clock_rate) : clock_rate_(clock_rate), source_(clock_rate) {}

  // Payload types whose packets stay out of the jitter (telephone-event, CN).
  void exclude_from_jitter(std::uint8_t payload_type) { no_timing_.set(payload_type & 0x7f); }

  // An RTP packet parse_rtp accepted, arrived at `arrival` (caller's monotonic clock).
  ReceptionStatistics::Verdict on_rtp(const RtpPacket& packet, std::chrono::nanoseconds arrival);
  void on_rtcp(std::size_t bytes) {
    ++rtcp_packets_;
    rtcp_bytes_ += bytes;
  }
  void on_error() { ++errors_; }

  StreamStatistics summary() const;
  // The current source (nullopt before the first packet).
  std::optional<std::uint32_t> ssrc() const { return ssrc_; }
  ReceptionStatistics& source() { return source_; }
  const ReceptionStatistics& source() const { return source_; }

 private:
  std::uint32_t clock_rate_;
  std::bitset<128> no_timing_;
  std::optional<std::uint32_t> ssrc_;
  ReceptionStatistics source_;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t rtcp_packets_ = 0;
  std::uint64_t rtcp_bytes_ = 0;
  std::uint64_t errors_ = 0;
  std::uint32_t ssrc_changes_ = 0;
  // the sources before the current one
  std::uint64_t earlier_expected_ = 0;
  std::int64_t earlier_lost_ = 0;
  double earlier_max_jitter_ms_ = 0;
};

// Round-trip time from a report block the peer sent about our stream
// (RFC 3550 §6.4.1: arrival - LSR - DLSR, in NTP middle-32 units); nullopt
// when the block carries no LSR (the peer had no SR of ours yet) or the
// result would be negative.
std::optional<std::chrono::microseconds> round_trip_time(const ReportBlock& block, std::uint32_t arrival_ntp_middle32);

}  // namespace imsbox::rtp
