#include "scscf/scscf_service.h"

#include <algorithm>
#include <cctype>
#include <boost/algorithm/string/predicate.hpp>
#include <optional>
#include <set>
#include <type_traits>
#include <utility>

#include "ims/identity.h"
#include "ims/subscription.h"
#include "ims/trust_domain.h"
#include "runtime/log.h"
#include "scscf/ifc.h"
#include "scscf/session.h"
#include "sip/header_values.h"
#include "sip/proxy/asking_tsx.h"
#include "sip/response.h"
#include "sip/uri.h"

namespace imsbox::scscf {

namespace {

using diameter::CxError;
using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

// One batch of a store's changes: the records `find` still has (by key) are
// saved, the others erased, in one write; a failure is logged.
template <typename Store, typename Find>
void write_changes(Store& store, const std::set<std::string>& keys, const runtime::Clock& clock, runtime::Logger& log,
                   std::string_view what, Find find) {
  if (keys.empty()) return;
  std::vector<std::remove_cvref_t<decltype(*find(*keys.begin()))>> saved;
  std::vector<std::string> erased;
  for (const auto& key : keys) {
    if (const auto* record = find(key)) {
      saved.push_back(*record);
    } else {
      erased.push_back(key);
    }
  }
  try {
    store.write(saved, erased, clock.now(), clock.wall_now());
  } catch (const std::exception& e) {
    log.error("storing " + std::to_string(keys.size()) + " " + std::string(what) + " change(s) failed: " + e.what());
  }
}

std::string cx_error_text(const CxError& e) { return std::string(diameter::to_string(e.kind)); }

// The answer to the UE when the HSS could not be asked or did not answer
// (TS 24.229 §5.4.1.2: no registration; a timely 5xx so that the UE retries).
std::pair<int, std::string> hss_failure(const CxError& e) {
  if (e.kind == CxError::Kind::timeout) return {504, "Server Time-out (HSS)"};
  return {500, "Server Internal Error (HSS unreachable)"};
}

// The body of a third-party REGISTER (TS 24.229 §5.4.1.7): the AS's
// service information (application/3gpp-ims+xml), the UE's REGISTER and our
// 200 OK (message/sip) as its iFC asks; several in a multipart/mixed (RFC
// 2046). Body and Content-Type, or nothing.
std::optional<std::pair<std::string, std::string>> third_party_body(const ims::ApplicationServer& as,
                                                                    const sip::Message* request,
                                                                    const sip::Message* response) {
  std::vector<std::pair<std::string, std::string>> parts;  // (body, type)
  if (as.service_info) {
    std::string info;
    for (const char ch : *as.service_info) {
      info += ch == '&' ? std::string("&amp;") : ch == '<' ? std::string("&lt;") : ch == '>' ? std::string("&gt;") : std::string(1, ch);
    }
    parts.emplace_back("<ims-3gpp version=\"1\"><service-info>" + info + "</service-info></ims-3gpp>",
                       "application/3gpp-ims+xml");
  }
  if (as.include_register_request && request) parts.emplace_back(request->serialize(), "message/sip");
  if (as.include_register_response && response) parts.emplace_back(response->serialize(), "message/sip");
  if (parts.empty()) return std::nullopt;
  if (parts.size() == 1) return parts.front();
  constexpr std::string_view kBoundary = "imsbox-third-party-register";
  std::string body;
  for (const auto& [text, type] : parts) {
    body += "--" + std::string(kBoundary) + "\r\nContent-Type: " + type + "\r\n\r\n" + text + "\r\n";
  }
  body += "--" + std::string(kBoundary) + "--\r\n";
  return std::pair{std::move(body), "multipart/mixed;boundary=" + std::string(kBoundary)};
}

std::string result_text(const diameter::Result& r) {
  return (r.experimental ? "experimental result " : "result ") + std::to_string(r.code);
}

std::string service_route(std::string_view own_uri) {
  std::string uri(own_uri);
  const auto colon = uri.find(':');
  if (colon != std::string::npos && uri.find('@') == std::string::npos) uri.insert(colon + 1, "orig@");
  return "<" + uri + ";lr>";
}

// host[:port] of a URI, lower-case; empty when it does not parse.
std::string host_port(std::string_view uri) {
  const auto parsed = sip::parse_uri(uri);
  if (!parsed.uri || parsed.uri->scheme == sip::Uri::Scheme::tel) return {};
  std::string out(parsed.uri->host);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (parsed.uri->port) out += ":" + std::to_string(*parsed.uri->port);
  return out;
}

// Who may watch a registration (TS 24.229 §5.4.2.1.1): the user (an
// identity of the implicit set asserted by its P-CSCF, or in From), or the
// P-CSCF on the path of one of its contacts.
bool may_subscribe(const sip::Message& request, const Registration& reg) {
  std::vector<std::string> who;
  for (const auto& f : request.headers()) {
    if (f.id != sip::HeaderId::p_asserted_identity) continue;
    const auto list = sip::parse_name_addr_list(f.value);
    if (list) {
      for (const auto& na : list.value) who.emplace_back(na.uri);
    }
  }
  if (who.empty()) who.emplace_back(request.from().uri);
  for (const auto& w : who) {
    const auto identity = ims::public_identity(w);
    if (identity && std::find(reg.identities.begin(), reg.identities.end(), *identity) != reg.identities.end()) {
      return true;
    }
    const auto hp = host_port(w);
    if (hp.empty()) continue;
    for (const auto& b : reg.bindings) {
      if (b.path.empty()) continue;
      const auto first = sip::parse_name_addr(b.path.front());
      if (first && host_port(first.value.uri) == hp) return true;
    }
  }
  return false;
}

using sip::proxy::AskingTsx;

class ScscfTsx final : public AskingTsx {
 public:
  explicit ScscfTsx(ScscfService& service) : service_(service) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    helper_ = &helper;
    const auto& request = helper.request();
    if (request.method() == "REGISTER") return on_register();
    return on_subscribe();
  }

