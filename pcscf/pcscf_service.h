#pragma once
// The P-CSCF as a service on the proxy core (TS 24.229 §5.2; the contract
// with the S-CSCF: /work/issue5-contract.md):
//
//  * REGISTER from a UE: Path, Require/Supported: path, P-Visited-Network-ID,
//    P-Charging-Vector; no P-Asserted-/P-Preferred-Identity; on to the
//    I-CSCF. The 401 loses its ck= / ik= (kept per IMPI for the security
//    agreement); the 200 OK updates the registration cache (registrations.h)
//    and, for an initial registration, starts a reg-event subscription.
//  * NOTIFY of our reg-event subscriptions: answered here (200), the reginfo
//    applied to the cache. A subscription that ends while the UE stays
//    registered is started again as RFC 6665 §4.1.3 says for its reason
//    (reg_event.h: resubscribe_after()); so is one whose refresh gets a 481,
//    and a SUBSCRIBE answered 408/5xx is tried again later (Retry-After, else
//    a doubling delay), so that the P-CSCF keeps hearing of network-initiated
//    deregistrations. unsubscribe_all() ends them at shutdown.
//  * A UE on a new flow (RFC 5626; a browser after a WebSocket reconnect, a
//    phone after a TCP reconnect): its REGISTER's 200 moves the binding to
//    the new connection, for the same contact or the same +sip.instance /
//    reg-id (registrations.h); requests toward it and the release of its
//    dialogs (dialogs.h) then use the new flow, and the old connection is no
//    longer a registered source.
//  * Requests from a registered UE (its source matches a binding's):
//    P-Asserted-Identity from the P-Associated-URI set (the UE's
//    P-Preferred-Identity when it is in it), routed by the Service-Route,
//    Record-Routed as the originating leg (<sip:orig@...;lr>). In-dialog
//    ones follow their Route. An initial request
//    from a source nothing registered from: 403.
//  * Requests toward a UE (from the network, with our Path "term" URI as
//    Route, or in-dialog with a registered contact as Request-URI; initial
//    ones Record-Routed as the terminating leg, <sip:term@...;lr>, so that
//    the network's in-dialog requests name this leg as the Path does): sent to
//    the source the contact registered from (over its connection for
//    TCP/TLS/WS/WSS); for a contact removed in the last minute too, so that
//    the final NOTIFY of the UE's own reg-event subscription reaches it.
//  * OPTIONS to the P-CSCF's own URI: 200.
//  * The UE's confirmed INVITE dialogs (dialogs.h): when the last binding of
//    a contact ends (deregistration, a reg-event NOTIFY, expiry), each of its
//    dialogs is released with a BYE to the UE and one toward the network.
//
// The direction is told from the request as received (the core passes the
// service the original, before it takes its own Route off): the source
// first (a registered UE is always originating, so a UE cannot skip its
// S-CSCF by forging our Path URI), then our Path's "term" Route.
//
// Threading: the proxy core's (one event loop). attach() gives the service
// the stack's originator and timers once the stack has started; before it,
// registrations are cached but no SUBSCRIBE is sent.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ims/rtp_stat.h"
#include "pcscf/dialogs.h"
#include "pcscf/media_anchor.h"
#include "pcscf/reg_event.h"
#include "pcscf/registration.h"
#include "pcscf/registrations.h"
#include "pcscf/security_agreement.h"
#include "runtime/timer_queue.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::runtime {
class Clock;
class Counter;
class Gauge;
class Logger;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::pcscf {

struct PcscfOptions {
  std::string domain;               // the home domain (global.domain)
  std::string pcscf_uri;            // "sip:ADDRESS:PORT" (ims::node_uri): the SUBSCRIBE's From, Contact, P-Asserted-Identity
  std::string path;                 // "<sip:term@ADDRESS:PORT;lr>"
  std::string icscf_route;          // "<sip:ADDRESS:PORT;lr>": where REGISTERs go
  std::string icid_generated_at;    // the bind address (P-Charging-Vector)
  std::vector<std::string> own_hosts;       // hosts of this P-CSCF's URIs (ims::node_uris: the advertised address, pcscf.D, ...)
  std::vector<std::uint16_t> own_ports;     // its listening ports (SIP, TLS, WS, WSS)
  std::uint32_t reg_subscribe_expires = 600000;  // Expires of the reg-event SUBSCRIBE (contract)
  MediaAnchorOptions media;  // which calls the AGW anchors, and how (media_anchor.h)
  SecAgreeOptions sec_agree;  // IPsec with IMS-AKA UEs (security_agreement.h)
};

class PcscfService final : public sip::proxy::ProxyService {
 public:
  // `metrics` (may be null) gets the pcscf_* counters and gauges; `esp`
  // (may be null: no sec-agree) puts the SAs of IMS-AKA UEs in place.
  PcscfService(PcscfOptions options, runtime::Logger& log, const runtime::Clock& clock,
               runtime::Metrics* metrics = nullptr, ipsec::EspBackend* esp = nullptr);
  ~PcscfService() override;
  PcscfService(const PcscfService&) = delete;
  PcscfService& operator=(const PcscfService&) = delete;

