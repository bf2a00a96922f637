#pragma once
// S-CSCF (TS 24.229 §5.4): registrar, authentication (IMS-AKA, SIP digest),
// the reg event package, and the HSS-initiated Cx procedures (RTR, PPR).
//
// The node wires a SIP proxy stack (scscf.sip_port, UDP and TCP) with the
// ScscfService (scscf_service.h), and a Diameter Cx client stack toward the
// HSS (identity scscf.<domain>) that sends MAR/SAR and serves RTR/PPR.
// /health reports a missing Cx connection.
//
// Registrations are kept in the store (registration_store.h) and read back
// at start, so a restart keeps them (reg-event subscriptions are not kept:
// subscribers subscribe again when theirs ends).
#include <memory>
#include <string>

#include "runtime/node_main.h"

namespace imsbox::diameter {
class DiameterStack;
}
namespace imsbox::sip::proxy {
class ProxyStack;
}

namespace imsbox::scscf {

class ScscfService;
struct ScscfOptions;
class RegistrationStore;
class SubscriptionStore;
class CallRecordStore;

// The service's options from the configuration. Every URI it hands other
// nodes is routable (ims::node_uri: scscf.uri, else the advertised address
// and scscf.sip_port): the Service-Route, the reg-event Contact, the
// third-party REGISTER's From and Contact, the ODI Route; its name at the
// HSS is scscf.name, else that URI; the default I-CSCF route is the
// I-CSCF's. Its own URIs are those and the older names (ims::node_uris).
ScscfOptions scscf_options(const runtime::Config& c);

class Scscf final : public runtime::Node {
 public:
  explicit Scscf(runtime::NodeContext& ctx);
  ~Scscf() override;
  void start() override;
  void stop() override;
  std::string health() const override;

 private:
  runtime::NodeContext& ctx_;
  std::string hss_identity_;
  std::unique_ptr<RegistrationStore> store_;
  std::unique_ptr<SubscriptionStore> subscription_store_;
  std::unique_ptr<CallRecordStore> call_store_;
  std::unique_ptr<diameter::DiameterStack> diameter_;
  // after the Diameter stack: destroyed first, so no transaction (and no Cx
  // callback's target) outlives the stack its requests went to
  std::unique_ptr<sip::proxy::ProxyStack> proxy_;
  ScscfService* service_ = nullptr;  // owned by proxy_
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace imsbox::scscf
