#include "pcscf/pcscf_service.h"

#include <algorithm>
#include <chrono>

#include "ims/identity.h"
#include "ims/reginfo.h"
#include "ims/rtp_stat.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/header_values.h"
#include "sip/response.h"
#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::pcscf {

namespace {

using sip::HeaderId;
using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

constexpr std::size_t kMaxKeptKeys = 10000;
constexpr auto kKeptKeysLifetime = std::chrono::minutes(5);

// Subscribing again (reg event): a subscription that ended within
// kShortLived of its start, or failed, counts as a retry; retries wait
// kRetryBase, doubled each time, at most kRetryMax. A notifier that ends
// every subscription at once cannot make us loop.
constexpr auto kShortLived = std::chrono::seconds(60);
constexpr auto kRetryBase = std::chrono::seconds(2);
constexpr auto kRetryMax = std::chrono::seconds(300);

std::chrono::seconds backoff(unsigned retries) {
  if (retries == 0) return std::chrono::seconds(0);
  if (retries > 8) return kRetryMax;
  return std::min<std::chrono::seconds>(kRetryMax, kRetryBase * (1u << (retries - 1)));
}

// The URI of the first Route value, if any.
// Takes off the Route values at the top that name this P-CSCF: the core
// removes one, but a Record-Route across two transports (RFC 5658) put two.
void drop_own_routes(PcscfService& service, sip::Message& m) {
  while (auto top = sip::proxy::first_uri(m, HeaderId::route)) {
    if (!service.is_own_uri(*top)) return;
    m.remove_first_value(HeaderId::route);
  }
}

class PcscfTsx : public sip::proxy::ProxyTsx {
 public:
  explicit PcscfTsx(PcscfService& service) : service_(service) {}

 protected:
  void log(ProxyTsxHelper& helper, const std::string& text, runtime::LogLevel level = runtime::LogLevel::info) {
    service_.log().log(level, text, helper.request().call_id());
  }
  // The media part (media_anchor.h) of a request in an INVITE dialog of the
  // UE: `originating` is the leg, `from_ue` the direction.
  Verdict media_request(ProxyTsxHelper& helper, bool originating, bool from_ue, const sip::Peer* new_dialog_flow) {
    media_ = std::make_unique<MediaTsx>(service_.media(), originating, from_ue);
    return media_->on_request(helper, new_dialog_flow);
  }
  // The dialog bookkeeping (on_response) first, then the media, which may
  // hold the response while the AGW rewrites its SDP.
  Verdict filter_response(ProxyTsxHelper& helper, sip::Message& response) override {
    on_response(helper, response);
    return media_ ? media_->filter_response(helper, response) : Verdict::next;
  }
  PcscfService& service_;
  std::unique_ptr<MediaTsx> media_;
};

// A REGISTER from a UE (contract: REGISTER, 401, 200 OK).
class RegisterTsx final : public PcscfTsx {
 public:
  using PcscfTsx::PcscfTsx;

  Verdict on_request(ProxyTsxHelper& helper) override {
    auto& request = helper.request();
    if (const char* reason = check_register(request)) {
      helper.respond(400, reason);
      service_.refused(400);
      log(helper, "REGISTER from " + sip::to_string(helper.source()) + ": 400 " + reason);
      return Verdict::done;
    }
    impu_ = *ims::register_impu(request);
    source_ = helper.source();
    sec_agree_ = service_.sec_agree().on_register(request, source_, service_.now());
    if (sec_agree_.status != 0) {
      auto response = sip::make_response(request, sec_agree_.status, sec_agree_.reason);
      for (auto& [id, value] : sec_agree_.headers) response.append(id, value);
      helper.respond(std::move(response));
      service_.refused(sec_agree_.status);
      log(helper, "REGISTER " + impu_ + " from " + sip::to_string(source_) + ": " +
                      std::to_string(sec_agree_.status) + " " + sec_agree_.reason);
      return Verdict::done;
    }
    const auto& o = service_.options();
    prepare_register(request, RegisterEdits{o.path, "\"" + o.domain + "\"", service_.random_hex(32), o.icid_generated_at});
    sip::proxy::Target target;
    target.routes = {o.icscf_route};
    helper.add_target(std::move(target));
    log(helper, "REGISTER " + impu_ + " from " + sip::to_string(source_) +
                    (sec_agree_.note.empty() ? "" : " (" + sec_agree_.note + ")") + ": forwarded to " + o.icscf_route);
    return Verdict::next;
  }

