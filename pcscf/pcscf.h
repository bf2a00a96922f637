#pragma once
// P-CSCF and eP-CSCF (TS 24.229 §5.2; TS 23.228 Annex U): the UE's first
// contact over UDP, TCP, TLS, WS and WSS.
//
// The node wires a SIP proxy stack (pcscf.sip_port UDP and TCP, tls_port,
// ws_port, wss_port) with the PcscfService (pcscf_service.h), which forwards
// REGISTERs to the I-CSCF (pcscf.icscf_uri, else this box's), keeps the
// registrations and subscribes to their reg event at the S-CSCF. /health
// reports a stack that did not start; /metrics has the pcscf_* counters and
// gauges (registrations, contacts, subscriptions, 400s, 403s, NOTIFYs). The
// AGW's media anchoring (media_anchor.h) talks ng over a UDP socket to
// pcscf.agw_ng (default 127.0.0.1:<agw.ng_port>). With pcscf.ipsec on,
// IMS-AKA UEs get IPsec SAs (security_agreement.h): the protected ports
// pcscf.ipsec_port_c / ipsec_port_s (UDP and TCP) are bound too, and an ESP
// backend (kernel XFRM or userspace over a TUN device) carries them.
// stop() ends the reg-event subscriptions (Expires: 0) before it closes the
// stack, waiting at most kUnsubscribeLimit for their answers.
#include <chrono>
#include <memory>
#include <string>

#include "runtime/node_main.h"

namespace imsbox::sip::proxy {
class ProxyStack;
}

namespace imsbox::pcscf {

namespace ipsec {
class EspBackend;
}
class PcscfService;
class UdpNgSocket;
struct PcscfOptions;

// The service's options from the configuration. Every URI it hands other
// nodes is routable (ims::node_uri: pcscf.uri, else the advertised address
// and pcscf.sip_port): the reg-event SUBSCRIBE's From, Contact and
// P-Asserted-Identity, the Path <sip:term@...;lr>. Its own URIs are those
// and the older names (ims::node_uris) on any of its ports.
PcscfOptions pcscf_options(const runtime::Config& c);
// The AGW's ng address: pcscf.agw_ng, else 127.0.0.1:<agw.ng_port>; a
// ConfigError naming the option when it is not IP:PORT.
std::string agw_ng_address(const runtime::Config& c);

class Pcscf final : public runtime::Node {
 public:
  explicit Pcscf(runtime::NodeContext& ctx);
  ~Pcscf() override;
  void start() override;
  void stop() override;
  std::string health() const override;
  // /ipsec: the SA sets with UEs (ipsec_status()), for `imsbox ipsec`.
  std::vector<std::pair<std::string, std::function<std::string()>>> pages() override;

 private:
  // How long stop() waits for the answers to its unsubscriptions.
  static constexpr std::chrono::milliseconds kUnsubscribeLimit{1000};
  // The ESP backend of sec-agree (pcscf.ipsec_backend), or null when it is
  // off or could not start; `device`: the protected sockets' (userspace).
  void start_esp(PcscfOptions& options, std::string& device);

  runtime::NodeContext& ctx_;
  // Before the stack: the stack's service uses it until the stack is gone.
  std::unique_ptr<ipsec::EspBackend> esp_;
  PcscfService* service_ = nullptr;  // owned by the stack
  std::unique_ptr<sip::proxy::ProxyStack> proxy_;
  // After proxy_: it goes first, so that no datagram reaches a service that is gone.
  std::unique_ptr<UdpNgSocket> ng_socket_;
  bool started_ = false;
};

}  // namespace imsbox::pcscf