 private:
  // ---------------- REGISTER ----------------
  Verdict on_register() {
    const auto& request = helper_->request();
    const auto& o = service_.options();
    auto impu = ims::register_impu(request);
    auto impi = ims::register_impi(request, o.domain);
    if (!impu) return answer(400, "Bad Request (no public identity in To)", "no IMPU");
    impu_ = *impu;
    what_ = "REGISTER " + impu_;
    if (!impi) return answer(403, "Forbidden", "no private identity");
    impi_ = *impi;
    what_ += " (" + impi_ + ")";
    auto parsed = parse_register(request, o.min_expires, o.max_expires);
    if (!parsed.request) {
      if (parsed.status == 423) {
        auto r = response(423, parsed.reason);
        r.append(sip::HeaderId::min_expires, std::to_string(o.min_expires));
        return send(std::move(r), "expiry below " + std::to_string(o.min_expires) + " s");
      }
      return answer(parsed.status, parsed.reason, "malformed");
    }
    register_ = std::move(*parsed.request);
    const auto now = service_.now();
    if (service_.auth().blocked(impi_, now)) {
      return answer(403, "Forbidden", "blocked after too many failed authentications");
    }
    credentials_ = find_credentials(request, o.domain);
    if (!credentials_ || credentials_->nonce.empty()) return ask_vectors({}, "");
    if (credentials_->auts) return resynchronise();
    const auto outcome = service_.auth().verify(impi_, *credentials_, "REGISTER", now);
    switch (outcome.verdict) {
      case Authenticator::Verdict::ok:
        scheme_ = std::string(algorithm_name(*outcome.scheme));
        return registered();
      case Authenticator::Verdict::stale:
        return ask_vectors({}, "a nonce not (or no longer) ours; ");
      case Authenticator::Verdict::blocked:
        return answer(403, "Forbidden", "blocked after too many failed authentications");
      case Authenticator::Verdict::wrong:
        break;
    }
    const unsigned failures = service_.auth().failures(impi_);
    if (service_.auth().blocked(impi_, now)) {
      return answer(403, "Forbidden", "wrong response (" + std::to_string(o.max_auth_failures) +
                                          " failures): blocked for " + std::to_string(o.auth_block.count()) + " s");
    }
    const bool aka = *outcome.scheme == Scheme::akav1_md5 || *outcome.scheme == Scheme::akav2_md5;
    if (!aka) {
      // A password client answers a new challenge with the same wrong
      // password: refuse now (the failure is counted all the same).
      return answer(403, "Forbidden", "wrong digest response (failure " + std::to_string(failures) + ")");
    }
    return ask_vectors({}, "wrong response (failure " + std::to_string(failures) + "); ");
  }

  Verdict resynchronise() {
    const auto now = service_.now();
    auto rand = service_.auth().take_rand(impi_, credentials_->nonce, now);
    auto auts = base64_decode(*credentials_->auts);
    if (!rand || !auts || auts->size() != 14) {
      // Not our nonce, or garbage: a plain new challenge.
      return ask_vectors({}, "unusable auts; ");
    }
    rand->insert(rand->end(), auts->begin(), auts->end());
    return ask_vectors(runtime::SecretBytes(std::move(*rand)), "resynchronisation; ");
  }

  Verdict ask_vectors(runtime::SecretBytes resync, std::string note) {
    diameter::MultimediaAuthRequest mar;
    mar.user_name = impi_;
    mar.public_identity = impu_;
    mar.server_name = service_.options().server_name;
    const std::string algorithm = credentials_ ? credentials_->algorithm : std::string();
    mar.auth_data_item.authentication_scheme = cx_scheme_for(algorithm);
    if (!resync.empty() && mar.auth_data_item.authentication_scheme == "Unknown") {
      mar.auth_data_item.authentication_scheme = "Digest-AKAv1-MD5";
    }
    mar.auth_data_item.sip_authorization = std::move(resync);
    // Password subscribers get MD5 and, from a second item, SHA-256 (RFC
    // 8760): ask for two unless the client named an AKA scheme. For a SIM
    // subscriber asked with "Unknown" the second vector is left unused.
    const auto& scheme = mar.auth_data_item.authentication_scheme;
    mar.number_auth_items = scheme == "SIP Digest" || scheme == "Unknown" ? 2 : 1;
    note_ = std::move(note);
    std::weak_ptr<int> alive = alive_;
    return ask(*helper_, [&](auto conclude) {
      service_.cx().multimedia_auth(std::move(mar), [this, alive, conclude](auto answer) {
        if (alive.expired()) return;
        conclude([this, answer = std::move(answer)]() { return on_maa(answer); });
      });
    });
  }

  Verdict on_maa(const diameter::AnswerOrError<diameter::MultimediaAuthAnswer>& answer) {
    if (const auto* e = std::get_if<CxError>(&answer)) {
      const auto [status, reason] = hss_failure(*e);
      return this->answer(status, reason, note_ + "MAR failed: " + cx_error_text(*e));
    }
    const auto& maa = std::get<diameter::MultimediaAuthAnswer>(answer);
    if (!maa.header.result.is_success()) {
      // Unknown users, identities that do not match, a failed
      // resynchronisation: all the same 403 at the edge.
      return this->answer(403, "Forbidden", note_ + "MAA " + result_text(maa.header.result));
    }
    std::string offered;
    const auto challenges =
        service_.auth().challenge(impi_, impu_, maa.auth_data_items, service_.now(), &offered);
    if (challenges.empty()) return this->answer(403, "Forbidden", note_ + "no usable authentication vector");
    auto r = response(401, "Unauthorized");
    for (const auto& c : challenges) r.append(sip::HeaderId::www_authenticate, c);
    return send(std::move(r), note_ + "401 " + offered);
  }

  // Authenticated: Cx SAR, then bind.
  Verdict registered() {
    const auto now = service_.now();
    auto& registrar = service_.mutable_registrar();
    const auto check = registrar.check(impu_, register_, now);
    if (!check.kind) return answer(500, "Server Internal Error (" + check.error + ")", check.error);
    kind_ = *check.kind;
    if (kind_ == Registrar::Kind::fetch_unregistered) {
      service_.auth().reset(impi_);
      return ok(nullptr);
    }
    diameter::ServerAssignmentRequest sar;
    sar.user_name = impi_;
    const auto* existing = registrar.find(impu_);
    sar.public_identities = {existing ? existing->impu : impu_};
    sar.server_name = service_.options().server_name;
    switch (kind_) {
      case Registrar::Kind::initial:
        sar.server_assignment_type = diameter::ServerAssignmentType::registration;
        break;
      case Registrar::Kind::refresh:
        sar.server_assignment_type = diameter::ServerAssignmentType::re_registration;
        break;
      default:
        sar.server_assignment_type = diameter::ServerAssignmentType::user_deregistration;
        sar.user_data_already_available = diameter::UserDataAlreadyAvailable::user_data_already_available;
        break;
    }
    std::weak_ptr<int> alive = alive_;
    return ask(*helper_, [&](auto conclude) {
      service_.cx().server_assignment(std::move(sar), [this, alive, conclude](auto answer) {
        if (alive.expired()) return;
        conclude([this, answer = std::move(answer)]() { return on_saa(answer); });
      });
    });
  }