  void on_response(ProxyTsxHelper& helper, sip::Message& response) override {
    const int status = response.status();
    if (status < 200) return;
    if (status == 401 || status == 407) {
      auto keys = remove_auth_keys(response);
      std::string note;
      if (!keys.empty()) {
        if (auto impi = ims::register_impi(helper.request(), service_.options().domain)) {
          if (status == 401 && service_.sec_agree().on_challenge(sec_agree_, response, keys, *impi, source_,
                                                                 service_.now())) {
            note = " (ck/ik taken off, SAs pending)";
          }
          service_.keep_auth_keys(std::move(*impi), std::move(keys));
        }
        if (note.empty()) note = " (ck/ik kept, not passed on)";
      }
      log(helper, "REGISTER " + impu_ + ": " + std::to_string(status) + note);
      return;
    }
    if (status >= 300) {
      log(helper, "REGISTER " + impu_ + ": " + std::to_string(status) + " " + std::string(response.reason()));
      return;
    }
    const auto ok = register_ok(helper.request(), response, impu_, source_, service_.options().path);
    std::chrono::seconds lifetime{0};
    for (const auto& c : ok.contacts) lifetime = std::max(lifetime, c.expires);
    service_.sec_agree().on_registered(sec_agree_, ok.remove_all ? std::chrono::seconds(0) : lifetime,
                                       service_.now());
    service_.registered(ok, helper.request().call_id());
  }

 private:
  std::string impu_;
  sip::Peer source_;
  SecAgreeDecision sec_agree_;
};

// A NOTIFY of our reg-event subscription: answered here.
class NotifyTsx final : public PcscfTsx {
 public:
  using PcscfTsx::PcscfTsx;
  Verdict on_request(ProxyTsxHelper& helper) override {
    const int status = service_.notified(helper.request());
    helper.respond(status, status == 400 ? "Bad Request (malformed reginfo)" : std::string_view());
    return Verdict::done;
  }
};

// A request from a registered UE (TS 24.229 §5.2.6.3).
class OriginatingTsx final : public PcscfTsx {
 public:
  // `leg`: of an in-dialog request, the leg its Route names (true: the UE's
  // dialog as the caller), if any.
  OriginatingTsx(PcscfService& service, std::optional<bool> leg) : PcscfTsx(service), leg_(leg) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    auto& request = helper.request();
    const std::string what = std::string(request.method()) + " " + std::string(request.request_uri());
    const auto regs = service_.registrations().from_source(helper.source(), service_.now());
    if (regs.empty()) {  // expired since on_request
      helper.respond(403, "Forbidden (not registered)");
      service_.refused(403);
      log(helper, what + " from " + sip::to_string(helper.source()) + ": 403, not registered");
      return Verdict::done;
    }
    if (!request.to().tag().empty()) {
      // in a dialog: along the route set the dialog has
      service_.dialogs().in_dialog(request, true);
      request.remove_all(HeaderId::p_asserted_identity);
      request.remove_all(HeaderId::p_preferred_identity);
      drop_own_routes(service_, request);
      log(helper, what + " in dialog from " + sip::to_string(helper.source()) + ": passed on along its Route");
      return leg_ ? media_request(helper, *leg_, true, nullptr) : Verdict::next;
    }
    // the identity: the preferred one if it is in a P-Associated-URI set,
    // else the first P-Associated-URI (of the registration that lists the
    // From URI, else of the first one)
    const auto preferred = header_uris(request, HeaderId::p_preferred_identity);
    const std::string from(request.from().uri);
    const Registration* reg = nullptr;
    std::string asserted;
    const auto lists = [](const Registration* r, std::string_view uri) {
      return std::find(r->associated.begin(), r->associated.end(), uri) != r->associated.end() || r->impu == uri;
    };
    if (!preferred.empty()) {
      for (const auto* r : regs) {
        if (lists(r, preferred.front())) {
          reg = r;
          asserted = preferred.front();
          break;
        }
      }
    }
    if (!reg) {
      for (const auto* r : regs) {
        if (lists(r, from)) {
          reg = r;
          break;
        }
      }
      if (!reg) reg = regs.front();
      asserted = reg->associated.empty() ? reg->impu : reg->associated.front();
    }
    strip_identities(request);
    request.append(HeaderId::p_asserted_identity, "<" + asserted + ">");
    // a fresh charging identifier for the dialog or standalone transaction
    // (TS 24.229 §5.2.7.3); whatever the UE sent is not to be trusted
    request.remove_all(HeaderId::p_charging_vector);
    request.append(HeaderId::p_charging_vector, "icid-value=" + service_.random_hex(32) +
                                                    ";icid-generated-at=" + service_.options().icid_generated_at);
    // the UE's preloaded Route gives way to the Service-Route it was given
    request.remove_all(HeaderId::route);
    sip::proxy::Target target;
    target.routes = reg->service_route;
    helper.add_target(std::move(target));
    helper.record_route("orig");  // the UE's leg: its in-dialog requests say which one they are on
    std::string routes;
    for (const auto& r : reg->service_route) routes += (routes.empty() ? "" : ", ") + r;
    log(helper, what + " from " + reg->impu + " (" + sip::to_string(helper.source()) + "): asserted " + asserted +
                    ", routed by Service-Route " + (routes.empty() ? "(none)" : routes));
    invite_ = request.method() == "INVITE";
    if (!invite_) return Verdict::next;
    const auto flow = helper.source();
    return media_request(helper, true, true, &flow);
  }

  void on_response(ProxyTsxHelper& helper, sip::Message& response) override {
    if (invite_ && response.status() >= 200 && response.status() < 300) {
      service_.dialogs().confirmed(helper.request(), response, true, helper.source());
    }
  }

