#pragma once
// Telephony application server (TS 24.604, TS 24.611, TS 24.607): the MMTEL
// supplementary services over ISC. A stateful SIP proxy (tas_service.h) on
// tas.sip_port (UDP and TCP) that the S-CSCF reaches through iFCs; each
// served user's services are its simservs document in the store.
//
// The node also serves, on its one event loop and store connection, the Ut
// interface: the XCAP server of the subscribers' simservs documents
// (xcap_server.h) on global.bind_address:tas.xcap_port.
#include <memory>

#include "runtime/node_main.h"
#include "tas/tas_service.h"

namespace imsbox::sip::proxy {
class ProxyStack;
}

namespace imsbox::runtime {
class HttpServer;
}

namespace imsbox::tas {

class XcapHandler;

// The service's options from the config; services_of is left to the node.
TasOptions tas_options(const runtime::Config& c);

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
  std::unique_ptr<sip::proxy::ProxyStack> proxy_;
};

}  // namespace imsbox::tas