  Verdict on_saa(const diameter::AnswerOrError<diameter::ServerAssignmentAnswer>& answer) {
    if (const auto* e = std::get_if<CxError>(&answer)) {
      const auto [status, reason] = hss_failure(*e);
      return this->answer(status, reason, "SAR failed: " + cx_error_text(*e));
    }
    const auto& saa = std::get<diameter::ServerAssignmentAnswer>(answer);
    if (!saa.header.result.is_success()) {
      const bool refused = saa.header.result.experimental;
      return this->answer(refused ? 403 : 500, refused ? "Forbidden" : "Server Internal Error",
                          "SAA " + result_text(saa.header.result));
    }
    std::optional<ims::ImsSubscription> profile;
    if (!saa.user_data.empty()) {
      profile = ims::parse_ims_subscription(saa.user_data);
      if (!profile) return this->answer(500, "Server Internal Error", "SAA with User-Data that does not parse");
    }
    auto& registrar = service_.mutable_registrar();
    service_.auth().reset(impi_);
    const auto now = service_.now();
    if (kind_ == Registrar::Kind::deregistration) {
      auto before = registrar.find(impu_) ? std::optional<Registration>(*registrar.find(impu_)) : std::nullopt;
      registrar.apply(impu_, impi_, register_, std::move(profile), now);
      // The UE's final NOTIFY before the 200 OK: it reaches the P-CSCF
      // directly, ahead of the 200 (one more hop, through the I-CSCF), while
      // the P-CSCF still knows the way to the UE (registration_ended()).
      if (before) {
        service_.forget(before->impu);
        service_.registration_ended(*before, "unregistered");
      }
      service_.rearm_expiry();
      const auto verdict = ok(nullptr);
      if (before) {
        service_.third_party_register(*before, ims::RegistrationType::de_registration, &helper_->request(),
                                      ok_ ? &*ok_ : nullptr, 0);
      }
      return verdict;
    }
    const auto* reg = registrar.apply(impu_, impi_, register_, std::move(profile), now);
    if (reg == nullptr) return ok(nullptr);
    const std::string key = reg->impu;
    service_.persist(key);
    const auto verdict = ok(reg);
    service_.registration_changed(key, kind_ == Registrar::Kind::initial ? "registered" : "refreshed");
    if (const auto* now_reg = registrar.find(key)) {
      std::uint32_t expires = 0;
      for (const auto& b : now_reg->bindings) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(b.expires_at - now).count();
        expires = std::max<std::uint32_t>(expires, static_cast<std::uint32_t>(std::max<long long>(0, left)));
      }
      service_.third_party_register(*now_reg,
                                    kind_ == Registrar::Kind::initial ? ims::RegistrationType::initial
                                                                      : ims::RegistrationType::re_registration,
                                    &helper_->request(), ok_ ? &*ok_ : nullptr, expires);
    }
    return verdict;
  }

  Verdict ok(const Registration* reg) {
    auto r = response(200, "OK");
    const auto now = service_.now();
    std::size_t n = 0;
    if (reg) {
      for (const auto& b : reg->bindings) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(b.expires_at - now).count();
        r.append(sip::HeaderId::contact, b.contact + ";expires=" + std::to_string(left > 0 ? left : 0));
        ++n;
      }
    }
    for (const auto& p : register_.path) r.append(sip::HeaderId::path, p);
    if (reg) {
      r.append(sip::HeaderId::service_route, service_route(service_.options().own_uri));
      std::string pau;
      for (const auto& i : reg->identities) pau += (pau.empty() ? "<" : ", <") + i + ">";
      if (!pau.empty()) r.append(sip::HeaderId::p_associated_uri, pau);
    }
    ok_ = r.clone();  // for the third-party REGISTERs that include it
    return send(std::move(r), "200 OK, " + std::to_string(n) + " contact(s)" +
                                  (scheme_.empty() ? std::string() : " (" + scheme_ + ")"));
  }

  // ---------------- SUBSCRIBE (reg event) ----------------
  Verdict on_subscribe() {
    const auto& request = helper_->request();
    what_ = "SUBSCRIBE " + std::string(request.request_uri());
    const auto* event = request.find(sip::HeaderId::event);
    const auto parsed_event = event ? sip::parse_value_with_params(event->value) : sip::Parsed<sip::ValueWithParams>{};
    if (!event || !parsed_event || !boost::algorithm::iequals(parsed_event.value.value, "reg")) {
      auto r = response(489, "Bad Event");
      r.append(sip::HeaderId::allow_events, "reg");
      return send(std::move(r), "not the reg event");
    }
    const auto& o = service_.options();
    std::uint32_t expires = o.max_subscription_expires;
    if (const auto* e = request.find(sip::HeaderId::expires)) {
      const auto n = sip::parse_number(e->value, 0xffffffffu);
      if (!n) return answer(400, "Bad Request (Expires)", "malformed Expires");
      expires = static_cast<std::uint32_t>(std::min<std::uint64_t>(n.value, o.max_subscription_expires));
    }
    const auto now = service_.now();
    const auto to_tag = std::string(request.to().tag());
    if (!to_tag.empty()) {
      // A refresh or an unsubscribe in an existing dialog.
      auto* s = service_.find_subscription(std::string(request.call_id()), to_tag);
      if (!s) return answer(481, "Subscription Does Not Exist", "no such subscription");
      s->expires_at = now + std::chrono::seconds(expires);
      const auto id = s->call_id + ";" + s->local_tag;
      auto r = sip::make_response(request, 200, "OK");
      r.append(sip::HeaderId::contact, "<" + o.own_uri + ">");
      r.append(sip::HeaderId::expires, std::to_string(expires));
      const auto verdict = send(std::move(r), expires == 0 ? "200 OK, unsubscribed" : "200 OK, refreshed");
      service_.notify(id, expires == 0, "timeout");
      return verdict;
    }
    const auto identity = ims::public_identity(request.request_uri());
    const auto* reg = identity ? service_.registrar().find(*identity) : nullptr;
    if (!reg) return answer(403, "Forbidden", "not a registered identity");
    if (!may_subscribe(request, *reg)) {
      return answer(403, "Forbidden", "the subscriber is neither the user nor its P-CSCF");
    }
    const auto* contact = request.find(sip::HeaderId::contact);
    const auto target = contact ? sip::parse_name_addr_list(contact->value) : sip::Parsed<std::vector<sip::NameAddr>>{};
    if (!contact || !target || target.value.empty()) return answer(400, "Bad Request (Contact)", "no Contact");
    RegSubscription s;
    s.key = reg->impu;
    s.call_id = std::string(request.call_id());
    s.local_tag = service_.new_tag();
    s.local_uri = std::string(request.to().uri);
    s.remote = std::string(request.find(sip::HeaderId::from)->value);
    s.remote_target = std::string(target.value.front().uri);
    for (const auto& field : request.headers()) {
      if (field.id != sip::HeaderId::record_route) continue;
      const auto list = sip::split_list(field.value);
      if (!list) continue;
      for (const auto v : list.value) s.route_set.emplace_back(v);
    }
    const auto from = ims::public_identity(request.from().uri);
    s.by_user = from && std::find(reg->identities.begin(), reg->identities.end(), *from) != reg->identities.end();
    const auto* pai = request.find(sip::HeaderId::p_asserted_identity);
    s.subscriber = pai ? std::string(pai->value) : std::string(request.from().uri);
    s.expires_at = now + std::chrono::seconds(expires);
    const auto local_tag = s.local_tag;
    const auto who = s.subscriber;
    const auto id = service_.add_subscription(std::move(s));
    auto r = sip::make_response(request, 200, "OK", local_tag);
    r.append(sip::HeaderId::contact, "<" + o.own_uri + ">");
    r.append(sip::HeaderId::expires, std::to_string(expires));
    const auto verdict = send(std::move(r), "200 OK, subscribed by " + who + " for " + std::to_string(expires) + " s");
    service_.notify(id, expires == 0, "timeout");
    return verdict;
  }

  // ---------------- helpers ----------------
  sip::Message response(int status, std::string_view reason) {
    if (to_tag_.empty()) to_tag_ = service_.new_tag();
    return sip::make_response(helper_->request(), status, reason, to_tag_);
  }

  Verdict send(sip::Message r, const std::string& text) {
    log(text);
    helper_->respond(std::move(r));
    return Verdict::done;
  }

  Verdict answer(int status, const std::string& reason, const std::string& why) {
    return send(response(status, reason), std::to_string(status) + " " + reason + " (" + why + ")");
  }

  void log(const std::string& text) {
    service_.log().log(runtime::LogLevel::info, what_ + ": " + text, helper_->request().call_id());
  }

  ScscfService& service_;
  ProxyTsxHelper* helper_ = nullptr;
  std::string what_;
  std::string impu_, impi_, to_tag_, note_, scheme_;
  RegisterRequest register_;
  std::optional<DigestCredentials> credentials_;
  std::optional<sip::Message> ok_;  // the 200 OK sent
  Registrar::Kind kind_ = Registrar::Kind::initial;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// An initial request other than REGISTER and the reg event (session.h):
