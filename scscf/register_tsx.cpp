// The REGISTER transaction (TS 24.229 §5.4.1): Cx MAR and the challenge
// (IMS-AKA or SIP digest), the answer checked (resynchronisation from AUTS),
// Cx SAR, the binding in the registrar, the 200 OK with Path, Service-Route
// and P-Associated-URI; the reg-event NOTIFYs and third-party REGISTERs that
// follow. Deregistration (expires 0) too.
#include <algorithm>
#include <memory>
#include <optional>

#include "ims/box.h"
#include "ims/identity.h"
#include "ims/subscription.h"
#include "scscf/answering_tsx.h"
#include "scscf/cx_outcome.h"
#include "scscf/transactions.h"

namespace imsbox::scscf {

namespace {

using diameter::CxError;

// The P-CSCF says the REGISTER came over the UE's security associations
// (TS 24.229 §5.2.2.1, §7.2A.6: integrity-protected="yes", or tls-yes /
// ip-assoc-yes for the other mechanisms).
bool integrity_protected(const sip::Message& request) {
  for (const auto& h : request.headers()) {
    if (h.id != sip::HeaderId::authorization) continue;
    const auto auth = sip::parse_auth(h.value);
    if (!auth) continue;
    const auto* p = sip::find_param(auth.value.params, "integrity-protected");
    if (!p || !p->has_value) continue;
    const auto v = sip::unquote(p->value);
    if (v == "yes" || v == "tls-yes" || v == "ip-assoc-yes") return true;
  }
  return false;
}
using sip::proxy::ProxyTsxHelper;
using sip::proxy::Verdict;

class RegisterTsx final : public AnsweringTsx {
 public:
  explicit RegisterTsx(ScscfService& service) : AnsweringTsx(service) {}

  Verdict on_request(ProxyTsxHelper& helper) override {
    helper_ = &helper;
    return on_register();
  }

 private:
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
    if (integrity_protected(request)) {
      // TS 24.229 §5.4.1.4: a de-registration over the UE's SAs of a
      // registered IMPI and IMPU (every contact it names with expires 0) is
      // not challenged
      const auto* reg = service_.mutable_registrar().find(impu_);
      const bool removes_only =
          register_.wildcard || (!register_.contacts.empty() &&
                                 std::all_of(register_.contacts.begin(), register_.contacts.end(),
                                             [](const ContactChange& c) { return c.expires == 0; }));
      if (reg && reg->impi == impi_ && removes_only) {
        note_ += "integrity protected; ";
        return registered();
      }
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
    // Password subscribers get an item per algorithm and user name form
    // (Authenticator::digest_items_to_ask): ask for them unless the client
    // named an AKA scheme.
    const auto& scheme = mar.auth_data_item.authentication_scheme;
    mar.number_auth_items =
        scheme == "SIP Digest" || scheme == "Unknown" ? service_.auth().digest_items_to_ask() : 1;
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
    // the 200 OK once the binding is in the store (a group commit at the
    // next loop turn): a crash after it never loses a confirmed registration
    auto in_call = std::make_shared<bool>(true);
    auto at_once = std::make_shared<std::optional<Verdict>>();
    std::weak_ptr<int> alive = alive_;
    service_.after_commit([this, alive, key, in_call, at_once](bool stored) {
      if (alive.expired()) return;
      const auto verdict = confirm(key, stored);
      if (*in_call) {
        *at_once = verdict;
      } else {
        helper_->resume(verdict);
      }
    });
    *in_call = false;
    return *at_once ? **at_once : Verdict::wait;
  }

  // After the commit of registration `key`: the 200 OK, then the NOTIFYs of
  // its reg-event subscribers and the third-party REGISTERs.
  Verdict confirm(const std::string& key, bool stored) {
    auto& registrar = service_.mutable_registrar();
    if (!stored) return this->answer(500, "Server Internal Error", note_ + "the registration could not be stored");
    const auto now = service_.now();
    const auto verdict = ok(registrar.find(key));
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
      // our URI with the user part that marks the originating case (session.h)
      r.append(sip::HeaderId::service_route, ims::loose_route(ims::with_user(service_.options().own_uri, "orig")));
      std::string pau;
      for (const auto& i : reg->identities) pau += (pau.empty() ? "<" : ", <") + i + ">";
      if (!pau.empty()) r.append(sip::HeaderId::p_associated_uri, pau);
    }
    ok_ = r.clone();  // for the third-party REGISTERs that include it
    return send(std::move(r), "200 OK, " + std::to_string(n) + " contact(s)" +
                                  (scheme_.empty() ? std::string() : " (" + scheme_ + ")"));
  }

  std::string impu_, impi_, note_, scheme_;
  RegisterRequest register_;
  std::optional<DigestCredentials> credentials_;
  std::optional<sip::Message> ok_;  // the 200 OK sent
  Registrar::Kind kind_ = Registrar::Kind::initial;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

std::unique_ptr<sip::proxy::ProxyTsx> make_register_tsx(ScscfService& service) {
  return std::make_unique<RegisterTsx>(service);
}

}  // namespace imsbox::scscf
