#pragma once
// I-CSCF (TS 24.229 §5.3): the home network's entry point. Asks the HSS over
// Cx (UAR for REGISTERs, LIR for terminating requests) which S-CSCF serves a
// user and forwards the request there (icscf_service.h, decisions in
// routing.h).
//
// The node wires a SIP proxy stack (icscf.sip_port, UDP and TCP) with the
// IcscfService, and a Diameter Cx client stack toward the HSS (identity
// icscf.<domain>). /health reports a missing Cx connection.
#include <memory>
#include <string>

#include "runtime/node_main.h"

namespace imsbox::diameter {
class DiameterStack;
}
namespace imsbox::sip::proxy {
class ProxyStack;
}

namespace imsbox::icscf {

class Icscf final : public runtime::Node {
 public:
  explicit Icscf(runtime::NodeContext& ctx);
  ~Icscf() override;
  void start() override;
  void stop() override;
  std::string health() const override;

 private:
  runtime::NodeContext& ctx_;
  std::string hss_identity_;
  std::unique_ptr<diameter::DiameterStack> diameter_;
  // after the Diameter stack: destroyed first, so no transaction (and no Cx
  // callback's target) outlives the stack its requests went to
  std::unique_ptr<sip::proxy::ProxyStack> proxy_;
};

}  // namespace imsbox::icscf