// first the served user's iFCs (each matching AS in turn, the request coming
// back with the ODI token of its Route), then the route on. An unregistered
// callee's profile comes from the HSS first (SAR UNREGISTERED_USER), for the
// iFCs of its unregistered part (TS 24.229 §5.4.3.3, TS 29.228 §6.1.2).
class SessionTsx final : public AskingTsx {
 public:
  // `back`: the request returns from an AS with that ODI (else a fresh one).
  // `on_behalf`: an AS originates for a user (originating_on_behalf()).
  SessionTsx(ScscfService& service, SessionCase session_case, bool on_behalf, std::optional<OdiState> back)
      : service_(service), case_(session_case), on_behalf_(on_behalf), back_(std::move(back)) {
    if (back_) {
      case_ = back_->session_case;
      unregistered_profile_ = back_->unregistered_profile;
    }
  }

  Verdict on_request(ProxyTsxHelper& helper) override {
    auto& request = helper.request();
    what_ = std::string(request.method()) + " " + std::string(request.request_uri()) + ": ";
    invite_ = request.method() == "INVITE";
    if (invite_) {
      call_id_ = std::string(request.call_id());
      service_.calls().invite(request, service_.wall_now());  // once per Call-ID
    }
    if (back_) return onward(helper, back_->served_identity, back_->next_ifc);
    // a fresh request: its served user must be one of ours, registered, or
    // a callee with services while unregistered
    auto check = route(request);
    const auto served = case_ == SessionCase::originating ? originating_identity(request).value_or("")
                                                          : ims::public_identity(request.request_uri()).value_or("");
    if (check.status == 480 && case_ == SessionCase::terminating && !served.empty()) return unregistered(helper, served);
    if (check.status == 403 && on_behalf_ && !served.empty()) return unregistered(helper, served);
    if (check.status != 0) return refuse(helper, check);
    return onward(helper, served, 0);
  }

  // The final response from downstream (our own refusals are recorded in refuse()).
  void on_response(ProxyTsxHelper&, sip::Message& response) override {
    if (response.status() < 200) return;
    if (!odi_.empty()) service_.odis().forget(odi_);
    if (!invite_) return;
    service_.calls().final_response(call_id_, response.status(), service_.wall_now());
    service_.call_record_changed();
  }

  void on_cancel(ProxyTsxHelper&) override {
    if (!invite_) return;
    service_.calls().cancelled(call_id_, service_.wall_now());
    service_.call_record_changed();
  }

 private:
  const char* side() const {
    switch (case_) {
      case SessionCase::originating: return "originating";
      case SessionCase::terminating: return "terminating";
      case SessionCase::originating_cdiv: return "originating after diversion";
    }
    return "";
  }

  // RFC 5502 (RFC 8498 for orig-cdiv): whom the AS serves, in which case.
  std::string p_served_user(const std::string& served) const {
    std::string value = "<" + served + ">";
    switch (case_) {
      case SessionCase::originating: value += ";sescase=orig"; break;
      case SessionCase::terminating: value += ";sescase=term"; break;
      case SessionCase::originating_cdiv: value += ";orig-cdiv"; break;
    }
    return value + (unregistered_profile_ ? ";regstate=unreg" : ";regstate=reg");
  }

  // The session case of the iFCs (TS 29.228 Annex B) that apply now.
  ims::SessionCase ifc_session_case() const {
    switch (case_) {
      case SessionCase::originating:
        return unregistered_profile_ ? ims::SessionCase::originating_unregistered : ims::SessionCase::originating;
      case SessionCase::terminating:
        return unregistered_profile_ ? ims::SessionCase::terminating_unregistered
                                     : ims::SessionCase::terminating_registered;
      case SessionCase::originating_cdiv:
        break;
    }
    return ims::SessionCase::originating_cdiv;
  }

  // To the next matching AS from iFC position `from`, else on.
  Verdict onward(ProxyTsxHelper& helper, const std::string& served, std::size_t from) {
    auto& request = helper.request();
    const auto& o = service_.options();
    // ours to set for an AS, never to pass on (TS 24.229 §5.4.3.2, §5.4.3.3)
    request.remove_all(sip::HeaderId::p_served_user);
    if (back_ && case_ == SessionCase::terminating && ims::public_identity(request.request_uri()) != served) {
      // an AS retargeted the call (e.g. call forwarding): no more terminating
      // services; the diverting user's originating-after-diversion ones
      service_.log().log(runtime::LogLevel::info,
                         what_ + "terminating for " + served + " retargeted by an application server", request.call_id());
      case_ = SessionCase::originating_cdiv;
      from = 0;
    }
    if (auto as = next_application_server_for(request, served, from)) {
      const auto token = service_.new_tag();
      service_.odis().put(token, OdiState{case_, served, as->position + 1, unregistered_profile_}, service_.now());
      odi_ = token;
      const auto& back_to = o.isc_or_own_uri();
      const auto routes = application_server_routes(as->server.server_name, back_to, token);
      request.append(sip::HeaderId::p_served_user, p_served_user(served));
      const bool continued = as->server.default_handling == ims::DefaultHandling::session_continued;
      sip::proxy::Target to_as;
      to_as.routes = routes;
      to_as.first_response_timeout = o.as_timeout;
      to_as.fallback_only_if_unanswered = continued;
      helper.add_target(std::move(to_as));
      if (continued) {
        // AS silent: on as if it had sent the request back (through ourselves)
        sip::proxy::Target skip;
        skip.routes = {routes.back()};
        helper.add_target(std::move(skip));
      }
      service_.log().log(runtime::LogLevel::info,
                         what_ + side() + (unregistered_profile_ ? " (unregistered)" : "") + " for " + served +
                             ": iFC " + std::to_string(as->position) + " to " + as->server.server_name +
                             (continued ? " (session continued without it)" : ""),
                         request.call_id());
      helper.record_route();
      return Verdict::next;
    }
    auto next = case_ == SessionCase::originating_cdiv ? diverted(request, served) : route(request);
    if (next.status != 0) return refuse(helper, next);
    service_.log().log(runtime::LogLevel::info, what_ + next.summary, request.call_id());
    for (auto& t : next.targets) helper.add_target(std::move(t));
    helper.record_route();
    return Verdict::next;
  }

