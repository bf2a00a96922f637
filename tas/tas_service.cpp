#include "tas/tas_service.h"

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <variant>

#include "runtime/log.h"
#include "runtime/timer_queue.h"
#include "sip/header_values.h"
#include "tas/announcements.h"
#include "tas/isc.h"
#include "tas/simservs/rules.h"

namespace imsbox::tas {

namespace {

using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;
namespace ss = simservs;

const char* event_name(ss::DiversionEvent e) {
  switch (e) {
    case ss::DiversionEvent::none: return "unconditional (CFU)";
    case ss::DiversionEvent::busy: return "busy (CFB)";
    case ss::DiversionEvent::no_answer: return "no reply (CFNR)";
    case ss::DiversionEvent::not_registered: return "not logged in (CFNL)";
    case ss::DiversionEvent::not_reachable: return "not reachable (CFNRc)";
    case ss::DiversionEvent::deflection: return "deflection (CD)";
  }
  return "";
}

// The first Contact URI of a 3xx.
std::string contact_of(const sip::Message& response) {
  const auto* h = response.find(sip::HeaderId::contact);
  if (!h) return {};
  const auto list = sip::parse_name_addr_list(h->value);
  if (!list || list.value.empty()) return {};
  return std::string(list.value.front().uri);
}

class TasTsx final : public sip::proxy::ProxyTsx {
 public:
  TasTsx(TasService& service, ServedUser served) : service_(service), served_(std::move(served)) {}
  ~TasTsx() override { stop_no_reply_timer(); }

  Verdict on_request(ProxyTsxHelper& helper) override {
    auto& request = helper.request();
    call_id_ = std::string(request.call_id());
    what_ = std::string(request.method()) + " " + std::string(request.request_uri()) + ": ";
    invite_ = request.method() == "INVITE";
    if (served_.session_case == ServedCase::originating_cdiv) {
      log(runtime::LogLevel::debug, "originating after diversion for " + served_.identity + ": passed on");
      return Verdict::next;
    }
    if (invite_ && served_.session_case == ServedCase::originating) {
      if (const auto verdict = echo_test(helper)) return *verdict;
      if (const auto verdict = star_code(helper)) return *verdict;
    }
    document_ = service_.services_of(served_.identity, call_id_);
    context_ = context(request);
    return served_.session_case == ServedCase::originating ? originating(helper) : terminating(helper);
  }

  void on_response(ProxyTsxHelper& helper, sip::Message& response) override {
    const int status = response.status();
    if (status > 100 && status < 200) provisional_ = true;
    // the callee alerts: the no-reply timer starts (TS 24.604 §4.5.2.6.4; a
    // 183 is no alerting); a final answer stops it
    if (status == 180 && no_reply_timer_.count() > 0 && !diverted_) start_no_reply_timer(helper);
    if (status >= 200) stop_no_reply_timer();
    // the caller gets its own From back (only the callee was not to see it)
    if (!original_from_.empty()) response.set(sip::HeaderId::from, original_from_);
  }

  void on_cancel(ProxyTsxHelper&) override { stop_no_reply_timer(); }

  Verdict on_branch_failure(ProxyTsxHelper& helper, const sip::Message& response) override {
    stop_no_reply_timer();
    if (announced_) {
      // the MRF's branch: it ends with the status it was given; an MRF that
      // failed it (down, the prompt missing) must not change the call's end
      if (response.status() == announced_->status) return Verdict::next;
      log(runtime::LogLevel::warning, "the MRF failed the announcement (" + std::to_string(response.status()) +
                                          "): " + std::to_string(announced_->status) + " from the TAS");
      helper.respond(announced_->status, announced_->reason);
      return Verdict::done;
    }
    if (confirming_) {
      // the change is stored: an MRF that cannot confirm it (down, its
      // prompt missing) must not make it look failed
      confirming_ = false;
      log(runtime::LogLevel::warning, "the MRF did not confirm the star code (" + std::to_string(response.status()) +
                                          "): the TAS answers it");
      auto* uas = service_.star_code_uas();
      if (uas && uas->answer(helper)) return Verdict::done;
      return Verdict::next;
    }
    if (const auto verdict = divert_on_failure(helper, response)) return *verdict;
    return announce_unreachable(helper, response);
  }

