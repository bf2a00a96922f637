#include "agw/call.h"

#include <algorithm>

#include "agw/browser_media_leg.h"
#include "agw/phone_leg.h"
#include "agw/request_options.h"
#include "agw/webrtc/fingerprint.h"
#include "media/wav.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace imsbox::agw {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : "; ") + i;
  return out;
}

std::int64_t seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool on_hold(const MediaPlan& plan) {
  return plan.offerer_direction != sdp::Direction::sendrecv || plan.answerer_direction != sdp::Direction::sendrecv;
}

}  // namespace

Call::Call(WorkerContext& ctx, std::string call_id)
    : ctx_(ctx),
      call_id_(std::move(call_id)),
      created_(seconds_since_epoch(ctx.clock.wall_now())),
      last_signal_(ctx.clock.now()),
      path_(ctx.media),
      media_reference_(ctx.clock.now()) {}

Call::~Call() {
  // the path refers to the parties' media: forget it before they go
  path_.clear();
}

std::int64_t Call::unix_now() const { return seconds_since_epoch(ctx_.clock.wall_now()); }

Call::Party* Call::find(std::string_view tag) {
  for (auto& p : parties_) {
    if (p->tag == tag) return p.get();
  }
  return nullptr;
}

Call::Party& Call::party(const std::string& tag) {
  if (Party* p = find(tag)) return *p;
  std::uniform_int_distribution<std::uint32_t> any;
  parties_.push_back(std::make_unique<Party>(tag, any(ctx_.random), static_cast<std::uint16_t>(any(ctx_.random)),
                                             any(ctx_.random), unix_now()));
  return *parties_.back();
}

Call::Party* Call::other_than(const Party& p) {
  for (auto& q : parties_) {
    if (q.get() != &p) return q.get();
  }
  return nullptr;
}

Call::Party* Call::owner_of(const MediaLeg& leg) {
  for (auto& p : parties_) {
    if (p->leg.get() == &leg) return p.get();
  }
  return nullptr;
}

std::string Call::tag_of(const Party& p) const { return p.tag.empty() ? "(to-tag not known yet)" : p.tag; }

std::unique_ptr<MediaLeg> Call::make_leg(LegKind kind, const std::string& tag, std::string& error) {
  if (kind == LegKind::browser && !ctx_.dtls) {
    error = "no browser legs here (no DTLS context)";
    return nullptr;
  }
  // the answerer's leg is made with the offer, before its tag is known
  const std::string leg_name = "call " + call_id_ + (tag.empty() ? std::string(" answerer") : " tag " + tag);
  std::string last;
  const std::size_t attempts = std::min<std::size_t>(ctx_.ports.available(), 16);
  for (std::size_t i = 0; i < attempts; ++i) {
    const auto port = ctx_.ports.acquire();
    if (!port) break;
    PortLease lease(ctx_.ports, *port);
    try {
      if (kind == LegKind::phone) {
        return std::make_unique<PhoneLeg>(ctx_.io, std::move(lease), ctx_.bind_address, ctx_.advertised_address, *this,
                                          ctx_.log, leg_name + ": ");
      }
      return std::make_unique<BrowserMediaLeg>(ctx_.io, std::move(lease), ctx_.browser_bind_address,
                                               ctx_.advertised_address, ctx_.dtls, *this, ctx_.log, leg_name);
    } catch (const std::exception& e) {
      // taken by another process: the pair goes to the back of the queue
      last = "port " + std::to_string(*port) + ": " + e.what();
      ctx_.log.log(runtime::LogLevel::warning, "cannot bind a media port: " + last, call_id_);
    }
  }
  error = "no free media port" + (last.empty() ? std::string() : " (last tried " + last + ")");
  return nullptr;
}