  // A callee not registered here: its profile for unregistered services.
  Verdict unregistered(ProxyTsxHelper& helper, const std::string& served) {
    diameter::ServerAssignmentRequest sar;
    sar.public_identities = {served};
    sar.server_name = service_.options().server_name;
    sar.server_assignment_type = diameter::ServerAssignmentType::unregistered_user;
    std::weak_ptr<int> alive = alive_;
    return ask(helper, [&](auto conclude) {
      service_.cx().server_assignment(std::move(sar), [this, alive, conclude, &helper, served](auto answer) {
        if (alive.expired()) return;
        conclude([this, &helper, served, answer = std::move(answer)]() { return on_unregistered(helper, served, answer); });
      });
    });
  }

  Verdict on_unregistered(ProxyTsxHelper& helper, const std::string& served,
                          const diameter::AnswerOrError<diameter::ServerAssignmentAnswer>& answer) {
    SessionRoute r;
    r.summary = std::string(side()) + " for " + served + ": not registered";
    if (const auto* e = std::get_if<CxError>(&answer)) {
      std::tie(r.status, r.reason) = hss_failure(*e);
      r.summary += ", SAR UNREGISTERED_USER failed: " + cx_error_text(*e);
      return refuse(helper, r);
    }
    const auto& saa = std::get<diameter::ServerAssignmentAnswer>(answer);
    auto profile = saa.header.result.is_success() ? ims::parse_ims_subscription(saa.user_data) : std::nullopt;
    if (!profile) {
      // nobody to originate for; a callee to be reached later perhaps
      std::tie(r.status, r.reason) = case_ == SessionCase::originating
                                         ? std::pair<int, std::string>{403, "Forbidden (no services for this user)"}
                                         : std::pair<int, std::string>{480, "Temporarily Unavailable"};
      r.summary += ", no profile (SAA " + result_text(saa.header.result) + ")";
      return refuse(helper, r);
    }
    if (is_barred(*profile, served)) {
      // TS 24.229 §5.4.3.2 / §5.4.3.3 step 1
      std::tie(r.status, r.reason) = case_ == SessionCase::originating
                                         ? std::pair<int, std::string>{403, "Forbidden (barred identity)"}
                                         : std::pair<int, std::string>{404, "Not Found"};
      r.summary += ", a barred identity";
      return refuse(helper, r);
    }
    unregistered_profile_ = std::make_shared<const ims::ImsSubscription>(std::move(*profile));
    return onward(helper, served, 0);
  }

  // Originating or terminating (a diverted request goes by diverted()).
  SessionRoute route(const sip::Message& request) const {
    const auto& o = service_.options();
    return case_ == SessionCase::originating
               ? route_originating(request, service_.registrar(), service_.now(), o.domain, o.icscf_route,
                                   unregistered_profile_ != nullptr)
               : route_terminating(request, service_.registrar(), service_.now());
  }

  // A terminating request whose Request-URI an AS changed, after the
  // originating-after-diversion iFCs: routed on like an originating one
  // (TS 24.229 §5.4.3.3 step 10), home targets by the I-CSCF.
  SessionRoute diverted(const sip::Message& request, const std::string& served) const {
    const auto& o = service_.options();
    SessionRoute out;
    const std::string target(request.request_uri());
    out.summary = "terminating for " + served + " diverted to " + target;
    if (is_home_target(target, o.domain)) {
      sip::proxy::Target t;
      t.routes = {o.icscf_route};
      out.targets.push_back(std::move(t));
      out.summary += ", to the I-CSCF";
    }
    return out;
  }

  std::optional<IfcMatch> next_application_server_for(const sip::Message& request, const std::string& served,
                                                      std::size_t from) const {
    TriggerContext context;
    context.method = std::string(request.method());
    context.request = &request;
    context.session_case = ifc_session_case();
    if (unregistered_profile_) {
      return next_application_server(*unregistered_profile_, served, context, from,
                                     ims::ProfilePartIndicator::unregistered);
    }
    const auto* reg = service_.registrar().find(served);
    if (!reg) return std::nullopt;
    return next_application_server(reg->profile, served, context, from, ims::ProfilePartIndicator::registered);
  }

  Verdict refuse(ProxyTsxHelper& helper, const SessionRoute& r) {
    if (invite_) {
      service_.calls().final_response(call_id_, r.status, service_.wall_now());
      service_.call_record_changed();
    }
    service_.log().log(runtime::LogLevel::info, what_ + r.summary + ": " + std::to_string(r.status),
                       helper.request().call_id());
    helper.respond(r.status, r.reason);
    return Verdict::done;
  }

  ScscfService& service_;
  SessionCase case_;
  bool on_behalf_ = false;
  std::optional<OdiState> back_;
  std::shared_ptr<const ims::ImsSubscription> unregistered_profile_;
  std::string what_;  // "METHOD Request-URI: " for the log
  std::string odi_;  // the token this transaction handed out, forgotten at its final response
  bool invite_ = false;
  std::string call_id_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // SAR callbacks hold a weak_ptr
};

// Answers an initial request at once.
class RefuseTsx final : public sip::proxy::ProxyTsx {
 public:
  RefuseTsx(int status, std::string reason) : status_(status), reason_(std::move(reason)) {}
  Verdict on_request(ProxyTsxHelper& helper) override {
    helper.respond(status_, reason_);
    return Verdict::done;
  }

 private:
  int status_;
  std::string reason_;
};

// A BYE in a dialog we record-routed: the end of its call record; the core
// forwards it along its Route.
class ByeTsx final : public sip::proxy::ProxyTsx {
 public:
  explicit ByeTsx(ScscfService& service) : service_(service) {}
  Verdict on_request(ProxyTsxHelper& helper) override {
    service_.calls().bye(helper.request(), service_.wall_now());
    service_.call_record_changed();
    return Verdict::next;
  }