 private:
  // CDIV after the callee's final response; nothing when no diversion takes it.
  std::optional<Verdict> divert_on_failure(ProxyTsxHelper& helper, const sip::Message& response) {
    if (!invite_ || diverted_ || served_.session_case != ServedCase::terminating || !document_) return std::nullopt;
    const int status = response.status();
    auto call = context_;
    switch (status) {
      case 486: call.event = ss::DiversionEvent::busy; break;
      case 404:
      case 480: call.event = ss::DiversionEvent::not_registered; break;
      case 302:
        call.event = ss::DiversionEvent::deflection;
        call.deflection_target = contact_of(response);
        break;
      case 487:
        // our no-reply timer CANCELled the branch (a caller's CANCEL ends
        // the transaction before any retry is asked for)
        if (!no_reply_expired_) return std::nullopt;
        call.event = ss::DiversionEvent::no_answer;
        break;
      case 408:
        // before alerting: not reachable; after: no reply, when our timer
        // CANCELled the branch and the CANCEL went unanswered
        if (!provisional_) {
          call.event = ss::DiversionEvent::not_reachable;
        } else if (no_reply_expired_) {
          call.event = ss::DiversionEvent::no_answer;
        } else {
          return std::nullopt;
        }
        break;
      case 500:
      case 503: call.event = ss::DiversionEvent::not_reachable; break;
      default: return std::nullopt;
    }
    const auto diversion = ss::communication_diversion(document_->services(), call);
    if (!diversion) {
      log(runtime::LogLevel::debug, "terminating for " + served_.identity + ": " + std::to_string(status) +
                                        " from the callee, no diversion for " + event_name(call.event));
      return std::nullopt;
    }
    if (!divert(helper, *diversion, call.event)) return Verdict::done;
    sip::proxy::Target target;
    target.request_uri = diversion->forward_to.target;
    helper.request().set_request_uri(diversion->forward_to.target);
    helper.add_target(std::move(target));
    return Verdict::next;
  }

  // A callee's failure no diversion took, heard first from the MRF
  // (not-reachable in early media, then the same status): one retry of the
  // INVITE at the announcement, in place of the failed branch.
  Verdict announce_unreachable(ProxyTsxHelper& helper, const sip::Message& response) {
    const auto& options = service_.options();
    if (!invite_ || diverted_ || served_.session_case != ServedCase::terminating || !announcing()) {
      return Verdict::next;
    }
    const int status = response.status();
    const auto prompt = unreachable_prompt(status);
    if (!prompt) return Verdict::next;
    const auto uri = announcement_uri(options.mrf_host, *prompt, status);
    announced_ = Announced{status, std::string(response.reason())};
    log(runtime::LogLevel::info, "terminating for " + served_.identity + ": " + std::to_string(status) +
                                     " from the callee, announced first: to " + uri);
    helper.request().set_request_uri(uri);
    sip::proxy::Target target;
    target.request_uri = uri;
    helper.add_target(std::move(target));
    return Verdict::next;
  }

  bool announcing() const {
    const auto& options = service_.options();
    return options.announcements && !options.mrf_host.empty();
  }

  // A barring's or ACR's refusal: answered by the TAS, or, with
  // announcements, by the MRF after the caller heard `prompt` in early media
  // (the INVITE goes on, retargeted to the announcement).
  Verdict refuse(ProxyTsxHelper& helper, int status, std::string_view reason, std::string_view prompt) {
    if (!announcing()) {
      helper.respond(status, reason);
      return Verdict::done;
    }
    const auto uri = announcement_uri(service_.options().mrf_host, prompt, status);
    announced_ = Announced{status, std::string(reason)};
    log(runtime::LogLevel::info, "the caller hears " + std::string(prompt) + " first: to " + uri);
    helper.request().set_request_uri(uri);
    return Verdict::next;
  }

