#include "hss/hss.h"

#include "hss/provisioning_api.h"
#include "runtime/config.h"
#include "runtime/http_server.h"
#include "runtime/log.h"

namespace imsbox::hss {

Hss::Hss(runtime::NodeContext& ctx) : ctx_(ctx) {}

Hss::~Hss() = default;

void Hss::start() {
  ctx_.log.info("Hss ready for domain " + std::string(ctx_.config.domain()));

  // The provisioning REST API, on the node's loop and store connection.
  ProvisioningApiOptions options;
  options.realm = std::string(ctx_.config.domain());
  options.token = ctx_.config.str("hss.api_token");
  options.log = &ctx_.log;
  api_ = std::make_unique<ProvisioningApi>(ctx_.store, ctx_.clock, std::move(options));
  runtime::HttpServerOptions http;
  http.name = "provisioning API";
  http.max_connections = 32;
  const auto& address = ctx_.config.str("hss.api_address");
  api_server_ = std::make_unique<runtime::HttpServer>(
      ctx_.io, address, ctx_.config.port("hss.api_port"),
      [api = api_.get()](const runtime::HttpRequest& request) { return (*api)(request); }, ctx_.log, http);
  api_server_->start();
  const std::string where = (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
                            std::to_string(api_server_->port());
  if (ctx_.config.str("hss.api_token").empty()) {
    ctx_.log.warning("provisioning API on http://" + where + "/v1/ refuses every request: hss.api_token is empty");
  } else {
    ctx_.log.info("provisioning API on http://" + where + "/v1/");
  }
}

void Hss::stop() {
  ctx_.log.info("Hss stopping");
  if (api_server_) api_server_->stop();
}

}  // namespace imsbox::hss
