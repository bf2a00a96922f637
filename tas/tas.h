#pragma once
// Telephony application server (TS 24.604, TS 24.611): call forwarding and barring over ISC.
//
// The node serves, on its one event loop and store connection, the Ut
// interface: the XCAP server of the subscribers' simservs documents
// (xcap_server.h) on global.bind_address:tas.xcap_port.
#include <memory>

#include "runtime/node_main.h"

namespace imsbox::runtime {
class HttpServer;
}

namespace imsbox::tas {

class XcapHandler;

class Tas final : public runtime::Node {
 public:
  explicit Tas(runtime::NodeContext& ctx);
  ~Tas() override;
  void start() override;
  void stop() override;

 private:
  void start_xcap();

  runtime::NodeContext& ctx_;
  std::unique_ptr<XcapHandler> xcap_;
  std::unique_ptr<runtime::HttpServer> xcap_server_;
};

}  // namespace imsbox::tas
