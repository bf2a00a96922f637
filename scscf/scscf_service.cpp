#include "scscf/scscf_service.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <optional>

#include "ims/trust_domain.h"
#include "runtime/log.h"
#include "scscf/session.h"
#include "scscf/transactions.h"
#include "sip/proxy/refusal.h"

namespace imsbox::scscf {

ScscfService::ScscfService(ScscfOptions options, CxClient cx, runtime::Logger& log, const runtime::Clock& clock,
                           Authenticator::Random random)
    : options_(std::move(options)),
      cx_(std::move(cx)),
      log_(log),
      clock_(clock),
      random_(random),
      auth_(Authenticator::Options{.realm = options_.domain,
                                   .max_failures = options_.max_auth_failures,
                                   .block_for = options_.auth_block,
                                   .challenge_lifetime = std::chrono::seconds(60),
                                   .digest_algorithms = options_.digest_algorithms},
            std::move(random)) {
  if (options_.own_uris.empty()) options_.own_uris = {options_.own_uri};
}

void ScscfService::attach(runtime::TimerQueue& timers, sip::proxy::RequestOriginator& originator) {
  timers_ = &timers;
  originator_ = &originator;
  schedule_call_sweep();
}

void ScscfService::schedule_call_sweep() {
  timers_->schedule_after(std::chrono::duration_cast<std::chrono::microseconds>(kCallSweep), [this] {
    // answered calls after a day, attempts after 10 minutes (an INVITE has 3)
    if (const auto n = calls_.expire(wall_now(), std::chrono::hours(24), std::chrono::minutes(10))) {
      log_.warning(std::to_string(n) + " call record(s) ended as lost: no end seen");
      call_record_changed();
    }
    schedule_call_sweep();
  });
}

std::unique_ptr<sip::proxy::ProxyTsx> ScscfService::on_request(const sip::Message& request, const sip::Peer& source) {
  if (request.method() == "REGISTER") return make_register_tsx(*this);
  if (request.method() == "SUBSCRIBE") {
    // The reg event is ours (refreshes too); other packages are sessions of their users.
    const auto* event = request.find(sip::HeaderId::event);
    const bool reg = event && boost::algorithm::istarts_with(event->value, "reg") &&
                     (event->value.size() == 3 || event->value[3] == ';' || event->value[3] == ' ');
    if (reg) return make_reg_subscribe_tsx(*this);
  }
  // In a dialog: along the route set we record-routed into.
  if (!request.to().tag().empty()) return request.method() == "BYE" ? make_bye_tsx(*this) : nullptr;
  std::optional<OdiState> back;
  if (const auto token = odi_of(request, options_.own_uris)) {
    const auto* state = odis_.find(*token, now());
    if (!state) {
      // not (or no longer) ours to continue: never a way around the iFCs
      log_.log(runtime::LogLevel::warning, "unknown or expired ODI " + *token + " in the Route of " +
                                               std::string(request.method()) + ": 403", request.call_id());
      return sip::proxy::refusal(403, "Forbidden (unknown original dialog identifier)");
    }
    back = *state;
  }
  const bool on_behalf = !back && originating_on_behalf(request, options_.own_uris);
  const auto session = on_behalf ? SessionCase::originating : session_case(request, options_.own_uris);
  if (!back && session == SessionCase::originating && !trusted(source)) {
    // its P-Asserted-Identity would make us act for a user it may not be
    log_.log(runtime::LogLevel::warning, std::string(request.method()) + " " + std::string(request.request_uri()) +
                                             ": originating request from " + sip::to_string(source) +
                                             ", not a trusted node (scscf.trusted_peers): 403",
             request.call_id());
    return sip::proxy::refusal(403, "Forbidden (not from a trusted node)");
  }
  return make_session_tsx(*this, session, on_behalf, std::move(back));
}

bool ScscfService::trusted(const sip::Peer& source) const {
  return ims::in_trust_domain(source.address, options_.trusted_sources);
}

std::string ScscfService::new_tag() {
  std::uint8_t b[8];
  random_(b, sizeof b);
  return to_hex(std::vector<std::uint8_t>(b, b + sizeof b));
}

}  // namespace imsbox::scscf
