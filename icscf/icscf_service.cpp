#include "icscf/icscf_service.h"

#include <optional>

#include "icscf/routing.h"
#include "ims/trust_domain.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "sip/proxy/asking_tsx.h"
#include "sip/proxy/refusal.h"

namespace imsbox::icscf {

namespace {

using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

std::string joined(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// Where a REGISTER has been and may still go (TS 24.229 §5.3.1.3).
struct Selection {
  diameter::UserAuthorizationRequest uar;  // asked again for capabilities
  std::optional<diameter::ServerCapabilities> capabilities;  // of the last successful UAA
  std::vector<std::string> tried;          // S-CSCFs it went to, in order
  bool assigned = false;                   // the HSS named the last one tried
  bool asked_capabilities = false;         // REGISTRATION_AND_CAPABILITIES sent
  runtime::Clock::MonotonicTime arrived{};
};

class IcscfTsx final : public sip::proxy::AskingTsx {
 public:
  // `outside`: the request came from outside the trust domain (from there).
  IcscfTsx(IcscfService& service, std::optional<sip::Peer> outside) : service_(service), outside_(std::move(outside)) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    helper_ = &helper;
    auto& request = helper.request();
    what_ = std::string(request.method());
    if (request.method() != "REGISTER") what_ += " " + std::string(request.request_uri());
    if (outside_) {
      // TS 24.229 §4.4: only the trust domain asserts identities and the like
      const auto removed = ims::enter_trust_domain(request);
      log("from " + sip::to_string(*outside_) + ", outside the trust domain" +
          (removed.empty() ? "" : ": removed " + joined(removed)));
    }
    if (request.method() == "REGISTER") return on_register();
    return on_terminating();
  }

  void on_response(ProxyTsxHelper&, sip::Message& response) override {
    if (outside_) ims::leave_trust_domain(response);
  }

  Verdict on_branch_failure(ProxyTsxHelper& helper, const sip::Message& response) override {
    helper_ = &helper;
    if (!selection_ || selection_->tried.empty() ||
        selection_->uar.authorization_type != diameter::UserAuthorizationType::registration ||
        !reselects_after(response.status())) {
      return Verdict::next;  // the S-CSCF's answer stands
    }
    auto& selection = *selection_;
    const auto what = selection.tried.back() + " answered " + std::to_string(response.status()) + " " +
                      std::string(response.reason());
    // an S-CSCF refusing for load (503 with Retry-After): when no other can
    // take the UE, its answer goes back (the proxy core relays it with its
    // Retry-After) so that the UE waits rather than retrying a 504 at once
    const bool overloaded = response.status() == 503 && response.find(sip::HeaderId::retry_after) != nullptr;
    const auto give_up = [this, overloaded](Outcome outcome) {
      if (!overloaded) return apply(outcome);
      log(outcome.summary + ": its 503 (Retry-After) goes back");
      return Verdict::next;
    };
    const auto& options = service_.options();
    if (selection.assigned && !selection.asked_capabilities) {
      // TS 24.229 §5.3.1.3, TS 29.228 §6.1.1.1: the HSS named that S-CSCF;
      // ask it again for the capabilities to select another
      if (!in_time(options.hss_timeout + options.scscf_timeout)) return give_up(no_time_left(what));
      selection.asked_capabilities = true;
      auto uar = selection.uar;
      uar.authorization_type = diameter::UserAuthorizationType::registration_and_capabilities;
      log(what + ": UAR REGISTRATION_AND_CAPABILITIES to select another");
      std::weak_ptr<int> alive = alive_;
      return ask(helper, [&](auto conclude) {
        service_.cx().user_authorization(std::move(uar), [this, alive, conclude, give_up](auto answer) {
          if (alive.expired()) return;
          if (const auto* uaa = std::get_if<diameter::UserAuthorizationAnswer>(&answer);
              uaa && uaa->header.result.is_success()) {
            selection_->capabilities = uaa->server_capabilities;
          }
          auto outcome = register_outcome(answer, service_.options().scscf_uris, selection_->tried);
          if (outcome.status == 600) {
            conclude([give_up, outcome] { return give_up(no_scscf_left(outcome.summary)); });
            return;
          }
          conclude([this, outcome] { return apply(outcome); });
        });
      });
    }
    if (!in_time(options.scscf_timeout)) return give_up(no_time_left(what));
    const auto next = select_scscf(selection.capabilities, options.scscf_uris, selection.tried);
    if (!next) return give_up(no_scscf_left(what));
    return apply(Outcome::forward(*next, what + ", selected " + *next));
  }

 private:
  Verdict on_register() {
    const auto& request = helper_->request();
    auto query = register_query(request, service_.options().domain);
    if (query.reject) return apply(*query.reject);
    what_ += " " + query.uar.public_identity + " (" + query.uar.user_name +
             (query.uar.authorization_type == diameter::UserAuthorizationType::de_registration ? ", de-registration)"
                                                                                              : ")");
    selection_.emplace();
    selection_->uar = query.uar;
    selection_->arrived = service_.clock().now();
    std::weak_ptr<int> alive = alive_;
    return ask(*helper_, [&](auto conclude) {
      service_.cx().user_authorization(std::move(query.uar), [this, alive, conclude](auto answer) {
        if (alive.expired()) return;  // the transaction ended without us
        if (const auto* uaa = std::get_if<diameter::UserAuthorizationAnswer>(&answer);
            uaa && uaa->header.result.is_success()) {
          selection_->capabilities = uaa->server_capabilities;
        }
        const auto outcome = register_outcome(answer, service_.options().scscf_uris);
        conclude([this, outcome] { return apply(outcome); });
      });
    });
  }

  Verdict on_terminating() {
    const auto& request = helper_->request();
    if (request.count(sip::HeaderId::route) > 0) {
      // a route set beyond us (ours was taken off by the core): follow it
      log("passed on along its Route");
      return Verdict::next;
    }
    auto identity = terminating_identity(request.request_uri(), service_.options().domain);
    if (!identity) {
      // Not a user of the home network: nothing to look up, and an I-CSCF
      // is not a relay to other domains.
      return apply(Outcome::answer(404, "Not Found (not a user of " + service_.options().domain + ")",
                                   "not a home network identity"));
    }
    diameter::LocationInfoRequest lir;
    lir.public_identity = std::move(*identity);
    std::weak_ptr<int> alive = alive_;
    return ask(*helper_, [&](auto conclude) {
      service_.cx().location_info(std::move(lir), [this, alive, conclude](auto answer) {
        if (alive.expired()) return;
        const auto outcome = terminating_outcome(answer, service_.options().scscf_uris);
        conclude([this, outcome] { return apply(outcome); });
      });
    });
  }

  Verdict apply(const Outcome& outcome) {
    if (outcome.forwards()) {
      sip::proxy::Target target;
      target.routes = {route_to(outcome.scscf)};
      if (selection_) {
        // a dead S-CSCF costs this, not the 32 s of timer F
        target.timeout = service_.options().scscf_timeout;
        selection_->tried.push_back(outcome.scscf);
        selection_->assigned = outcome.assigned;
      }
      helper_->add_target(std::move(target));
      log(outcome.summary + ": forwarded to " + outcome.scscf);
      return Verdict::next;
    }
    helper_->respond(outcome.status, outcome.reason);
    log(outcome.summary + ": " + std::to_string(outcome.status) + " " + outcome.reason);
    return Verdict::done;
  }

  // Whether a try that takes `d` ends before the REGISTER's deadline.
  bool in_time(std::chrono::milliseconds d) const {
    return service_.clock().now() + d <= selection_->arrived + service_.options().register_deadline;
  }

  // TS 24.229 §5.3.1.3: no other S-CSCF to try -> 504.
  static Outcome no_scscf_left(const std::string& what) {
    return Outcome::answer(504, "Server Time-out (no other S-CSCF)", what + ", no other S-CSCF to select");
  }

  static Outcome no_time_left(const std::string& what) {
    return Outcome::answer(504, "Server Time-out (no S-CSCF answered in time)",
                           what + ", no time left for another S-CSCF");
  }

  void log(const std::string& text) {
    service_.log().log(runtime::LogLevel::info, what_ + ": " + text, helper_->request().call_id());
  }

  IcscfService& service_;
  std::optional<sip::Peer> outside_;
  ProxyTsxHelper* helper_ = nullptr;
  std::string what_;
  std::optional<Selection> selection_;  // REGISTERs only
  // Cx callbacks hold a weak_ptr to this: expired once the transaction is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// A request within a dialog from outside the trust domain: the core forwards
// it along its Route / Request-URI, without the trust domain's fields.
class OutsideInDialogTsx final : public sip::proxy::ProxyTsx {
 public:
  OutsideInDialogTsx(IcscfService& service, sip::Peer source) : service_(service), source_(std::move(source)) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    auto& request = helper.request();
    const auto removed = ims::enter_trust_domain(request);
    service_.log().log(runtime::LogLevel::info,
                       std::string(request.method()) + " in dialog from " + sip::to_string(source_) +
                           ", outside the trust domain: passed on" +
                           (removed.empty() ? "" : ", removed " + joined(removed)),
                       request.call_id());
    return Verdict::next;
  }

  void on_response(ProxyTsxHelper&, sip::Message& response) override { ims::leave_trust_domain(response); }

 private:
  IcscfService& service_;
  sip::Peer source_;
};

}  // namespace

IcscfService::IcscfService(IcscfOptions options, CxClient cx, runtime::Logger& log, const runtime::Clock& clock)
    : options_(std::move(options)), cx_(std::move(cx)), log_(log), clock_(clock) {}

std::unique_ptr<sip::proxy::ProxyTsx> IcscfService::on_request(const sip::Message& request, const sip::Peer& source) {
  const bool outside = !ims::in_trust_domain(source.address, options_.trusted_peers);
  if (outside && request.method() == "REGISTER") {
    // TS 24.229 §5.3.1.2: a REGISTER only from a trusted domain (P-CSCFs)
    log_.log(runtime::LogLevel::warning,
             "REGISTER from " + sip::to_string(source) +
                 ", outside the trust domain (icscf.trusted_peers): 403",
             request.call_id());
    return sip::proxy::refusal(403, "Forbidden (not from a trusted domain)");
  }
  if (request.method() != "REGISTER" && !request.to().tag().empty()) {
    if (outside) return std::make_unique<OutsideInDialogTsx>(*this, source);
    // In-dialog: the core forwards it along its Route / Request-URI.
    log_.log(runtime::LogLevel::info, std::string(request.method()) + " in dialog: passed on", request.call_id());
    return nullptr;
  }
  return std::make_unique<IcscfTsx>(*this, outside ? std::optional<sip::Peer>(source) : std::nullopt);
}

}  // namespace imsbox::icscf