  // The originator sends the reg-event SUBSCRIBEs; the timers run the
  // expiry of registrations and the refresh of subscriptions. Both belong to
  // the ProxyStack that owns this service (the originator exists once the
  // stack has started): the service cancels its timers when destroyed, and
  // its originator callbacks do nothing once it is gone.
  void attach(sip::proxy::RequestOriginator& originator, runtime::TimerQueue& timers);
  // After attach(): the AGW's control channel. `send` puts one ng datagram
  // toward the AGW; the AGW's datagrams come in through on_ng_datagram().
  // Without it no call is anchored.
  void attach_media(NgClient::Send send);
  void on_ng_datagram(std::string_view datagram);

  // At shutdown: ends every established reg-event subscription with a
  // SUBSCRIBE Expires: 0 (RFC 6665 §4.1.2.3) and calls `done` once, when all
  // are answered or `limit` has passed, whichever is first (at once when
  // there is none or the stack is not attached). From then on nothing is
  // subscribed, refreshed or subscribed again, and NOTIFYs are answered
  // without being applied. The stack must keep running until `done`. Once.
  void unsubscribe_all(std::chrono::milliseconds limit, std::function<void()> done);

  std::unique_ptr<sip::proxy::ProxyTsx> on_request(const sip::Message& request, const sip::Peer& source) override;
  // The ACK of a 2xx toward a UE: over the flow its contact registered from
  // (a WebSocket UE's contact host is made up, RFC 7118).
  std::optional<sip::Peer> ack_peer(const sip::Message& ack) override;
  // The ACK of a late offer carries the answer: through the AGW first.
  bool on_ack(sip::Message& ack, const sip::Peer& source, const ForwardAck& forward) override;
  // A 2xx retransmission of an anchored call gets the SDP its first copy got.
  bool on_stray_2xx(sip::Message& response) override;

  // Where a message leaves for (ProxyStackConfig::outbound_route): to a UE
  // with SAs, from and to the protected ports of TS 33.203 §7.1.
  void outbound_route(sip::Peer& to, const sip::Message& message) const;

  const PcscfOptions& options() const { return options_; }
  SecurityAgreement& sec_agree() { return sec_agree_; }
  const RegistrationCache& registrations() const { return cache_; }
  DialogTable& dialogs() { return dialogs_; }
  MediaAnchor& media() { return media_; }
  // The reg-event subscription of an IMPU, or null.
  const RegSubscription* subscription(std::string_view impu) const;
  std::size_t subscriptions() const { return subscriptions_.size(); }
  // The ck / ik of the last IMS-AKA challenge for an IMPI (for the security
  // agreement of a later issue), or null.
  const AuthKeys* auth_keys(std::string_view impi) const;

