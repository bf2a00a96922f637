#pragma once
// The S-CSCF as a service on the proxy core (TS 24.229 §5.4): the registrar
// with authentication (REGISTER -> Cx MAR -> 401 -> REGISTER -> Cx SAR ->
// 200), the reg event package (SUBSCRIBE/NOTIFY, RFC 3680) and the
// HSS-initiated changes (RTR, PPR). The state lives in pure cores
// (auth.h's Authenticator, registrar.h's Registrar, reg_event.h); this is
// the glue to the proxy core, the Cx client, the timers and the originator.
// Where each part is:
//  * scscf_service.cpp: construction, which transaction a request gets, the
//    trust domain;
//  * transactions.h: the transactions (register_tsx.cpp, reg_subscribe_tsx.cpp,
//    session_tsx.cpp);
//  * reg_event_notify.cpp: the reg-event subscriptions and their NOTIFYs;
//  * third_party_register.cpp: third-party REGISTERs to application servers;
//  * deregistration.cpp: expiry, network-initiated deregistration, RTR, PPR;
//  * persistence.cpp: the store (restore at start, batched writes).
//
// The Cx client is two injected functions (the node wires them to its
// DiameterStack; tests to fakes). Each must call its callback exactly once;
// the node gives the Diameter requests a timeout below the core's wait
// limit, so a waiting transaction is always answered here. A callback after
// the transaction (or the service) is gone is ignored.
//
// Threading: the loop's thread only. attach() must be called before the
// first request (timers and originator come from the ProxyStack built with
// this service).
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "diameter/diameter_stack.h"
#include "runtime/clock.h"
#include "runtime/timer_queue.h"
#include "ims/subscription.h"
#include "scscf/auth.h"
#include "scscf/call_records.h"
#include "scscf/reg_event.h"
#include "scscf/registration_store.h"
#include "scscf/registrar.h"
#include "scscf/session.h"
#include "sip/proxy/proxy_core.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::scscf {

struct CxClient {
  using MaaDone = std::function<void(diameter::AnswerOrError<diameter::MultimediaAuthAnswer>)>;
  using SaaDone = std::function<void(diameter::AnswerOrError<diameter::ServerAssignmentAnswer>)>;
  std::function<void(diameter::MultimediaAuthRequest, MaaDone)> multimedia_auth;
  std::function<void(diameter::ServerAssignmentRequest, SaaDone)> server_assignment;
};

struct ScscfOptions {
  std::string domain;       // the home domain: the realm of challenges
  std::string server_name;  // our name at the HSS (Server-Name of MAR/SAR)
  // "sip:ADDRESS:PORT" (ims::node_uri: routable by other vendors' nodes): the
  // Service-Route (user "orig"), the reg-event Contact, the third-party
  // REGISTER's From and Contact, the ODI Route application servers send
  // requests back by
  std::string own_uri;
  // Every form of our URI we take as ours in a Route (the Service-Route,
  // the ODI, an AS's `orig`): own_uri and the names earlier versions gave
  // out (ims::node_uris). Empty: own_uri alone.
  std::vector<std::string> own_uris;
  std::string icscf_route;  // "<sip:ADDRESS:PORT;lr>": where originating requests to home users go
  // Nodes of this box that users reach by a host name of their own (the
  // MRF: sip:annc@mrf.<domain>;play=busy) and the Route to each: the name
  // alone resolves to the box's address, not to the node's port.
  std::vector<BoxNodeRoute> box_nodes;
  std::uint32_t min_expires = 60;
  std::uint32_t max_expires = 3600;
  unsigned max_auth_failures = 5;
  std::chrono::seconds auth_block{60};
  std::uint32_t max_subscription_expires = 600000;
  // How long an application server may keep silent (not even 100 Trying)
  // before its iFC's default handling applies (TS 24.229 §5.4.3.2).
  std::chrono::milliseconds as_timeout{2000};
  // Who may send originating requests (along our Service-Route, or with the
  // `orig` parameter), whose P-Asserted-Identity we then act on: the trust
  // domain of TS 24.229 §4.4. Loopback always; these addresses besides (the
  // box's bind address, remote P-CSCFs and application servers).
  std::vector<boost::asio::ip::address> trusted_sources;
  // The SIP digest algorithms challenged with, most preferred first
  // (scscf.digest_algorithms).
  std::vector<Scheme> digest_algorithms{Scheme::digest_md5};
};

class ScscfService final : public sip::proxy::ProxyService {
 public:
  ScscfService(ScscfOptions options, CxClient cx, runtime::Logger& log, const runtime::Clock& clock,
               Authenticator::Random random);
  void attach(runtime::TimerQueue& timers, sip::proxy::RequestOriginator& originator);

  // Persistence (optional; none: memory only). restore() reads the store
  // back into the registrar and arms the expiry timer: call it after attach().
  void set_store(RegistrationStore* store) { store_ = store; }
  // Where the reg-event subscriptions are kept (optional; none: memory only).
  // Read back by restore() too.
  void set_subscription_store(SubscriptionStore* store) { subscription_store_ = store; }
  // Where call detail records go (optional; none: kept in memory until they end).
  void set_call_store(CallRecordStore* store) { call_store_ = store; }
  std::size_t restore();

  std::unique_ptr<sip::proxy::ProxyTsx> on_request(const sip::Message& request, const sip::Peer& source) override;

  // Cx requests from the HSS.
  diameter::RegistrationTerminationAnswer registration_termination(const diameter::RegistrationTerminationRequest& r);
  diameter::PushProfileAnswer push_profile(const diameter::PushProfileRequest& r);