bool Call::ensure_leg(Party& p, LegKind kind, std::string& error) {
  if (p.leg && p.leg->kind() == kind && !p.failure) return true;
  auto leg = make_leg(kind, p.tag, error);
  if (!leg) return false;
  p.leg = std::move(leg);
  p.media.leg = p.leg.get();
  p.failure.reset();
  return true;
}

ng::NgReply Call::refuse(std::string_view command, std::string reason) {
  ctx_.log.log(runtime::LogLevel::warning, "ng " + std::string(command) + " refused: " + reason, call_id_);
  return ng::NgReply::error(std::move(reason));
}

ng::NgReply Call::offer(const ng::NgRequest& r) {
  last_signal_ = ctx_.clock.now();
  const auto options = request_options(r);
  if (!options.error.empty()) return refuse("offer", options.error);
  if (r.from_tag.empty()) return refuse("offer", "no from-tag");
  if (r.sdp.empty()) return refuse("offer", "no SDP in the offer");
  const auto parsed = sdp::parse(r.sdp);
  if (!parsed.ok()) return refuse("offer", "malformed SDP: " + parsed.error());
  const auto& sdp = *parsed.description;
  auto analyzed = analyze_offer(sdp, options.offer);
  if (!analyzed.analysis) return refuse("offer", analyzed.error);
  const OfferAnalysis& analysis = *analyzed.analysis;
  if (analysis.offerer.kind == LegKind::browser && !webrtc::parse_fingerprint(*analysis.offerer.fingerprint)) {
    return refuse("offer", "a=fingerprint:" + *analysis.offerer.fingerprint + " is not usable (sha-1 or sha-2 hashes)");
  }

  Party& offerer = party(r.from_tag);
  Party* answerer = r.to_tag.empty() ? other_than(offerer) : &party(r.to_tag);
  if (answerer == nullptr) answerer = &party("");
  if (answerer == &offerer) return refuse("offer", "from-tag and to-tag are the same");
  if (!r.label.empty()) offerer.label = r.label;
  std::string error;
  if (!ensure_leg(offerer, analysis.offerer.kind, error) || !ensure_leg(*answerer, analysis.answerer_kind, error)) {
    return refuse("offer", error);
  }
  offerer.leg->set_remote(analysis.offerer, analysis.offerer_rtcp_mux);
  auto made = make_offer(sdp, analysis, options.offer, answerer->leg->local());
  if (!made.sdp) return refuse("offer", made.error);
  pending_ = std::move(*made.pending);
  pending_offerer_ = &offerer;
  pending_answerer_ = answerer;
  timed_out_ = false;

  std::vector<std::string> warnings = options.warnings;
  warnings.insert(warnings.end(), analysis.warnings.begin(), analysis.warnings.end());
  ng::NgReply reply = ng::NgReply::with_sdp(sdp::write(*made.sdp));
  reply.warning = joined(warnings);
  std::string offered;
  for (const auto& f : pending_->offered) {
    offered += (offered.empty() ? "" : " ") + f.codec.encoding + "/" + std::to_string(f.codec.clock_rate) +
               (f.offerer_payload_type ? "" : "*");
  }
  ctx_.log.log(runtime::LogLevel::info,
               "offer from tag " + offerer.tag + " (" + std::string(to_string(analysis.offerer.kind)) + ", " +
                   analysis.offerer.protocol + " " + analysis.offerer.address + ":" +
                   std::to_string(analysis.offerer.port) + ", our port " + std::to_string(offerer.leg->local().port) +
                   ") to " + tag_of(*answerer) + " (" + std::string(to_string(analysis.answerer_kind)) +
                   ", our port " + std::to_string(answerer->leg->local().port) + "), offered " + offered +
                   " (* = ours, for transcoding)" + (reply.warning.empty() ? "" : "; warnings: " + reply.warning),
               call_id_);
  return reply;
}

