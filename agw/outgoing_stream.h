#pragma once
// What the AGW sends toward one party on the anchored stream: one SSRC of
// its own, sequence numbers and timestamps that stay continuous whoever
// feeds the stream - the other party's packets relayed (whose source may
// change with a re-INVITE or another early-media fork), the transcoder's
// output, DTMF we inject - and the sender counts an RTCP SR needs.
//
// Pure: time is passed in; no allocation; one object per party, on its
// worker's thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/bytes.h"
#include "rtp/rtp_packet.h"

namespace imsbox::agw {

using MediaTime = std::chrono::steady_clock::time_point;

class OutgoingStream {
 public:
  OutgoingStream(std::uint32_t ssrc, std::uint16_t first_sequence, std::uint32_t first_timestamp,
                 std::uint32_t clock_rate = 8000);

  // The RTP clock of what we send now (a re-INVITE may change the codec).
  void set_clock_rate(std::uint32_t clock_rate) { clock_rate_ = clock_rate == 0 ? 8000 : clock_rate; }
  std::uint32_t clock_rate() const { return clock_rate_; }

  // Relay: rewrites `packet`'s SSRC, sequence number and timestamp in place
  // (`parsed` is its view). A new source upstream is joined on: its first
  // packet follows our last one (next sequence number, timestamp advanced by
  // the time since), later ones keep their spacing.
  void relay(rtp::MutableBytes packet, const rtp::RtpPacket& parsed, MediaTime now);
  // The next relayed packet re-anchors as a new source's would (the plan changed).
  void rejoin() { source_.reset(); }
  // The sequence number for a packet we make ourselves (transcoder output,
  // injected DTMF); relayed packets after it are shifted to make room.
  std::uint16_t take_sequence();
  // Records a packet sent: `timestamp` and `now` anchor timestamp_at() when
  // `media` (audio; telephone-events repeat their start timestamp).
  void sent(std::uint32_t timestamp, std::size_t payload_bytes, MediaTime now, bool media = true);

  // Our timeline at `now`: the last media timestamp sent plus the time since
  // at the clock rate. Before anything was sent, the first timestamp is
  // anchored at the first call (so that injected DTMF still has a clock).
  std::uint32_t timestamp_at(MediaTime now);
  // The timestamp for a frame of ours starting at `now`: timestamp_at(now),
  // but not before the end of the last media packet sent (`frame` units
  // long), so a frame never repeats the timestamp of the one before it.
  std::uint32_t next_timestamp(MediaTime now, std::uint32_t frame);
  // Anchors the timeline: `timestamp` is the stream's at `when` (may be
  // ahead of now: the end of the last frame we made ourselves, which the
  // next relayed packet follows).
  void anchor(std::uint32_t timestamp, MediaTime when);

  std::uint32_t ssrc() const { return ssrc_; }
  std::uint64_t packets() const { return packets_; }
  std::uint64_t payload_octets() const { return octets_; }
  bool has_sent() const { return have_sent_; }

 private:
  std::uint32_t ssrc_;
  std::uint32_t clock_rate_;
  std::uint16_t next_sequence_;
  std::uint32_t first_timestamp_;
  std::optional<std::uint32_t> source_;  // the relayed source we are following
  std::uint16_t sequence_offset_ = 0;
  std::uint32_t timestamp_offset_ = 0;
  bool have_sent_ = false;
  bool anchored_ = false;
  std::uint32_t last_timestamp_ = 0;  // the anchor: a media timestamp and when
  MediaTime last_time_{};
  std::uint64_t packets_ = 0;
  std::uint64_t octets_ = 0;
};

}  // namespace imsbox::agw
