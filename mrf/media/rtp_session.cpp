#include "mrf/media/rtp_session.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <optional>
#include <vector>

#include "media/amr_codec.h"
#include "media/jitter_buffer.h"
#include "mrf/media/play_schedule.h"
#include "rtp/demux.h"
#include "rtp/reception_stats.h"
#include "rtp/rtcp.h"
#include "rtp/rtcp_builder.h"
#include "rtp/rtp_packet.h"
#include "rtp/telephone_event.h"
#include "runtime/log.h"

namespace imsbox::mrf::media {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;
namespace m = imsbox::media;

constexpr auto kTick = std::chrono::milliseconds(m::kFrameMs);
constexpr std::size_t kMaxDatagram = 2048;
constexpr auto kEventSilence = std::chrono::milliseconds(500);

m::MakeCodecResult make_codec_for(const ChosenCodec& codec, const m::CodecOptions& options) {
  const auto fmtp = m::parse_fmtp(codec.fmtp);
  return m::make_codec(codec.encoding, static_cast<int>(codec.clock_rate), static_cast<int>(codec.channels), fmtp,
                       options);
}

namespace {

std::optional<udp::endpoint> endpoint_of(const Negotiated& n, bool rtcp = false) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(n.remote_address, ec);
  if (ec || address.is_unspecified() || n.remote_port == 0) return std::nullopt;
  return udp::endpoint(address, rtcp ? n.remote_rtcp_port : n.remote_port);
}

struct Core : std::enable_shared_from_this<Core> {
  Core(SessionSetup s, runtime::Logger& l)
      : setup(std::move(s)), log(l), timer(setup.rtp.get_executor()) {}

  SessionSetup setup;
  runtime::Logger& log;
  asio::steady_timer timer;
  bool closed = false;

  // where we send (symmetric RTP, media_engine.h)
  std::optional<udp::endpoint> destination, sdp_destination;
  bool latched = false;

  // RTCP (without rtcp-mux: its own port, latched on its own)
  std::optional<udp::endpoint> rtcp_destination;
  bool rtcp_latched = false;
  std::optional<std::uint32_t> remote_ssrc;
  std::optional<rtp::ReceptionStatistics> reception;
  std::uint64_t payload_octets_sent = 0;
  Clock::time_point next_report;
  std::string cname;

  // what we send
  enum class Mode { silent, play, echo } mode = Mode::silent;
  std::optional<PlaySchedule> schedule;
  std::function<void()> on_done;
  std::optional<m::JitterBuffer> jitter;
  std::deque<std::int16_t> echo_fifo;
  std::size_t echo_delay_samples = 0;
  std::vector<std::int16_t> frame;
  std::vector<std::int16_t> decoded;

  // plays from the frame cache: the entries of the current play (its PCM
  // and one frame of silence for the delays) for `cached_mode`; AMR follows
  // the peer's CMR with a mode control of its own (the codec's runs only
  // when it encodes)
  std::shared_ptr<EncodedPrompt> cached_play, cached_silence;
  int cached_mode = -1;
  std::optional<m::AmrModeControl> amr_modes;
  // the CMR of the peer's last AMR payload (the first 4 bits in either
  // packing, RFC 4867 §4.3.1/§4.4.1), read also when nothing is decoded
  std::uint8_t peer_cmr = m::kAmrNoModeRequest;
  bool is_amr = false;

  // RTP state of our stream
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  bool talkspurt_start = true;
  Clock::time_point next_tick;

  rtp::TelephoneEventReceiver events;
  std::optional<std::uint32_t> event_ssrc;
  std::function<void(char)> on_digit;
  std::optional<Clock::time_point> last_event_packet;
  std::optional<rtp::ReceivedEvent> flushed;  // the last event reported without its end

  MediaStats stats;
  std::array<std::uint8_t, kMaxDatagram> in{};
  std::array<std::uint8_t, kMaxDatagram> rtcp_in{};
  std::array<std::uint8_t, rtp::rtp_fixed_header_size + m::kMaxPayload> out{};
  udp::endpoint from, rtcp_from;

