#include "tas/tas.h"

#include "ims/box.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "sip/proxy/proxy_stack.h"

namespace imsbox::tas {

TasOptions tas_options(const runtime::Config&) {
  TasOptions options;
  // Until the TAS's store of simservs documents is wired here, every user
  // has no services: calls pass through unchanged.
  options.services_of = [](std::string_view) { return simservs::empty_document(); };
  return options;
}

Tas::Tas(runtime::NodeContext& ctx) : ctx_(ctx) {}

Tas::~Tas() = default;

void Tas::start() {
  const auto& c = ctx_.config;
  auto pc = ims::proxy_stack_config(c, "tas");
  std::vector<std::unique_ptr<sip::proxy::ProxyService>> services;
  services.push_back(std::make_unique<TasService>(tas_options(c), ctx_.log));
  proxy_ = std::make_unique<sip::proxy::ProxyStack>(ctx_.io, std::move(pc), std::move(services), ctx_.log,
                                                    ctx_.metrics, ctx_.clock);
  proxy_->start();
  ctx_.log.info("Tas ready for domain " + std::string(c.domain()) + " as " + ims::node_uri(c, "tas") + ": SIP (ISC) on " +
                c.str("global.bind_address") + ":" + std::to_string(c.port("tas.sip_port")) + " (UDP, TCP)");
}

void Tas::stop() {
  ctx_.log.info("Tas stopping");
  if (proxy_) proxy_->stop();
}

}  // namespace imsbox::tas