 private:
  std::optional<bool> leg_;
  bool invite_ = false;  // an initial INVITE of the UE
};

// A request toward a UE: to the source its contact registered from.
class TowardUeTsx final : public PcscfTsx {
 public:
  // `leg`: of an in-dialog request, the leg its Route names, if any.
  TowardUeTsx(PcscfService& service, std::optional<bool> leg) : PcscfTsx(service), leg_(leg) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    auto& request = helper.request();
    const bool initial = request.to().tag().empty();
    const std::string what = std::string(request.method()) + " " + std::string(request.request_uri());
    drop_own_routes(service_, request);
    if (initial) helper.record_route("term");  // like our Path: the network's in-dialog requests come back as toward the UE
    if (!initial) service_.dialogs().in_dialog(request, false);
    const auto found = service_.registrations().by_contact(request.request_uri(), service_.now());
    if (!found) {
      if (auto departed = service_.registrations().departed_source(request.request_uri(), service_.now())) {
        // the end of a dialog of a UE that just deregistered
        sip::proxy::Target target;
        target.peer = *departed;
        helper.add_target(std::move(target));
        log(helper, what + (initial ? "" : " in dialog") + ": to a contact just deregistered, via " +
                        sip::to_string(*departed));
        return !initial && leg_ ? media_request(helper, *leg_, false, nullptr) : Verdict::next;
      }
      log(helper, what + ": not a registered contact, routed by its Request-URI");
      return !initial && leg_ ? media_request(helper, *leg_, false, nullptr) : Verdict::next;
    }
    sip::proxy::Target target;
    target.peer = found->binding->source;
    helper.add_target(std::move(target));
    log(helper, what + (initial ? "" : " in dialog") + ": to " + found->registration->impu + " via " +
                    sip::to_string(found->binding->source));
    if (initial && request.method() == "INVITE") {
      ue_flow_ = found->binding->source;
      return media_request(helper, false, false, &*ue_flow_);
    }
    if (!initial && leg_) return media_request(helper, *leg_, false, nullptr);
    return Verdict::next;
  }

  void on_response(ProxyTsxHelper& helper, sip::Message& response) override {
    if (ue_flow_ && response.status() >= 200 && response.status() < 300) {
      service_.dialogs().confirmed(helper.request(), response, false, *ue_flow_);
    }
  }

 private:
  std::optional<bool> leg_;
  std::optional<sip::Peer> ue_flow_;  // an initial INVITE to a registered UE: its flow
};

class AnswerTsx final : public PcscfTsx {
 public:
  AnswerTsx(PcscfService& service, int status, std::string reason)
      : PcscfTsx(service), status_(status), reason_(std::move(reason)) {}
  Verdict on_request(ProxyTsxHelper& helper) override {
    helper.respond(status_, reason_);
    service_.refused(status_);
    log(helper, std::string(helper.request().method()) + " " + std::string(helper.request().request_uri()) +
                    " from " + sip::to_string(helper.source()) + ": " + std::to_string(status_) + " " + reason_);
    return Verdict::done;
  }

 private:
  int status_;
  std::string reason_;
};

}  // namespace

PcscfService::PcscfService(PcscfOptions options, runtime::Logger& log, const runtime::Clock& clock,
                           runtime::Metrics* metrics, ipsec::EspBackend* esp)
    : options_(std::move(options)),
      log_(log),
      clock_(clock),
      random_(std::random_device{}()),
      dialogs_([this](std::string_view uri) { return is_own_uri(uri); }),
      media_(options_.media, log, clock, metrics),
      sec_agree_(options_.sec_agree, log, clock, metrics, esp) {
  if (!metrics) return;
  registrations_total_ = &metrics->counter("pcscf_register_ok_total", "200 OKs to REGISTER applied to the cache");
  bad_requests_total_ = &metrics->counter("pcscf_bad_requests_total", "malformed requests from UEs answered 400");
  forbidden_total_ =
      &metrics->counter("pcscf_forbidden_total", "requests from sources with no registration answered 403");
  notifies_total_ = &metrics->counter("pcscf_reg_notify_total", "reg-event NOTIFYs received");
  impus_gauge_ = &metrics->gauge("pcscf_registered_impus", "public identities registered through this P-CSCF");
  contacts_gauge_ = &metrics->gauge("pcscf_registered_contacts", "contacts registered through this P-CSCF");
  subscriptions_gauge_ = &metrics->gauge("pcscf_reg_subscriptions", "reg-event subscriptions of this P-CSCF");
}

void PcscfService::contact_ended(const std::string& contact, std::string_view why) {
  if (cache_.by_contact(contact, now())) return;  // another IMPU still has it
  for (const auto& d : dialogs_.release(contact_key(contact))) {
    media_.dialog_released(d.call_id, d.ue_tag);
    release_dialog(d, "dialog of " + contact + " released (" + std::string(why) + "): BYE", why, 480, std::nullopt);
  }
}