  const m::CodecInfo& info() const { return setup.codec->info(); }

  void start() {
    sequence = setup.initial_sequence;
    timestamp = setup.initial_timestamp;
    frame.assign(info().frame_samples, 0);
    is_amr = dynamic_cast<const m::AmrCodec*>(setup.codec.get()) != nullptr;
    sdp_destination = destination = endpoint_of(setup.negotiated);
    rtcp_destination = endpoint_of(setup.negotiated, true);
    cname = "mrf@" + setup.local.address;
    next_report = Clock::now() + setup.rtcp_interval;
    stats.codec = codec_label(setup.negotiated.codec);
    receive();
    receive_rtcp();
    next_tick = Clock::now() + kTick;
    arm();
  }

  void close() {
    closed = true;
    boost::system::error_code ec;
    timer.cancel();
    setup.rtp.close(ec);
    setup.rtcp.close(ec);
    if (setup.release) std::exchange(setup.release, nullptr)();
  }

  // ---- the 20 ms tick ----

  void arm() {
    timer.expires_at(next_tick);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->closed) return;
      self->tick();
    });
  }

  void tick() {
    const auto now = Clock::now();
    bool have = false;
    bool finished = false;
    std::optional<std::span<const std::uint8_t>> cached;
    if (mode == Mode::play && schedule && setup.frame_cache) {
      const auto slot = schedule->next_slot();
      have = slot.has_value();
      finished = schedule->done();
      if (have) cached = cached_frame(*slot);
      if (have && !cached) fill_frame(*slot);  // no cache entry: encode it here
    } else if (mode == Mode::play && schedule) {
      have = schedule->next_frame(frame);
      finished = schedule->done();
    } else if (mode == Mode::echo) {
      have = echo_frame(now);
    }
    if (have && setup.negotiated.we_send() && destination) {
      if (cached) {
        send_payload(*cached);
      } else {
        send_frame();
      }
    } else {
      talkspurt_start = true;
    }
    timestamp += info().frame_timestamp;
    end_silent_event(now);
    if (now >= next_report) {
      next_report = now + setup.rtcp_interval;
      send_report(now);
    }
    next_tick += kTick;
    // a stalled loop skips the frames it missed rather than bursting them out
    if (now - next_tick > 10 * kTick) next_tick = now + kTick;
    if (finished) {
      mode = Mode::silent;
      schedule.reset();
      forget_cached();
      if (auto done = std::exchange(on_done, nullptr)) done();
    }
    if (!closed) arm();
  }

  void send_frame() {
    constexpr std::size_t header = rtp::rtp_fixed_header_size;
    const auto r = setup.codec->encode(frame, std::span(out).subspan(header));
    if (r.error != m::CodecError::none) {
      talkspurt_start = true;
      return;
    }
    send_payload(std::span<const std::uint8_t>(out.data() + header, r.size));
  }

  // One RTP packet around `payload` (which may already sit in `out` after
  // the header); an empty payload is a DTX pause.
  void send_payload(std::span<const std::uint8_t> payload) {
    if (payload.empty()) {
      talkspurt_start = true;
      return;
    }
    rtp::RtpHeaderFields f;
    f.marker = talkspurt_start;
    f.payload_type = setup.negotiated.codec.payload_type;
    f.sequence = sequence;
    f.timestamp = timestamp;
    f.ssrc = setup.ssrc;
    const std::size_t n = rtp::build_rtp(out, f, payload);
    if (n == 0) return;
    boost::system::error_code ec;
    setup.rtp.send_to(asio::buffer(out.data(), n), *destination, 0, ec);
    if (ec) return;  // counted as not sent; the sequence number stays unused
    ++sequence;
    talkspurt_start = false;
    ++stats.packets_sent;
    stats.bytes_sent += n;
    payload_octets_sent += payload.size();
  }

  // ---- plays from the frame cache ----

  // The mode our next AMR frame takes (the peer's CMR within the rules),
  // -1 for other codecs.
  int next_amr_mode() {
    if (!is_amr) return -1;
    const auto* amr = static_cast<const m::AmrCodec*>(setup.codec.get());
    if (!amr_modes) amr_modes.emplace(amr->params().kind, amr->params().modes);
    amr_modes->on_mode_request(peer_cmr);
    return amr_modes->next_frame_mode();
  }

  // What determines the payloads of this session's codec at `mode`.
  std::string codec_key(int mode) const {
    if (const auto* amr = dynamic_cast<const m::AmrCodec*>(setup.codec.get())) {
      const auto& p = amr->params();
      return std::string(p.kind == m::AmrKind::wb ? "AMR-WB" : "AMR") +
             (p.packing == m::AmrPacking::octet_aligned ? " oa" : " be") + (p.dtx ? " dtx" : "") + " mode " +
             std::to_string(mode);
    }
    auto params = m::parse_fmtp(setup.negotiated.codec.fmtp);
    std::vector<std::string> sorted;
    for (const auto& fp : params) {
      std::string name(fp.name);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      sorted.push_back(name + "=" + std::string(fp.value));
    }
    std::sort(sorted.begin(), sorted.end());
    std::string key = codec_label(setup.negotiated.codec) + "/" + std::to_string(setup.negotiated.codec.channels);
    for (const auto& p : sorted) key += ";" + p;
    const auto& o = setup.codec_options;
    return key + " options " + std::to_string(o.opus_pcm_rate) + "," + std::to_string(o.opus_complexity) + "," +
           (o.opus_fec ? "fec" : "") + (o.amr_dtx ? ",dtx" : "");
  }

  FrameCache::EncoderFactory encoder_factory(int mode) const {
    if (const auto* amr = dynamic_cast<const m::AmrCodec*>(setup.codec.get())) {
      m::AmrParams p = amr->params();
      p.modes = m::AmrModeRules{};
      p.modes.mode_set = static_cast<std::uint16_t>(1u << mode);
      p.modes.initial_mode = static_cast<std::uint8_t>(mode);
      return [p]() -> std::unique_ptr<m::FrameCodec> { return m::AmrCodec::create(p); };
    }
    return [codec = setup.negotiated.codec, options = setup.codec_options] {
      return make_codec_for(codec, options).codec;
    };
  }

  // The cached payload of `slot`; nullopt when the cache cannot make it.
  std::optional<std::span<const std::uint8_t>> cached_frame(const PlaySchedule::Slot& slot) {
    const int mode = next_amr_mode();
    if (!cached_play || mode != cached_mode || (!slot.silence && slot.index < cached_play->first_frame())) {
      const auto key = codec_key(mode);
      const auto factory = encoder_factory(mode);
      const std::size_t fs = info().frame_samples;
      // from this frame on: joining mid-play must not encode the frames before it at once
      cached_play = setup.frame_cache->find_or_make(schedule->pcm(), fs, key, factory, slot.silence ? 0 : slot.index);
      const std::vector<std::int16_t> silence(fs, 0);
      cached_silence = setup.frame_cache->find_or_make(silence, fs, key, factory);
      cached_mode = mode;
    }
    const auto& entry = slot.silence ? cached_silence : cached_play;
    std::span<const std::uint8_t> payload;
    if (!entry || !entry->frame(slot.silence ? 0 : slot.index, payload)) return std::nullopt;
    return payload;
  }

  void fill_frame(const PlaySchedule::Slot& slot) {
    std::fill(frame.begin(), frame.end(), std::int16_t{0});
    if (slot.silence) return;
    const auto pcm = schedule->pcm();
    const std::size_t from = static_cast<std::size_t>(slot.index) * frame.size();
    if (from >= pcm.size()) return;
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(from), std::min(frame.size(), pcm.size() - from),
                frame.begin());
  }

  void forget_cached() {
    cached_play.reset();
    cached_silence.reset();
    cached_mode = -1;
  }

  // Our SR (RR before we sent anything) with a block about the peer's
  // stream, and the SDES CNAME a compound needs (RFC 3550 §6.1).
  void send_report(Clock::time_point now) {
    const bool mux = setup.negotiated.rtcp_mux;
    const auto& to = mux ? destination : rtcp_destination;
    if (!to) return;
    std::array<rtp::ReportBlock, 1> block{};
    std::size_t blocks = 0;
    if (remote_ssrc && reception && reception->confirmed()) {
      block[0] = reception->make_report_block(*remote_ssrc, now.time_since_epoch());
      blocks = 1;
    }
    std::array<std::uint8_t, 512> report{};
    std::size_t n = 0;
    if (stats.packets_sent > 0) {
      rtp::SenderInfo info;
      info.ntp_timestamp = rtp::to_ntp(std::chrono::system_clock::now());
      info.rtp_timestamp = timestamp;
      info.packet_count = static_cast<std::uint32_t>(stats.packets_sent);
      info.octet_count = static_cast<std::uint32_t>(payload_octets_sent);
      n = rtp::build_sender_report(report, setup.ssrc, info, std::span(block.data(), blocks));
    } else {
      n = rtp::build_receiver_report(report, setup.ssrc, std::span(block.data(), blocks));
    }
    if (n == 0) return;
    const std::size_t m = rtp::build_sdes_cname(std::span(report).subspan(n), setup.ssrc, cname);
    if (m == 0) return;
    boost::system::error_code ec;
    (mux ? setup.rtp : setup.rtcp).send_to(asio::buffer(report.data(), n + m), *to, 0, ec);
  }

  void on_rtcp(std::span<const std::uint8_t> packet) {
    if (rtp::validate_rtcp(packet) != rtp::RtcpError::none) return;
    rtp::RtcpCompoundReader reader(packet);
    rtp::RtcpPacket p;
    while (reader.next(p)) {
      if (p.type != rtp::rtcp_type::sr) continue;
      if (const auto sr = rtp::parse_sender_report(p); sr && reception && remote_ssrc == sr->ssrc) {
        reception->on_sender_report(sr->sender.ntp_timestamp, Clock::now().time_since_epoch());
      }
    }
  }

  // One frame of the echo: what the jitter buffer plays now, `delay` later.
  bool echo_frame(Clock::time_point now) {
    const std::size_t fs = info().frame_samples;
    bool got = false;
    while (auto f = jitter->pop(now)) {
      decoded.resize(static_cast<std::size_t>(info().pcm_rate) * m::kMaxPayloadMs / 1000);
      const auto r = f->lost ? setup.codec->conceal(decoded, f->next_payload) : setup.codec->decode(f->payload, decoded);
      if (r.error != m::CodecError::none) continue;
      echo_fifo.insert(echo_fifo.end(), decoded.begin(), decoded.begin() + static_cast<std::ptrdiff_t>(r.samples));
      got = true;
    }
    if (!got && !jitter->playing()) echo_fifo.insert(echo_fifo.end(), fs, 0);  // nothing heard: silence
    const std::size_t bound = echo_delay_samples + 10 * fs;
    if (echo_fifo.size() > bound) echo_fifo.erase(echo_fifo.begin(), echo_fifo.end() - static_cast<std::ptrdiff_t>(bound));
    if (echo_fifo.size() < echo_delay_samples + fs) return false;
    std::copy_n(echo_fifo.begin(), fs, frame.begin());
    echo_fifo.erase(echo_fifo.begin(), echo_fifo.begin() + static_cast<std::ptrdiff_t>(fs));
    return true;
  }

  void start_echo(std::chrono::milliseconds delay) {
    m::JitterBufferConfig c;
    c.clock_rate = info().rtp_clock_rate;
    c.frame_timestamp = info().frame_timestamp;
    c.target_delay = std::min(setup.jitter_target, delay);
    c.max_delay = std::max(c.max_delay, 2 * c.target_delay);
    jitter.emplace(c);
    const auto rest = delay - c.target_delay;
    echo_delay_samples =
        rest.count() > 0 ? static_cast<std::size_t>(rest.count()) * static_cast<std::size_t>(info().pcm_rate) / 1000 : 0;
    echo_fifo.clear();
    mode = Mode::echo;
  }

  // ---- receiving ----

  void receive() {
    setup.rtp.async_receive_from(asio::buffer(in), from,
                                 [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                   if (self->closed || ec == asio::error::operation_aborted) return;
                                   if (!ec) self->on_datagram(n);
                                   if (!self->closed) self->receive();
                                 });
  }

  void receive_rtcp() {
    setup.rtcp.async_receive_from(asio::buffer(rtcp_in), rtcp_from,
                                  [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                    if (self->closed || ec == asio::error::operation_aborted) return;
                                    if (!ec) self->on_rtcp_port(n);
                                    if (!self->closed) self->receive_rtcp();
                                  });
  }

  void on_rtcp_port(std::size_t n) {
    const std::span<const std::uint8_t> datagram(rtcp_in.data(), n);
    if (rtp::classify_packet(datagram) != rtp::PacketClass::rtcp) return;
    // latched as RTP is: the first RTCP from anywhere, then only from there
    if (!rtcp_latched) {
      rtcp_destination = rtcp_from;
      rtcp_latched = true;
    } else if (rtcp_destination != rtcp_from) {
      return;
    }
    on_rtcp(datagram);
  }

  bool admit() {
    if (!latched || (sdp_destination == from && destination != from)) {
      if (destination != from) {
        log.debug(setup.log_tag + "latched to " + from.address().to_string() + ":" + std::to_string(from.port()));
      }
      destination = from;
      latched = true;
      return true;
    }
    return destination == from;
  }

  void on_datagram(std::size_t n) {
    const std::span<const std::uint8_t> datagram(in.data(), n);
    const auto kind = rtp::classify_packet(datagram);
    if (kind == rtp::PacketClass::rtcp && setup.negotiated.rtcp_mux && latched && from == destination) {
      on_rtcp(datagram);
      return;
    }
    if (kind != rtp::PacketClass::rtp) return;  // STUN, junk
    const auto parsed = rtp::parse_rtp(datagram);
    if (!parsed) return;
    const auto& p = parsed.packet;
    const auto& neg = setup.negotiated;
    const bool audio = p.payload_type() == neg.codec.payload_type;
    const bool event = neg.telephone_event && p.payload_type() == neg.telephone_event->payload_type;
    if (!audio && !event) return;
    if (!admit()) return;
    ++stats.packets_received;
    stats.bytes_received += n;
    stats.last_received = Clock::now();
    if (audio) {
      if (remote_ssrc != p.ssrc() || !reception) {
        remote_ssrc = p.ssrc();
        reception.emplace(static_cast<std::uint32_t>(info().rtp_clock_rate));
      }
      reception->on_packet(p.sequence(), p.timestamp(), Clock::now().time_since_epoch());
      if (is_amr && !p.payload().empty()) peer_cmr = p.payload()[0] >> 4;
      if (mode == Mode::echo && jitter) {
        jitter->push(p.payload(), p.sequence(), p.timestamp(), setup.codec->payload_duration(p.payload()),
                     Clock::now());
      }
      return;
    }
    if (event_ssrc != p.ssrc()) {
      events.reset();
      event_ssrc = p.ssrc();
    }
    last_event_packet = Clock::now();
    events.on_packet(p.timestamp(), p.payload(), [this](const rtp::ReceivedEvent& e) { report(e); });
  }

  void report(const rtp::ReceivedEvent& e) {
    // the late end of an event already reported by end_silent_event()
    // (TelephoneEventReceiver reports an end after flush() again)
    if (flushed && flushed->event == e.event && flushed->timestamp == e.timestamp) return;
    const char digit = rtp::dtmf_char(e.event);
    if (digit == '\0') return;
    ++stats.digits_received;
    log.debug(setup.log_tag + "digit " + std::string(1, digit) + (e.ended ? "" : " (its end was lost)"));
    if (on_digit) on_digit(digit);
  }

  // An event whose end packets were all lost ends when its packets stop
  // (updates come every 50 ms, RFC 4733 §2.5.1.2); a late end packet of it
  // reports nothing more.
  void end_silent_event(Clock::time_point now) {
    if (!last_event_packet || now - *last_event_packet < kEventSilence) return;
    last_event_packet.reset();
    if (const auto e = events.flush()) {
      report(*e);
      flushed = e;
    }
  }

  // ---- a new offer ----

  std::variant<std::string, std::string> update(std::string_view offer) {
    auto result = negotiate(offer, [](const ChosenCodec& c) { return make_codec_for(c, {}).codec != nullptr; });
    if (auto* error = std::get_if<std::string>(&result)) return std::variant<std::string, std::string>(std::in_place_index<1>, *error);
    auto& n = std::get<Negotiated>(result);
    if (n.codec != setup.negotiated.codec) {
      const auto delay = echo_delay();
      auto made = make_codec_for(n.codec, setup.codec_options);
      if (!made.codec) return std::variant<std::string, std::string>(std::in_place_index<1>, made.error);
      setup.codec = std::move(made.codec);
      frame.assign(info().frame_samples, 0);
      forget_cached();
      amr_modes.reset();
      peer_cmr = m::kAmrNoModeRequest;
      is_amr = dynamic_cast<const m::AmrCodec*>(setup.codec.get()) != nullptr;
      stats.codec = codec_label(n.codec);
      if (mode == Mode::echo && jitter) start_echo(delay);
      talkspurt_start = true;
    }
    const auto said = endpoint_of(n);
    // the same address again (a re-INVITE for another reason): keep the latch
    if (said != sdp_destination || !(latched || destination == said)) {
      sdp_destination = destination = said;
      latched = false;
      rtcp_destination = endpoint_of(n, true);
      rtcp_latched = false;
    }
    if (n.telephone_event != setup.negotiated.telephone_event) events.reset();
    setup.negotiated = std::move(n);
    setup.local.session_version = std::to_string(std::stoull(setup.local.session_version) + 1);
    return std::variant<std::string, std::string>(std::in_place_index<0>, write_answer(setup.negotiated, setup.local));
  }

  std::chrono::milliseconds echo_delay() const {
    return std::chrono::milliseconds(echo_delay_samples * 1000 / static_cast<std::size_t>(info().pcm_rate)) +
           (jitter ? setup.jitter_target : std::chrono::milliseconds(0));
  }
};

