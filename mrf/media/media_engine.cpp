#include "mrf/media/media_engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <random>
#include <vector>

#include "ims/box.h"
#include "mrf/media/rtp_session.h"
#include "mrf/media/sdp_answer.h"
#include "runtime/config.h"
#include "runtime/log.h"

namespace imsbox::mrf::media {

namespace asio = boost::asio;
using udp = asio::ip::udp;

// The port pairs of the range: which are held, and where the next search
// starts (after the pair handed out last: a freed pair comes back last).
struct RtpMediaEngine::Ports {
  std::uint16_t first = 0;  // even
  std::vector<bool> held;
  std::size_t cursor = 0;
  std::size_t in_use = 0;

  std::uint16_t port_of(std::size_t pair) const { return static_cast<std::uint16_t>(first + 2 * pair); }
};

RtpEngineSettings rtp_engine_settings(const runtime::Config& c) {
  RtpEngineSettings s;
  s.port_min = c.port("mrf.rtp_port_min");
  s.port_max = c.port("mrf.rtp_port_max");
  if (s.port_max <= s.port_min || s.port_max - (s.port_min + s.port_min % 2) < 1) {
    throw runtime::ConfigError("mrf.rtp_port_min..mrf.rtp_port_max must hold at least one port pair");
  }
  s.bind_address = c.str("global.bind_address");
  std::string advertised = ims::advertised_host(c);
  if (advertised.size() > 2 && advertised.front() == '[') advertised = advertised.substr(1, advertised.size() - 2);
  boost::system::error_code ec;
  asio::ip::make_address(advertised, ec);
  if (ec) {
    throw runtime::ConfigError("global.advertised_address: the MRF needs an IP address for its SDP, not '" +
                               advertised + "'");
  }
  s.advertised_address = advertised;
  s.frame_cache_bytes = static_cast<std::size_t>(c.integer("mrf.frame_cache_kb")) * 1024;
  return s;
}

RtpMediaEngine::RtpMediaEngine(asio::io_context& io, RtpEngineSettings settings, runtime::Logger& log)
    : io_(io), settings_(std::move(settings)), log_(log), ports_(std::make_shared<Ports>()) {
  ports_->first = static_cast<std::uint16_t>(settings_.port_min + settings_.port_min % 2);
  const std::size_t pairs =
      settings_.port_max > ports_->first ? (static_cast<std::size_t>(settings_.port_max) - ports_->first + 1) / 2 : 0;
  ports_->held.assign(pairs, false);
  if (settings_.frame_cache_bytes > 0) frame_cache_ = std::make_shared<FrameCache>(settings_.frame_cache_bytes);
}

RtpMediaEngine::~RtpMediaEngine() = default;

std::size_t RtpMediaEngine::pairs_in_use() const { return ports_->in_use; }

FrameCacheStats RtpMediaEngine::frame_cache_stats() const {
  return frame_cache_ ? frame_cache_->stats() : FrameCacheStats{};
}

std::variant<MediaEngine::Answer, std::string> RtpMediaEngine::answer(std::string_view offer) {
  auto result = negotiate(offer, [](const ChosenCodec& c) { return make_codec_for(c, {}).codec != nullptr; });
  if (auto* error = std::get_if<std::string>(&result)) return *error;
  auto& negotiated = std::get<Negotiated>(result);
  auto made = make_codec_for(negotiated.codec, settings_.codecs);
  if (!made.codec) return "codec " + codec_label(negotiated.codec) + ": " + made.error;

  boost::system::error_code ec;
  const auto bind = asio::ip::make_address(settings_.bind_address, ec);
  if (ec) return "bad bind address " + settings_.bind_address;

  // the next free pair whose two ports bind
  auto& ports = *ports_;
  const std::size_t pairs = ports.held.size();
  for (std::size_t tried = 0; tried < pairs; ++tried) {
    const std::size_t pair = (ports.cursor + tried) % pairs;
    if (ports.held[pair]) continue;
    udp::socket rtp(io_), rtcp(io_);
    const std::uint16_t port = ports.port_of(pair);
    rtp.open(bind.is_v6() ? udp::v6() : udp::v4(), ec);
    if (!ec) rtp.bind(udp::endpoint(bind, port), ec);
    if (!ec) rtcp.open(bind.is_v6() ? udp::v6() : udp::v4(), ec);
    if (!ec) rtcp.bind(udp::endpoint(bind, static_cast<std::uint16_t>(port + 1)), ec);
    if (ec) continue;  // taken by another process: try the next pair
    rtp.non_blocking(true, ec);
    ports.held[pair] = true;
    ++ports.in_use;
    ports.cursor = (pair + 1) % pairs;

    std::random_device random;
    const std::uint64_t id = next_session_id_++;
    SessionSetup setup{std::move(negotiated), std::move(made.codec), LocalMedia{}, std::move(rtp), std::move(rtcp),
                       nullptr, settings_.codecs, settings_.jitter_target, settings_.rtcp_interval, 0, 0, 0,
                       "mrf media " + std::to_string(id) + ": ", frame_cache_};
    setup.local.address = settings_.advertised_address;
    setup.local.port = port;
    setup.local.session_id = std::to_string(random() & 0x7fffffff);
    setup.local.session_version = "1";
    setup.ssrc = random();
    setup.initial_timestamp = random();
    setup.initial_sequence = static_cast<std::uint16_t>(random());
    setup.release = [weak = std::weak_ptr<Ports>(ports_), pair] {
      if (auto p = weak.lock()) {
        p->held[pair] = false;
        --p->in_use;
      }
    };
    std::string sdp = write_answer(setup.negotiated, setup.local);
    log_.debug(setup.log_tag + codec_label(setup.negotiated.codec) + " on port " + std::to_string(port));
    return Answer{make_rtp_session(std::move(setup), log_), std::move(sdp)};
  }
  return std::string("no free media port in mrf.rtp_port_min..mrf.rtp_port_max");
}

}  // namespace imsbox::mrf::media
