#include "agw/media_path.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "media/prompt_resample.h"
#include "rtp/rtcp.h"
#include "rtp/rtcp_builder.h"
#include "rtp/rtp_packet.h"

namespace imsbox::agw {

namespace {

std::chrono::nanoseconds since_epoch(MediaTime t) { return t.time_since_epoch(); }

media::MakeCodecResult make_codec_for(const Codec& c, const media::CodecOptions& options) {
  const auto fmtp = media::parse_fmtp(c.fmtp);
  return media::make_codec(c.encoding, static_cast<int>(c.clock_rate), static_cast<int>(c.channels.value_or(1)), fmtp,
                           options);
}

}  // namespace

void MediaPath::clear() {
  for (PartyMedia* p : parties_) {
    if (p != nullptr && p->playing) end_announcement(*p);
  }
  plan_ = MediaPlan{};
  transcoder_.reset();
  directions_ = {};
}

std::string MediaPath::configure(const MediaPlan& plan, PartyMedia& offerer, PartyMedia& answerer, MediaTime now) {
  // A re-offer that keeps the same codecs on the same parties (hold and
  // resume, an SDP-less re-INVITE, a repeated answer) keeps the transcoder:
  // its jitter buffers, codec states and output timelines go on.
  std::unique_ptr<media::TranscodedCall> transcoder;
  std::array<std::pair<media::TranscodeChain*, std::uint32_t>, 2> chains{};  // offerer's, answerer's
  if (plan.active && plan.transcoding && transcoding()) {
    const bool same = parties_[0] == &offerer && parties_[1] == &answerer && plan_.offerer_codec == plan.offerer_codec &&
                      plan_.answerer_codec == plan.answerer_codec;
    const bool swapped = parties_[0] == &answerer && parties_[1] == &offerer &&
                         plan_.offerer_codec == plan.answerer_codec && plan_.answerer_codec == plan.offerer_codec;
    if (same || swapped) {
      transcoder = std::move(transcoder_);
      // the chain that carried each party's audio carries it on
      for (const auto& d : directions_) chains[d.from == &offerer ? 0 : 1] = {d.chain, d.chain_offset};
    }
  }
  clear();
  parties_ = {&offerer, &answerer};
  if (!plan.active) {
    plan_ = plan;
    return {};
  }
  const bool kept = transcoder != nullptr;
  if (plan.transcoding && !kept) {
    auto a = make_codec_for(plan.offerer_codec, config_.codecs);
    if (!a.codec) return "codec " + describe(plan.offerer_codec) + ": " + a.error;
    auto b = make_codec_for(plan.answerer_codec, config_.codecs);
    if (!b.codec) return "codec " + describe(plan.answerer_codec) + ": " + b.error;
    transcoder = std::make_unique<media::TranscodedCall>(std::move(a.codec), std::move(b.codec), config_.transcode);
  }
  plan_ = plan;
  transcoder_ = std::move(transcoder);
  const auto prepare = [&](PartyMedia& p, const Codec& codec, const std::optional<Codec>& event,
                           const std::vector<Codec>& others) {
    if (!p.received) p.received.emplace(codec.clock_rate);
    if (event) p.received->exclude_from_jitter(event->payload_type);
    for (const auto& other : others) p.received->exclude_from_jitter(other.payload_type);
    p.sending.set_clock_rate(codec.clock_rate);
    p.sending.rejoin();
  };
  prepare(offerer, plan_.offerer_codec, plan_.offerer_telephone_event, plan_.offerer_other_events);
  prepare(answerer, plan_.answerer_codec, plan_.answerer_telephone_event, plan_.answerer_other_events);

  Direction& forward = directions_[0];
  forward.from = &offerer;
  forward.to = &answerer;
  forward.payload_types = &plan_.offerer_to_answerer;
  forward.from_codec = plan_.offerer_codec;
  forward.to_codec = plan_.answerer_codec;
  forward.from_event = plan_.offerer_telephone_event;
  forward.to_event = plan_.answerer_telephone_event;
  forward.from_other_events = &plan_.offerer_other_events;
  Direction& backward = directions_[1];
  backward.from = &answerer;
  backward.to = &offerer;
  backward.payload_types = &plan_.answerer_to_offerer;
  backward.from_codec = plan_.answerer_codec;
  backward.to_codec = plan_.offerer_codec;
  backward.from_event = plan_.answerer_telephone_event;
  backward.to_event = plan_.offerer_telephone_event;
  backward.from_other_events = &plan_.answerer_other_events;
  if (transcoder_ && kept) {
    std::tie(forward.chain, forward.chain_offset) = chains[0];
    std::tie(backward.chain, backward.chain_offset) = chains[1];
  } else if (transcoder_) {
    forward.chain = &transcoder_->a_to_b();
    backward.chain = &transcoder_->b_to_a();
    // the chains count from initial_timestamp; what we send continues our timeline
    forward.chain_offset = answerer.sending.timestamp_at(now) - config_.transcode.initial_timestamp;
    backward.chain_offset = offerer.sending.timestamp_at(now) - config_.transcode.initial_timestamp;
  }
  return {};
}

MediaPath::Direction* MediaPath::direction_from(const PartyMedia& from) {
  for (auto& d : directions_) {
    if (d.from == &from) return &d;
  }
  return nullptr;
}

const media::TranscodeStats* MediaPath::transcode_stats(const PartyMedia& from) const {
  for (const auto& d : directions_) {
    if (d.from == &from && d.chain != nullptr) return &d.chain->stats();
  }
  return nullptr;
}

void MediaPath::on_rtp(PartyMedia& from, std::span<std::uint8_t> packet, MediaTime now) noexcept {
  const auto parsed = rtp::parse_rtp(packet);
  if (!parsed) {
    if (from.received) from.received->on_error();
    return;
  }
  from.last_rtp = now;
  if (from.received) from.received->on_rtp(parsed.packet, since_epoch(now));
  if (!plan_.active) return;
  Direction* d = direction_from(from);
  if (d == nullptr) return;
  const std::uint8_t pt = parsed.packet.payload_type();
  if (!plan_.transcoding) {
    relay(*d, packet, parsed.packet, now);
  } else if (pt == d->from_codec.payload_type) {
    d->chain->push(parsed.packet.payload(), parsed.packet.sequence(), parsed.packet.timestamp(), now);
  } else if (const std::uint32_t clock = d->to_event ? event_clock(*d, pt) : 0; clock != 0) {
    transcode_event(*d, packet, parsed.packet, clock, now);
  } else {
    ++from.dropped;
  }
}

std::uint32_t MediaPath::event_clock(const Direction& d, std::uint8_t pt) noexcept {
  if (d.from_event && pt == d.from_event->payload_type) return d.from_event->clock_rate;
  if (d.from_other_events == nullptr) return 0;
  for (const auto& c : *d.from_other_events) {
    if (c.payload_type == pt) return c.clock_rate;
  }
  return 0;
}

void MediaPath::relay(Direction& d, std::span<std::uint8_t> packet, const rtp::RtpPacket& parsed,
                      MediaTime now) noexcept {
  if (d.to->playing) return;  // it hears an announcement instead
  const std::uint8_t pt = parsed.payload_type();
  const auto mapped = d.payload_types->map(pt);
  if (!mapped || packet.size() > kMaxDatagram) {
    ++d.from->dropped;
    return;
  }
  std::memcpy(scratch_.data(), packet.data(), packet.size());
  const rtp::MutableBytes out(scratch_.data(), packet.size());
  rtp::set_payload_type(out, *mapped);
  d.to->sending.relay(out, parsed, now);
  const bool event = d.from_event && pt == d.from_event->payload_type;
  if (event && d.to_event && d.from_event->clock_rate != d.to_event->clock_rate) {
    // the timestamps run on the (shared) audio clock; durations count the event's clock
    std::uint8_t* blocks = scratch_.data() + parsed.header_size();
    for (std::size_t i = 0; i < rtp::telephone_event_count(parsed.payload()); ++i) {
      std::uint8_t* duration = blocks + i * rtp::telephone_event_size + 2;
      const auto scaled = rtp::rescale_duration(rtp::load16(duration), d.from_event->clock_rate, d.to_event->clock_rate);
      rtp::store16(duration, static_cast<std::uint16_t>(std::min<std::uint64_t>(scaled, rtp::max_event_duration)));
    }
  }
  if (d.to->leg != nullptr && d.to->leg->send_rtp(scratch_, packet.size())) {
    d.to->sending.sent(rtp::load32(scratch_.data() + 4), parsed.payload().size(), now, !event);
  } else {
    ++d.to->send_failures;
  }
}

void MediaPath::transcode_event(Direction& d, std::span<std::uint8_t> packet, const rtp::RtpPacket& parsed,
                                std::uint32_t from_clock, MediaTime now) noexcept {
  if (packet.size() > kMaxDatagram || d.to->playing) return;
  const std::uint32_t ts = parsed.timestamp();
  const bool continues = d.last_event_timestamp && d.last_event_clock == from_clock &&
                         (ts == *d.last_event_timestamp || ts - *d.last_event_timestamp == rtp::max_event_duration);
  if (!continues || !d.event_timestamps) {
    // a new event begins now on the outgoing timeline
    d.event_timestamps.emplace(from_clock, d.to_event->clock_rate, ts, d.to->sending.timestamp_at(now));
  }
  d.last_event_timestamp = ts;
  d.last_event_clock = from_clock;
  std::memcpy(scratch_.data(), packet.data(), packet.size());
  const rtp::MutableBytes out(scratch_.data(), packet.size());
  rtp::set_payload_type(out, d.to_event->payload_type);
  if (!d.event_rescaler.apply(out, *d.event_timestamps)) {
    ++d.from->dropped;
    return;
  }
  rtp::set_ssrc(out, d.to->sending.ssrc());
  rtp::set_sequence(out, d.to->sending.take_sequence());
  if (d.to->leg != nullptr && d.to->leg->send_rtp(scratch_, packet.size())) {
    d.to->sending.sent(rtp::load32(scratch_.data() + 4), parsed.payload().size(), now, false);
  } else {
    ++d.to->send_failures;
  }
}

void MediaPath::on_rtcp(PartyMedia& from, std::span<std::uint8_t> packet, MediaTime now) noexcept {
  if (!from.received) return;
  if (rtp::validate_rtcp(packet) != rtp::RtcpError::none) {
    from.received->on_error();
    return;
  }
  from.received->on_rtcp(packet.size());
  rtp::RtcpCompoundReader reader(packet);
  rtp::RtcpPacket p;
  while (reader.next(p)) {
    if (p.type != rtp::rtcp_type::sr) continue;
    if (const auto sr = rtp::parse_sender_report(p); sr && from.received->ssrc() == sr->ssrc) {
      from.received->source().on_sender_report(sr->sender.ntp_timestamp, since_epoch(now));
    }
  }
}

bool MediaPath::needs_tick() const {
  if (transcoding()) return true;
  return std::any_of(parties_.begin(), parties_.end(), [](const PartyMedia* p) {
    return p != nullptr && ((p->dtmf && p->dtmf->active()) || p->playing);
  });
}

void MediaPath::tick(MediaTime now) noexcept {
  if (transcoding()) {
    for (auto& d : directions_) {
      for (int guard = 0; guard < 16; ++guard) {
        const auto out = d.chain->pull(now);
        if (!out) break;
        if (d.to->playing) continue;  // it hears an announcement instead (the chain runs on)
        if (d.rejoin_chain) {
          d.rejoin_chain = false;
          d.chain_offset = d.to->sending.next_timestamp(now, d.to_codec.clock_rate / 50) - out->timestamp;
        }
        const std::uint32_t ts = out->timestamp + d.chain_offset;
        rtp::RtpHeaderFields h;
        h.marker = out->marker;
        h.payload_type = d.to_codec.payload_type;
        h.sequence = d.to->sending.take_sequence();
        h.timestamp = ts;
        h.ssrc = d.to->sending.ssrc();
        const std::size_t n = rtp::build_rtp(std::span(scratch_.data(), kMaxDatagram), h, out->payload);
        if (n == 0) continue;
        if (d.to->leg != nullptr && d.to->leg->send_rtp(scratch_, n)) {
          d.to->sending.sent(ts, out->payload.size(), now, true);
        } else {
          ++d.to->send_failures;
        }
      }
    }
  }
  for (PartyMedia* p : parties_) {
    if (p != nullptr && p->dtmf && p->dtmf->active()) send_dtmf(*p, now);
    if (p != nullptr && p->playing) send_announcement(*p, now);
  }
}

void MediaPath::send_announcement(PartyMedia& to, MediaTime now) noexcept {
  PlayingMedia& m = *to.playing;
  for (int guard = 0; guard < 8; ++guard) {
    const auto frame = m.announcement.next(now);
    if (!frame) break;
    const auto encoded = m.codec->encode(frame->pcm, payload_);
    if (encoded.error != media::CodecError::none || encoded.size == 0) continue;
    rtp::RtpHeaderFields h;
    h.marker = frame->marker;
    h.payload_type = m.payload_type;
    h.sequence = to.sending.take_sequence();
    h.timestamp = frame->timestamp;
    h.ssrc = to.sending.ssrc();
    const std::size_t n =
        rtp::build_rtp(std::span(scratch_.data(), kMaxDatagram), h, std::span(payload_.data(), encoded.size));
    if (n != 0 && to.leg != nullptr && to.leg->send_rtp(scratch_, n)) {
      to.sending.sent(frame->timestamp, encoded.size, frame->due, true);
      m.last_frame.emplace(frame->timestamp, frame->due);
    } else {
      ++to.send_failures;
    }
  }
  if (m.announcement.finished()) end_announcement(to);
}

void MediaPath::end_announcement(PartyMedia& to) noexcept {
  if (const auto& last = to.playing->last_frame) {
    // the stream goes on after the end of our last frame
    to.sending.anchor(last->first + to.playing->frame_timestamp, last->second + std::chrono::milliseconds(20));
  }
  to.playing.reset();
  // the relayed source (or the transcoder's output) is joined on again: it follows our last frame
  to.sending.rejoin();
  for (auto& d : directions_) {
    if (d.to == &to) d.rejoin_chain = true;
  }
}

MediaPath::PlayResult MediaPath::play_media(PartyMedia& toward, const media::WavAudio& audio,
                                            std::int64_t repeat_times, std::size_t start_frame, MediaTime now) {
  PlayResult r;
  if (!plan_.active) {
    r.error = "no media flows in this call yet";
    return r;
  }
  const Codec* codec = nullptr;
  if (&toward == parties_[0]) codec = &plan_.offerer_codec;
  if (&toward == parties_[1]) codec = &plan_.answerer_codec;
  if (codec == nullptr) {
    r.error = "that party has no media in this call";
    return r;
  }
  auto made = make_codec_for(*codec, config_.codecs);
  if (!made.codec) {
    r.error = "cannot play to a party using " + describe(*codec) + ": " + made.error;
    return r;
  }
  if (audio.samples.empty() || audio.sample_rate <= 0) {
    r.error = "the media holds no audio";
    return r;
  }
  const auto& info = made.codec->info();
  std::vector<std::int16_t> pcm;
  if (audio.sample_rate == info.pcm_rate) {
    pcm = audio.samples;
  } else {
    std::string error;
    pcm = media::convert_sample_rate(audio.samples, audio.sample_rate, info.pcm_rate, &error);
    if (pcm.empty()) {
      r.error = "cannot convert the media from " + std::to_string(audio.sample_rate) + " Hz to " +
                std::to_string(info.pcm_rate) + " Hz" + (error.empty() ? std::string() : ": " + error);
      return r;
    }
  }
  Announcement::Options o;
  o.frame_samples = info.frame_samples;
  o.frame_timestamp = info.frame_timestamp;
  o.repeat_times = repeat_times;
  o.start_frame = start_frame;
  toward.sending.set_clock_rate(static_cast<std::uint32_t>(info.rtp_clock_rate));
  // a relayed packet sent just now still covers its 20 ms
  const std::uint32_t first = toward.sending.next_timestamp(now, info.frame_timestamp);
  auto playing = std::unique_ptr<PlayingMedia>(new PlayingMedia{Announcement(std::move(pcm), o, now, first),
                                                                std::move(made.codec), codec->payload_type,
                                                                info.frame_timestamp, std::nullopt});
  r.duration = playing->announcement.duration();
  toward.playing = std::move(playing);
  send_announcement(toward, now);  // the first frame now, the next ones on the tick
  return r;
}

std::optional<std::size_t> MediaPath::stop_media(PartyMedia& toward) {
  if (!toward.playing) return std::nullopt;
  const std::size_t position = toward.playing->announcement.position();
  end_announcement(toward);
  return position;
}

void MediaPath::send_dtmf(PartyMedia& to, MediaTime now) noexcept {
  const std::uint32_t ts = to.sending.timestamp_at(now);
  for (int guard = 0; guard < 4; ++guard) {
    const auto packet = to.dtmf->poll(ts);
    if (!packet) return;
    const std::size_t n = rtp::build_telephone_event_rtp(std::span(scratch_.data(), kMaxDatagram), *packet,
                                                         to.dtmf_payload_type, to.sending.take_sequence(),
                                                         to.sending.ssrc());
    if (n != 0 && to.leg != nullptr && to.leg->send_rtp(scratch_, n)) {
      to.sending.sent(packet->timestamp, rtp::telephone_event_size, now, false);
    } else {
      ++to.send_failures;
    }
  }
}

std::string MediaPath::inject_dtmf(PartyMedia& toward, std::uint8_t event, std::uint32_t duration_ms,
                                   std::uint8_t volume, MediaTime now) {
  if (!plan_.active) return "no media flows in this call yet";
  const std::optional<Codec>* te = nullptr;
  if (&toward == parties_[0]) te = &plan_.offerer_telephone_event;
  if (&toward == parties_[1]) te = &plan_.answerer_telephone_event;
  if (te == nullptr) return "that party has no media in this call";
  if (!*te) return "no telephone-event negotiated with that party";
  rtp::TelephoneEventSender::Options o;
  o.clock_rate = (*te)->clock_rate;
  o.volume = std::min<std::uint8_t>(volume, 63);
  toward.dtmf.emplace(o);
  toward.dtmf_payload_type = (*te)->payload_type;
  const std::uint32_t duration =
      std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::uint64_t{duration_ms} * o.clock_rate / 1000));
  toward.dtmf->start(event, toward.sending.timestamp_at(now), duration);
  return {};
}

