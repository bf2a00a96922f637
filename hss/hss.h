#pragma once
// HSS (TS 29.228/29.229): master of subscriber data; Milenage authentication
// vectors over Diameter Cx and an HTTP/2 service-based interface.
//
// The node serves, on its one event loop and store connection:
// * Cx (cx_service.h) on freeDiameter at hss.diameter_port, to the peers of
//   hss.diameter_peers only, and starts RTR and PPR itself
//   (hss_initiated.h) when the store asks for them;
// * the same logic as an HTTP/2 SBI in the style of TS 29.562 (sbi_api.h) on
//   hss.sbi_address:hss.sbi_port;
// * the provisioning REST API (provisioning_api.h) on hss.api_address:hss.api_port,
//   with the subscribers' supplementary services (services_api.h) through a
//   second store connection opened for the TAS's tables.
#include <memory>

#include "runtime/node_main.h"

namespace imsbox::store {
class Database;
}
namespace imsbox::runtime {
class HttpServer;
class TimerQueue;
class LoopTimer;
}
namespace imsbox::diameter {
class DiameterStack;
}
namespace imsbox::sbi {
class Http2Server;
}

namespace imsbox::hss {

class AuthenticationCentre;
class CxService;
class HssInitiated;
class ProvisioningApi;

class Hss final : public runtime::Node {
 public:
  explicit Hss(runtime::NodeContext& ctx);
  ~Hss() override;
  // Starts Cx, the SBI and the provisioning API; throws (the node does not start)
  // when a port cannot be bound or freeDiameter refuses its configuration.
  void start() override;
  void stop() override;

 private:
  void start_cx();
  void start_sbi();
  void start_provisioning_api();
  void run_hss_initiated();

  runtime::NodeContext& ctx_;
  std::unique_ptr<runtime::TimerQueue> timers_;
  std::unique_ptr<runtime::LoopTimer> loop_timer_;
  std::unique_ptr<AuthenticationCentre> auc_;
  std::unique_ptr<CxService> cx_;
  std::unique_ptr<HssInitiated> hss_initiated_;
  std::unique_ptr<store::Database> services_store_;  // owner "tas": the simservs documents
  std::unique_ptr<store::Database> ivr_store_;       // owner "mrf": the IVR menus
  std::unique_ptr<ProvisioningApi> api_;
  std::unique_ptr<runtime::HttpServer> api_server_;
  std::unique_ptr<sbi::Http2Server> sbi_server_;
  std::unique_ptr<diameter::DiameterStack> diameter_;  // last: destroyed first, no callback outlives the rest
  bool stopping_ = false;
};

}  // namespace imsbox::hss
