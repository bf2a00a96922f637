#pragma once
// The packets of a call's anchored stream between its two legs, as the
// offer/answer engine's MediaPlan says:
//
//   relay       each RTP packet's header is rewritten for the other leg
//               (payload type by the plan's map, our SSRC, sequence number
//               and timestamp kept continuous by OutgoingStream) and sent
//               on; the payload is not touched, except telephone-event
//               durations when the two sides' telephone-event clocks differ.
//   transcode   audio goes into shared/media's TranscodedCall (jitter
//               buffer, decoder with concealment, rate conversion, encoder);
//               tick() - on the worker's 20 ms tick - pulls the other
//               codec's payloads out and sends them; telephone-events are
//               rescaled (RFC 4733 §2.5: timestamps onto the outgoing
//               timeline, durations to the other clock rate) and sent on.
//
// Per party it keeps what the AGW received (RFC 3550 reception statistics:
// packets, bytes, loss, jitter; the ng `query` reply) and what it sent. It
// terminates RTCP: what arrives is counted and its SRs feed the reception
// statistics, and every rtcp_interval the AGW sends each party an SR (or RR)
// of its own about the stream between them - the relayed stream's SSRC and
// numbering are ours, so the parties' own reports would not match it.
// `play DTMF` injects RFC 4733 events toward a party (inject_dtmf).
// `play media` plays an announcement toward a party (play_media): while it
// plays, what the other party sends toward it is dropped (relayed packets,
// transcoder output, its telephone-events) and the announcement's frames,
// encoded with a codec of that party's own (the plan's codec for it), go out
// on the party's outgoing stream - same SSRC, sequence numbers and
// timestamps continuing - paced by the 20 ms tick; when it ends (or
// stop_media) the relay rejoins the stream. A new plan (re-offer) ends it.
//
// The packet path neither throws nor allocates (one scratch buffer per path).
// Threading: the worker's thread.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agw/announcement.h"
#include "agw/media_leg.h"
#include "agw/offer_answer.h"
#include "agw/outgoing_stream.h"
#include "media/codec_factory.h"
#include "media/transcoder.h"
#include "media/wav.h"
#include "rtp/reception_stats.h"
#include "rtp/telephone_event.h"

namespace imsbox::agw {

// An announcement playing toward a party, with the encoder for its codec.
struct PlayingMedia {
  Announcement announcement;
  std::unique_ptr<media::FrameCodec> codec;
  std::uint8_t payload_type = 0;
  std::uint32_t frame_timestamp = 0;
  std::optional<std::pair<std::uint32_t, MediaTime>> last_frame;  // timestamp and due time of the last frame sent
};

// One party's media state, kept across re-offers (statistics and the
// outgoing stream's numbering continue whatever the plan becomes).
struct PartyMedia {
  PartyMedia(std::uint32_t ssrc, std::uint16_t first_sequence, std::uint32_t first_timestamp)
      : sending(ssrc, first_sequence, first_timestamp) {}

  MediaLeg* leg = nullptr;
  std::optional<rtp::DirectionStatistics> received;  // made at the first plan, at its codec's clock
  OutgoingStream sending;
  std::optional<MediaTime> last_rtp;  // when its last RTP arrived
  std::uint64_t dropped = 0;          // RTP it sent that the plan has no place for (payload type unmapped)
  std::uint64_t send_failures = 0;    // packets toward it the leg could not send
  std::optional<rtp::TelephoneEventSender> dtmf;  // play DTMF toward it
  std::uint8_t dtmf_payload_type = 0;
  std::optional<MediaTime> last_report;  // our last RTCP report to it
  std::unique_ptr<PlayingMedia> playing;  // play media toward it
};

struct MediaPathConfig {
  media::CodecOptions codecs;
  media::TranscodeConfig transcode;
  std::chrono::milliseconds rtcp_interval{5000};
  std::string cname = "imsbox-agw";
};

class MediaPath {
 public:
  explicit MediaPath(const MediaPathConfig& config) : config_(config) {}

  // Installs a plan between the offerer's and the answerer's party (their
  // legs set). Empty on success, else why (a codec the media library
  // refused); the path is then inactive.
  std::string configure(const MediaPlan& plan, PartyMedia& offerer, PartyMedia& answerer, MediaTime now);
  // Nothing flows (the answer refused the stream, or before any answer).
  void clear();
  bool active() const { return plan_.active; }
  bool transcoding() const { return plan_.active && plan_.transcoding; }
  const MediaPlan& plan() const { return plan_; }

