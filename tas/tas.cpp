#include "tas/tas.h"

#include "runtime/config.h"
#include "runtime/http_server.h"
#include "runtime/log.h"
#include "tas/simservs/document.h"
#include "tas/xcap_server.h"

namespace imsbox::tas {

Tas::Tas(runtime::NodeContext& ctx) : ctx_(ctx) {}

Tas::~Tas() = default;

void Tas::start() {
  ctx_.log.info("Tas ready for domain " + std::string(ctx_.config.domain()));
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
}

}  // namespace imsbox::tas
