#include "mrf/mrf_service.h"

#include <algorithm>
#include <charconv>

#include "pcscf/dtmf_info.h"
#include "runtime/log.h"

namespace imsbox::mrf {

using sip::ua::CallHandle;
using Kind = IvrAction::Kind;

std::optional<int> sipfrag_status(std::string_view body) {
  // "SIP/2.0 200 OK" (RFC 3420 sipfrag: a start line, maybe headers)
  if (!body.starts_with("SIP/2.0 ") || body.size() < 11) return std::nullopt;
  int status = 0;
  const auto digits = body.substr(8, 3);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + 3, status);
  if (ec != std::errc{} || end != digits.data() + 3 || status < 100 || status > 699) return std::nullopt;
  return status;
}

void MrfService::shutdown() {
  for (auto& [id, call] : calls_) {
    if (call.ivr_timer) deps_.timers->cancel(*call.ivr_timer);
  }
  calls_.clear();
  for (const auto id : deferred_) deps_.timers->cancel(id);
  deferred_.clear();
}

void MrfService::log(const Call& call, const std::string& text) {
  deps_.log->log(runtime::LogLevel::info, text, call.call_id);
}

MrfService::Call* MrfService::find(std::uint64_t id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : &it->second;
}

void MrfService::defer(std::function<void()> f) {
  auto slot = std::make_shared<runtime::TimerQueue::TimerId>(0);
  *slot = deps_.timers->schedule_after(std::chrono::microseconds(0), [this, slot, f = std::move(f)] {
    deferred_.erase(*slot);
    f();
  });
  deferred_.insert(*slot);
}

void MrfService::on_incoming_call(CallHandle h, const sip::Message& invite) {
  Call call;
  call.call_id = std::string(invite.call_id());
  const std::string uri(invite.request_uri());
  auto refuse = [&](int status, const std::string& why) {
    deps_.log->log(runtime::LogLevel::info, "INVITE " + uri + ": " + std::to_string(status) + " " + why, call.call_id);
    ua_->reject(h, status);
  };
  auto parsed = parse_service_request(uri);
  if (auto* no = std::get_if<ServiceRefusal>(&parsed)) return refuse(no->status, no->reason);
  call.request = std::get<ServiceRequest>(parsed);
  const auto& r = call.request;
  if (r.service == Service::annc && !deps_.prompt(r.announcement.prompt, 8000)) {
    return refuse(404, "Not Found (no prompt '" + r.announcement.prompt + "')");
  }
  if (r.service == Service::ivr && !deps_.menu(r.menu)) return refuse(404, "Not Found (no menu '" + r.menu + "')");
  if (invite.body().empty()) return refuse(488, "Not Acceptable Here (no SDP offer)");
  auto answered = deps_.engine->answer(invite.body());
  if (auto* e = std::get_if<std::string>(&answered)) return refuse(488, "Not Acceptable Here (" + *e + ")");
  auto& a = std::get<MediaEngine::Answer>(answered);
  call.media = std::move(a.session);
  call.answer = std::move(a.sdp);
  const std::uint64_t id = h.value;
  call.media->on_digit([this, id](char d) { defer([this, id, d] { on_digit(id, d); }); });
  const bool early = r.early_status.has_value();
  log(call, "INVITE " + uri + ": " + (early ? "early media" : "answered") + " (" + call.media->stats().codec + ")");
  auto& stored = calls_.emplace(id, std::move(call)).first->second;
  if (early) {
    sip::ua::Provisional p;
    p.status = 183;
    p.body = stored.answer;
    p.headers.push_back({"P-Early-Media", "sendonly"});  // RFC 5009: we send, the caller listens
    // RFC 3262: reliably whenever the caller supports 100rel (the UA sends it
    // reliably anyway when the INVITE requires it): the SDP answer in it
    // then reaches an IMS caller, who may PRACK it, for sure.
    p.reliable = true;
    if (!ua_->ring(h, std::move(p))) return;
    start(id);
  } else {
    ua_->answer(h, stored.answer);
  }
}

