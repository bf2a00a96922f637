#pragma once
// One call the AGW anchors (one Call-ID), as rtpengine models it: a
// monologue per SIP party, known by its tag (from-tag, to-tag), each with
// our leg facing it; the offer/answer engine (offer_answer.h) decides what
// each leg's SDP says and how the media between them flows (media_path.h).
//
//   offer    the SDP of the party `from-tag`; the answer goes to `to-tag`,
//            or, before it is known, to the call's other party (made
//            now, tagged by the answer). A re-offer from either party keeps
//            its legs: same ports, same ICE credentials and DTLS association
//            (an SDP-less re-INVITE's late offer, a hold, a codec change).
//   answer   the SDP of the party `to-tag` answering `from-tag`'s offer;
//            the media plan takes effect. The same offer may be answered
//            again (183 then 200; another early dialog: the last one wins).
//   query    statistics per party (what we received from it) and whether
//            the media timed out; `delete` is the CallTable's.
//   play DTMF  RFC 4733 events toward the party that is NOT `from-tag`
//            (rtpengine: from-tag names the party "pressing the keys").
//   play media  an announcement TO the party `from-tag` (or `label`), as
//            rtpengine's docs say ("playback ... to the selected call
//            participant"): that party hears it instead of the other one
//            until it ends or `stop media` (same party selection) stops it.
//            `file` is a WAV file's path, or the name of a prompt of the
//            MRF's store (WorkerContext::prompts); `blob` a WAV file's bytes.
//            The reply has `duration` (ms, one play); `stop media`'s has
//            `last-frame-pos`. The file is read on the worker's thread
//            (prompts are small: a blocking read of a few hundred kB).
//
// Media timeout: while the media is active and not on hold, no RTP from
// either party for WorkerContext::media_timeout marks the call timed out
// (logged once, counted, reported by `query`); a new offer or answer clears
// it. What ends the call is the P-CSCF's choice (it polls `query`); the
// CallTable frees a timed-out call nobody asks about any more.
//
// Threading: the worker's thread; made, used and destroyed there.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "agw/ng/reply.h"
#include "agw/ng/request.h"
#include "agw/media_leg.h"
#include "agw/media_path.h"
#include "agw/offer_answer.h"
#include "agw/port_pool.h"
#include "agw/prompt_source.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Clock;
class Counter;
class Gauge;
class Logger;
}  // namespace imsbox::runtime
namespace imsbox::agw::webrtc {
class DtlsContext;
}

namespace imsbox::agw {

// What the calls of one worker share: its loop, log, ports, random numbers.
struct WorkerContext {
  boost::asio::io_context& io;
  runtime::Logger& log;
  const runtime::Clock& clock;
  PortPool& ports;
  std::shared_ptr<const webrtc::DtlsContext> dtls;  // null: no browser legs (some unit tests)
  std::string bind_address;          // phone legs' sockets
  std::string browser_bind_address;  // browser legs' host candidate (bind_address unless it is a wildcard)
  std::string advertised_address;    // what our SDPs show (IP literal)
  MediaPathConfig media;
  std::chrono::seconds media_timeout{60};
  std::mt19937& random;  // SSRCs, first sequence numbers and timestamps (RFC 3550 §5.1)
  // metrics (may be null)
  runtime::Counter* media_timeouts = nullptr;
  runtime::Counter* transcoded_calls = nullptr;
  const PromptSource* prompts = nullptr;  // play media by prompt name (null: files only)
};

class Call final : public MediaLeg::Events {
 public:
  Call(WorkerContext& ctx, std::string call_id);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  ng::NgReply offer(const ng::NgRequest& request);
  ng::NgReply answer(const ng::NgRequest& request);
  ng::NgReply play_dtmf(const ng::NgRequest& request);
  ng::NgReply play_media(const ng::NgRequest& request);
  ng::NgReply stop_media(const ng::NgRequest& request);
  ng::CallStats stats() const;

  void tick(MediaTime now);
  bool needs_tick() const { return path_.needs_tick(); }
  // Once a second: RTCP reports, the media timeout.
  void housekeeping(MediaTime now);

  const std::string& call_id() const { return call_id_; }
  bool timed_out() const { return timed_out_; }
  MediaTime timed_out_at() const { return timed_out_at_; }
  bool media_active() const { return path_.active(); }
  MediaTime last_signal() const { return last_signal_; }
  std::size_t parties() const { return parties_.size(); }
  const MediaPath& path() const { return path_; }

 private:
  struct Party {
    Party(std::string tag, std::uint32_t ssrc, std::uint16_t sequence, std::uint32_t timestamp, std::int64_t created)
        : tag(std::move(tag)), created(created), media(ssrc, sequence, timestamp) {}
    std::string tag;
    std::string label;
    std::int64_t created;  // UNIX seconds
    std::unique_ptr<MediaLeg> leg;
    PartyMedia media;
    std::optional<std::string> failure;  // the leg died (ICE, DTLS)
  };

  void on_leg_rtp(MediaLeg& leg, std::span<std::uint8_t> packet) override;
  void on_leg_rtcp(MediaLeg& leg, std::span<std::uint8_t> packet) override;
  void on_leg_failed(MediaLeg& leg, std::string_view reason) override;

  Party* find(std::string_view tag);
  // The party a play/stop media request names (from-tag, else label); null and `error` when none.
  Party* selected(const ng::NgRequest& request, std::string& error);
  // The audio a play media request names (blob, prompt, file); nothing and `error` when unusable.
  std::optional<media::WavAudio> media_of(const ng::NgRequest& request, std::string& error) const;
  Party& party(const std::string& tag);
  Party* other_than(const Party& p);
  Party* owner_of(const MediaLeg& leg);
  // Keeps p's leg when it is of `kind`, else makes one; false (and `error`) when no port is free.
  bool ensure_leg(Party& p, LegKind kind, std::string& error);
  std::unique_ptr<MediaLeg> make_leg(LegKind kind, const std::string& tag, std::string& error);
  ng::NgReply refuse(std::string_view command, std::string reason);
  std::string tag_of(const Party& p) const;
  std::int64_t unix_now() const;

  WorkerContext& ctx_;
  std::string call_id_;
  std::int64_t created_;
  MediaTime last_signal_;
  std::vector<std::unique_ptr<Party>> parties_;  // stable addresses (PartyMedia is referenced by the path)
  std::optional<PendingOffer> pending_;
  Party* pending_offerer_ = nullptr;
  Party* pending_answerer_ = nullptr;
  MediaPath path_;
  MediaTime media_reference_;  // when the media was last known alive (or became active / resumed)
  bool timed_out_ = false;
  MediaTime timed_out_at_{};
  bool counted_transcoding_ = false;
};

}  // namespace imsbox::agw
