#include "scscf/scscf.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "diameter/diameter_stack.h"
#include "ims/box.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "scscf/registration_store.h"
#include "scscf/scscf_service.h"
#include "sip/proxy/proxy_stack.h"

namespace imsbox::scscf {

using namespace std::chrono_literals;

ScscfOptions scscf_options(const runtime::Config& c) {
  ScscfOptions options;
  options.domain = std::string(c.domain());
  options.server_name = ims::scscf_name(c);
  options.own_uri = ims::node_uri(c, "scscf");
  options.own_uris = ims::node_uris(c, "scscf");
  options.icscf_route = ims::loose_route(ims::icscf_uri(c, "scscf"));
  // sip:annc@mrf.<domain>;play=... from a phone: to the MRF's port
  options.box_nodes.push_back({ims::node_host(c, "mrf"), ims::loose_route(ims::node_uri(c, "mrf"))});
  options.min_expires = static_cast<std::uint32_t>(c.integer("scscf.min_expires"));
  options.max_expires = std::max(options.min_expires, static_cast<std::uint32_t>(c.integer("scscf.max_expires")));
  options.max_auth_failures = static_cast<unsigned>(std::max<std::int64_t>(1, c.integer("scscf.max_auth_failures")));
  options.auth_block = std::chrono::seconds(c.integer("scscf.auth_block_s"));
  options.as_timeout = std::chrono::milliseconds(c.integer("scscf.as_timeout_ms"));
  options.trusted_sources = ims::trusted_peers(c, "scscf");
  try {
    options.digest_algorithms = parse_digest_algorithms(c.str("scscf.digest_algorithms"));
  } catch (const std::invalid_argument& e) {
    throw runtime::ConfigError("option 'scscf.digest_algorithms': " + std::string(e.what()));
  }
  return options;
}

Scscf::Scscf(runtime::NodeContext& ctx) : ctx_(ctx) {}

Scscf::~Scscf() = default;

void Scscf::start() {
  const auto& c = ctx_.config;
  const std::string domain(c.domain());
  const auto options = scscf_options(c);

  auto dc = ims::cx_client_config(c, "scscf");
  hss_identity_ = dc.peers.front().identity;
  diameter_ = std::make_unique<diameter::DiameterStack>(ctx_.io, dc, ctx_.log);

  auto pc = ims::proxy_stack_config(c, "scscf");
  const auto timeout = ims::hss_timeout(c, "scscf", pc.proxy.wait_limit);
  const diameter::Destination hss{dc.realm, hss_identity_};
  CxClient cx;
  cx.multimedia_auth = diameter_->sender<diameter::MultimediaAuthRequest>(hss, timeout);
  cx.server_assignment = diameter_->sender<diameter::ServerAssignmentRequest>(hss, timeout);
  auto random = [](std::uint8_t* out, std::size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  };

  auto service = std::make_unique<ScscfService>(options, std::move(cx), ctx_.log, ctx_.clock, random);
  service_ = service.get();
  std::weak_ptr<int> alive = alive_;
  auto* svc = service_;
  diameter_->serve<diameter::RegistrationTerminationRequest>(
      [svc, alive](diameter::RegistrationTerminationRequest r,
                   diameter::Responder<diameter::RegistrationTerminationAnswer> respond) {
        if (alive.expired()) return;
        respond(svc->registration_termination(r));
      });
  diameter_->serve<diameter::PushProfileRequest>(
      [svc, alive](diameter::PushProfileRequest r, diameter::Responder<diameter::PushProfileAnswer> respond) {
        if (alive.expired()) return;
        respond(svc->push_profile(r));
      });

  std::vector<std::unique_ptr<sip::proxy::ProxyService>> services;
  services.push_back(std::move(service));
  proxy_ = std::make_unique<sip::proxy::ProxyStack>(ctx_.io, std::move(pc), std::move(services), ctx_.log,
                                                    ctx_.metrics, ctx_.clock);
  diameter_->start();
  proxy_->start();
  service_->attach(proxy_->timers(), proxy_->originator());
  store_ = std::make_unique<SqlRegistrationStore>(ctx_.store);
  service_->set_store(store_.get());
  subscription_store_ = std::make_unique<SqlSubscriptionStore>(ctx_.store);
  service_->set_subscription_store(subscription_store_.get());
  call_store_ = std::make_unique<SqlCallRecordStore>(ctx_.store);
  service_->set_call_store(call_store_.get());
  const auto restored = service_->restore();
  std::string digest_text;
  for (const auto s : options.digest_algorithms) {
    digest_text += (digest_text.empty() ? "" : ",") + std::string(algorithm_name(s));
  }
  ctx_.log.info("Scscf ready for domain " + domain + " as " + options.server_name + " (URI " + options.own_uri + "): SIP on " +
                c.str("global.bind_address") + ":" + std::to_string(c.port("scscf.sip_port")) +
                " (UDP, TCP), Cx as " + dc.identity + " to " + hss_identity_ + " (timeout " +
                std::to_string(timeout.count()) + " ms), expires " + std::to_string(options.min_expires) + ".." +
                std::to_string(options.max_expires) + " s, digest " + digest_text + ", " + std::to_string(restored) +
                " registration(s) restored from the store");
}

void Scscf::stop() {
  ctx_.log.info("Scscf stopping");
  if (service_) service_->flush_store();  // the registration changes of the last moments
  alive_.reset();
  if (proxy_) proxy_->stop();
  if (diameter_) diameter_->stop();
}

std::string Scscf::health() const {
  if (!diameter_) return "not started";
  if (diameter_->peer_state(hss_identity_) != diameter::PeerState::open) {
    return "no Cx connection to the HSS (" + hss_identity_ + ")";
  }
  return {};
}

}  // namespace imsbox::scscf
