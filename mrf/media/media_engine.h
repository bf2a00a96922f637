#pragma once
// The MRF's media engine: MediaEngine and MediaSession (mrf/media_session.h)
// on plain RTP over UDP, on the MRF's one event loop.
//
// answer() reads the offer (sdp_answer.h), takes a port pair from
// mrf.rtp_port_min..mrf.rtp_port_max (RTP on the even port, RTCP on the
// next, both bound on global.bind_address; the next pair after the last one
// handed out, so a port just freed is the last to come back), builds the
// codec and starts the session. Each session:
//   * sends to the address of the offer until the first RTP packet arrives,
//     then back to where that came from (symmetric RTP, latching); packets
//     from elsewhere are dropped, except from the address of the last SDP,
//     which takes the latch back (as the AGW's phone leg does);
//   * ticks every 20 ms (a steady_timer of its own, scheduled on absolute
//     times so that it does not drift): one frame of what it plays or
//     echoes is encoded and sent per tick. The RTP timestamp advances on
//     every tick, sent or not (RFC 3550 §5.1: it follows the sampling
//     clock), the sequence number only on sent packets; the first packet
//     after a pause (start, stop, hold, DTX) has the marker bit. SSRC,
//     first sequence number and timestamp are random (RFC 3550 §5.1);
//   * a play sends encoded frames from the engine's FrameCache
//     (frame_cache.h): each prompt is encoded once per codec configuration
//     and shared by every session; a session only builds the RTP headers;
//   * echo(delay): received payloads go through a jitter buffer
//     (shared/media), are decoded (or concealed) and sent back `delay`
//     later; while nothing arrives it sends silence;
//   * RFC 4733 events of the negotiated telephone-event payload type are
//     reported once each when they end (the repeated end packets, or the
//     next event when the end was lost), by TelephoneEventReceiver;
//   * RTCP: an SR (an RR before it sent anything) with a report block on the
//     peer's stream and an SDES CNAME every 5 s, to a=rtcp / port + 1 (latched
//     on the first RTCP received) or, with rtcp-mux, beside the RTP.
// The session stops sending when the answer's direction does not allow it
// (the peer's sendonly or inactive: hold) or the peer's address is 0.0.0.0,
// and a play goes on in silence then (its on_done comes on time).
//
// Threading: the io_context's thread only. Destroying a session closes its
// sockets and timer at once; no callback comes after that.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "media/codec_factory.h"
#include "mrf/media/frame_cache.h"
#include "mrf/media_session.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Config;
class Logger;
}  // namespace imsbox::runtime

namespace imsbox::mrf::media {

struct RtpEngineSettings {
  std::string bind_address = "127.0.0.1";
  std::string advertised_address = "127.0.0.1";  // an IP literal: c= of the answers
  std::uint16_t port_min = 40000;
  std::uint16_t port_max = 44999;
  imsbox::media::CodecOptions codecs;
  std::chrono::milliseconds jitter_target{40};  // echo: the jitter buffer's share of the delay
  std::chrono::milliseconds rtcp_interval{5000};
  // Bound of the encoded-prompt cache (mrf.frame_cache_kb); 0: no cache, each
  // session encodes what it plays.
  std::size_t frame_cache_bytes = 32u << 20;
};

// From mrf.rtp_port_min/max, global.bind_address and the advertised address;
// throws runtime::ConfigError for an empty range or a host name to advertise.
RtpEngineSettings rtp_engine_settings(const runtime::Config& config);

class RtpMediaEngine final : public MediaEngine {
 public:
  RtpMediaEngine(boost::asio::io_context& io, RtpEngineSettings settings, runtime::Logger& log);
  ~RtpMediaEngine() override;

  std::variant<Answer, std::string> answer(std::string_view offer) override;

  // Port pairs held by live sessions.
  std::size_t pairs_in_use() const;
  // The encoded-prompt cache's counters (all zero without a cache).
  FrameCacheStats frame_cache_stats() const;

  struct Ports;

 private:
  boost::asio::io_context& io_;
  RtpEngineSettings settings_;
  runtime::Logger& log_;
  std::shared_ptr<Ports> ports_;
  std::shared_ptr<FrameCache> frame_cache_;  // shared with the sessions, which may outlive the engine
  std::uint64_t next_session_id_ = 1;
};

}  // namespace imsbox::mrf::media
