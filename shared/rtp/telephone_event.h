#pragma once
// RFC 4733 telephone-events (DTMF): the 4-octet payload, a sender that
// turns "digit 5 for 100 ms" into the packets §2.5.1 prescribes, a receiver
// that turns a packet stream back into digits (§2.5.2), and the rescaling
// between clock rates a gateway needs when the browser's side runs
// telephone-event/48000 and the phone's /16000 or /8000.
//
// Pure state machines: time is the stream's own RTP timestamp, passed in;
// no clocks, no I/O, no allocation. One object per stream, one thread at a
// time.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/bytes.h"

namespace imsbox::rtp {

// ---- The payload (RFC 4733 §2.3) --------------------------------------------

inline constexpr std::size_t telephone_event_size = 4;
inline constexpr std::uint16_t max_event_duration = 0xffff;

struct TelephoneEvent {
  std::uint8_t event = 0;      // 0-9, 10 '*', 11 '#', 12-15 'A'-'D', 16 flash (§3.2)
  bool end = false;            // E
  std::uint8_t volume = 0;     // 0-63, -dBm0 (the R bit is written 0 and ignored)
  std::uint16_t duration = 0;  // timestamp units since the event (segment) began
  friend bool operator==(const TelephoneEvent&, const TelephoneEvent&) = default;
};

// A payload holds one event, or several (§2.5.1.5): payload.size() / 4 of them.
inline std::size_t telephone_event_count(Bytes payload) { return payload.size() / telephone_event_size; }
// Event `index` of the payload; nullopt when the payload has no such event.
std::optional<TelephoneEvent> parse_telephone_event(Bytes payload, std::size_t index = 0);
// Writes the 4 octets; false when `out` is shorter or the volume is over 63.
bool build_telephone_event(MutableBytes out, const TelephoneEvent& event);

// '0'-'9', '*', '#', 'A'-'D' for events 0-15, else '\0'.
char dtmf_char(std::uint8_t event);
// The event code of a DTMF character (also 'a'-'d'); nullopt otherwise.
std::optional<std::uint8_t> dtmf_event(char digit);

// ---- Sender (§2.5.1) ----------------------------------------------------------

// What to put into one RTP packet; the stream adds payload type, SSRC and
// sequence number (each packet, the repeated end packets included, takes the
// stream's next one).
struct TelephoneEventPacket {
  bool marker = false;
  std::uint32_t timestamp = 0;  // the event's (segment's) start, the same in all its packets
  TelephoneEvent event;
  friend bool operator==(const TelephoneEventPacket&, const TelephoneEventPacket&) = default;
};

// The whole RTP packet of one TelephoneEventPacket (16 octets) with the
// stream's payload type, sequence number and SSRC; 0 when `out` is shorter.
std::size_t build_telephone_event_rtp(MutableBytes out, const TelephoneEventPacket& packet,
                                      std::uint8_t payload_type, std::uint16_t sequence, std::uint32_t ssrc);

class TelephoneEventSender {
 public:
  struct Options {
    std::uint32_t clock_rate = 8000;
    std::uint32_t update_interval_ms = 50;  // §2.5.1.2 recommends 50 ms
    std::uint8_t volume = 10;
    std::uint8_t end_packets = 3;  // §2.5.1.4: the final packet, three times
  };
  explicit TelephoneEventSender(const Options& options);

  // Begins `event` at the stream timestamp `start`, to last `duration`
  // timestamp units (at least one). An event still being sent is dropped.
  void start(std::uint8_t event, std::uint32_t start, std::uint32_t duration);
  // Ends the event at `now` if it was meant to last longer (a key released).
  void stop(std::uint32_t now);

  // The packet due at stream time `now`, if any; call it at every
  // packetization tick. The first packet (M set) comes at once; updates
  // every update interval with the duration so far; at a duration of 0xFFFF
  // a new segment begins (§2.5.1.3, new timestamp, no M); once the duration
  // is reached, the final packet (E set) end_packets times, one per update
  // interval, then nothing.
  std::optional<TelephoneEventPacket> poll(std::uint32_t now);

  bool active() const { return phase_ != Phase::idle; }