  // An originating INVITE that dials the echo test goes to the MRF's.
  std::optional<Verdict> echo_test(ProxyTsxHelper& helper) {
    const auto& options = service_.options();
    if (options.mrf_host.empty() || !dials_echo_test(helper.request().request_uri(), options.domain)) {
      return std::nullopt;
    }
    const auto uri = echo_uri(options.mrf_host);
    log(runtime::LogLevel::info, "originating for " + served_.identity + ": the echo test, to " + uri);
    helper.request().set_request_uri(uri);
    return Verdict::next;
  }

  ss::CallContext context(const sip::Message& request) const {
    ss::CallContext c;
    c.session_case = served_.session_case == ServedCase::originating ? ss::SessionCase::originating
                                                                      : ss::SessionCase::terminating;
    c.caller = calling_party(request);
    c.callee = std::string(request.request_uri());
    c.privacy = privacy_values(request);
    c.caller_anonymous = ss::is_anonymous(c.privacy, request.from().uri);
    c.media = offered_media(request);
    c.communication_diverted = diversion_count(request) > 0;
    return c;
  }

  // A star code the served user dialled: its document changed and stored,
  // the INVITE answered and the call ended (or 484 / 500); nothing for an
  // ordinary call.
  std::optional<Verdict> star_code(ProxyTsxHelper& helper) {
    auto parsed = parse_star_code(helper.request().request_uri(), service_.options().domain);
    if (std::holds_alternative<NotStarCode>(parsed)) return std::nullopt;
    const std::string from = " from " + served_.identity;
    if (const auto* bad = std::get_if<MalformedStarCode>(&parsed)) {
      log(runtime::LogLevel::info, "star code " + bad->dialled + from + " is malformed (" + bad->reason + "): 484");
      helper.respond(484, "Address Incomplete");
      return Verdict::done;
    }
    const auto& code = std::get<StarCode>(parsed);
    const auto& options = service_.options();
    const auto announcement = options.star_code_announcement ? options.star_code_announcement(code) : std::nullopt;
    if (!announcement && !service_.star_code_uas()) {
      log(runtime::LogLevel::warning, "star code " + code.dialled + from + ": this TAS cannot answer star codes: 500");
      helper.respond(500, "Star Codes Not Served");
      return Verdict::done;
    }
    try {
      // a store that cannot be read fails the code: it must not write over the user's other services
      auto changed = apply(code, options.services_of ? options.services_of(served_.identity) : ss::empty_document());
      if (const auto* error = std::get_if<std::string>(&changed)) throw std::runtime_error(*error);
      if (!options.store_services) throw std::runtime_error("no store");
      options.store_services(served_.identity, std::get<ss::Document>(changed));
    } catch (const std::exception& e) {
      log(runtime::LogLevel::warning, "star code " + code.dialled + from + " cannot be stored (" + e.what() + "): 500");
      helper.respond(500, "Server Internal Error");
      return Verdict::done;
    }
    log(runtime::LogLevel::info, "star code " + code.dialled + from + ": " + describe(code));
    if (announcement) {
      // the MRF confirms it and ends the call (issue 19)
      sip::proxy::Target mrf;
      mrf.request_uri = *announcement;
      helper.add_target(std::move(mrf));
      confirming_ = true;
      return Verdict::next;
    }
    if (!service_.star_code_uas()->answer(helper)) {
      helper.respond(400, "Missing Contact or From tag");
    }
    return Verdict::done;
  }

  Verdict originating(ProxyTsxHelper& helper) {
    const auto& services = document_->services();
    const auto barring = ss::communication_barring(services, context_, service_.options().home_country_code);
    if (barring.barred) {
      log(runtime::LogLevel::info, "originating for " + served_.identity + ": barred by rule " + barring.rule_id +
                                       " (OCB): " + std::to_string(barring.status));
      service_.record(barring_event(call_id_, served_.identity, context_.session_case, barring));
      return refuse(helper, barring.status, "Decline", "outgoing-barred");
    }
    if (ss::add_privacy_id(services, context_)) {
      add_privacy_id(helper.request());
      log(runtime::LogLevel::info, "originating for " + served_.identity + ": OIR, Privacy: id added");
    }
    return Verdict::next;
  }