void PcscfService::release_dialog(const UeDialog& d, const std::string& what, std::string_view reason, int cause,
                                  const std::optional<ims::RtpStat>& rtp_stat) {
  if (!originator_) {
    log_.log(runtime::LogLevel::warning, what + "s not sent: the SIP stack is not attached", d.call_id);
    return;
  }
  std::weak_ptr<int> alive = alive_;
  const auto done = [this, alive, what, call_id = d.call_id](std::string side) {
    return [this, alive, what, call_id, side](const sip::Message& response) {
      if (alive.expired()) return;
      log_.log(runtime::LogLevel::info, what + " to " + side + ": " + std::to_string(response.status()), call_id);
    };
  };
  auto toward_network = bye_to_network(d, reason, cause);
  if (rtp_stat) toward_network.append(std::string(ims::kRtpStatHeader), ims::format_rtp_stat(*rtp_stat));
  const bool to_ue = originator_->originate(bye_to_ue(d, reason, cause), d.ue_flow, done("the UE"));
  const bool to_network = originator_->originate(std::move(toward_network), std::nullopt, done("the network"));
  log_.log(to_ue && to_network ? runtime::LogLevel::info : runtime::LogLevel::warning,
           what + " to the UE " + (to_ue ? "sent" : "not sent") + ", toward the network " +
               (to_network ? "sent" : "not sent"),
           d.call_id);
}

void PcscfService::media_release(const MediaRelease& r) {
  const auto d = dialogs_.take(r.call_id, r.ue_tag);
  if (!d) {
    log_.log(runtime::LogLevel::warning, "media: no confirmed dialog of the UE to release (tag " + r.ue_tag + ")",
             r.call_id);
    return;
  }
  release_dialog(*d, "call released (" + r.text + "): BYE", r.text, r.cause, r.rtp_stat);
}

void PcscfService::attach_media(NgClient::Send send) {
  if (!timers_) return;
  media_.attach(*timers_, std::move(send), [this](const MediaRelease& r) { media_release(r); }, random_hex(12));
}

void PcscfService::on_ng_datagram(std::string_view datagram) { media_.on_datagram(datagram); }

bool PcscfService::on_ack(sip::Message& ack, const sip::Peer&, const ForwardAck& forward) {
  const auto leg = dialog_leg(ack);
  if (!leg) return false;
  return media_.on_ack(ack, *leg, forward);
}

bool PcscfService::on_stray_2xx(sip::Message& response) { return media_.on_stray_2xx(response); }

std::optional<bool> PcscfService::dialog_leg(const sip::Message& request) const {
  const auto top = sip::proxy::first_uri(request, HeaderId::route);
  if (!top || !is_own_uri(*top)) return std::nullopt;
  const auto parsed = sip::parse_uri(*top);
  if (!parsed.uri) return std::nullopt;
  if (parsed.uri->user == "orig") return true;
  if (parsed.uri->user == "term") return false;
  return std::nullopt;
}

void PcscfService::refused(int status) {
  if (status == 400 && bad_requests_total_) bad_requests_total_->inc();
  if (status == 403 && forbidden_total_) forbidden_total_->inc();
}

void PcscfService::update_gauges() {
  if (impus_gauge_) impus_gauge_->set(static_cast<double>(cache_.size()));
  if (contacts_gauge_) contacts_gauge_->set(static_cast<double>(cache_.bindings()));
  if (subscriptions_gauge_) subscriptions_gauge_->set(static_cast<double>(subscriptions_.size()));
}

PcscfService::~PcscfService() {
  if (!timers_) return;
  if (expiry_timer_) timers_->cancel(*expiry_timer_);
  for (auto& [id, sub] : subscriptions_) {
    if (sub.refresh) timers_->cancel(*sub.refresh);
  }
  for (auto& [impu, pending] : pending_subscribe_) timers_->cancel(pending.timer);
}

void PcscfService::outbound_route(sip::Peer& to, const sip::Message& message) const {
  sec_agree_.route(to, message, now());
}

void PcscfService::attach(sip::proxy::RequestOriginator& originator, runtime::TimerQueue& timers) {
  originator_ = &originator;
  timers_ = &timers;
  sec_agree_.attach(timers);
  arm_expiry();
}

std::unique_ptr<sip::proxy::ProxyTsx> PcscfService::on_request(const sip::Message& request, const sip::Peer& source) {
  const auto method = request.method();
  if (method == "REGISTER") return std::make_unique<RegisterTsx>(*this);
  if (method == "NOTIFY" && is_reg_notify(request)) return std::make_unique<NotifyTsx>(*this);
  if (method == "OPTIONS" && request.count(HeaderId::route) == 0 && is_own_uri(request.request_uri())) {
    // to the P-CSCF itself (a keep-alive, a probe): it is up
    if (const auto u = sip::parse_uri(request.request_uri()); u.uri && u.uri->user.empty()) {
      return std::make_unique<AnswerTsx>(*this, 200, "OK");
    }
  }
  const auto t = now();
  if (!sec_agree_.on_request(source, t)) {
    return std::make_unique<AnswerTsx>(*this, 403, "Forbidden (not over security associations)");
  }
  // a registered UE is always originating, whatever Route it sends
  const auto leg = dialog_leg(request);
  if (cache_.has_source(source, t)) return std::make_unique<OriginatingTsx>(*this, leg);
  if (auto top = sip::proxy::first_uri(request, HeaderId::route); top && is_own_path_route(*top)) {
    return std::make_unique<TowardUeTsx>(*this, leg);
  }
  if (!request.to().tag().empty()) {
    if (cache_.by_contact(request.request_uri(), t) || cache_.departed_source(request.request_uri(), t)) {
      return std::make_unique<TowardUeTsx>(*this, leg);
    }
    // the network's side of a dialog: the core follows its Route
    return nullptr;
  }
  return std::make_unique<AnswerTsx>(*this, 403, "Forbidden (not registered from this address)");
}

