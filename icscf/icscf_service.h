#pragma once
// The I-CSCF as a service on the proxy core (TS 24.229 §5.3): for a REGISTER
// it asks the HSS which S-CSCF serves the user (Cx UAR) and forwards it there;
// for an initial request to a user of the home domain it asks where the user
// is served (Cx LIR) and forwards it there; in-dialog requests pass through
// (the I-CSCF does not Record-Route). The decisions are routing.h's; this is
// the glue between the proxy core and the Cx client.
//
// The Cx client is two injected functions (the node wires them to its
// DiameterStack; tests to fakes). Each must call its callback exactly once,
// in time: the node gives the Diameter requests a timeout below the core's
// wait limit, so a waiting transaction is always answered by this service.
// A callback that comes after the transaction ended is ignored.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "diameter/diameter_stack.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::icscf {

struct CxClient {
  using UaaDone = std::function<void(diameter::AnswerOrError<diameter::UserAuthorizationAnswer>)>;
  using LiaDone = std::function<void(diameter::AnswerOrError<diameter::LocationInfoAnswer>)>;
  std::function<void(diameter::UserAuthorizationRequest, UaaDone)> user_authorization;
  std::function<void(diameter::LocationInfoRequest, LiaDone)> location_info;
};

struct IcscfOptions {
  std::string domain;                   // the home domain (global.domain)
  std::vector<std::string> scscf_uris;  // to choose from when the HSS names none
};

class IcscfService final : public sip::proxy::ProxyService {
 public:
  IcscfService(IcscfOptions options, CxClient cx, runtime::Logger& log);
  std::unique_ptr<sip::proxy::ProxyTsx> on_request(const sip::Message& request, const sip::Peer& source) override;

  const IcscfOptions& options() const { return options_; }
  const CxClient& cx() const { return cx_; }
  runtime::Logger& log() { return log_; }

 private:
  IcscfOptions options_;
  CxClient cx_;
  runtime::Logger& log_;
};

}  // namespace imsbox::icscf