  // ---- for the transactions (pcscf_service.cpp) ----
  runtime::Logger& log() { return log_; }
  Time now() const;
  std::string random_hex(std::size_t chars);
  bool is_own_uri(std::string_view uri) const;
  bool is_own_path_route(std::string_view route_uri) const;
  void keep_auth_keys(std::string impi, AuthKeys keys);
  // Applies a 200 OK to a REGISTER; subscribes after an initial registration.
  RegisterChange registered(const RegisterOk& ok, std::string_view call_id);
  // A NOTIFY to one of our subscriptions (or to us): its response status.
  int notified(const sip::Message& notify);
  // A contact's binding ended (`why`, for the log and the Reason header):
  // when no live binding of it is left, its dialogs are released with BYEs.
  void contact_ended(const std::string& contact, std::string_view why);
  // A request answered with 400 / 403 (metrics).
  void refused(int status);
  bool is_reg_notify(const sip::Message& request) const;
  // The leg of the dialog a request's top Route (ours) names: true for our
  // "orig" Record-Route (the UE is the caller), false for "term".
  std::optional<bool> dialog_leg(const sip::Message& request) const;

 private:
  struct Subscription {
    RegSubscription state;
    std::optional<runtime::TimerQueue::TimerId> refresh;
    // a newer registration of the IMPU has its own: answered, never refreshed
    bool superseded = false;
    Time started{};        // when its initial SUBSCRIBE went out
    unsigned retries = 0;  // subscriptions of the IMPU before it that failed or ended early, in a row
  };
  // A subscription to start again later (RFC 6665 retry-after, or the backoff).
  struct PendingSubscribe {
    runtime::TimerQueue::TimerId timer;
    unsigned retries = 0;
  };

  void subscribe(const Registration& reg, unsigned retries = 0);
  void send_subscribe(const std::string& call_id);
  void on_subscribe_response(const std::string& call_id, const sip::Message& response);
  void drop_subscription(const std::string& call_id);
  // Subscribes to the IMPU's reg event again, after `wanted` or the backoff
  // of `retries` (whichever is longer), if it is still registered then.
  void resubscribe(const std::string& impu, std::chrono::seconds wanted, unsigned retries, std::string_view why);
  void arm_refresh(const std::string& call_id, std::chrono::seconds after);
  void arm_expiry();
  void on_expiry();
  void update_gauges();
  // BYEs to the UE and toward the network for a dialog of the UE, with
  // Reason: SIP;cause=<cause>;text="<reason>" (and P-RTP-Stat toward the network).
  void release_dialog(const UeDialog& d, const std::string& what, std::string_view reason, int cause,
                      const std::optional<ims::RtpStat>& rtp_stat);
  // The media anchor wants a call released (media timeout, session lost).
  void media_release(const MediaRelease& r);

  PcscfOptions options_;
  runtime::Logger& log_;
  const runtime::Clock& clock_;
  sip::proxy::RequestOriginator* originator_ = nullptr;
  runtime::TimerQueue* timers_ = nullptr;
  std::mt19937_64 random_;
  RegistrationCache cache_;
  DialogTable dialogs_;
  MediaAnchor media_;
  SecurityAgreement sec_agree_;
  std::unordered_map<std::string, Subscription> subscriptions_;  // by Call-ID
  std::unordered_map<std::string, std::string> subscription_of_;  // IMPU -> Call-ID
  std::unordered_map<std::string, PendingSubscribe> pending_subscribe_;  // by IMPU
  bool stopping_ = false;  // unsubscribe_all() was called
  struct KeptKeys {
    AuthKeys keys;
    Time at;
  };
  std::unordered_map<std::string, KeptKeys> auth_keys_;  // by IMPI
  std::optional<runtime::TimerQueue::TimerId> expiry_timer_;
  Time expiry_at_{};
  // metrics; all null without a registry
  runtime::Counter* registrations_total_ = nullptr;
  runtime::Counter* bad_requests_total_ = nullptr;
  runtime::Counter* forbidden_total_ = nullptr;
  runtime::Counter* notifies_total_ = nullptr;
  runtime::Gauge* impus_gauge_ = nullptr;
  runtime::Gauge* contacts_gauge_ = nullptr;
  runtime::Gauge* subscriptions_gauge_ = nullptr;
  // Originator callbacks hold a weak_ptr to this: expired once the service is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace imsbox::pcscf