std::optional<sip::Peer> PcscfService::ack_peer(const sip::Message& ack) {
  const auto t = now();
  if (const auto found = cache_.by_contact(ack.request_uri(), t)) return found->binding->source;
  return cache_.departed_source(ack.request_uri(), t);
}

const RegSubscription* PcscfService::subscription(std::string_view impu) const {
  const auto it = subscription_of_.find(std::string(impu));
  if (it == subscription_of_.end()) return nullptr;
  const auto s = subscriptions_.find(it->second);
  return s == subscriptions_.end() ? nullptr : &s->second.state;
}

const AuthKeys* PcscfService::auth_keys(std::string_view impi) const {
  const auto it = auth_keys_.find(std::string(impi));
  return it == auth_keys_.end() ? nullptr : &it->second.keys;
}

Time PcscfService::now() const { return clock_.now(); }

std::string PcscfService::random_hex(std::size_t chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(chars);
  while (out.size() < chars) {
    auto bits = random_();
    for (int i = 0; i < 16 && out.size() < chars; ++i, bits >>= 4) out += kHex[bits & 0xF];
  }
  return out;
}

bool PcscfService::is_own_uri(std::string_view uri) const {
  const auto parsed = sip::parse_uri(uri);
  if (!parsed.uri || parsed.uri->scheme == sip::Uri::Scheme::tel) return false;
  const auto& u = *parsed.uri;
  auto host = u.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const bool host_ok = std::any_of(options_.own_hosts.begin(), options_.own_hosts.end(), [&](const std::string& h) {
    std::string_view own = h;
    if (own.size() > 2 && own.front() == '[') own = own.substr(1, own.size() - 2);
    return sip::text::iequals(own, host);
  });
  if (!host_ok) return false;
  if (options_.own_ports.empty()) return true;
  const std::uint16_t port = u.port ? *u.port : (u.scheme == sip::Uri::Scheme::sips ? 5061 : 5060);
  return std::find(options_.own_ports.begin(), options_.own_ports.end(), port) != options_.own_ports.end();
}

bool PcscfService::is_own_path_route(std::string_view route_uri) const {
  const auto parsed = sip::parse_uri(route_uri);
  return parsed.uri && parsed.uri->user == "term" && is_own_uri(route_uri);
}

bool PcscfService::is_reg_notify(const sip::Message& request) const {
  if (request.method() != "NOTIFY") return false;
  if (subscriptions_.contains(std::string(request.call_id()))) return true;
  // to our Contact (no user part), for the reg event: a subscription we no longer know
  const auto* event = request.find(HeaderId::event);
  if (!event) return false;
  const auto e = sip::parse_value_with_params(event->value);
  if (!e || !sip::text::iequals(e.value.value, "reg")) return false;
  const auto parsed = sip::parse_uri(request.request_uri());
  return parsed.uri && parsed.uri->user.empty() && is_own_uri(request.request_uri());
}

void PcscfService::keep_auth_keys(std::string impi, AuthKeys keys) {
  const auto t = now();
  if (auth_keys_.size() >= kMaxKeptKeys && !auth_keys_.contains(impi)) {
    std::erase_if(auth_keys_, [&](const auto& e) { return t - e.second.at > kKeptKeysLifetime; });
    if (auth_keys_.size() >= kMaxKeptKeys) auth_keys_.clear();
  }
  auth_keys_[std::move(impi)] = KeptKeys{std::move(keys), t};
}

