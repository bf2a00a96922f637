#pragma once
// HSS (TS 29.228/29.229): master of subscriber data; Milenage authentication vectors over
// Diameter Cx and an HTTP/2 service-based interface.
//
// Today the node stands on the runtime (config, logs, store, /health,
// /metrics, signals) and serves the provisioning REST API
// (provisioning_api.h) on hss.api_address:hss.api_port; its protocol logic
// arrives with the issues that build it.
#include <memory>

#include "runtime/node_main.h"

namespace imsbox::runtime {
class HttpServer;
}

namespace imsbox::hss {

class ProvisioningApi;

class Hss final : public runtime::Node {
 public:
  explicit Hss(runtime::NodeContext& ctx);
  ~Hss() override;
  // Starts the provisioning API; throws (the node does not start) when its
  // port cannot be bound.
  void start() override;
  void stop() override;

 private:
  runtime::NodeContext& ctx_;
  std::unique_ptr<ProvisioningApi> api_;
  std::unique_ptr<runtime::HttpServer> api_server_;
};

}  // namespace imsbox::hss
