#include "pcscf/media_anchor.h"

#include <algorithm>

#include "pcscf/dtmf_info.h"
#include "runtime/ascii.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sdp/attributes.h"
#include "sdp/parser.h"

namespace imsbox::pcscf {

using sip::HeaderId;
using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

namespace {

constexpr std::size_t kRewrittenKept = 8;  // bodies kept per leg for repeats

std::string_view content_type(const sip::Message& m) {
  const auto* h = m.find(HeaderId::content_type);
  return h ? h->value : std::string_view();
}

bool has_sdp(const sip::Message& m) {
  if (m.body().empty()) return false;
  auto type = content_type(m);
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return ascii::iequals(type, "application/sdp");
}

bool is_webrtc(const sip::Peer& flow) {
  return flow.transport == sip::Transport::ws || flow.transport == sip::Transport::wss;
}

// A body the AGW rewrote, as a response of one transaction carries it: a
// retransmission, or the 200 that repeats its 183's SDP, carries it again.
std::string rewrite_key(const sip::Message& response) {
  const auto cseq = response.cseq();
  return std::string(response.to().tag()) + " " + std::to_string(cseq.number) + " " + std::string(cseq.method) + "\n" +
         std::string(response.body());
}

// Whether an SDP puts the call on hold: no media section (with a port) both
// sends and receives (sendonly, recvonly, inactive; RFC 3264 §8.4).
bool on_hold(std::string_view body) {
  const auto parsed = sdp::parse(body);
  if (!parsed.ok()) return false;
  const auto& d = *parsed.description;
  bool any = false;
  for (const auto& m : d.media) {
    if (m.port == 0) continue;
    any = true;
    if (sdp::direction(d, m) == sdp::Direction::sendrecv) return false;
  }
  return any;
}

std::string short_reason(const NgAnswer& a) {
  return a.status() == NgAnswer::Status::timeout ? std::string("no answer") : a.error_reason();
}

}  // namespace

std::optional<AnchorMode> parse_anchor_mode(std::string_view text) {
  if (text == "none") return AnchorMode::none;
  if (text == "webrtc") return AnchorMode::webrtc;
  if (text == "all") return AnchorMode::all;
  return std::nullopt;
}

std::string_view to_string(AnchorMode mode) {
  switch (mode) {
    case AnchorMode::none: return "none";
    case AnchorMode::webrtc: return "webrtc";
    case AnchorMode::all: return "all";
  }
  return "";
}

ims::RtpStat rtp_stat_for_ue(const CallMedia& media) {
  ims::RtpStat s;
  s.packets_sent = media.from_ue.packets;
  s.octets_sent = media.from_ue.bytes;
  s.packets_received = media.from_network.packets;
  s.octets_received = media.from_network.bytes;
  s.packets_lost = media.from_network.lost;
  if (media.from_network.jitter_ms) s.jitter_ms = *media.from_network.jitter_ms;
  return s;
}

// ---- MediaTsx --------------------------------------------------------------------------------------

MediaTsx::MediaTsx(MediaAnchor& anchor, bool originating, bool from_ue)
    : anchor_(anchor), originating_(originating), from_ue_(from_ue) {}

MediaTsx::~MediaTsx() {
  if (!anchor_.ng()) return;
  if (ng_request_) anchor_.ng()->cancel(*ng_request_);
  if (!initial_invite_) return;
  auto* leg = anchor_.find(key_);
  if (leg && leg->generation == generation_) {
    end_fork(*leg);
    // the last branch of the INVITE
    if (!leg->confirmed && leg->forks <= 0) anchor_.close(key_, true, "its INVITE ended unanswered");
  } else if (!leg && ng_request_ && initial_offer_out_) {
    // the offer may have made a session that nothing else will delete
    anchor_.delete_session(key_, offerer_tag_, call_id_, "its INVITE ended");
  }
}

void MediaTsx::end_fork(AnchoredLeg& leg) {
  if (fork_ended_ || leg.generation != generation_) return;
  fork_ended_ = true;
  --leg.forks;
}

Verdict MediaTsx::on_request(ProxyTsxHelper& helper, const sip::Peer* new_dialog_flow) {
  if (!anchor_.ng()) return Verdict::next;
  auto& request = helper.request();
  method_ = std::string(request.method());
  cseq_ = request.cseq().number;
  key_ = ng_call_id(request.call_id(), originating_);
  call_id_ = std::string(request.call_id());
  const std::string& call_id = call_id_;
  const bool sdp = has_sdp(request);
  // An SDP that does not parse: 488, and nothing else changes (checked
  // before anything is opened or asked).
  const auto refuse_malformed = [&]() -> std::optional<Verdict> {
    if (!sdp) return std::nullopt;
    const auto parsed = sdp::parse(request.body());
    if (parsed.ok()) return std::nullopt;
    anchor_.log().log(runtime::LogLevel::warning,
                      "media: " + method_ + " with a malformed SDP (" + parsed.error() + "): 488", call_id);
    helper.respond(488, "Not Acceptable Here (malformed SDP)");
    return Verdict::done;
  };
  AnchoredLeg* leg = nullptr;
  if (method_ == "INVITE" && request.to().tag().empty()) {
    if (!new_dialog_flow || !anchor_.anchors(*new_dialog_flow)) return Verdict::next;
    if (auto refused = refuse_malformed()) return *refused;
    initial_invite_ = true;
    leg = anchor_.find(key_);
    if (leg && !leg->confirmed && leg->forks > 0 && leg->initial_cseq == cseq_ &&
        leg->offerer_tag == request.from().tag() && leg->ue_webrtc == is_webrtc(*new_dialog_flow)) {
      // another branch of the same INVITE (the S-CSCF forks it to each contact), toward the same form of
      // media (a browser and a phone cannot share the AGW's leg): the same leg and session
      ++leg->forks;
      anchor_.log().log(runtime::LogLevel::info,
                        "media: another branch of the INVITE (" + std::to_string(leg->forks) +
                            " now): the same AGW session",
                        call_id);
    } else {
      leg = &anchor_.open(key_, request, originating_, is_webrtc(*new_dialog_flow));
    }
    generation_ = leg->generation;
    offerer_tag_ = leg->offerer_tag;
  } else {
    leg = anchor_.find(key_);
    if (!leg) return Verdict::next;
  }
  if (method_ == "BYE") return bye(helper, *leg);
  if (method_ == "INFO") return info(helper, *leg);
  if (method_ != "INVITE" && method_ != "UPDATE" && method_ != "PRACK") return Verdict::next;
  const Side sender = from_ue_ ? Side::ue : Side::network;
  if (!sdp) {
    if (method_ == "INVITE") leg->late = AnchoredLeg::Offer{sender, method_, cseq_, false};
    return Verdict::next;
  }
  if (!initial_invite_) {
    if (auto refused = refuse_malformed()) return *refused;
  }
  // an answer when the other side's offer waits for one (PRACK to a
  // reliable 18x), an offer otherwise
  const bool answer = method_ == "PRACK" && leg->pending && leg->pending->from != sender;
  anchor_.saw_sdp(*leg, request.body());
  OfferAnswerParams p;
  p.call_id = key_;
  if (answer) {
    p.from_tag = std::string(request.to().tag());  // the offerer's
    p.to_tag = std::string(request.from().tag());
  } else {
    p.from_tag = std::string(request.from().tag());
    p.to_tag = std::string(request.to().tag());
  }
  if (initial_invite_) {
    // the first branch's: the others' offers are the same offer again
    const auto* via = request.top_via();
    if (via && leg->via_branch.empty()) leg->via_branch = std::string(via->branch());
    p.via_branch = leg->via_branch;
  }
  p.sdp = std::string(request.body());
  p.label = from_ue_ ? "ue" : "network";
  p.toward = from_ue_ ? MediaForm::plain_rtp : (leg->ue_webrtc ? MediaForm::webrtc : MediaForm::plain_rtp);
  p.from_webrtc = from_ue_ && leg->ue_webrtc;
  const std::string what = std::string(answer ? "answer" : "offer") + " (" + method_ + " from the " +
                           (from_ue_ ? "UE" : "network") + ")";
  initial_offer_out_ = initial_invite_ && !answer;
  ng_request_ = anchor_.send(
      answer ? ng_answer(p) : ng_offer(p), what, call_id,
      [this, &helper, answer, sender, what, call_id](NgAnswer a) {
        ng_request_.reset();
        initial_offer_out_ = false;
        auto* leg = anchor_.find(key_);
        const auto sdp_out = a.ok() ? a.string("sdp") : std::string_view();
        if (!leg && a.ok() && !answer) {
          // the leg went while the AGW made the session (a CANCEL's 487): it goes too
          anchor_.delete_session(key_, std::string(helper.request().from().tag()), call_id, "cancelled");
        }
        if (!leg || sdp_out.empty()) {
          const bool timeout = a.status() == NgAnswer::Status::timeout;
          const std::string why = a.ok() ? std::string("no SDP in the answer") : short_reason(a);
          anchor_.log().log(runtime::LogLevel::warning,
                            "media: " + what + " failed (" + why + "): " + (timeout ? "503" : "488"), call_id);
          if (initial_invite_) anchor_.close(key_, false, "its INVITE was refused");
          if (timeout) {
            helper.respond(503, "Service Unavailable (media gateway not answering)");
          } else {
            helper.respond(488, "Not Acceptable Here (media gateway: " + why + ")");
          }
          helper.resume(Verdict::done);
          return;
        }
        auto& request = helper.request();
        request.set_body(std::string(sdp_out), "application/sdp");
        if (answer) {
          leg->pending.reset();
        } else {
          leg->session = true;
          leg->pending = AnchoredLeg::Offer{sender, method_, cseq_, false};
        }
        if (from_ue_ && leg->ue_tag.empty()) leg->ue_tag = std::string(request.from().tag());
        anchor_.log().log(runtime::LogLevel::info, "media: " + what + " anchored in the AGW", call_id);
        helper.resume(Verdict::next);
      });
  return Verdict::wait;
}

Verdict MediaTsx::bye(ProxyTsxHelper& helper, AnchoredLeg& leg) {
  const std::string call_id(helper.request().call_id());
  if (!leg.session) {
    anchor_.close(key_, false, "BYE");
    return Verdict::next;
  }
  const std::string ue_tag = leg.ue_tag;
  ng_request_ = anchor_.send(
      ng_delete(key_, helper.request().from().tag()), "delete (BYE)", call_id,
      [this, &helper, ue_tag, call_id](NgAnswer a) {
        ng_request_.reset();
        std::optional<CallMedia> media;
        if (a.ok()) {
          // counts only when the AGW still had the call (rtpengine answers a
          // delete of an unknown one ok, with a warning and nothing else)
          if (const auto root = a.root(); root && root->get("totals")) media = read_call_media(*root, ue_tag);
        }
        if (!media) {
          if (auto* leg = anchor_.find(key_)) media = leg->media;  // the last query's, if any
        }
        std::string counts;
        if (media) {
          const auto stat = rtp_stat_for_ue(*media);
          counts = ", " + ims::format_rtp_stat(stat);
          if (from_ue_) {
            helper.request().append(std::string(ims::kRtpStatHeader), ims::format_rtp_stat(stat));
          } else {
            stat_for_response_ = stat;
          }
        }
        anchor_.log().log(runtime::LogLevel::info,
                          "media: session deleted at the BYE" + (a.ok() ? counts : " (" + short_reason(a) + ")"),
                          call_id);
        anchor_.close(key_, false, "BYE");
        helper.resume(Verdict::next);
      });
  return Verdict::wait;
}

Verdict MediaTsx::info(ProxyTsxHelper& helper, AnchoredLeg& leg) {
  auto& request = helper.request();
  if (!from_ue_ || !leg.session) return Verdict::next;
  const auto digit = parse_dtmf_info(content_type(request), request.body());
  if (!digit) return Verdict::next;
  const std::string call_id(request.call_id());
  const std::string what = std::string("play DTMF ") + digit->digit + " (INFO from the UE)";
  ng_request_ = anchor_.send(
      ng_play_dtmf(key_, request.from().tag(), digit->digit, digit->duration_ms), what, call_id,
      [this, &helper, what, call_id](NgAnswer a) {
        ng_request_.reset();
        if (!a.ok()) {
          anchor_.log().log(runtime::LogLevel::warning,
                            "media: " + what + " failed (" + short_reason(a) + "): the INFO goes on", call_id);
          helper.resume(Verdict::next);
          return;
        }
        anchor_.log().log(runtime::LogLevel::info, "media: " + what + ": played by the AGW, INFO answered 200",
                          call_id);
        helper.respond(200, "OK");
        helper.resume(Verdict::done);
      });
  return Verdict::wait;
}

Verdict MediaTsx::filter_response(ProxyTsxHelper& helper, sip::Message& response) {
  if (key_.empty() || !anchor_.ng()) return Verdict::next;
  const int status = response.status();
  if (method_ == "BYE") {
    if (status >= 200 && status < 300 && stat_for_response_) {
      response.append(std::string(ims::kRtpStatHeader), ims::format_rtp_stat(*stat_for_response_));
    }
    return Verdict::next;
  }
  if (method_ != "INVITE" && method_ != "UPDATE" && method_ != "PRACK") return Verdict::next;
  auto* leg = anchor_.find(key_);
  if (!leg || status < 101) return Verdict::next;
  const std::string call_id(response.call_id());
  const Side sender = from_ue_ ? Side::ue : Side::network;  // of the request
  const Side responder = from_ue_ ? Side::network : Side::ue;
  const auto matches = [&](const std::optional<AnchoredLeg::Offer>& o) {
    return o && o->cseq == cseq_ && o->method == method_;
  };
  if (status >= 300) {
    if (initial_invite_) {
      end_fork(*leg);
      // another branch still going, or answered: the session is theirs
      if (leg->generation != generation_ || leg->confirmed || leg->forks > 0) return Verdict::next;
    }
    if (matches(leg->pending)) leg->pending.reset();
    if (matches(leg->late)) leg->late.reset();
    if (initial_invite_) anchor_.close(key_, leg->session, "the INVITE failed (" + std::to_string(status) + ")");
    return Verdict::next;
  }
  const std::string to_tag(response.to().tag());
  if (responder == Side::ue && !to_tag.empty() && leg->ue_tag.empty()) leg->ue_tag = to_tag;
  const bool final_2xx = status >= 200;
  if (final_2xx && initial_invite_ && method_ == "INVITE") {
    leg->confirmed = true;
    leg->last_activity = anchor_.now();
    leg->network_tag = responder == Side::network ? to_tag : std::string(response.from().tag());
    if (leg->ue_tag.empty()) leg->ue_tag = responder == Side::ue ? to_tag : std::string(response.from().tag());
  }
  // Forked early dialogs: the AGW's media goes with the last answer it got;
  // the 2xx of another early dialog selects that one: its answer again (the
  // 2xx's SDP, else the one its early dialog answered with).
  const bool with_sdp = has_sdp(response);
  std::string body_in = with_sdp ? std::string(response.body()) : std::string();
  bool reselect = false;
  if (final_2xx && initial_invite_ && method_ == "INVITE" && !leg->answered_tag.empty() &&
      leg->answered_tag != to_tag) {
    if (!with_sdp) {
      if (const auto it = leg->early_answers.find(to_tag); it != leg->early_answers.end()) body_in = it->second;
    }
    reselect = !body_in.empty();
  }
  if (body_in.empty()) return Verdict::next;
  const auto key = rewrite_key(response);
  for (const auto& [in, out] : leg->rewritten) {
    if (reselect || in != key) continue;
    response.set_body(out, "application/sdp");  // a repeat: the same rewrite
    if (final_2xx && matches(leg->pending) && leg->pending->from == sender) leg->pending.reset();
    return Verdict::next;
  }
  // What this body is: the answer to the request's offer; the offer of a
  // late-offer INVITE (or that offer repeated, the 200 after a 183 with it).
  bool answer = false;
  if (reselect) {
    answer = true;
    anchor_.log().log(runtime::LogLevel::info,
                      "media: the " + std::to_string(status) + " of early dialog " + to_tag +
                          " (the AGW's media was early dialog " + leg->answered_tag + "'s): its answer again",
                      call_id);
  } else if (matches(leg->pending) && leg->pending->from == sender) {
    answer = true;
  } else if ((matches(leg->late) && method_ == "INVITE") ||
             (matches(leg->pending) && leg->pending->from == responder && leg->pending->in_response)) {
    answer = false;
  } else {
    anchor_.log().log(runtime::LogLevel::warning,
                      "media: a " + std::to_string(status) + " to " + method_ +
                          " with an SDP that is neither offer nor answer: its body removed",
                      call_id);
    if (!final_2xx) response.set_body({}, {});
    return Verdict::next;
  }
  OfferAnswerParams p;
  p.call_id = key_;
  const std::string from_tag(response.from().tag());  // the request sender's
  p.from_tag = answer ? from_tag : to_tag;
  p.to_tag = answer ? to_tag : from_tag;
  if (initial_invite_) p.via_branch = leg->via_branch;
  p.sdp = body_in;
  p.label = responder == Side::ue ? "ue" : "network";
  p.toward = sender == Side::ue ? (leg->ue_webrtc ? MediaForm::webrtc : MediaForm::plain_rtp) : MediaForm::plain_rtp;
  p.from_webrtc = responder == Side::ue && leg->ue_webrtc;
  const std::string what = std::string(answer ? "answer" : "offer") + " (" + std::to_string(status) + " to " +
                           method_ + " from the " + (responder == Side::ue ? "UE" : "network") + ")";
  if (auto parsed = sdp::parse(body_in); !parsed.ok()) {
    anchor_.log().log(runtime::LogLevel::warning, "media: " + what + ": malformed SDP (" + parsed.error() + ")",
                      call_id);
  }
  anchor_.saw_sdp(*leg, body_in);
  if (with_sdp) leg->in_progress.insert(key);
  ng_request_ = anchor_.send(
      answer ? ng_answer(p) : ng_offer(p), what, call_id,
      [this, &helper, &response, answer, responder, final_2xx, with_sdp, key, what, call_id, to_tag,
       body_in](NgAnswer a) {
        ng_request_.reset();
        auto* leg = anchor_.find(key_);
        if (leg) leg->in_progress.erase(key);
        const auto sdp_out = a.ok() ? a.string("sdp") : std::string_view();
        if (!leg || sdp_out.empty()) {
          const std::string why = a.ok() ? std::string("no SDP in the answer") : short_reason(a);
          if (!final_2xx) {
            anchor_.log().log(runtime::LogLevel::warning,
                              "media: " + what + " failed (" + why + "): passed on without its SDP", call_id);
            if (with_sdp) response.set_body({}, {});
            helper.resume_response();
            return;
          }
          anchor_.log().log(runtime::LogLevel::warning,
                            "media: " + what + " failed (" + why + "): passed on as it is, the call is released",
                            call_id);
          // the 2xx first (its dialog is confirmed with it), then the BYEs
          auto& anchor = anchor_;
          const auto key = key_;
          helper.resume_response();
          if (auto* l = anchor.find(key)) anchor.release(*l, 500, "media gateway failure");
          return;
        }
        if (with_sdp) {
          response.set_body(std::string(sdp_out), "application/sdp");
          anchor_.remember(*leg, key, std::string(sdp_out));
        }
        if (answer) {
          if (final_2xx) leg->pending.reset();
          if (initial_invite_ && method_ == "INVITE") {
            leg->answered_tag = to_tag;
            leg->early_answers[to_tag] = body_in;
          }
        } else {
          leg->session = true;
          leg->late.reset();
          leg->pending = AnchoredLeg::Offer{responder, method_, cseq_, true};
        }
        anchor_.log().log(runtime::LogLevel::info, "media: " + what + " anchored in the AGW", call_id);
        helper.resume_response();
      });
  return Verdict::wait;
}

// ---- MediaAnchor -----------------------------------------------------------------------------------

MediaAnchor::MediaAnchor(MediaAnchorOptions options, runtime::Logger& log, const runtime::Clock& clock,
                         runtime::Metrics* metrics)
    : options_(std::move(options)), log_(log), clock_(clock) {
  if (!metrics) return;
  sessions_total_ = &metrics->counter("pcscf_media_sessions_total", "calls whose media the P-CSCF anchored in the AGW");
  failures_total_ = &metrics->counter("pcscf_media_ng_failures_total",
                                      "AGW (ng) requests that failed: error answer or no answer");
  released_total_ = &metrics->counter("pcscf_media_released_total",
                                      "calls released by the P-CSCF for their media (timeout, session lost)");
}

MediaAnchor::~MediaAnchor() {
  if (check_timer_ && timers_) timers_->cancel(*check_timer_);
  if (ng_) {
    for (const auto id : own_requests_) ng_->cancel(id);
  }
}

void MediaAnchor::attach(runtime::TimerQueue& timers, NgClient::Send send, Release release,
                         std::string cookie_prefix) {
  if (options_.mode == AnchorMode::none) return;
  timers_ = &timers;
  release_ = std::move(release);
  ng_ = std::make_unique<NgClient>(options_.ng, std::move(send), timers, log_, std::move(cookie_prefix));
  arm_checks();
}

void MediaAnchor::on_datagram(std::string_view datagram) {
  if (ng_) ng_->on_datagram(datagram);
}

bool MediaAnchor::anchors(const sip::Peer& ue_flow) const {
  switch (options_.mode) {
    case AnchorMode::none: return false;
    case AnchorMode::webrtc: return is_webrtc(ue_flow);
    case AnchorMode::all: return true;
  }
  return false;
}

NgClient::RequestId MediaAnchor::send(std::string dictionary, std::string label, std::string call_id,
                                      NgClient::Callback done) {
  return ng_->request(std::move(dictionary), std::move(label), std::move(call_id),
                      [this, done = std::move(done)](NgAnswer a) {
                        if (!a.ok() && failures_total_) failures_total_->inc();
                        done(std::move(a));
                      });
}

AnchoredLeg* MediaAnchor::find(std::string_view key) {
  const auto it = legs_.find(std::string(key));
  return it == legs_.end() ? nullptr : &it->second;
}

const AnchoredLeg* MediaAnchor::leg(std::string_view ng_call_id) const {
  const auto it = legs_.find(std::string(ng_call_id));
  return it == legs_.end() ? nullptr : &it->second;
}

AnchoredLeg& MediaAnchor::open(const std::string& key, const sip::Message& invite, bool originating,
                               bool ue_webrtc) {
  auto& leg = legs_[key];
  if (leg.ng_call_id.empty() && sessions_total_) sessions_total_->inc();
  leg = AnchoredLeg{};
  leg.generation = next_generation_++;
  leg.sip_call_id = std::string(invite.call_id());
  leg.ng_call_id = key;
  leg.originating = originating;
  leg.ue_webrtc = ue_webrtc;
  leg.offerer_tag = std::string(invite.from().tag());
  leg.initial_cseq = invite.cseq().number;
  leg.forks = 1;
  (originating ? leg.ue_tag : leg.network_tag) = leg.offerer_tag;
  log_.log(runtime::LogLevel::info,
           std::string("media: anchoring the ") + (originating ? "originating" : "terminating") + " leg (UE on " +
               (ue_webrtc ? "a WebSocket flow" : "a plain SIP flow") + ", AGW session " + key + ")",
           leg.sip_call_id);
  return leg;
}

void MediaAnchor::close(const std::string& key, bool remove_session, std::string_view why) {
  const auto it = legs_.find(key);
  if (it == legs_.end()) return;
  const std::string call_id = it->second.sip_call_id;
  const std::string tag = it->second.offerer_tag;
  legs_.erase(it);
  if (remove_session) delete_session(key, tag, call_id, std::string(why));
}

void MediaAnchor::delete_session(const std::string& key, const std::string& from_tag, const std::string& call_id,
                                 std::string why) {
  if (!ng_) return;
  auto id = std::make_shared<NgClient::RequestId>(0);
  *id = send(ng_delete(key, from_tag), "delete (" + why + ")", call_id,
             [this, id, call_id, why](NgAnswer a) {
               own_requests_.erase(*id);
               log_.log(a.ok() ? runtime::LogLevel::info : runtime::LogLevel::warning,
                        "media: session deleted (" + why + ")" + (a.ok() ? "" : ": " + short_reason(a)), call_id);
             });
  own_requests_.insert(*id);
}

void MediaAnchor::remember(AnchoredLeg& leg, std::string key, std::string output) {
  leg.rewritten.emplace_back(std::move(key), std::move(output));
  if (leg.rewritten.size() > kRewrittenKept) leg.rewritten.erase(leg.rewritten.begin());
}

bool MediaAnchor::on_ack(sip::Message& ack, bool originating, const sip::proxy::ProxyService::ForwardAck& forward) {
  if (!ng_ || !has_sdp(ack)) return false;
  const auto key = ng_call_id(ack.call_id(), originating);
  auto* leg = find(key);
  // the ACK comes from the caller's side: the UE on the originating leg
  const Side sender = originating ? Side::ue : Side::network;
  if (!leg || !leg->pending || leg->pending->from == sender || !leg->pending->in_response) return false;
  const std::string call_id(ack.call_id());
  if (const auto parsed = sdp::parse(ack.body()); !parsed.ok()) {
    log_.log(runtime::LogLevel::warning, "media: ACK with a malformed SDP (" + parsed.error() + "): passed on",
             call_id);
    return false;
  }
  saw_sdp(*leg, ack.body());
  OfferAnswerParams p;
  p.call_id = key;
  p.from_tag = std::string(ack.to().tag());  // the offerer's (the 2xx's sender)
  p.to_tag = std::string(ack.from().tag());
  p.sdp = std::string(ack.body());
  p.label = sender == Side::ue ? "ue" : "network";
  p.toward = sender == Side::ue ? MediaForm::plain_rtp : (leg->ue_webrtc ? MediaForm::webrtc : MediaForm::plain_rtp);
  p.from_webrtc = sender == Side::ue && leg->ue_webrtc;
  const std::string what = std::string("answer (ACK from the ") + (sender == Side::ue ? "UE" : "network") + ")";
  auto held = std::make_shared<sip::Message>(ack.clone());
  auto id = std::make_shared<NgClient::RequestId>(0);
  *id = send(ng_answer(p), what, call_id, [this, id, held, forward, key, what, call_id](NgAnswer a) {
    own_requests_.erase(*id);
    auto* leg = find(key);
    const auto sdp_out = a.ok() ? a.string("sdp") : std::string_view();
    if (!leg || sdp_out.empty()) {
      log_.log(runtime::LogLevel::warning,
               "media: " + what + " failed (" + (a.ok() ? std::string("no SDP") : short_reason(a)) +
                   "): passed on as it is, the call is released",
               call_id);
      forward(std::move(*held));
      if (leg) release(*leg, 500, "media gateway failure");
      return;
    }
    held->set_body(std::string(sdp_out), "application/sdp");
    leg->pending.reset();
    log_.log(runtime::LogLevel::info, "media: " + what + " anchored in the AGW", call_id);
    forward(std::move(*held));
  });
  own_requests_.insert(*id);
  return true;
}

bool MediaAnchor::on_stray_2xx(sip::Message& response) {
  if (!ng_ || !has_sdp(response)) return true;
  const auto key = rewrite_key(response);
  for (const bool originating : {true, false}) {
    auto* leg = find(ng_call_id(response.call_id(), originating));
    if (!leg) continue;
    if (leg->in_progress.contains(key)) return false;  // the first copy is still at the AGW
    for (const auto& [in, out] : leg->rewritten) {
      if (in != key) continue;
      response.set_body(out, "application/sdp");
      return true;
    }
  }
  return true;
}

void MediaAnchor::dialog_released(std::string_view call_id, std::string_view ue_tag) {
  for (const bool originating : {true, false}) {
    const auto key = ng_call_id(call_id, originating);
    auto* leg = find(key);
    if (!leg || leg->ue_tag != ue_tag) continue;
    close(key, leg->session, "dialog released by the P-CSCF");
  }
}

void MediaAnchor::saw_sdp(AnchoredLeg& leg, std::string_view body) {
  const bool held = on_hold(body);
  if (leg.held && !held) leg.last_activity = now();  // resumed: the silence counts from here
  leg.held = held;
}

void MediaAnchor::arm_checks() {
  if (!timers_ || options_.check_interval.count() <= 0) return;
  check_timer_ = timers_->schedule_after(options_.check_interval, [this] {
    check_timer_.reset();
    check_media();
    arm_checks();
  });
}

void MediaAnchor::check_media() {
  for (auto& [key, leg] : legs_) {
    if (!leg.session || !leg.confirmed || leg.releasing || leg.checking) continue;
    leg.checking = true;
    auto id = std::make_shared<NgClient::RequestId>(0);
    *id = send(ng_query(key), "query", leg.sip_call_id, [this, id, key = key](NgAnswer a) {
      own_requests_.erase(*id);
      on_query(key, std::move(a));
    });
    own_requests_.insert(*id);
  }
}

void MediaAnchor::on_query(const std::string& key, NgAnswer answer) {
  auto* leg = find(key);
  if (!leg) return;
  leg->checking = false;
  if (leg->releasing) return;
  const auto t = now();
  if (answer.status() == NgAnswer::Status::timeout) {
    if (!leg->unanswered_since) leg->unanswered_since = t;
    if (t - *leg->unanswered_since >= options_.media_timeout) release(*leg, 503, "media gateway not answering");
    return;
  }
  leg->unanswered_since.reset();
  if (!answer.ok()) {
    // the AGW does not know the session: it restarted, or timed it out itself
    const bool timed_out = t - leg->last_activity + options_.check_interval >= options_.media_timeout;
    log_.log(runtime::LogLevel::warning,
             "media: the AGW no longer has the session (" + answer.error_reason() + ")" +
                 (timed_out ? ", its media had stopped" : ""),
             leg->sip_call_id);
    if (timed_out) {
      release(*leg, 408, "media timeout");
    } else {
      release(*leg, 503, "media session lost");
    }
    return;
  }
  const auto root = answer.root();
  if (!root) return;
  const auto media = read_call_media(*root, leg->ue_tag);
  leg->media = media;
  if (media.rtp_packets != leg->last_packets) {
    leg->last_packets = media.rtp_packets;
    leg->last_activity = t;
    return;
  }
  if (leg->held) {
    leg->last_activity = t;  // on hold: silence is expected (rtpengine's silent timeout is an hour)
    return;
  }
  if (t - leg->last_activity >= options_.media_timeout) {
    log_.log(runtime::LogLevel::info,
             "media: no RTP either way for " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t - leg->last_activity).count()) +
                 " s (" + std::to_string(media.rtp_packets) + " packets in all)",
             leg->sip_call_id);
    release(*leg, 408, "media timeout");
  }
}

void MediaAnchor::release(AnchoredLeg& leg, int cause, std::string text) {
  if (leg.releasing) return;
  leg.releasing = true;
  if (released_total_) released_total_->inc();
  // the other leg of the same call, when it is ours too, goes with the BYEs
  if (auto* other = find(ng_call_id(leg.sip_call_id, !leg.originating))) other->releasing = true;
  MediaRelease r;
  r.call_id = leg.sip_call_id;
  r.ue_tag = leg.ue_tag;
  r.cause = cause;
  r.text = std::move(text);
  if (leg.media) r.rtp_stat = rtp_stat_for_ue(*leg.media);
  log_.log(runtime::LogLevel::warning,
           "media: releasing the call: Reason SIP;cause=" + std::to_string(cause) + ";text=\"" + r.text + "\"",
           r.call_id);
  const std::string key = leg.ng_call_id;
  if (release_) release_(r);
  close(key, true, r.text);
}

}  // namespace imsbox::pcscf