RegisterChange PcscfService::registered(const RegisterOk& ok, std::string_view call_id) {
  const auto t = now();
  auto change = cache_.apply(ok, t);
  const auto source = sip::to_string(ok.source);
  for (const auto& c : change.bound) {
    log_.log(runtime::LogLevel::info, "REGISTER " + ok.impu + ": 200 OK, registered " + c + " via " + source, call_id);
  }
  for (const auto& m : change.moved) {
    // RFC 5626: the UE is on a new flow; the old one is dead or about to be
    const auto dialogs = dialogs_.move_flow(contact_key(m.old_contact), contact_key(m.contact), ok.source);
    log_.log(runtime::LogLevel::info,
             "REGISTER " + ok.impu + ": flow of " + m.contact + " moved from " + sip::to_string(m.old_source) +
                 " to " + source +
                 (m.old_contact != m.contact ? " (replaces " + m.old_contact + ": same +sip.instance and reg-id)"
                                             : std::string()) +
                 (dialogs ? ", with " + std::to_string(dialogs) + " dialog(s)" : std::string()),
             call_id);
  }
  for (const auto& c : change.unbound) {
    log_.log(runtime::LogLevel::info, "REGISTER " + ok.impu + ": 200 OK, deregistered " + c, call_id);
    contact_ended(c, "Deregistered");
  }
  if (change.bound.empty() && change.unbound.empty()) {
    log_.log(runtime::LogLevel::info, "REGISTER " + ok.impu + ": 200 OK, no binding changed", call_id);
  }
  if (change.removed) {
    log_.log(runtime::LogLevel::info, "REGISTER " + ok.impu + ": no contact left, registration removed", call_id);
  }
  if (change.created) {
    // A subscription left from an earlier registration of the IMPU (its final
    // NOTIFY not seen yet) may be over at the S-CSCF: the new registration
    // gets its own.
    if (const auto old = subscription_of_.find(ok.impu); old != subscription_of_.end()) {
      if (auto s = subscriptions_.find(old->second); s != subscriptions_.end()) s->second.superseded = true;
      subscription_of_.erase(old);
    }
  }
  // a subscription to start again later (probation, a failure) waits for its
  // time, unless this is a new registration
  if (!change.bound.empty() && !subscription_of_.contains(ok.impu) &&
      (change.created || !pending_subscribe_.contains(ok.impu))) {
    if (const auto* reg = cache_.find(ok.impu, t)) subscribe(*reg);
  }
  if (registrations_total_) registrations_total_->inc();
  arm_expiry();
  update_gauges();
  return change;
}

int PcscfService::notified(const sip::Message& notify) {
  if (notifies_total_) notifies_total_->inc();
  const std::string call_id(notify.call_id());
  const auto it = subscriptions_.find(call_id);
  if (it == subscriptions_.end()) {
    log_.log(runtime::LogLevel::info, "reg event: NOTIFY for no subscription of ours: 481", call_id);
    return 481;
  }
  auto& sub = it->second.state;
  const std::string impu = sub.impu;
  if (sub.to_tag.empty()) sub.to_tag = std::string(notify.from().tag());
  std::string summary;
  if (it->second.superseded) {
    // about a registration that has since been replaced: not about the current one
    summary = "of a superseded subscription, ignored";
  } else if (stopping_) {
    // the answer to our unsubscription at shutdown: whatever its reginfo
    // says, no registration of a stopping P-CSCF has dialogs to release now
    summary = "while stopping, not applied";
  } else if (!notify.body().empty()) {
    const auto info = ims::parse_reginfo(notify.body());
    if (!info) {
      log_.log(runtime::LogLevel::warning, "reg event: NOTIFY " + impu + ": malformed reginfo: 400", call_id);
      return 400;
    }
    summary = "version " + std::to_string(info->version);
    for (const auto& r : info->registrations) {
      std::size_t active = 0;
      for (const auto& c : r.contacts) active += c.state == "active" ? 1 : 0;
      summary += ", " + r.aor + " " + r.state + " (" + std::to_string(active) + " active contact(s))";
    }
    const auto effect = apply_reginfo(cache_, *info, now());
    for (const auto& [aor, contact] : effect.removed_contacts) summary += "; removed " + contact + " of " + aor;
    for (const auto& [aor, contact] : effect.removed_contacts) contact_ended(contact, "Registration ended");
    for (const auto& aor : effect.removed_impus) summary += "; registration of " + aor + " removed";
  } else {
    summary = "no body";
  }
  std::optional<std::chrono::seconds> again;
  unsigned retries = 0;
  if (subscription_terminated(notify)) {
    const auto* state = notify.find(HeaderId::subscription_state);
    summary += "; subscription " + (state ? std::string(state->value) : std::string("terminated"));
    const auto& sub = it->second;
    const bool current = !sub.superseded && subscription_of_.contains(impu) && subscription_of_.at(impu) == call_id;
    if (current && !stopping_) {
      again = resubscribe_after(notify);
      retries = now() - sub.started < kShortLived ? sub.retries + 1 : 0;
      if (!again && cache_.find(impu, now())) summary += ", not subscribed again (RFC 6665 §4.1.3)";
    }
    drop_subscription(call_id);
  }
  log_.log(runtime::LogLevel::info, "reg event: NOTIFY " + impu + ": " + summary, call_id);
  if (again) resubscribe(impu, *again, retries, "ended by the S-CSCF");
  update_gauges();
  return 200;
}

void PcscfService::subscribe(const Registration& reg, unsigned retries) {
  if (!originator_) {
    log_.warning("reg event: no SUBSCRIBE for " + reg.impu + ": the SIP stack is not attached");
    return;
  }
  if (stopping_) return;
  if (const auto p = pending_subscribe_.find(reg.impu); p != pending_subscribe_.end()) {
    if (timers_) timers_->cancel(p->second.timer);
    pending_subscribe_.erase(p);
  }
  Subscription sub;
  sub.started = now();
  sub.retries = retries;
  sub.state.impu = reg.impu;
  const std::string host = options_.own_hosts.empty() ? std::string("pcscf") : options_.own_hosts.front();
  sub.state.call_id = random_hex(24) + "@" + host;
  sub.state.from_tag = random_hex(12);
  sub.state.route_set = reg.service_route;
  const auto call_id = sub.state.call_id;
  subscriptions_.emplace(call_id, std::move(sub));
  subscription_of_[reg.impu] = call_id;
  update_gauges();
  send_subscribe(call_id);
}

