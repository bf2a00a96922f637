#include "tas/tas.h"

#include <chrono>
#include <exception>

#include "ims/box.h"
#include "runtime/config.h"
#include "runtime/http_server.h"
#include "runtime/log.h"
#include "sip/proxy/proxy_stack.h"
#include "store/call_event_table.h"
#include "store/simservs_table.h"
#include "tas/announcements.h"
#include "tas/services.h"
#include "tas/simservs/document.h"
#include "tas/xcap_server.h"

namespace imsbox::tas {

TasOptions tas_options(const runtime::Config& c) {
  TasOptions options;
  options.home_country_code = c.str("tas.home_country_code");
  if (options.home_country_code.find_first_not_of("0123456789") != std::string::npos ||
      options.home_country_code.size() > 3) {
    throw runtime::ConfigError("tas.home_country_code: '" + options.home_country_code +
                               "' is not a country code (1 to 3 digits, no +)");
  }
  options.domain = std::string(c.domain());
  // the box's MRF, by the host name the S-CSCF routes to it (its box_nodes)
  if (c.flag("mrf.enabled")) options.mrf_host = ims::node_host(c, "mrf");
  options.announcements = c.flag("tas.announcements") && !options.mrf_host.empty();
  if (options.announcements) options.star_code_announcement = star_code_confirmation(options.mrf_host);
  // no store here: every user has no services (the node gives its own)
  options.services_of = [](std::string_view) { return simservs::empty_document(); };
  return options;
}

Tas::Tas(runtime::NodeContext& ctx) : ctx_(ctx) {}

Tas::~Tas() = default;

void Tas::start() {
  const auto& c = ctx_.config;
  auto options = tas_options(c);
  // each served user's services: the simservs document the XCAP server (or
  // the CLI and REST) stored; none, or an unreadable one, is no service
  options.services_of = [this](std::string_view impu) {
    return services_of(store::SimservsTable(ctx_.store), impu, ctx_.log);
  };
  // a star code's change: one write of the whole document, a new ETag (as an XCAP PUT)
  options.store_services = [this](std::string_view impu, const simservs::Document& document) {
    store::SimservsTable(ctx_.store).put(impu, document.write());
  };
  // each diversion and barring, for `imsbox calls`: one row as it happens
  options.record = [this](const CallEvent& e) {
    try {
      store::CallEventTable table(ctx_.store);
      store_call_event(table, e, std::chrono::duration_cast<std::chrono::milliseconds>(
                                     ctx_.clock.wall_now().time_since_epoch()).count());
    } catch (const std::exception& ex) {
      ctx_.log.log(runtime::LogLevel::warning, std::string("could not record the ") + e.service + " of " +
                                                   e.served_user + ": " + ex.what(), e.call_id);
    }
  };
  auto pc = ims::proxy_stack_config(c, "tas");
  const auto timers = pc.transactions.timers;
  auto service = std::make_unique<TasService>(std::move(options), ctx_.log);
  auto* tas_service = service.get();
  std::vector<std::unique_ptr<sip::proxy::ProxyService>> services;
  services.push_back(std::move(service));
  proxy_ = std::make_unique<sip::proxy::ProxyStack>(ctx_.io, std::move(pc), std::move(services), ctx_.log,
                                                    ctx_.metrics, ctx_.clock);
  tas_service->attach(proxy_->timers());
  tas_service->serve_star_codes(StarCodeUas::Io{
      proxy_->timers(), proxy_->originator(),
      [this](const sip::Peer& to, const sip::Message& response) { return proxy_->transport().send(to, response); },
      timers.t1, timers.t2});
  proxy_->start();
  ctx_.log.info("Tas ready for domain " + std::string(c.domain()) + " as " + ims::node_uri(c, "tas") +
                ": SIP (ISC) on " + c.str("global.bind_address") + ":" + std::to_string(c.port("tas.sip_port")) +
                " (UDP, TCP)");
  start_xcap();
}

void Tas::start_xcap() {
  XcapHandler::Options options;
  options.realm = std::string(ctx_.config.domain());
  options.nonce_secret = system_nonce_secret();
  xcap_ = std::make_unique<XcapHandler>(ctx_.store, ctx_.clock, std::move(options), ctx_.log, &ctx_.metrics);
  runtime::HttpServerOptions http;
  http.name = "XCAP server";
  http.body_limit = simservs::kMaxDocumentSize;
  const auto& address = ctx_.config.str("global.bind_address");
  xcap_server_ = std::make_unique<runtime::HttpServer>(
      ctx_.io, address, ctx_.config.port("tas.xcap_port"),
      [xcap = xcap_.get()](const runtime::HttpRequest& request) { return (*xcap)(request); }, ctx_.log, http);
  xcap_server_->start();
  ctx_.log.info("XCAP (Ut, simservs) on http://" +
                (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
                std::to_string(xcap_server_->port()) + "/simservs.ngn.etsi.org/users/<IMPU>/simservs.xml");
}

void Tas::stop() {
  ctx_.log.info("Tas stopping");
  if (xcap_server_) xcap_server_->stop();
  if (proxy_) proxy_->stop();
}

}  // namespace imsbox::tas
