// Sessions at the S-CSCF (TS 24.229 §5.4.3): an initial request other than
// REGISTER and the reg event goes through the served user's iFCs (each
// matching application server in turn over ISC, TS 23.218) and then on:
// originating to the I-CSCF or out, terminating to the callee's contacts.
// In-dialog BYEs end the call records.
#include <algorithm>
#include <memory>
#include <optional>
#include <tuple>

#include "ims/identity.h"
#include "ims/subscription.h"
#include "runtime/log.h"
#include "scscf/cx_outcome.h"
#include "scscf/ifc.h"
#include "scscf/scscf_service.h"
#include "scscf/transactions.h"
#include "sip/proxy/asking_tsx.h"

namespace imsbox::scscf {

namespace {

using diameter::CxError;
using sip::proxy::AskingTsx;
using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

// An initial request other than REGISTER and the reg event (session.h):
// first the served user's iFCs (each matching AS in turn, the request coming
// back with the ODI token of its Route), then the route on. An unregistered
// callee's profile comes from the HSS first (SAR UNREGISTERED_USER), for the
// iFCs of its unregistered part (TS 24.229 §5.4.3.3, TS 29.228 §6.1.2).
class SessionTsx final : public AskingTsx {
 public:
  // `back`: the request returns from an AS with that ODI (else a fresh one).
  // `on_behalf`: an AS originates for a user (originating_on_behalf()).
  SessionTsx(ScscfService& service, SessionCase session_case, bool on_behalf, std::optional<OdiState> back)
      : service_(service), case_(session_case), on_behalf_(on_behalf), back_(std::move(back)) {
    if (back_) {
      case_ = back_->session_case;
      unregistered_profile_ = back_->unregistered_profile;
    }
  }

  Verdict on_request(ProxyTsxHelper& helper) override {
    auto& request = helper.request();
    what_ = std::string(request.method()) + " " + std::string(request.request_uri()) + ": ";
    invite_ = request.method() == "INVITE";
    if (invite_) {
      call_id_ = std::string(request.call_id());
      service_.calls().invite(request, service_.wall_now());  // once per Call-ID
    }
    if (back_) return onward(helper, back_->served_identity, back_->next_ifc);
    // a fresh request: its served user must be one of ours, registered, or
    // a callee with services while unregistered
    auto check = route(request);
    const auto served = case_ == SessionCase::originating ? originating_identity(request).value_or("")
                                                          : ims::public_identity(request.request_uri()).value_or("");
    if (check.status == 480 && case_ == SessionCase::terminating && !served.empty()) return unregistered(helper, served);
    if (check.status == 403 && on_behalf_ && !served.empty()) return unregistered(helper, served);
    if (check.status != 0) return refuse(helper, check);
    return onward(helper, served, 0);
  }

  // The final response from downstream (our own refusals are recorded in refuse()).
  void on_response(ProxyTsxHelper&, sip::Message& response) override {
    if (response.status() < 200) return;
    if (!odi_.empty()) service_.odis().forget(odi_);
    if (!invite_) return;
    service_.calls().final_response(call_id_, response.status(), service_.wall_now());
    service_.call_record_changed();
  }

  void on_cancel(ProxyTsxHelper&) override {
    if (!invite_) return;
    service_.calls().cancelled(call_id_, service_.wall_now());
    service_.call_record_changed();
  }

 private:
  const char* side() const {
    switch (case_) {
      case SessionCase::originating: return "originating";
      case SessionCase::terminating: return "terminating";
      case SessionCase::originating_cdiv: return "originating after diversion";
    }
    return "";
  }

  // The leg of the dialog our Record-Route names (its user part): the
  // caller's ("orig") or the callee's, whose diversion included ("term"), so
  // that an in-dialog request shows which one it is on.
  const char* leg() const { return case_ == SessionCase::originating ? "orig" : "term"; }

  // RFC 5502 (RFC 8498 for orig-cdiv): whom the AS serves, in which case.
  std::string p_served_user(const std::string& served) const {
    std::string value = "<" + served + ">";
    switch (case_) {
      case SessionCase::originating: value += ";sescase=orig"; break;
      case SessionCase::terminating: value += ";sescase=term"; break;
      case SessionCase::originating_cdiv: value += ";orig-cdiv"; break;
    }
    return value + (unregistered_profile_ ? ";regstate=unreg" : ";regstate=reg");
  }