  Verdict terminating(ProxyTsxHelper& helper) {
    auto& request = helper.request();
    const auto& services = document_->services();
    const auto barring = ss::communication_barring(services, context_, service_.options().home_country_code);
    if (barring.barred) {
      const bool acr = barring.status == 433;
      log(runtime::LogLevel::info, "terminating for " + served_.identity + ": " + (acr ? "anonymous call rejected (ACR)" : "barred (ICB)") +
                                       " by rule " + barring.rule_id + ": " + std::to_string(barring.status));
      service_.record(barring_event(call_id_, served_.identity, context_.session_case, barring));
      return refuse(helper, barring.status, acr ? "Anonymity Disallowed" : "Decline",
                    acr ? "anonymous-rejected" : "barred");
    }
    if (!ss::present_originating_identity(services, context_)) {
      if (const auto* from = request.find(sip::HeaderId::from)) original_from_ = std::string(from->value);
      hide_originating_identity(request);
      log(runtime::LogLevel::info, "terminating for " + served_.identity + ": caller's identity not presented (OIP)");
    }
    if (!invite_) return Verdict::next;
    if (const auto cfu = ss::communication_diversion(services, context_)) {
      if (!divert(helper, *cfu, ss::DiversionEvent::none)) return Verdict::done;
      request.set_request_uri(cfu->forward_to.target);
      return Verdict::next;
    }
    if (!served_.registered) {
      // CFNL at once: the S-CSCF says the callee is not registered
      // (regstate=unreg, its unregistered services), no 404/480 to wait for
      auto not_registered = context_;
      not_registered.event = ss::DiversionEvent::not_registered;
      if (const auto cfnl = ss::communication_diversion(services, not_registered)) {
        if (!divert(helper, *cfnl, ss::DiversionEvent::not_registered)) return Verdict::done;
        request.set_request_uri(cfnl->forward_to.target);
        return Verdict::next;
      }
    }
    // CFNR: once the callee alerts it has the no-reply timer to answer,
    // when a rule would forward then (TS 24.604 §4.5.2.6.2); a callee that
    // never alerts is CFNRc's (its 408)
    auto no_answer = context_;
    no_answer.event = ss::DiversionEvent::no_answer;
    if (const auto cfnr = ss::communication_diversion(services, no_answer)) {
      no_reply_timer_ = std::chrono::seconds(cfnr->no_reply_timer);
      log(runtime::LogLevel::debug, "terminating for " + served_.identity + ": no-reply timer " +
                                        std::to_string(cfnr->no_reply_timer) + " s from the 180");
    }
    return Verdict::next;
  }

  void start_no_reply_timer(ProxyTsxHelper& helper) {
    if (no_reply_timer_id_ || no_reply_expired_) return;  // from the first 180 only
    auto* timers = service_.timers();
    if (!timers) {
      log(runtime::LogLevel::warning, "no timers attached: the no-reply timer cannot run");
      return;
    }
    // the helper is the transaction that owns this object; the destructor
    // cancels the timer
    no_reply_timer_id_ = timers->schedule_after(no_reply_timer_, [this, &helper] {
      no_reply_timer_id_.reset();
      no_reply_expired_ = true;
      log(runtime::LogLevel::info, "terminating for " + served_.identity + ": no reply within " +
                                       std::to_string(no_reply_timer_.count()) + " s of the 180: the callee's branch is CANCELled");
      helper.cancel_branch();
    });
  }

  void stop_no_reply_timer() {
    if (!no_reply_timer_id_) return;
    if (auto* timers = service_.timers()) timers->cancel(*no_reply_timer_id_);
    no_reply_timer_id_.reset();
  }