 private:
  ScscfService& service_;
};

}  // namespace

ScscfService::ScscfService(ScscfOptions options, CxClient cx, runtime::Logger& log, const runtime::Clock& clock,
                           Authenticator::Random random)
    : options_(std::move(options)),
      cx_(std::move(cx)),
      log_(log),
      clock_(clock),
      random_(random),
      auth_(Authenticator::Options{options_.domain, options_.max_auth_failures, options_.auth_block,
                                   std::chrono::seconds(60)},
            std::move(random)) {}

void ScscfService::attach(runtime::TimerQueue& timers, sip::proxy::RequestOriginator& originator) {
  timers_ = &timers;
  originator_ = &originator;
  schedule_call_sweep();
}

void ScscfService::schedule_call_sweep() {
  timers_->schedule_after(std::chrono::duration_cast<std::chrono::microseconds>(kCallSweep), [this] {
    // answered calls after a day, attempts after 10 minutes (an INVITE has 3)
    if (const auto n = calls_.expire(wall_now(), std::chrono::hours(24), std::chrono::minutes(10))) {
      log_.warning(std::to_string(n) + " call record(s) ended as lost: no end seen");
      call_record_changed();
    }
    schedule_call_sweep();
  });
}

std::unique_ptr<sip::proxy::ProxyTsx> ScscfService::on_request(const sip::Message& request, const sip::Peer& source) {
  if (request.method() == "REGISTER") return std::make_unique<ScscfTsx>(*this);
  if (request.method() == "SUBSCRIBE") {
    // The reg event is ours (refreshes too); other packages are sessions of their users.
    const auto* event = request.find(sip::HeaderId::event);
    const bool reg = event && boost::algorithm::istarts_with(event->value, "reg") &&
                     (event->value.size() == 3 || event->value[3] == ';' || event->value[3] == ' ');
    if (reg) return std::make_unique<ScscfTsx>(*this);
  }
  // In a dialog: along the route set we record-routed into.
  if (!request.to().tag().empty()) return request.method() == "BYE" ? std::make_unique<ByeTsx>(*this) : nullptr;
  const auto& isc_uri = options_.isc_or_own_uri();
  std::optional<OdiState> back;
  if (const auto token = odi_of(request, isc_uri)) {
    const auto* state = odis_.find(*token, now());
    if (!state) {
      // not (or no longer) ours to continue: never a way around the iFCs
      log_.log(runtime::LogLevel::warning, "unknown or expired ODI " + *token + " in the Route of " +
                                               std::string(request.method()) + ": 403", request.call_id());
      return std::make_unique<RefuseTsx>(403, "Forbidden (unknown original dialog identifier)");
    }
    back = *state;
  }
  const bool on_behalf = !back && originating_on_behalf(request, {options_.own_uri, isc_uri});
  const auto session = on_behalf ? SessionCase::originating : session_case(request, options_.own_uri);
  if (!back && session == SessionCase::originating && !trusted(source)) {
    // its P-Asserted-Identity would make us act for a user it may not be
    log_.log(runtime::LogLevel::warning, std::string(request.method()) + " " + std::string(request.request_uri()) +
                                             ": originating request from " + sip::to_string(source) +
                                             ", not a trusted node (scscf.trusted_peers): 403",
             request.call_id());
    return std::make_unique<RefuseTsx>(403, "Forbidden (not from a trusted node)");
  }
  return std::make_unique<SessionTsx>(*this, session, on_behalf, std::move(back));
}

bool ScscfService::trusted(const sip::Peer& source) const {
  return ims::in_trust_domain(source.address, options_.trusted_sources);
}

std::size_t ScscfService::restore() {
  if (!store_) return 0;
  std::size_t n = 0;
  try {
    for (auto& r : store_->load(clock_.now(), clock_.wall_now())) {
      registrar_.insert(std::move(r));
      ++n;
    }
  } catch (const std::exception& e) {
    log_.error(std::string("reading the registrations from the store failed: ") + e.what());
  }
  rearm_expiry();
  if (!subscription_store_) return n;
  try {
    std::size_t subs = 0;
    for (auto& s : subscription_store_->load(clock_.now(), clock_.wall_now())) {
      if (!registrar_.find(s.key)) continue;  // its registration is gone: so is the subscription
      const auto id = add_subscription(std::move(s));
      auto& restored = subscriptions_[id];
      if (timers_) {
        const auto delay = std::max(std::chrono::microseconds(0), std::chrono::duration_cast<std::chrono::microseconds>(
                                                                       restored.expires_at - clock_.now()));
        restored.timer = timers_->schedule_after(delay, [this, id] { on_subscription_expiry(id); });
      }
      ++subs;
    }
    if (subs > 0) log_.info(std::to_string(subs) + " reg-event subscription(s) restored");
  } catch (const std::exception& e) {
    log_.error(std::string("reading the reg-event subscriptions from the store failed: ") + e.what());
  }
  return n;
}

void ScscfService::persist_subscription(const std::string& id) {
  if (!subscription_store_) return;
  unsaved_subscriptions_.insert(id);
  schedule_store_flush();
}

void ScscfService::persist(const std::string& key) {
  if (!store_) return;
  unsaved_.insert(key);
  schedule_store_flush();
}

void ScscfService::schedule_store_flush() {
  if (!timers_) return flush_store();
  if (store_timer_ == 0) {
    store_timer_ = timers_->schedule_after(kStoreDelay, [this] {
      store_timer_ = 0;
      flush_store();
    });
  }
}

void ScscfService::flush_store() {
  if (auto records = calls_.take_changed(); call_store_ && !records.empty()) {
    try {
      call_store_->write(records);
    } catch (const std::exception& e) {
      log_.error("storing " + std::to_string(records.size()) + " call record change(s) failed: " + e.what());
    }
  }
  if (subscription_store_) {
    write_changes(*subscription_store_, std::exchange(unsaved_subscriptions_, {}), clock_, log_, "subscription",
                  [this](const std::string& id) -> const RegSubscription* {
                    const auto it = subscriptions_.find(id);
                    return it == subscriptions_.end() ? nullptr : &it->second;
                  });
  }
  if (store_) {
    write_changes(*store_, std::exchange(unsaved_, {}), clock_, log_, "registration",
                  [this](const std::string& key) -> const Registration* {
                    const auto* r = registrar_.find(key);
                    return r && r->impu == key ? r : nullptr;
                  });
  }
}

std::string ScscfService::new_tag() {
  std::uint8_t b[8];
  random_(b, sizeof b);
  return to_hex(std::vector<std::uint8_t>(b, b + sizeof b));
}