  // The session case of the iFCs (TS 29.228 Annex B) that apply now.
  ims::SessionCase ifc_session_case() const {
    switch (case_) {
      case SessionCase::originating:
        return unregistered_profile_ ? ims::SessionCase::originating_unregistered : ims::SessionCase::originating;
      case SessionCase::terminating:
        return unregistered_profile_ ? ims::SessionCase::terminating_unregistered
                                     : ims::SessionCase::terminating_registered;
      case SessionCase::originating_cdiv:
        break;
    }
    return ims::SessionCase::originating_cdiv;
  }

  // To the next matching AS from iFC position `from`, else on.
  Verdict onward(ProxyTsxHelper& helper, const std::string& served, std::size_t from) {
    auto& request = helper.request();
    const auto& o = service_.options();
    // ours to set for an AS, never to pass on (TS 24.229 §5.4.3.2, §5.4.3.3)
    request.remove_all(sip::HeaderId::p_served_user);
    if (back_ && case_ == SessionCase::terminating && ims::public_identity(request.request_uri()) != served) {
      // an AS retargeted the call (e.g. call forwarding): no more terminating
      // services; the diverting user's originating-after-diversion ones
      service_.log().log(runtime::LogLevel::info,
                         what_ + "terminating for " + served + " retargeted by an application server", request.call_id());
      case_ = SessionCase::originating_cdiv;
      from = 0;
    }
    if (auto as = next_application_server_for(request, served, from)) {
      const auto token = service_.new_tag();
      service_.odis().put(token, OdiState{case_, served, as->position + 1, unregistered_profile_}, service_.now());
      odi_ = token;
      const auto routes = application_server_routes(as->server.server_name, o.own_uri, token);
      request.append(sip::HeaderId::p_served_user, p_served_user(served));
      const bool continued = as->server.default_handling == ims::DefaultHandling::session_continued;
      sip::proxy::Target to_as;
      to_as.routes = routes;
      to_as.first_response_timeout = o.as_timeout;
      to_as.fallback_only_if_unanswered = continued;
      helper.add_target(std::move(to_as));
      if (continued) {
        // AS silent: on as if it had sent the request back (through ourselves)
        sip::proxy::Target skip;
        skip.routes = {routes.back()};
        helper.add_target(std::move(skip));
      }
      service_.log().log(runtime::LogLevel::info,
                         what_ + side() + (unregistered_profile_ ? " (unregistered)" : "") + " for " + served +
                             ": iFC " + std::to_string(as->position) + " to " + as->server.server_name +
                             (continued ? " (session continued without it)" : ""),
                         request.call_id());
      helper.record_route(leg());
      return Verdict::next;
    }
    auto next = case_ == SessionCase::originating_cdiv ? diverted(request, served) : route(request);
    if (next.status != 0) return refuse(helper, next);
    service_.log().log(runtime::LogLevel::info, what_ + next.summary, request.call_id());
    for (auto& t : next.targets) helper.add_target(std::move(t));
    helper.record_route(leg());
    return Verdict::next;
  }

  // A callee not registered here: its profile for unregistered services.
  Verdict unregistered(ProxyTsxHelper& helper, const std::string& served) {
    diameter::ServerAssignmentRequest sar;
    sar.public_identities = {served};
    sar.server_name = service_.options().server_name;
    sar.server_assignment_type = diameter::ServerAssignmentType::unregistered_user;
    std::weak_ptr<int> alive = alive_;
    return ask(helper, [&](auto conclude) {
      service_.cx().server_assignment(std::move(sar), [this, alive, conclude, &helper, served](auto answer) {
        if (alive.expired()) return;
        conclude([this, &helper, served, answer = std::move(answer)]() { return on_unregistered(helper, served, answer); });
      });
    });
  }

  Verdict on_unregistered(ProxyTsxHelper& helper, const std::string& served,
                          const diameter::AnswerOrError<diameter::ServerAssignmentAnswer>& answer) {
    SessionRoute r;
    r.summary = std::string(side()) + " for " + served + ": not registered";
    if (const auto* e = std::get_if<CxError>(&answer)) {
      std::tie(r.status, r.reason) = hss_failure(*e);
      r.summary += ", SAR UNREGISTERED_USER failed: " + cx_error_text(*e);
      return refuse(helper, r);
    }
    const auto& saa = std::get<diameter::ServerAssignmentAnswer>(answer);
    auto profile = saa.header.result.is_success() ? ims::parse_ims_subscription(saa.user_data) : std::nullopt;
    if (!profile) {
      // nobody to originate for; a callee to be reached later perhaps
      std::tie(r.status, r.reason) = case_ == SessionCase::originating
                                         ? std::pair<int, std::string>{403, "Forbidden (no services for this user)"}
                                         : std::pair<int, std::string>{480, "Temporarily Unavailable"};
      r.summary += ", no profile (SAA " + result_text(saa.header.result) + ")";
      return refuse(helper, r);
    }
    if (is_barred(*profile, served)) {
      // TS 24.229 §5.4.3.2 / §5.4.3.3 step 1
      std::tie(r.status, r.reason) = case_ == SessionCase::originating
                                         ? std::pair<int, std::string>{403, "Forbidden (barred identity)"}
                                         : std::pair<int, std::string>{404, "Not Found"};
      r.summary += ", a barred identity";
      return refuse(helper, r);
    }
    unregistered_profile_ = std::make_shared<const ims::ImsSubscription>(std::move(*profile));
    return onward(helper, served, 0);
  }