ng::NgReply Call::answer(const ng::NgRequest& r) {
  last_signal_ = ctx_.clock.now();
  if (!pending_) return refuse("answer", "no offer to answer in this call");
  if (r.from_tag != pending_offerer_->tag) {
    return refuse("answer", "no offer from tag " + r.from_tag + " (the last offer came from " +
                                pending_offerer_->tag + ")");
  }
  if (r.to_tag.empty()) return refuse("answer", "no to-tag");
  if (r.sdp.empty()) return refuse("answer", "no SDP in the answer");
  const auto options = request_options(r);
  const auto parsed = sdp::parse(r.sdp);
  if (!parsed.ok()) return refuse("answer", "malformed SDP: " + parsed.error());
  Party& offerer = *pending_offerer_;
  Party& answerer = *pending_answerer_;
  if (Party* other = find(r.to_tag); other != nullptr && other != &answerer) {
    return refuse("answer", "tag " + r.to_tag + " is not the party this offer went to");
  }
  auto made = make_answer(*pending_, *parsed.description, offerer.leg->local(), options.offer.replace_origin);
  if (!made.sdp) return refuse("answer", made.error);
  if (made.plan.active && made.answerer.kind == LegKind::browser &&
      !webrtc::parse_fingerprint(*made.answerer.fingerprint)) {
    return refuse("answer", "a=fingerprint:" + *made.answerer.fingerprint + " is not usable");
  }
  if (answerer.tag != r.to_tag) {
    if (!answerer.tag.empty()) {
      ctx_.log.log(runtime::LogLevel::info, "answer from tag " + r.to_tag + " replaces tag " + answerer.tag +
                                                " (another early dialog)", call_id_);
    }
    answerer.tag = r.to_tag;
  }
  if (!r.label.empty()) answerer.label = r.label;
  if (made.plan.active) answerer.leg->set_remote(made.answerer, made.plan.answerer_rtcp_mux);
  const auto now = ctx_.clock.now();
  if (const std::string error = path_.configure(made.plan, offerer.media, answerer.media, now); !error.empty()) {
    return refuse("answer", error);
  }
  timed_out_ = false;
  media_reference_ = now;
  if (made.plan.active && made.plan.transcoding && !counted_transcoding_ && ctx_.transcoded_calls != nullptr) {
    ctx_.transcoded_calls->inc();
    counted_transcoding_ = true;
  }
  ng::NgReply reply = ng::NgReply::with_sdp(sdp::write(*made.sdp));
  reply.warning = joined(made.warnings);
  ctx_.log.log(runtime::LogLevel::info,
               "answer from tag " + answerer.tag +
                   (made.plan.active ? " (" + made.answerer.protocol + " " + made.answerer.address + ":" +
                                           std::to_string(made.answerer.port) + ")"
                                     : std::string()) +
                   " to " + offerer.tag + ": " + describe(made.plan),
               call_id_);
  return reply;
}

ng::NgReply Call::play_dtmf(const ng::NgRequest& r) {
  last_signal_ = ctx_.clock.now();
  if (!r.code || *r.code < 0 || *r.code > 15) return refuse("play DTMF", "play DTMF needs a code (0-9, *, #, A-D)");
  Party* source = find(r.from_tag);
  if (source == nullptr) return refuse("play DTMF", "no party with tag " + r.from_tag + " in this call");
  Party* toward = other_than(*source);
  if (toward == nullptr) return refuse("play DTMF", "the call has no other party yet");
  const auto duration = static_cast<std::uint32_t>(std::clamp<std::int64_t>(r.duration_ms.value_or(100), 40, 5000));
  // rtpengine takes the volume in dB, usually negative (-8): the RFC 4733 value is its size
  const auto volume = static_cast<std::uint8_t>(std::min<std::int64_t>(std::abs(r.volume.value_or(8)), 63));
  const std::string error =
      path_.inject_dtmf(toward->media, static_cast<std::uint8_t>(*r.code), duration, volume, ctx_.clock.now());
  if (!error.empty()) return refuse("play DTMF", error);
  ctx_.log.log(runtime::LogLevel::info,
               "play DTMF " + std::string(1, rtp::dtmf_char(static_cast<std::uint8_t>(*r.code))) + " for " +
                   std::to_string(duration) + " ms toward tag " + tag_of(*toward),
               call_id_);
  return ng::NgReply::ok();
}