void MrfService::on_confirmed(CallHandle h, const sip::ua::Dialog&) { start(h.value); }

void MrfService::start(std::uint64_t id) {
  Call* call = find(id);
  if (!call || call->started) return;
  call->started = true;
  switch (call->request.service) {
    case Service::annc:
      if (!play(id, call->request.announcement.prompt, call->request.announcement, [this](std::uint64_t i) {
            play_tail(i, [this](std::uint64_t j) { on_announcement_done(j); });
          })) {
        on_announcement_done(id);
      }
      return;
    case Service::echo:
      call->media->echo(deps_.echo_delay);
      return;
    case Service::ivr: {
      auto menu = deps_.menu(call->request.menu);
      if (!menu) {
        log(*call, "menu " + call->request.menu + " is gone");
        leave(id);
        return;
      }
      apply(id, call->ivr.enter(std::move(*menu)));
      return;
    }
  }
}

bool MrfService::play(std::uint64_t id, const std::string& prompt, const Announcement& how,
                      std::function<void(std::uint64_t)> done) {
  Call* call = find(id);
  if (!call) return false;
  auto pcm = deps_.prompt(prompt, call->media->pcm_rate());
  if (!pcm) {
    log(*call, "no prompt " + prompt + " at " + std::to_string(call->media->pcm_rate()) + " Hz");
    return false;
  }
  PlayRequest request;
  request.pcm = std::move(*pcm);
  request.repeat = how.repeat;
  request.delay = how.delay;
  request.duration = how.duration;
  call->media->play(std::move(request), [this, id, done = std::move(done)] { defer([id, done] { done(id); }); });
  return true;
}

void MrfService::play_tail(std::uint64_t id, std::function<void(std::uint64_t)> then) {
  Call* call = find(id);
  if (!call) return;
  PlayRequest silence;
  silence.pcm.assign(static_cast<std::size_t>(call->media->pcm_rate()) *
                         static_cast<std::size_t>(std::max<std::int64_t>(deps_.playout_tail.count(), 0)) / 1000,
                     0);
  if (silence.pcm.empty()) return then(id);
  call->media->play(std::move(silence), [this, id, then = std::move(then)] { defer([id, then] { then(id); }); });
}

void MrfService::on_announcement_done(std::uint64_t id) {
  Call* call = find(id);
  if (!call || call->leaving) return;
  call->leaving = true;
  if (call->request.early_status) {
    log(*call, "announcement played: " + std::to_string(*call->request.early_status));
    ua_->reject(CallHandle{id}, *call->request.early_status);  // ends the call: `call` is gone
    return;
  }
  log(*call, "announcement played: BYE");
  ua_->bye(CallHandle{id});
}

void MrfService::leave(std::uint64_t id) {
  Call* call = find(id);
  if (!call || call->leaving) return;
  call->leaving = true;
  call->media->stop();
  if (call->ivr_timer) deps_.timers->cancel(*call->ivr_timer);
  call->ivr_timer.reset();
  if (!ua_->bye(CallHandle{id})) ua_->reject(CallHandle{id}, 480);
}

void MrfService::on_digit(std::uint64_t id, char digit) {
  Call* call = find(id);
  if (!call || call->leaving || call->request.service != Service::ivr || !call->started) return;
  log(*call, std::string("digit ") + digit);
  apply(id, call->ivr.on_digit(digit));
}