  // Originating or terminating (a diverted request goes by diverted()).
  SessionRoute route(const sip::Message& request) const {
    const auto& o = service_.options();
    return case_ == SessionCase::originating
               ? route_originating(request, service_.registrar(), service_.now(), o.domain, o.icscf_route,
                                   unregistered_profile_ != nullptr, o.box_nodes)
               : route_terminating(request, service_.registrar(), service_.now());
  }

  // A terminating request whose Request-URI an AS changed, after the
  // originating-after-diversion iFCs: routed on like an originating one
  // (TS 24.229 §5.4.3.3 step 10), home targets by the I-CSCF.
  SessionRoute diverted(const sip::Message& request, const std::string& served) const {
    const auto& o = service_.options();
    SessionRoute out;
    const std::string target(request.request_uri());
    out.summary = "terminating for " + served + " diverted to " + target;
    if (is_home_target(target, o.domain)) {
      sip::proxy::Target t;
      t.routes = {o.icscf_route};
      out.targets.push_back(std::move(t));
      out.summary += ", to the I-CSCF";
    } else if (auto node = box_node_target(target, o.box_nodes)) {
      out.summary += ", to " + node->routes.front();
      out.targets.push_back(std::move(*node));
    }
    return out;
  }

  std::optional<IfcMatch> next_application_server_for(const sip::Message& request, const std::string& served,
                                                      std::size_t from) const {
    TriggerContext context;
    context.method = std::string(request.method());
    context.request = &request;
    context.session_case = ifc_session_case();
    if (unregistered_profile_) {
      return next_application_server(*unregistered_profile_, served, context, from,
                                     ims::ProfilePartIndicator::unregistered);
    }
    const auto* reg = service_.registrar().find(served);
    if (!reg) return std::nullopt;
    return next_application_server(reg->profile, served, context, from, ims::ProfilePartIndicator::registered);
  }

  Verdict refuse(ProxyTsxHelper& helper, const SessionRoute& r) {
    if (invite_) {
      service_.calls().final_response(call_id_, r.status, service_.wall_now());
      service_.call_record_changed();
    }
    service_.log().log(runtime::LogLevel::info, what_ + r.summary + ": " + std::to_string(r.status),
                       helper.request().call_id());
    helper.respond(r.status, r.reason);
    return Verdict::done;
  }

  ScscfService& service_;
  SessionCase case_;
  bool on_behalf_ = false;
  std::optional<OdiState> back_;
  std::shared_ptr<const ims::ImsSubscription> unregistered_profile_;
  std::string what_;  // "METHOD Request-URI: " for the log
  std::string odi_;  // the token this transaction handed out, forgotten at its final response
  bool invite_ = false;
  std::string call_id_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // SAR callbacks hold a weak_ptr
};

// A BYE in a dialog we record-routed: the end of its call record; the core
// forwards it along its Route.
class ByeTsx final : public sip::proxy::ProxyTsx {
 public:
  explicit ByeTsx(ScscfService& service) : service_(service) {}
  Verdict on_request(ProxyTsxHelper& helper) override {
    service_.calls().bye(helper.request(), service_.wall_now());
    service_.call_record_changed();
    return Verdict::next;
  }
  // The callee's P-CSCF puts the media figures of a UE hung up on on the 2xx.
  void on_response(ProxyTsxHelper&, sip::Message& response) override {
    if (response.status() < 200 || response.status() >= 300) return;
    service_.calls().bye_answered(response);
    service_.call_record_changed();
  }

 private:
  ScscfService& service_;
};

}  // namespace

std::unique_ptr<sip::proxy::ProxyTsx> make_session_tsx(ScscfService& service, SessionCase session_case, bool on_behalf,
                                                       std::optional<OdiState> back) {
  return std::make_unique<SessionTsx>(service, session_case, on_behalf, std::move(back));
}

std::unique_ptr<sip::proxy::ProxyTsx> make_bye_tsx(ScscfService& service) { return std::make_unique<ByeTsx>(service); }

}  // namespace imsbox::scscf