void MediaPath::report(MediaTime now, std::chrono::system_clock::time_point wall) noexcept {
  for (PartyMedia* p : parties_) {
    if (p == nullptr || p->leg == nullptr || !p->leg->ready() || !p->received) continue;
    if (p->last_report && now - *p->last_report < config_.rtcp_interval) continue;
    p->last_report = now;
    std::array<rtp::ReportBlock, 1> block{};
    std::size_t blocks = 0;
    if (const auto ssrc = p->received->ssrc(); ssrc && p->received->source().confirmed()) {
      block[0] = p->received->source().make_report_block(*ssrc, since_epoch(now));
      blocks = 1;
    }
    const std::span<std::uint8_t> out(scratch_.data(), kMaxDatagram);
    std::size_t n = 0;
    if (p->sending.has_sent()) {
      rtp::SenderInfo info;
      info.ntp_timestamp = rtp::to_ntp(wall);
      info.rtp_timestamp = p->sending.timestamp_at(now);
      info.packet_count = static_cast<std::uint32_t>(p->sending.packets());
      info.octet_count = static_cast<std::uint32_t>(p->sending.payload_octets());
      n = rtp::build_sender_report(out, p->sending.ssrc(), info, std::span(block.data(), blocks));
    } else {
      n = rtp::build_receiver_report(out, p->sending.ssrc(), std::span(block.data(), blocks));
    }
    if (n == 0) continue;
    const std::size_t m = rtp::build_sdes_cname(out.subspan(n), p->sending.ssrc(), config_.cname);
    if (m == 0) continue;
    p->leg->send_rtcp(scratch_, n + m);
  }
}

}  // namespace imsbox::agw