void PcscfService::send_subscribe(const std::string& call_id) {
  auto it = subscriptions_.find(call_id);
  if (it == subscriptions_.end()) return;
  auto& sub = it->second.state;
  const bool refresh = sub.established();
  const std::string impu = sub.impu;
  auto request = make_reg_subscribe(sub, options_.pcscf_uri, options_.reg_subscribe_expires);
  log_.log(runtime::LogLevel::info,
           "reg event: SUBSCRIBE " + impu + (refresh ? " (refresh)" : "") + ", expires " +
               std::to_string(options_.reg_subscribe_expires),
           call_id);
  std::weak_ptr<int> alive = alive_;
  const bool sent = originator_->originate(std::move(request), std::nullopt,
                                           [this, alive, call_id](const sip::Message& response) {
                                             if (alive.expired()) return;
                                             on_subscribe_response(call_id, response);
                                           });
  if (!sent) {
    log_.log(runtime::LogLevel::warning, "reg event: SUBSCRIBE " + impu + ": cannot be sent (no route)", call_id);
    const unsigned retries = it->second.retries + 1;
    drop_subscription(call_id);
    resubscribe(impu, std::chrono::seconds(0), retries, "could not be sent");
  }
}

void PcscfService::on_subscribe_response(const std::string& call_id, const sip::Message& response) {
  auto it = subscriptions_.find(call_id);
  if (it == subscriptions_.end() || stopping_) return;
  auto& sub = it->second;
  const std::string impu = sub.state.impu;
  const int status = response.status();
  if (status >= 200 && status < 300) {
    const auto expires = subscribe_accepted(sub.state, response, options_.reg_subscribe_expires);
    if (expires == 0) {
      log_.log(runtime::LogLevel::info, "reg event: SUBSCRIBE " + impu + ": " + std::to_string(status) + ", expires 0",
               call_id);
      drop_subscription(call_id);
      return;
    }
    arm_refresh(call_id, std::chrono::seconds(refresh_after(expires)));
    log_.log(runtime::LogLevel::info,
             "reg event: SUBSCRIBE " + impu + ": " + std::to_string(status) + ", expires " + std::to_string(expires),
             call_id);
    return;
  }
  const bool refresh = sub.state.established() && !sub.state.remote_target.empty();
  const std::string what = "reg event: SUBSCRIBE " + impu + (refresh ? " (refresh)" : "") + ": " +
                           std::to_string(status) + " " + std::string(response.reason());
  if (sub.superseded) {
    log_.log(runtime::LogLevel::info, what + " (a superseded subscription: dropped)", call_id);
    drop_subscription(call_id);
    return;
  }
  const auto wait = retry_after(response).value_or(std::chrono::seconds(0));
  switch (subscribe_failure(status, refresh)) {
    case SubscribeFailure::retry:
      if (refresh) {
        // RFC 6665 §4.1.2.2: the subscription still holds until it expires; refresh again later
        const auto after = std::max(wait, backoff(++sub.retries));
        log_.log(runtime::LogLevel::warning, what + ": refreshed again in " + std::to_string(after.count()) + " s",
                 call_id);
        arm_refresh(call_id, after);
        return;
      } else {
        const unsigned retries = sub.retries + 1;
        log_.log(runtime::LogLevel::warning, what, call_id);
        drop_subscription(call_id);
        resubscribe(impu, wait, retries, "the SUBSCRIBE failed");
        return;
      }
    case SubscribeFailure::resubscribe: {
      // the S-CSCF no longer knows it (481, or a restart): start afresh
      const unsigned retries = now() - sub.started < kShortLived ? sub.retries + 1 : 0;
      log_.log(runtime::LogLevel::warning, what, call_id);
      drop_subscription(call_id);
      resubscribe(impu, std::chrono::seconds(0), retries, "its refresh was refused");
      return;
    }
    case SubscribeFailure::give_up:
      log_.log(runtime::LogLevel::warning,
               what + ": not subscribed (network-initiated deregistration of " + impu + " will not be heard of)",
               call_id);
      drop_subscription(call_id);
      return;
  }
}

void PcscfService::arm_refresh(const std::string& call_id, std::chrono::seconds after) {
  auto it = subscriptions_.find(call_id);
  if (it == subscriptions_.end() || !timers_) return;
  auto& sub = it->second;
  if (sub.refresh) timers_->cancel(*sub.refresh);
  sub.refresh = timers_->schedule_after(after, [this, call_id] {
    auto s = subscriptions_.find(call_id);
    if (s == subscriptions_.end()) return;
    s->second.refresh.reset();
    if (s->second.superseded || !cache_.find(s->second.state.impu, now())) {
      log_.log(runtime::LogLevel::info,
               "reg event: " + s->second.state.impu + " no longer registered: subscription not refreshed", call_id);
      drop_subscription(call_id);
      return;
    }
    send_subscribe(call_id);
  });
}