Call::Party* Call::selected(const ng::NgRequest& r, std::string& error) {
  if (!r.from_tag.empty()) {
    if (Party* p = find(r.from_tag)) return p;
    error = "From-tag given, but no such tag exists";  // rtpengine's words
    return nullptr;
  }
  if (!r.label.empty()) {
    for (auto& p : parties_) {
      if (p->label == r.label) return p.get();
    }
    error = "No party with label " + r.label;
    return nullptr;
  }
  error = "No participant party specified";
  return nullptr;
}

std::optional<media::WavAudio> Call::media_of(const ng::NgRequest& r, std::string& error) const {
  std::string why;
  if (!r.blob.empty()) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(r.blob.data());
    auto audio = media::parse_wav(std::span(bytes, r.blob.size()), &why);
    if (!audio) error = "the blob is not a WAV file we read: " + why;
    return audio;
  }
  if (r.file.empty()) {
    error = "No media file or blob given";
    return std::nullopt;
  }
  // a prompt of the MRF's store by its name, else a file
  const bool path_like = r.file.find('/') != std::string::npos || r.file.find('.') != std::string::npos;
  if (!path_like && ctx_.prompts != nullptr) {
    if (auto prompt = ctx_.prompts->find(r.file)) return prompt;
  }
  auto audio = media::read_wav_file(r.file, &why);
  if (!audio) {
    error = "cannot play '" + r.file + "': " + (path_like ? why : "no such prompt, and as a file: " + why);
  }
  return audio;
}

ng::NgReply Call::play_media(const ng::NgRequest& r) {
  last_signal_ = ctx_.clock.now();
  std::string error;
  Party* toward = selected(r, error);
  if (toward == nullptr) return refuse("play media", error);
  if (!path_.active()) return refuse("play media", "no media flows in this call yet");  // before any file is read
  const auto audio = media_of(r, error);
  if (!audio) return refuse("play media", error);
  const auto start = static_cast<std::size_t>(std::max<std::int64_t>(r.start_pos.value_or(0), 0));
  const auto result = path_.play_media(toward->media, *audio, r.repeat_times.value_or(1), start, ctx_.clock.now());
  if (!result.error.empty()) return refuse("play media", result.error);
  ctx_.log.log(runtime::LogLevel::info,
               "play media " + (r.blob.empty() ? r.file : std::string("(blob)")) + " (" +
                   std::to_string(result.duration.count()) + " ms, " + std::to_string(r.repeat_times.value_or(1)) +
                   " times) to tag " + tag_of(*toward),
               call_id_);
  ng::NgReply reply = ng::NgReply::ok();
  reply.duration_ms = result.duration.count();
  return reply;
}

ng::NgReply Call::stop_media(const ng::NgRequest& r) {
  last_signal_ = ctx_.clock.now();
  std::string error;
  Party* toward = selected(r, error);
  if (toward == nullptr) return refuse("stop media", error);
  const auto position = path_.stop_media(toward->media);
  if (!position) return refuse("stop media", "Not currently playing media");
  ctx_.log.log(runtime::LogLevel::info,
               "stop media to tag " + tag_of(*toward) + " at frame " + std::to_string(*position), call_id_);
  ng::NgReply reply = ng::NgReply::ok();
  reply.last_frame_pos = static_cast<std::int64_t>(*position);
  return reply;
}

