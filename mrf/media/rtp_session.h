#pragma once
// One MRF media session (media_engine.h describes what it does). Internal to
// the engine: answer() makes it from a negotiated offer and two bound sockets.
#include <functional>
#include <memory>
#include <random>

#include <boost/asio/ip/udp.hpp>

#include "media/codec_factory.h"
#include "mrf/media/frame_cache.h"
#include "mrf/media/sdp_answer.h"
#include "mrf/media_session.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::mrf::media {

struct SessionSetup {
  Negotiated negotiated;
  std::unique_ptr<imsbox::media::FrameCodec> codec;
  LocalMedia local;
  boost::asio::ip::udp::socket rtp;
  boost::asio::ip::udp::socket rtcp;
  std::function<void()> release;  // gives the port pair back
  imsbox::media::CodecOptions codec_options;
  std::chrono::milliseconds jitter_target{40};
  std::chrono::milliseconds rtcp_interval{5000};
  std::uint32_t ssrc = 0, initial_timestamp = 0;
  std::uint16_t initial_sequence = 0;
  std::string log_tag;
  // Plays send cached encoded frames from here (frame_cache.h), shared by
  // the engine's sessions; null: the session encodes what it plays itself.
  std::shared_ptr<FrameCache> frame_cache;
};

std::unique_ptr<MediaSession> make_rtp_session(SessionSetup setup, runtime::Logger& log);

// make_codec for a codec chosen from an offer.
imsbox::media::MakeCodecResult make_codec_for(const ChosenCodec& codec, const imsbox::media::CodecOptions& options);

}  // namespace imsbox::mrf::media