  // The common part of a diversion: the limit, 181 upstream, History-Info.
  // False when the limit is reached (480 answered).
  bool divert(ProxyTsxHelper& helper, const ss::Diversion& d, ss::DiversionEvent event) {
    auto& request = helper.request();
    const int before = diversion_count(request);
    if (before >= service_.options().max_diversions) {
      log(runtime::LogLevel::info, "terminating for " + served_.identity + ": " + event_name(event) + " to " +
                                       d.forward_to.target + " refused, the call was diverted " +
                                       std::to_string(before) + " times: 480");
      helper.respond(480, "Temporarily Unavailable (too many diversions)");
      return false;
    }
    diverted_ = true;
    add_diversion_history(request, d.forward_to.target, d.cause, !d.forward_to.reveal_identity_to_target);
    if (d.forward_to.notify_caller) helper.respond(181, "Call Is Being Forwarded");
    log(runtime::LogLevel::info, "terminating for " + served_.identity + ": " + event_name(event) +
                                     (d.rule_id.empty() ? std::string() : " by rule " + d.rule_id) + " to " +
                                     d.forward_to.target + " (cause " + std::to_string(d.cause) + ")");
    service_.record(diversion_event(call_id_, served_.identity, event, d));
    return true;
  }

  void log(runtime::LogLevel level, const std::string& text) { service_.log().log(level, what_ + text, call_id_); }

  TasService& service_;
  ServedUser served_;
  std::optional<ss::Document> document_;
  ss::CallContext context_;
  std::string call_id_;
  std::string what_;
  std::string original_from_;  // the From the caller sent, when the callee gets an anonymous one
  bool invite_ = false;
  bool provisional_ = false;     // a provisional response above 100 came from the callee
  std::chrono::seconds no_reply_timer_{0};  // CFNR's, once the callee alerts; 0: no CFNR rule
  std::optional<runtime::TimerQueue::TimerId> no_reply_timer_id_;
  bool no_reply_expired_ = false;  // it fired: the callee's branch was CANCELled
  bool diverted_ = false;
  // The INVITE went to the MRF's announcement ending with this status.
  struct Announced {
    int status = 0;
    std::string reason;
  };
  std::optional<Announced> announced_;
  bool confirming_ = false;  // a star code went to the MRF's confirmation
};

// An in-dialog request of a star-code call (the caller's BYE before ours).
class StarCodeDialogTsx final : public sip::proxy::ProxyTsx {
 public:
  explicit StarCodeDialogTsx(StarCodeUas& uas) : uas_(uas) {}
  Verdict on_request(ProxyTsxHelper& helper) override {
    if (helper.request().method() == "BYE") {
      uas_.on_bye(helper.request());
      helper.respond(200, "OK");
    } else {
      helper.respond(488, "Not Acceptable Here");  // a star-code call has no session to change
    }
    return Verdict::done;
  }

 private:
  StarCodeUas& uas_;
};

}  // namespace

TasService::TasService(TasOptions options, runtime::Logger& log) : options_(std::move(options)), log_(log) {}

simservs::Document TasService::services_of(std::string_view impu, std::string_view call_id) {
  if (!options_.services_of) return simservs::empty_document();
  try {
    return options_.services_of(impu);
  } catch (const std::exception& e) {
    log_.log(runtime::LogLevel::warning, "the services of " + std::string(impu) + " are unreadable (" + e.what() +
                                             "): all services off", call_id);
  }
  return simservs::empty_document();
}

void TasService::serve_star_codes(StarCodeUas::Io io) {
  star_code_uas_ = std::make_unique<StarCodeUas>(std::move(io), log_);
}

bool TasService::on_ack(sip::Message& ack, const sip::Peer&, const ForwardAck&) {
  return star_code_uas_ && star_code_uas_->on_ack(ack);
}

std::unique_ptr<sip::proxy::ProxyTsx> TasService::on_request(const sip::Message& request, const sip::Peer&) {
  const auto method = request.method();
  if (star_code_uas_ && method != "ACK" && method != "CANCEL" && !request.to().tag().empty() &&
      star_code_uas_->owns(request)) {
    return std::make_unique<StarCodeDialogTsx>(*star_code_uas_);
  }
  if (method == "ACK" || method == "CANCEL" || !request.to().tag().empty()) return nullptr;
  auto served = served_user(request);
  if (!served) {
    if (request.find(sip::HeaderId::p_served_user)) {
      log_.log(runtime::LogLevel::warning,
               std::string(method) + " " + std::string(request.request_uri()) +
                   ": unusable P-Served-User, passed on without services",
               request.call_id());
    }
    return nullptr;
  }
  return std::make_unique<TasTsx>(*this, std::move(*served));
}

}  // namespace imsbox::tas