class RtpSession final : public MediaSession {
 public:
  explicit RtpSession(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  ~RtpSession() override { core_->close(); }

  int pcm_rate() const override { return core_->info().pcm_rate; }

  void play(PlayRequest request, std::function<void()> on_done) override {
    core_->schedule.emplace(std::move(request), core_->info().frame_samples, core_->info().pcm_rate);
    core_->forget_cached();
    core_->on_done = std::move(on_done);
    core_->mode = Core::Mode::play;
    core_->jitter.reset();
  }

  void echo(std::chrono::milliseconds delay) override {
    core_->schedule.reset();
    core_->forget_cached();
    core_->on_done = nullptr;
    core_->start_echo(delay);
  }

  void stop() override {
    core_->schedule.reset();
    core_->forget_cached();
    core_->on_done = nullptr;
    core_->jitter.reset();
    core_->mode = Core::Mode::silent;
  }

  void on_digit(std::function<void(char)> handler) override { core_->on_digit = std::move(handler); }

  std::variant<std::string, std::string> update(std::string_view offer) override { return core_->update(offer); }

  MediaStats stats() const override { return core_->stats; }

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace

std::unique_ptr<MediaSession> make_rtp_session(SessionSetup setup, runtime::Logger& log) {
  auto core = std::make_shared<Core>(std::move(setup), log);
  core->start();
  return std::make_unique<RtpSession>(std::move(core));
}

}  // namespace imsbox::mrf::media