  const Registrar& registrar() const { return registrar_; }
  const Authenticator& authenticator() const { return auth_; }
  std::size_t subscriptions() const { return subscriptions_.size(); }

  // ---- for the transactions (transactions.h) ----
  const ScscfOptions& options() const { return options_; }
  const CxClient& cx() const { return cx_; }
  runtime::Logger& log() { return log_; }
  Time now() const { return clock_.now(); }
  Authenticator& auth() { return auth_; }
  Registrar& mutable_registrar() { return registrar_; }
  CallRecorder& calls() { return calls_; }
  OdiTable& odis() { return odis_; }
  WallTime wall_now() const { return clock_.wall_now(); }
  // After a call record changed: stored with the next flush_store().
  void call_record_changed() { schedule_store_flush(); }
  std::string new_tag();
  // After a registration changed: NOTIFY its subscribers, re-arm the expiry timer.
  void registration_changed(const std::string& key, std::string_view contact_event);
  // A registration is gone: final NOTIFYs (terminated), subscriptions dropped.
  void registration_ended(const Registration& r, std::string_view contact_event);
  void rearm_expiry();
  // Third-party REGISTER (TS 24.229 §5.4.1.7) to every application server
  // whose iFCs match this REGISTER (`request` and its 200 OK `response`: null
  // for an expiry or an RTR), with the bodies the iFC asks for.
  void third_party_register(const Registration& r, ims::RegistrationType type, const sip::Message* request,
                            const sip::Message* response, std::uint32_t expires);
  // Network-initiated deregistration (TS 24.229 §5.4.1.5): the registration
  // is removed, its subscribers notified, the HSS told (SAR
  // ADMINISTRATIVE_DEREGISTRATION), its application servers too.
  void network_deregistration(const std::string& impu);
  // Writes the registration with that key to the store (or erases it when
  // gone from the registrar): within kStoreDelay, together with the other
  // changes of that time, in one transaction. The store is shared with the
  // HSS, which writes at every registration too: fewer, larger transactions
  // keep the two from waiting for each other's lock.
  void persist(const std::string& key);
  void forget(const std::string& impu) { persist(impu); }
  // Runs `then(stored)` once every registration change persist()ed so far
  // is in the store (stored: the write succeeded, or there is no store): a
  // group commit at the next loop turn, shared by every REGISTER read in
  // this one, so that a 200 OK never confirms a binding a crash could lose.
  // `then` may run before this returns (no timers: flushed at once).
  void after_commit(std::function<void(bool stored)> then);
  // Writes what persist() collected now (also when the service ends); then
  // runs what after_commit() queued.
  void flush_store();
  void schedule_store_flush();
  static constexpr std::chrono::milliseconds kStoreDelay{100};
  // Adds a subscription and returns its id; sends nothing.
  std::string add_subscription(RegSubscription s);
  RegSubscription* find_subscription(const std::string& call_id, const std::string& local_tag);
  void notify(const std::string& id, bool terminate, std::string_view reason);

 private:
  // In the trust domain: 127.0.0.1, ::1 or one of options_.trusted_sources (ims::in_trust_domain).
  bool trusted(const sip::Peer& source) const;
  void on_expiry();
  // Every kCallSweep: call records whose end never came end as lost.
  void schedule_call_sweep();
  static constexpr std::chrono::minutes kCallSweep{10};
  void on_subscription_expiry(const std::string& id);
  // A subscription changed (or is gone): stored with the next flush_store().
  void persist_subscription(const std::string& id);
  // Every subscription leaves subscriptions_ through here (the index follows).
  void erase_subscription(std::map<std::string, RegSubscription>::iterator it);
  // What a NOTIFY's reginfo shows of registration `r`: its state now, or
  // its end (every identity and contact "terminated").
  enum class RegInfoOf { current, end };
  // `terminated`: the NOTIFY ends the subscription (Subscription-State
  // terminated;reason=`reason`), which by itself leaves the registration as
  // it is (RFC 3680 §3.2, RFC 6665 §4.2.2). `after` runs once the NOTIFY got
  // its final response (or could not be sent).
  void send_notify(RegSubscription& s, const Registration* r, RegInfoOf shows, bool terminated,
                   std::string_view reason, std::string_view contact_event, std::function<void()> after = {});

  ScscfOptions options_;
  CxClient cx_;
  runtime::Logger& log_;
  const runtime::Clock& clock_;
  Authenticator::Random random_;
  Authenticator auth_;
  Registrar registrar_;
  RegistrationStore* store_ = nullptr;
  SubscriptionStore* subscription_store_ = nullptr;
  std::set<std::string> unsaved_subscriptions_;  // subscription ids changed since the last flush
  CallRecordStore* call_store_ = nullptr;
  CallRecorder calls_;
  OdiTable odis_;
  runtime::TimerQueue* timers_ = nullptr;
  sip::proxy::RequestOriginator* originator_ = nullptr;
  runtime::TimerQueue::TimerId expiry_timer_ = 0;
  Time expiry_armed_for_{};  // the registrar's next expiry when expiry_timer_ was set
  std::set<std::string> unsaved_;  // registration keys persist() collected
  runtime::TimerQueue::TimerId store_timer_ = 0;
  runtime::TimerQueue::TimerId commit_timer_ = 0;  // the group commit after_commit() asked for
  std::vector<std::function<void(bool)>> awaiting_commit_;
  std::map<std::string, RegSubscription> subscriptions_;  // by call_id + ";" + local_tag
  std::multimap<std::string, std::string> subscription_ids_;  // the keys of subscriptions_ by the IMPU watched
  // Callbacks (Cx answers, NOTIFY results) hold a weak_ptr to this.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace imsbox::scscf