void PcscfService::resubscribe(const std::string& impu, std::chrono::seconds wanted, unsigned retries,
                               std::string_view why) {
  if (stopping_) return;
  const auto* reg = cache_.find(impu, now());
  if (!reg) return;  // nothing left to hear of
  if (subscription_of_.contains(impu)) return;
  const auto after = std::max(wanted, backoff(retries));
  const std::string what = "reg event: subscription to " + impu + " " + std::string(why) + ": subscribing again";
  if (after.count() == 0 || !timers_) {
    log_.info(what);
    subscribe(*reg, retries);
    return;
  }
  log_.info(what + " in " + std::to_string(after.count()) + " s");
  if (const auto p = pending_subscribe_.find(impu); p != pending_subscribe_.end()) timers_->cancel(p->second.timer);
  const auto timer = timers_->schedule_after(after, [this, impu] {
    const auto p = pending_subscribe_.find(impu);
    if (p == pending_subscribe_.end()) return;
    const unsigned n = p->second.retries;
    pending_subscribe_.erase(p);
    if (subscription_of_.contains(impu)) return;
    if (const auto* r = cache_.find(impu, now())) subscribe(*r, n);
  });
  pending_subscribe_[impu] = PendingSubscribe{timer, retries};
}

void PcscfService::unsubscribe_all(std::chrono::milliseconds limit, std::function<void()> done) {
  stopping_ = true;
  if (timers_) {
    for (auto& [impu, pending] : pending_subscribe_) timers_->cancel(pending.timer);
  }
  pending_subscribe_.clear();
  // `done` once: when the last answer came or at the limit
  struct Pending {
    std::size_t left = 0;
    std::function<void()> done;
    std::optional<runtime::TimerQueue::TimerId> limit;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  const auto finish = [this, pending](bool timed_out) {
    if (!pending->done) return;
    if (timed_out && pending->left > 0) {
      log_.warning("reg event: " + std::to_string(pending->left) + " unsubscribe(s) unanswered at shutdown");
    }
    if (!timed_out && pending->limit && timers_) timers_->cancel(*pending->limit);
    auto d = std::move(pending->done);
    pending->done = nullptr;
    d();
  };
  for (auto& [call_id, sub] : subscriptions_) {
    if (sub.refresh && timers_) timers_->cancel(*sub.refresh);
    sub.refresh.reset();
  }
  if (originator_) {
    for (auto& [call_id, sub] : subscriptions_) {
      if (!sub.state.established() || sub.state.remote_target.empty()) continue;  // not confirmed yet
      auto request = make_reg_subscribe(sub.state, options_.pcscf_uri, 0);
      std::weak_ptr<int> alive = alive_;
      const std::string impu = sub.state.impu;
      ++pending->left;
      const bool ok = originator_->originate(
          std::move(request), std::nullopt, [this, alive, pending, finish, call_id, impu](const sip::Message& r) {
            if (alive.expired()) return;
            log_.log(runtime::LogLevel::info,
                     "reg event: unsubscribed from " + impu + " at shutdown: " + std::to_string(r.status()), call_id);
            if (pending->left > 0 && --pending->left == 0) finish(false);
          });
      if (!ok) --pending->left;
    }
  }
  log_.info("reg event: shutting down: " + std::to_string(pending->left) + " subscription(s) ended with Expires: 0");
  if (pending->left == 0 || !timers_) return finish(false);
  std::weak_ptr<int> alive = alive_;
  pending->limit = timers_->schedule_after(limit, [alive, finish] {
    if (!alive.expired()) finish(true);
  });
}

void PcscfService::drop_subscription(const std::string& call_id) {
  const auto it = subscriptions_.find(call_id);
  if (it == subscriptions_.end()) return;
  if (it->second.refresh && timers_) timers_->cancel(*it->second.refresh);
  const auto of = subscription_of_.find(it->second.state.impu);
  if (of != subscription_of_.end() && of->second == call_id) subscription_of_.erase(of);
  subscriptions_.erase(it);
  update_gauges();
}

void PcscfService::arm_expiry() {
  if (!timers_) return;
  const auto next = cache_.next_expiry();
  if (!next) return;
  if (expiry_timer_ && expiry_at_ <= *next) return;
  if (expiry_timer_) timers_->cancel(*expiry_timer_);
  expiry_at_ = *next;
  const auto delay = std::max(std::chrono::microseconds(0),
                              std::chrono::duration_cast<std::chrono::microseconds>(*next - now()));
  expiry_timer_ = timers_->schedule_after(delay, [this] {
    expiry_timer_.reset();
    on_expiry();
  });
}

void PcscfService::on_expiry() {
  for (const auto& [impu, contact] : cache_.expire(now())) {
    log_.info("registration " + impu + ": " + contact + " expired");
    contact_ended(contact, "Registration expired");
  }
  arm_expiry();
  update_gauges();
}

}  // namespace imsbox::pcscf