void ScscfService::rearm_expiry() {
  if (!timers_) return;
  const auto next = registrar_.next_expiry();
  if (expiry_timer_ != 0 && next == expiry_armed_for_) return;  // most changes leave the earliest expiry alone
  if (expiry_timer_ != 0) timers_->cancel(expiry_timer_);
  expiry_timer_ = 0;
  if (!next) return;
  expiry_armed_for_ = *next;
  const auto delay = std::max(std::chrono::microseconds(0),
                              std::chrono::duration_cast<std::chrono::microseconds>(*next - clock_.now()));
  expiry_timer_ = timers_->schedule_after(delay, [this] {
    expiry_timer_ = 0;
    on_expiry();
  });
}

void ScscfService::on_expiry() {
  const auto now = clock_.now();
  // Registrations losing some contacts but not all: NOTIFY the change.
  std::vector<std::string> changed;
  const auto gone = registrar_.expire(now, &changed);
  for (const auto& key : changed) {
    log_.info("registration of " + key + ": contact(s) expired");
    persist(key);
    registration_changed(key, "expired");
  }
  for (const auto& r : gone) {
    log_.info("registration of " + r.impu + " (" + r.impi + ") expired: SAR TIMEOUT_DEREGISTRATION");
    diameter::ServerAssignmentRequest sar;
    sar.user_name = r.impi;
    sar.public_identities = {r.impu};
    sar.server_name = options_.server_name;
    sar.server_assignment_type = diameter::ServerAssignmentType::timeout_deregistration;
    sar.user_data_already_available = diameter::UserDataAlreadyAvailable::user_data_already_available;
    std::weak_ptr<int> alive = alive_;
    const auto impu = r.impu;
    cx_.server_assignment(std::move(sar), [this, alive, impu](auto answer) {
      if (alive.expired()) return;
      if (const auto* e = std::get_if<CxError>(&answer)) {
        log_.warning("SAR TIMEOUT_DEREGISTRATION of " + impu + " failed: " + cx_error_text(*e));
      } else if (!std::get<diameter::ServerAssignmentAnswer>(answer).header.result.is_success()) {
        log_.warning("SAR TIMEOUT_DEREGISTRATION of " + impu + ": " +
                     result_text(std::get<diameter::ServerAssignmentAnswer>(answer).header.result));
      }
    });
    forget(r.impu);
    registration_ended(r, "expired");
    third_party_register(r, ims::RegistrationType::de_registration, nullptr, nullptr, 0);
  }
  rearm_expiry();
}

void ScscfService::registration_changed(const std::string& key, std::string_view contact_event) {
  const auto* r = registrar_.find(key);
  if (r) {
    auto [first, last] = subscription_ids_.equal_range(r->impu);
    for (auto it = first; it != last; ++it) {
      if (auto s = subscriptions_.find(it->second); s != subscriptions_.end()) send_notify(s->second, r, false, {}, contact_event);
    }
  }
  rearm_expiry();
}

void ScscfService::registration_ended(const Registration& r, std::string_view contact_event) {
  std::vector<RegSubscription> by_user, others;
  std::vector<std::string> ids;
  auto [first, last] = subscription_ids_.equal_range(r.impu);
  for (auto it = first; it != last; ++it) ids.push_back(it->second);
  for (const auto& id : ids) {
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) continue;
    if (timers_ && it->second.timer != 0) timers_->cancel(it->second.timer);
    (it->second.by_user ? by_user : others).push_back(std::move(it->second));
    erase_subscription(it);
  }
  // The UE's own subscriptions first, the P-CSCF's once those are through:
  // the P-CSCF drops the registration (and with it the way to the UE, a
  // WebSocket for instance) when it learns that it ended.
  auto rest = std::make_shared<std::function<void()>>(
      [this, r, event = std::string(contact_event), others = std::move(others)]() mutable {
        for (auto& s : others) send_notify(s, &r, true, "noresource", event);
      });
  if (by_user.empty()) return (*rest)();
  auto pending = std::make_shared<std::size_t>(by_user.size());
  for (auto& s : by_user) {
    send_notify(s, &r, true, "noresource", contact_event, [pending, rest] {
      if (--*pending == 0) (*rest)();
    });
  }
}

std::string ScscfService::add_subscription(RegSubscription s) {
  const auto id = s.call_id + ";" + s.local_tag;
  if (auto it = subscriptions_.find(id); it != subscriptions_.end()) erase_subscription(it);
  subscription_ids_.emplace(s.key, id);
  subscriptions_[id] = std::move(s);
  persist_subscription(id);
  return id;
}

void ScscfService::erase_subscription(std::map<std::string, RegSubscription>::iterator it) {
  auto [first, last] = subscription_ids_.equal_range(it->second.key);
  for (auto i = first; i != last; ++i) {
    if (i->second == it->first) {
      subscription_ids_.erase(i);
      break;
    }
  }
  persist_subscription(it->first);
  subscriptions_.erase(it);
}

RegSubscription* ScscfService::find_subscription(const std::string& call_id, const std::string& local_tag) {
  const auto it = subscriptions_.find(call_id + ";" + local_tag);
  return it == subscriptions_.end() ? nullptr : &it->second;
}

void ScscfService::notify(const std::string& id, bool terminate, std::string_view reason) {
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return;
  auto& s = it->second;
  const auto* r = registrar_.find(s.key);
  if (terminate || !r) {
    send_notify(s, r, true, r ? reason : "noresource", r ? "registered" : "unregistered");
    if (timers_ && s.timer != 0) timers_->cancel(s.timer);
    erase_subscription(it);
    return;
  }
  send_notify(s, r, false, {}, "registered");
  if (timers_) {
    if (s.timer != 0) timers_->cancel(s.timer);
    const auto delay = std::max(std::chrono::microseconds(0),
                                std::chrono::duration_cast<std::chrono::microseconds>(s.expires_at - clock_.now()));
    s.timer = timers_->schedule_after(delay, [this, id] { on_subscription_expiry(id); });
  }
}

void ScscfService::on_subscription_expiry(const std::string& id) {
  const auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return;
  it->second.timer = 0;
  log_.info("reg event: subscription of " + it->second.subscriber + " to " + it->second.key + " expired");
  notify(id, true, "timeout");
}