  // From a leg: `from` is the party whose leg it came on.
  void on_rtp(PartyMedia& from, std::span<std::uint8_t> packet, MediaTime now) noexcept;
  void on_rtcp(PartyMedia& from, std::span<std::uint8_t> packet, MediaTime now) noexcept;

  // The 20 ms tick: transcoder output and injected DTMF.
  void tick(MediaTime now) noexcept;
  // Whether tick() has work (transcoding, or DTMF being sent).
  bool needs_tick() const;
  // RTCP reports due at `now` (wall clock for the NTP timestamp); call every second or so.
  void report(MediaTime now, std::chrono::system_clock::time_point wall) noexcept;

  // RFC 4733 event `event` (0-15) toward `toward` for `duration_ms`, at
  // `volume` (0-63, -dBm0). Empty on success, else why not (no
  // telephone-event negotiated with that party, no media yet).
  std::string inject_dtmf(PartyMedia& toward, std::uint8_t event, std::uint32_t duration_ms, std::uint8_t volume,
                          MediaTime now);

  // `play media`: `audio` (any rate; converted to the codec's) toward
  // `toward`, replacing what the other party sends it, `repeat_times` plays
  // from frame `start_frame`. Replaces an announcement already playing.
  struct PlayResult {
    std::string error;  // empty: playing
    std::chrono::milliseconds duration{};  // one play of the audio
  };
  PlayResult play_media(PartyMedia& toward, const media::WavAudio& audio, std::int64_t repeat_times,
                        std::size_t start_frame, MediaTime now);
  // `stop media`: the position reached (frames), or nothing when no
  // announcement was playing toward `toward`. The relay resumes.
  std::optional<std::size_t> stop_media(PartyMedia& toward);

  const media::TranscodeStats* transcode_stats(const PartyMedia& from) const;
  // The transcoder of a transcoded plan (kept across re-offers with the same codecs), else null.
  const media::TranscodedCall* transcoder() const { return transcoder_.get(); }

 private:
  struct Direction {
    PartyMedia* from = nullptr;
    PartyMedia* to = nullptr;
    const rtp::PayloadTypeMap* payload_types = nullptr;
    Codec from_codec;
    Codec to_codec;
    std::optional<Codec> from_event;
    std::optional<Codec> to_event;
    const std::vector<Codec>* from_other_events = nullptr;  // transcoding: taken like from_event
    media::TranscodeChain* chain = nullptr;
    std::uint32_t chain_offset = 0;  // chain timestamps -> the outgoing stream's timeline
    bool rejoin_chain = false;       // an announcement ended: the next output follows its last frame
    // telephone-events while transcoding
    std::optional<rtp::TimestampRescaler> event_timestamps;
    rtp::TelephoneEventRescaler event_rescaler;
    std::optional<std::uint32_t> last_event_timestamp;
    std::uint32_t last_event_clock = 0;
  };

  Direction* direction_from(const PartyMedia& from);
  void relay(Direction& d, std::span<std::uint8_t> packet, const rtp::RtpPacket& parsed, MediaTime now) noexcept;
  // The clock rate of `pt` when it is a telephone-event the sender of `d` may use, else 0.
  static std::uint32_t event_clock(const Direction& d, std::uint8_t pt) noexcept;
  void transcode_event(Direction& d, std::span<std::uint8_t> packet, const rtp::RtpPacket& parsed,
                       std::uint32_t from_clock, MediaTime now) noexcept;
  void send(PartyMedia& to, std::span<const std::uint8_t> packet) noexcept;
  void send_dtmf(PartyMedia& to, MediaTime now) noexcept;
  void send_announcement(PartyMedia& to, MediaTime now) noexcept;
  void end_announcement(PartyMedia& to) noexcept;

  MediaPathConfig config_;
  MediaPlan plan_;
  std::array<Direction, 2> directions_{};  // offerer -> answerer, answerer -> offerer
  std::unique_ptr<media::TranscodedCall> transcoder_;
  std::array<PartyMedia*, 2> parties_{};
  std::array<std::uint8_t, kMaxDatagram + kSendHeadroom> scratch_{};
  std::array<std::uint8_t, media::kMaxPayload> payload_{};
};

}  // namespace imsbox::agw
