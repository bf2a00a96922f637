#include "icscf/icscf_service.h"

#include <optional>

#include "icscf/routing.h"
#include "sip/proxy/asking_tsx.h"
#include "runtime/log.h"

namespace imsbox::icscf {

namespace {

using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

class IcscfTsx final : public sip::proxy::AskingTsx {
 public:
  explicit IcscfTsx(IcscfService& service) : service_(service) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    helper_ = &helper;
    const auto& request = helper.request();
    what_ = std::string(request.method());
    if (request.method() == "REGISTER") return on_register();
    return on_terminating();
  }

 private:
  Verdict on_register() {
    const auto& request = helper_->request();
    auto query = register_query(request, service_.options().domain);
    if (query.reject) return apply(*query.reject);
    what_ += " " + query.uar.public_identity + " (" + query.uar.user_name +
             (query.uar.authorization_type == diameter::UserAuthorizationType::de_registration ? ", de-registration)"
                                                                                              : ")");
    std::weak_ptr<int> alive = alive_;
    return ask(*helper_, [&](auto conclude) {
      service_.cx().user_authorization(std::move(query.uar), [this, alive, conclude](auto answer) {
        if (alive.expired()) return;  // the transaction ended without us
        const auto outcome = register_outcome(answer, service_.options().scscf_uris);
        conclude([this, outcome] { return apply(outcome); });
      });
    });
  }

  Verdict on_terminating() {
    const auto& request = helper_->request();
    what_ += " " + std::string(request.request_uri());
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
      helper_->add_target(std::move(target));
      log(outcome.summary + ": forwarded to " + outcome.scscf);
      return Verdict::next;
    }
    helper_->respond(outcome.status, outcome.reason);
    log(outcome.summary + ": " + std::to_string(outcome.status) + " " + outcome.reason);
    return Verdict::done;
  }

  void log(const std::string& text) {
    service_.log().log(runtime::LogLevel::info, what_ + ": " + text, helper_->request().call_id());
  }

  IcscfService& service_;
  ProxyTsxHelper* helper_ = nullptr;
  std::string what_;
  // Cx callbacks hold a weak_ptr to this: expired once the transaction is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

IcscfService::IcscfService(IcscfOptions options, CxClient cx, runtime::Logger& log)
    : options_(std::move(options)), cx_(std::move(cx)), log_(log) {}

std::unique_ptr<sip::proxy::ProxyTsx> IcscfService::on_request(const sip::Message& request, const sip::Peer&) {
  if (request.method() != "REGISTER" && !request.to().tag().empty()) {
    // In-dialog: the core forwards it along its Route / Request-URI.
    log_.log(runtime::LogLevel::info, std::string(request.method()) + " in dialog: passed on", request.call_id());
    return nullptr;
  }
  return std::make_unique<IcscfTsx>(*this);
}

}  // namespace imsbox::icscf