void MrfService::apply(std::uint64_t id, const std::vector<IvrAction>& actions) {
  for (const auto& a : actions) {
    Call* call = find(id);
    if (!call || call->leaving) return;
    switch (a.kind) {
      case Kind::play:
        log(*call, "ivr: " + a.target);
        if (!play(id, a.target, {}, [this](std::uint64_t i) {
              if (Call* c = find(i)) apply(i, c->ivr.on_prompt_done());
            })) {
          defer([this, id] {
            if (Call* c = find(id)) apply(id, c->ivr.on_prompt_done());
          });
        }
        break;
      case Kind::stop_play:
        call->media->stop();
        break;
      case Kind::cancel_timer:
      case Kind::arm_timer:
        if (call->ivr_timer) deps_.timers->cancel(*call->ivr_timer);
        call->ivr_timer.reset();
        if (a.kind == Kind::arm_timer) {
          call->ivr_timer = deps_.timers->schedule_after(a.delay, [this, id] {
            Call* c = find(id);
            if (!c) return;
            c->ivr_timer.reset();
            log(*c, "ivr: no (further) digit in time");
            apply(id, c->ivr.on_timeout());
          });
        }
        break;
      case Kind::open_menu: {
        auto menu = deps_.menu(a.target);
        if (!menu) {
          log(*call, "menu " + a.target + " does not exist: leaving");
          leave(id);
          return;
        }
        log(*call, "menu " + a.target);
        apply(id, call->ivr.enter(std::move(*menu)));
        return;
      }
      case Kind::transfer:
        log(*call, "transfer to " + a.target + " (REFER)");
        call->transferring = true;
        call->media->stop();
        if (!ua_->request(CallHandle{id}, "REFER", {{"Refer-To", "<" + a.target + ">"}})) leave(id);
        return;
      case Kind::hangup:
        log(*call, "ivr: hang up" + (a.target.empty() ? std::string() : " after " + a.target));
        if (!a.target.empty() && play(id, a.target, {}, [this](std::uint64_t i) {
              play_tail(i, [this](std::uint64_t j) { leave(j); });
            })) {
          return;
        }
        leave(id);
        return;
    }
  }
}

void MrfService::on_ended(CallHandle h, sip::ua::EndReason) {
  auto it = calls_.find(h.value);
  if (it == calls_.end()) return;
  if (it->second.ivr_timer) deps_.timers->cancel(*it->second.ivr_timer);
  calls_.erase(it);
}

bool MrfService::on_offer(CallHandle h, const sip::Message& request) {
  Call* call = find(h.value);
  if (!call) return false;
  if (request.body().empty()) {
    ua_->accept_offer(h, call->answer);  // an offer asked for: the one we have
    return true;
  }
  auto updated = call->media->update(request.body());
  if (updated.index() == 1) {
    log(*call, std::string(request.method()) + " refused: " + std::get<1>(updated));
    ua_->reject_offer(h, 488);
    return true;
  }
  call->answer = std::get<0>(updated);
  ua_->accept_offer(h, call->answer);
  return true;
}

int MrfService::on_dialog_request(CallHandle h, const sip::Message& request) {
  Call* call = find(h.value);
  if (!call) return 481;
  const auto method = request.method();
  const auto* ct = request.find(sip::HeaderId::content_type);
  const std::string_view content_type = ct ? ct->value : std::string_view();
  if (method == "INFO") {
    if (request.body().empty()) return 200;  // a keep-alive
    if (!pcscf::is_dtmf_content_type(content_type)) return 415;
    const auto digit = pcscf::parse_dtmf_info(content_type, request.body());
    if (!digit) {
      log(*call, "INFO with no DTMF digit in it");
      return 400;
    }
    const std::uint64_t id = h.value;
    const char d = digit->digit;
    defer([this, id, d] { on_digit(id, d); });
    return 200;
  }
  if (method == "NOTIFY") {
    // RFC 3515 §2.4.4: the progress of our REFER, as a sipfrag
    const auto status = sipfrag_status(request.body());
    if (call->transferring && status && *status >= 200) {
      log(*call, "transfer " + std::string(*status < 300 ? "done" : "failed") + " (" + std::to_string(*status) +
                     "): leaving");
      const std::uint64_t id = h.value;
      defer([this, id] { leave(id); });
    }
    return 200;
  }
  return 405;
}

void MrfService::on_request_response(CallHandle h, const sip::Message& response) {
  Call* call = find(h.value);
  if (!call || response.cseq().method != "REFER" || response.status() < 300) return;
  log(*call, "REFER refused (" + std::to_string(response.status()) + "): leaving");
  const std::uint64_t id = h.value;
  defer([this, id] { leave(id); });
}

}  // namespace imsbox::mrf
