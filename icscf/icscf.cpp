#include "icscf/icscf.h"

#include <algorithm>
#include <chrono>

#include "diameter/diameter_stack.h"
#include "icscf/icscf_service.h"
#include "icscf/routing.h"
#include "ims/box.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "sip/proxy/proxy_stack.h"

namespace imsbox::icscf {

using namespace std::chrono_literals;

Icscf::Icscf(runtime::NodeContext& ctx) : ctx_(ctx) {}

Icscf::~Icscf() = default;

void Icscf::start() {
  const auto& c = ctx_.config;
  const std::string domain(c.domain());

  IcscfOptions options;
  options.domain = domain;
  options.scscf_uris = split_uri_list(c.str("icscf.scscf_uris"));
  if (options.scscf_uris.empty()) options.scscf_uris = {ims::scscf_name(c)};

  auto dc = ims::cx_client_config(c, "icscf");
  hss_identity_ = dc.peers.front().identity;
  diameter_ = std::make_unique<diameter::DiameterStack>(ctx_.io, dc, ctx_.log);

  auto pc = ims::proxy_stack_config(c, "icscf");
  // the answer to a UE when the HSS is slow or down is ours (TS 24.229 §5.3.1.3), in time
  const auto timeout = ims::hss_timeout(c, "icscf", pc.proxy.wait_limit);
  options.trusted_peers = ims::trusted_peers(c, "icscf");
  options.hss_timeout = timeout;
  // the first S-CSCF's answer (after the UAR) must come within the deadline too
  options.scscf_timeout = std::clamp(std::chrono::milliseconds(c.integer("icscf.scscf_timeout_ms")), 100ms,
                                     options.register_deadline - timeout);
  const diameter::Destination hss{dc.realm, hss_identity_};
  CxClient cx;
  cx.user_authorization = diameter_->sender<diameter::UserAuthorizationRequest>(hss, timeout);
  cx.location_info = diameter_->sender<diameter::LocationInfoRequest>(hss, timeout);

  std::vector<std::unique_ptr<sip::proxy::ProxyService>> services;
  services.push_back(std::make_unique<IcscfService>(options, std::move(cx), ctx_.log, ctx_.clock));
  proxy_ = std::make_unique<sip::proxy::ProxyStack>(ctx_.io, std::move(pc), std::move(services), ctx_.log,
                                                    ctx_.metrics, ctx_.clock);

  diameter_->start();
  proxy_->start();
  std::string scscfs;
  for (const auto& s : options.scscf_uris) scscfs += (scscfs.empty() ? "" : ", ") + s;
  ctx_.log.info("Icscf ready for domain " + domain + ": SIP on " + c.str("global.bind_address") + ":" +
                std::to_string(c.port("icscf.sip_port")) + " (UDP, TCP), Cx as " + dc.identity + " to " +
                hss_identity_ + " (timeout " + std::to_string(timeout.count()) + " ms), S-CSCFs: " + scscfs +
                " (each " + std::to_string(options.scscf_timeout.count()) + " ms to answer a REGISTER)");
}

void Icscf::stop() {
  ctx_.log.info("Icscf stopping");
  if (proxy_) proxy_->stop();
  if (diameter_) diameter_->stop();
}

std::string Icscf::health() const {
  if (!diameter_) return "not started";
  if (diameter_->peer_state(hss_identity_) != diameter::PeerState::open) {
    return "no Cx connection to the HSS (" + hss_identity_ + ")";
  }
  return {};
}

}  // namespace imsbox::icscf