void ScscfService::send_notify(RegSubscription& s, const Registration* r, bool terminated, std::string_view reason,
                               std::string_view contact_event, std::function<void()> after) {
  const auto now = clock_.now();
  ims::RegInfo info;
  if (r) {
    info = reginfo_for(*r, !terminated, contact_event, now, s.version);
  } else {
    info.version = s.version;
  }
  ++s.version;
  ++s.cseq;
  persist_subscription(s.call_id + ";" + s.local_tag);
  std::string state;
  if (terminated) {
    state = "terminated;reason=" + std::string(reason.empty() ? "noresource" : reason);
  } else {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(s.expires_at - now).count();
    state = "active;expires=" + std::to_string(left > 0 ? left : 0);
  }
  auto m = make_notify(s, options_.own_uri, state, info);
  const std::string what = "reg event: NOTIFY " + s.key + " to " + s.subscriber + " (" + state + ", version " +
                           std::to_string(info.version) + ")";
  if (!originator_) {
    log_.warning(what + ": no originator");
    if (after) after();
    return;
  }
  const auto id = s.call_id + ";" + s.local_tag;
  const auto call_id = s.call_id;
  std::weak_ptr<int> alive = alive_;
  const bool sent = originator_->originate(std::move(m), std::nullopt, [this, alive, id, what, call_id, after](const sip::Message& resp) {
    if (alive.expired()) return;
    log_.log(runtime::LogLevel::info, what + ": " + std::to_string(resp.status()), call_id);
    if (after) after();
    if (resp.status() == 481 || resp.status() == 404 || resp.status() == 408) {
      // The subscriber is gone (RFC 6665 §4.2.2): drop the subscription.
      const auto it = subscriptions_.find(id);
      if (it != subscriptions_.end()) {
        if (timers_ && it->second.timer != 0) timers_->cancel(it->second.timer);
        erase_subscription(it);
      }
    }
  });
  if (!sent) {
    log_.log(runtime::LogLevel::warning, what + ": could not be sent", call_id);
    if (after) after();
  }
}

void ScscfService::third_party_register(const Registration& r, ims::RegistrationType type,
                                        const sip::Message* request, const sip::Message* response,
                                        std::uint32_t expires) {
  if (!originator_) return;
  TriggerContext context;
  context.method = "REGISTER";
  context.request = request;
  context.registration_type = type;
  for (const auto& as : register_application_servers(r.profile, r.impu, context)) {
    auto m = sip::Message::request("REGISTER", as.server_name);
    m.append(sip::HeaderId::max_forwards, "70");
    m.append(sip::HeaderId::from, "<" + options_.own_uri + ">;tag=" + new_tag());
    m.append(sip::HeaderId::to, "<" + r.impu + ">");
    const auto call_id = new_tag() + "@" + options_.domain;
    m.append(sip::HeaderId::call_id, call_id);
    m.append(sip::HeaderId::cseq, "1 REGISTER");
    m.append(sip::HeaderId::contact, "<" + options_.own_uri + ">");
    m.append(sip::HeaderId::expires, std::to_string(expires));
    if (auto body = third_party_body(as, request, response)) m.set_body(std::move(body->first), body->second);
    const std::string what = "third-party REGISTER " + r.impu + " to " + as.server_name + " (expires " +
                             std::to_string(expires) + ")";
    std::weak_ptr<int> alive = alive_;
    // SESSION_TERMINATED: an AS that fails the registration ends it
    // (TS 24.229 §5.4.1.7: network-initiated deregistration, §5.4.1.5)
    const bool terminate = as.default_handling == ims::DefaultHandling::session_terminated &&
                           type != ims::RegistrationType::de_registration;
    const std::string impu = r.impu;
    const bool sent = originator_->originate(std::move(m), std::nullopt, [this, alive, what, call_id, terminate, impu](const sip::Message& resp) {
      if (alive.expired()) return;
      const bool failed = resp.status() >= 300;
      log_.log(failed ? runtime::LogLevel::warning : runtime::LogLevel::info,
               what + ": " + std::to_string(resp.status()) +
                   (failed && terminate ? " (default handling SESSION_TERMINATED: deregistered)" : ""),
               call_id);
      if (failed && terminate) network_deregistration(impu);
    });
    if (!sent) log_.log(runtime::LogLevel::warning, what + ": could not be sent", call_id);
  }
}

void ScscfService::network_deregistration(const std::string& impu) {
  auto reg = registrar_.remove(impu);
  if (!reg) return;
  forget(reg->impu);
  registration_ended(*reg, "deactivated");
  diameter::ServerAssignmentRequest sar;
  sar.user_name = reg->impi;
  sar.public_identities = {reg->impu};
  sar.server_name = options_.server_name;
  sar.server_assignment_type = diameter::ServerAssignmentType::administrative_deregistration;
  sar.user_data_already_available = diameter::UserDataAlreadyAvailable::user_data_already_available;
  std::weak_ptr<int> alive = alive_;
  cx_.server_assignment(std::move(sar), [this, alive, impu](auto answer) {
    if (alive.expired()) return;
    if (const auto* e = std::get_if<CxError>(&answer)) {
      log_.warning("SAR ADMINISTRATIVE_DEREGISTRATION of " + impu + " failed: " + cx_error_text(*e));
    }
  });
  third_party_register(*reg, ims::RegistrationType::de_registration, nullptr, nullptr, 0);
  rearm_expiry();
  log_.info("registration " + impu + " ended by the network");
}

diameter::RegistrationTerminationAnswer ScscfService::registration_termination(
    const diameter::RegistrationTerminationRequest& r) {
  diameter::RegistrationTerminationAnswer a;
  std::vector<std::string> keys;
  if (r.public_identities.empty()) {
    keys = registrar_.keys_of_impi(r.user_name);
    for (const auto& impi : r.associated_identities) {
      auto more = registrar_.keys_of_impi(impi);
      keys.insert(keys.end(), more.begin(), more.end());
    }
  } else {
    for (const auto& impu : r.public_identities) {
      if (const auto* reg = registrar_.find(impu)) keys.push_back(reg->impu);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const auto& key : keys) {
    if (auto reg = registrar_.remove(key)) {
      forget(reg->impu);
      registration_ended(*reg, "deactivated");
      third_party_register(*reg, ims::RegistrationType::de_registration, nullptr, nullptr, 0);
    }
  }
  log_.info("RTR for " + r.user_name + " (reason " + std::to_string(static_cast<int>(r.deregistration_reason.reason_code)) +
            "): " + std::to_string(keys.size()) + " registration(s) removed");
  rearm_expiry();
  a.header.result = diameter::Result::base(diameter::result_code::success);
  return a;
}

diameter::PushProfileAnswer ScscfService::push_profile(const diameter::PushProfileRequest& r) {
  diameter::PushProfileAnswer a;
  if (registrar_.keys_of_impi(r.user_name).empty()) {
    log_.info("PPR for " + r.user_name + ": not registered here");
    a.header.result = diameter::Result::experimental_code(diameter::experimental_result::error_user_unknown);
    return a;
  }
  if (!r.user_data.empty()) {
    const auto profile = ims::parse_ims_subscription(r.user_data);
    if (!profile) {
      log_.warning("PPR for " + r.user_name + ": User-Data does not parse");
      a.header.result = diameter::Result::base(diameter::result_code::unable_to_comply);
      return a;
    }
    const auto keys = registrar_.update_profile(r.user_name, *profile);
    log_.info("PPR for " + r.user_name + ": profile of " + std::to_string(keys.size()) + " registration(s) replaced");
    for (const auto& key : keys) {
      persist(key);
      registration_changed(key, "registered");
    }
  } else {
    log_.info("PPR for " + r.user_name + ": no User-Data");
  }
  a.header.result = diameter::Result::base(diameter::result_code::success);
  return a;
}

}  // namespace imsbox::scscf
