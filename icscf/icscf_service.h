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
//
// Trust domain (TS 24.229 §4.4): a REGISTER from outside it is refused 403
// (§5.3.1.2); any other request from outside loses the header fields only
// the trust domain may set before it is routed, and its responses lose them
// on the way back out (ims/trust_domain.h).
//
// S-CSCF re-selection (TS 24.229 §5.3.1.3): when the S-CSCF a REGISTER was
// sent to does not answer within scscf_timeout, or answers 3xx, 408, 480 or
// 5xx, the next capable S-CSCF is tried (the UAA's Server-Capabilities
// matched against scscf_uris, then the rest of scscf_uris, none twice);
// when the HSS had named the S-CSCF, it is first asked again with
// User-Authorization-Type REGISTRATION_AND_CAPABILITIES. No try starts that
// could not end within register_deadline of the REGISTER's arrival, so the
// UE hears from us before its own transaction gives up; when no S-CSCF is
// left (or no time), the answer is 504.
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "diameter/diameter_stack.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::runtime {
class Clock;
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
  // The trust domain besides 127.0.0.1 / ::1 (ims::trusted_peers(): the
  // bind address and icscf.trusted_peers).
  std::vector<boost::asio::ip::address> trusted_peers;
  // How long an S-CSCF has to answer a REGISTER finally before the next is
  // tried (icscf.scscf_timeout_ms).
  std::chrono::milliseconds scscf_timeout{5000};
  // How long a Cx request may take (icscf.hss_timeout_ms): a re-selection
  // that asks the HSS again counts it against register_deadline.
  std::chrono::milliseconds hss_timeout{3000};
  // No S-CSCF is tried unless its answer can come within this time of the
  // REGISTER's arrival: well below the 32 s (64*T1, timer F) after which the
  // P-CSCF's and the UE's transactions give up on their REGISTER.
  std::chrono::milliseconds register_deadline{24000};
};

class IcscfService final : public sip::proxy::ProxyService {
 public:
  IcscfService(IcscfOptions options, CxClient cx, runtime::Logger& log, const runtime::Clock& clock);
  std::unique_ptr<sip::proxy::ProxyTsx> on_request(const sip::Message& request, const sip::Peer& source) override;

  const IcscfOptions& options() const { return options_; }
  const CxClient& cx() const { return cx_; }
  runtime::Logger& log() { return log_; }
  const runtime::Clock& clock() const { return clock_; }

 private:
  IcscfOptions options_;
  CxClient cx_;
  runtime::Logger& log_;
  const runtime::Clock& clock_;
};

}  // namespace imsbox::icscf