 private:
  enum class Phase : std::uint8_t { idle, sending, ending };
  Options options_;
  std::uint32_t interval_ = 0;  // timestamp units
  Phase phase_ = Phase::idle;
  std::uint8_t event_ = 0;
  std::uint32_t start_ = 0;          // the event's start
  std::uint32_t segment_start_ = 0;  // the current segment's start
  std::uint32_t duration_ = 0;       // planned, from start_
  std::uint32_t last_sent_ = 0;
  bool first_sent_ = false;
  std::uint8_t ends_sent_ = 0;
  TelephoneEventPacket final_;
};

// ---- Receiver (§2.5.2) --------------------------------------------------------

// One event as the receiver saw it.
struct ReceivedEvent {
  std::uint8_t event = 0;
  std::uint32_t timestamp = 0;  // its start
  std::uint32_t duration = 0;   // timestamp units, over all its segments
  std::uint8_t volume = 0;
  bool ended = false;  // E seen; false when it was superseded by a newer event or flushed with its end lost
  friend bool operator==(const ReceivedEvent&, const ReceivedEvent&) = default;
};

// A new event is told by its timestamp (§2.5.2.1), not by the M bit, which
// may be lost. The repeated end packets report nothing new; packets older
// than the current event are ignored; a new segment of a long event
// (timestamp = the last segment's + 0xFFFF, same event, not ended, §2.5.2.3)
// continues it. In a payload of several events (§2.5.1.5) event k starts at
// the packet's timestamp plus the durations of the events before it.
class TelephoneEventReceiver {
 public:
  // Up to two events complete per event block: the one it supersedes and itself.
  struct Completed {
    std::array<ReceivedEvent, 2> events{};
    std::size_t size = 0;
  };

  // Feeds one telephone-event packet: its RTP timestamp and payload. Calls
  // on_event(const ReceivedEvent&) for each event that completed, in order.
  // Returns true when the packet began a new event (a caller may mute audio,
  // or act on the digit at once).
  template <class OnEvent>
  bool on_packet(std::uint32_t timestamp, Bytes payload, OnEvent&& on_event) {
    bool began = false;
    std::uint32_t start = timestamp;
    for (std::size_t i = 0; i < telephone_event_count(payload); ++i) {
      const auto block = parse_telephone_event(payload, i);
      Completed done;
      began |= on_block(start, *block, done);
      for (std::size_t k = 0; k < done.size; ++k) on_event(done.events[k]);
      start += block->duration;
    }
    return began;
  }

  // The event in progress, ended or not, reported as complete (the stream
  // stopped, or a caller's timer ran out); nullopt when there is none.
  std::optional<ReceivedEvent> flush();
  // The event in progress (not yet reported), if any.
  std::optional<ReceivedEvent> in_progress() const;
  // Forgets everything: call it when the stream's SSRC changes, since a new
  // source's timestamps may read as older than the current event's.
  void reset() { current_.reset(); }

 private:
  bool on_block(std::uint32_t start, const TelephoneEvent& block, Completed& done);

  struct Current {
    ReceivedEvent event;
    std::uint32_t segment_start = 0;
    std::uint32_t earlier_segments = 0;  // duration of the segments before the current one
    bool reported = false;
  };
  std::optional<Current> current_;
};

// ---- Clock-rate rescaling -------------------------------------------------------

// Maps the RTP timestamps of one stream onto another clock rate (48000 ->
// 16000 -> 8000 and back): the `from_origin` timestamp becomes `to_origin`,
// and later (or earlier) ones follow at the ratio of the rates. Follows the
// 32-bit wrap across any length of call, as long as consecutive inputs are
// less than 2^31 apart. Use one object per stream, for its audio and its
// events alike, so both stay on one timeline.
class TimestampRescaler {
 public:
  TimestampRescaler(std::uint32_t from_rate, std::uint32_t to_rate, std::uint32_t from_origin,
                    std::uint32_t to_origin);
  std::uint32_t map(std::uint32_t from_timestamp);

  std::uint32_t from_rate() const { return from_rate_; }
  std::uint32_t to_rate() const { return to_rate_; }

 private:
  std::uint32_t from_rate_;
  std::uint32_t to_rate_;
  std::uint32_t to_origin_;
  std::uint32_t last_ = 0;   // the last input
  std::int64_t offset_ = 0;  // of the last input from the origin, in input units
};

// A duration at another clock rate, rounded to the nearest unit.
std::uint64_t rescale_duration(std::uint64_t duration, std::uint32_t from_rate, std::uint32_t to_rate);

// Rewrites telephone-event packets in place for another clock rate: the RTP
// timestamp through the stream's TimestampRescaler, the durations by the
// ratio of the rates. A long event whose duration no longer fits 16 bits at
// the new rate is cut into segments (§2.5.1.3: a timestamp 0xFFFF later per
// segment); the input's own segments are joined first, so 48k segments do
// not become separate events at 8k. Several events in one payload are
// rescaled each (durations saturate at 0xFFFF; no segmenting).
class TelephoneEventRescaler {
 public:
  // False (the packet untouched) when it holds no telephone event.
  bool apply(MutableBytes packet, TimestampRescaler& timestamps);

 private:
  bool active_ = false;
  std::uint8_t event_ = 0;
  std::uint32_t start_ = 0;          // input timestamp of the event's start
  std::uint32_t segment_start_ = 0;  // input timestamp of the current input segment
  std::uint64_t earlier_segments_ = 0;
  bool ended_ = false;
};

}  // namespace imsbox::rtp