ng::CallStats Call::stats() const {
  ng::CallStats s;
  s.created = created_;
  const auto now = ctx_.clock.now();
  const std::int64_t unix = unix_now();
  s.last_signal = unix - std::chrono::duration_cast<std::chrono::seconds>(now - last_signal_).count();
  s.media_timeout = timed_out_;
  for (const auto& p : parties_) {
    ng::TagStats t;
    t.tag = p->tag;
    t.label = p->label;
    t.created = p->created;
    for (const auto& q : parties_) {
      if (q.get() != p.get()) t.in_dialogue_with = q->tag;
    }
    if (p->leg) {
      ng::MediaStats m;
      m.index = static_cast<int>(path_.plan().media_index) + 1;
      m.protocol = std::string(protocol_of(p->leg->kind()));
      ng::StreamStats rtp;
      rtp.local_port = p->leg->local().port;
      ng::StreamStats rtcp;
      if (p->media.received) {
        const auto sum = p->media.received->summary();
        rtp.stats.packets = sum.packets;
        rtp.stats.bytes = sum.bytes;
        rtp.stats.errors = sum.errors + p->media.dropped + p->leg->dropped();
        rtp.packets_lost = static_cast<std::uint64_t>(std::max<std::int64_t>(sum.packets_lost, 0));
        rtp.jitter_ms = static_cast<std::uint32_t>(sum.jitter_ms + 0.5);
        rtcp.stats.packets = sum.rtcp_packets;
        rtcp.stats.bytes = sum.rtcp_bytes;
        s.totals_rtp.packets += sum.packets;
        s.totals_rtp.bytes += sum.bytes;
        s.totals_rtp.errors += rtp.stats.errors;
        s.totals_rtcp.packets += sum.rtcp_packets;
        s.totals_rtcp.bytes += sum.rtcp_bytes;
      }
      if (p->media.last_rtp) {
        rtp.last_packet = unix - std::chrono::duration_cast<std::chrono::seconds>(now - *p->media.last_rtp).count();
      }
      m.streams.push_back(rtp);
      if (p->leg->kind() == LegKind::phone && p->leg->local().rtcp_port != 0) {
        rtcp.local_port = p->leg->local().rtcp_port;
        m.streams.push_back(rtcp);
      }
      t.medias.push_back(std::move(m));
    }
    s.tags.push_back(std::move(t));
  }
  return s;
}

void Call::on_leg_rtp(MediaLeg& leg, std::span<std::uint8_t> packet) {
  if (Party* p = owner_of(leg)) path_.on_rtp(p->media, packet, ctx_.clock.now());
}

void Call::on_leg_rtcp(MediaLeg& leg, std::span<std::uint8_t> packet) {
  if (Party* p = owner_of(leg)) path_.on_rtcp(p->media, packet, ctx_.clock.now());
}

void Call::on_leg_failed(MediaLeg& leg, std::string_view reason) {
  Party* p = owner_of(leg);
  if (p == nullptr) return;
  p->failure = std::string(reason);
  ctx_.log.log(runtime::LogLevel::warning, "the leg toward tag " + tag_of(*p) + " failed: " + std::string(reason),
               call_id_);
}

void Call::tick(MediaTime now) { path_.tick(now); }

void Call::housekeeping(MediaTime now) {
  path_.report(now, ctx_.clock.wall_now());
  if (!path_.active() || timed_out_) return;
  if (on_hold(path_.plan())) {
    media_reference_ = now;  // on hold, silence is expected: the count starts again at the resume
    return;
  }
  for (const auto& p : parties_) {
    if (p->media.last_rtp && *p->media.last_rtp > media_reference_) media_reference_ = *p->media.last_rtp;
  }
  if (now - media_reference_ >= ctx_.media_timeout) {
    timed_out_ = true;
    timed_out_at_ = now;
    if (ctx_.media_timeouts != nullptr) ctx_.media_timeouts->inc();
    ctx_.log.log(runtime::LogLevel::warning,
                 "media timeout: no RTP from either party for " + std::to_string(ctx_.media_timeout.count()) + " s",
                 call_id_);
  }
}

}  // namespace imsbox::agw
