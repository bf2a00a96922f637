#include "pcscf/security_agreement.h"

#include <algorithm>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/text.h"

namespace imsbox::pcscf {

namespace {

using sip::HeaderId;

// Registrations outlive their SAs by this much (TS 33.203 §7.4: the SA
// lifetime exceeds the registration's) ...
constexpr std::chrono::seconds kSaGrace{30};
// ... and a de-registration's 200 OK gets this long to leave over them.
constexpr std::chrono::seconds kDeregistrationLinger{2};

std::optional<std::array<std::uint8_t, 16>> key128(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 16; ++i) {
    const auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string our_mechanisms(const std::vector<AlgorithmPair>& pairs, const ProtectedPorts& ports) {
  std::string out;
  for (const auto& p : pairs) {
    out += (out.empty() ? "" : ", ") + std::string("ipsec-3gpp;q=0.1;prot=esp;mod=trans;port-c=") +
           std::to_string(ports.client) + ";port-s=" + std::to_string(ports.server) +
           ";alg=" + std::string(ipsec::to_string(p.alg)) + ";ealg=" + std::string(ipsec::to_string(p.ealg));
  }
  return out;
}

}  // namespace

std::optional<IpsecMode> parse_ipsec_mode(std::string_view text) {
  if (sip::text::iequals(text, "off")) return IpsecMode::off;
  if (sip::text::iequals(text, "optional")) return IpsecMode::optional;
  if (sip::text::iequals(text, "required")) return IpsecMode::required;
  return std::nullopt;
}

SecurityAgreement::SecurityAgreement(SecAgreeOptions options, runtime::Logger& log, const runtime::Clock& clock,
                                     runtime::Metrics* metrics, ipsec::EspBackend* backend)
    : options_(std::move(options)), log_(log), clock_(clock), backend_(backend), table_(options_.ports) {
  if (!metrics) return;
  sets_gauge_ = &metrics->gauge("pcscf_ipsec_sa_sets", "sets of four IPsec SAs with UEs (pending, active and old)");
  constexpr std::string_view refused = "REGISTERs refused by sec-agree, by reason";
  refused_verify_ = &metrics->counter("pcscf_ipsec_refused_total", refused, {{"reason", "security_verify"}});
  refused_required_ = &metrics->counter("pcscf_ipsec_refused_total", refused, {{"reason", "required"}});
  dropped_unprotected_ = &metrics->counter(
      "pcscf_ipsec_dropped_total", "requests on a protected port over no active set of SAs, dropped");
}

SecurityAgreement::~SecurityAgreement() {
  if (timers_ && expiry_timer_) timers_->cancel(*expiry_timer_);
}

void SecurityAgreement::attach(runtime::TimerQueue& timers) { timers_ = &timers; }

SecAgreeDecision SecurityAgreement::on_register(sip::Message& request, const sip::Peer& source, Time now) {
  SecAgreeDecision d;
  if (!enabled()) {
    // the S-CSCF trusts what the P-CSCF says of the REGISTER's protection,
    // never what the UE says (TS 24.229 §5.2.2.1)
    strip_integrity_protected(request);
    return d;
  }
  const auto client = security_mechanisms(request, HeaderId::security_client);
  if (client.error) {
    d.status = 400;
    d.reason = client.error;
    return d;
  }
  const bool on_protected_port =
      source.local_port == options_.ports.server || source.local_port == options_.ports.client;
  const auto* over = table_.arrived_over(source, now);
  if (on_protected_port && !over) {
    if (dropped_unprotected_) dropped_unprotected_->inc();
    d.status = 403;
    d.reason = "Forbidden (not over security associations)";
    return d;
  }
  if (over) {
    // over a set of SAs: the protected REGISTER of a pending set, or a
    // re-registration over an active one
    d.over = over->id;
    if (over->state == SecuritySet::State::pending) {
      const auto verify = security_mechanisms(request, HeaderId::security_verify);
      const std::vector<IpsecMechanism> sent{over->ours};
      const char* mismatch = nullptr;
      if (verify.error || !same_mechanisms(verify.ipsec, sent)) {
        mismatch = "Security-Verify is not our Security-Server";
      } else if (!same_mechanisms(client.ipsec, over->client_offer)) {
        mismatch = "Security-Client is not the first REGISTER's";
      }
      if (mismatch) {
        if (refused_verify_) refused_verify_->inc();
        d.status = 494;
        d.reason = std::string("Security Agreement Required (") + mismatch + ")";
        drop({*table_.remove(over->id)}, mismatch);
        return d;
      }
      d.note = "over its pending SAs";
    } else {
      d.note = "over its SAs";
      drop(table_.used(over->id), "replaced by the SAs it came over");
    }
    // a re-registration's new offer (over the current SAs: new SPIs and
    // ports) makes a new set at its 401; the current set's own offer again
    // (a refresh, a de-registration) makes none
    if (!client.ipsec.empty() && over->state != SecuritySet::State::pending) {
      d.chosen = choose_mechanism(client.ipsec, options_.algorithms);
      const auto& now_used = over->ue_mechanism;
      if (d.chosen && d.chosen->spi_c == now_used.spi_c && d.chosen->spi_s == now_used.spi_s) d.chosen.reset();
      if (d.chosen) d.offer = client.ipsec;
    }
    strip_sec_agree(request);
    set_integrity_protected(request, true);
    return d;
  }
  const bool asks = lists_option(request, HeaderId::require, "sec-agree") ||
                    lists_option(request, HeaderId::proxy_require, "sec-agree") ||
                    lists_option(request, HeaderId::supported, "sec-agree") || client.offered > 0;
  if (!client.ipsec.empty()) d.chosen = choose_mechanism(client.ipsec, options_.algorithms);
  if (!d.chosen && options_.mode == IpsecMode::required) {
    if (refused_required_) refused_required_->inc();
    if (!asks) {
      d.status = 421;
      d.reason = "Extension Required (sec-agree)";
      d.headers.emplace_back(HeaderId::require, "sec-agree");
    } else {
      d.status = 494;
      d.reason = "Security Agreement Required";
      d.headers.emplace_back(HeaderId::require, "sec-agree");
      d.headers.emplace_back(HeaderId::security_server, our_mechanisms(options_.algorithms, options_.ports));
    }
    return d;
  }
  if (d.chosen) {
    d.offer = client.ipsec;
    d.note = "sec-agree " + to_string(AlgorithmPair{d.chosen->alg, d.chosen->ealg});
  } else if (!client.ipsec.empty()) {
    d.note = "no ipsec-3gpp offer we take: unprotected";
  }
  strip_sec_agree(request);
  set_integrity_protected(request, false);
  return d;
}

bool SecurityAgreement::on_challenge(const SecAgreeDecision& d, sip::Message& response, const AuthKeys& keys,
                                     std::string impi, const sip::Peer& source, Time now) {
  if (!enabled() || !d.chosen) return false;
  const auto ck = key128(keys.ck);
  const auto ik = key128(keys.ik);
  if (!ck || !ik) {
    log_.log(runtime::LogLevel::warning,
             "sec-agree: the 401 for " + impi + " has no usable ck/ik (not IMS-AKA?): no SAs, no Security-Server",
             response.call_id());
    return false;
  }
  const auto* set = table_.add_pending(source.address, options_.address, *d.chosen, d.offer, std::move(impi),
                                       ipsec::ims_aka_keys(d.chosen->alg, d.chosen->ealg, *ck, *ik),
                                       now + options_.pending_lifetime);
  if (!set) {
    log_.log(runtime::LogLevel::error, "sec-agree: no SPI left in the pool: the 401 goes without Security-Server",
             response.call_id());
    return false;
  }
  const auto sas = security_associations(*set);
  if (!backend_->install(sas)) {
    log_.log(runtime::LogLevel::error,
             "sec-agree: the " + std::string(backend_->name()) + " ESP backend refused the SAs of " + set->impi +
                 ": the 401 goes without Security-Server",
             response.call_id());
    table_.remove(set->id);
    return false;
  }
  response.append(HeaderId::security_server, security_server_value(set->ours));
  log_.log(runtime::LogLevel::info,
           "sec-agree: pending SAs for " + set->impi + " at " + source.address.to_string() + " (" +
               to_string(AlgorithmPair{set->ours.alg, set->ours.ealg}) + ", our spi-c " +
               std::to_string(set->ours.spi_c) + " spi-s " + std::to_string(set->ours.spi_s) + ", its port-c " +
               std::to_string(set->ue_mechanism.port_c) + " port-s " + std::to_string(set->ue_mechanism.port_s) + ")",
           response.call_id());
  update_gauge();
  arm_expiry();
  return true;
}

void SecurityAgreement::on_registered(const SecAgreeDecision& d, std::chrono::seconds lifetime, Time now) {
  if (!d.over) return;
  const auto* set = table_.find(*d.over);
  if (!set) return;
  if (lifetime.count() == 0) {
    // de-registered: the 200 OK leaves over the SAs first
    std::vector<std::uint64_t> ids;
    for (const auto& [id, s] : table_.sets()) {
      if (s.ue == set->ue && s.impi == set->impi) ids.push_back(id);
    }
    log_.info("sec-agree: " + set->impi + " de-registered: its SAs go in " +
              std::to_string(kDeregistrationLinger.count()) + " s");
    if (!timers_) return;
    timers_->schedule_after(kDeregistrationLinger, [this, ids] {
      std::vector<SecuritySet> gone;
      for (const auto id : ids) {
        if (auto s = table_.remove(id)) gone.push_back(std::move(*s));
      }
      drop(gone, "de-registered");
    });
    return;
  }
  if (set->state == SecuritySet::State::pending) {
    table_.promote(set->id, now + lifetime + kSaGrace);
    log_.info("sec-agree: SAs of " + set->impi + " active for " + std::to_string((lifetime + kSaGrace).count()) + " s");
  } else {
    table_.extend(set->id, now + lifetime + kSaGrace);
  }
  arm_expiry();
}

bool SecurityAgreement::on_request(const sip::Peer& source, Time now) {
  if (!enabled()) return true;
  if (source.local_port != options_.ports.server && source.local_port != options_.ports.client) return true;
  const auto* over = table_.arrived_over(source, now);
  if (!over || over->state == SecuritySet::State::pending) {
    if (dropped_unprotected_) dropped_unprotected_->inc();
    return false;
  }
  drop(table_.used(over->id), "replaced by the SAs it came over");
  return true;
}

void SecurityAgreement::route(sip::Peer& to, const sip::Message& m, Time now) const {
  table_.route(to, m.is_request(), now);
}

void SecurityAgreement::drop(const std::vector<SecuritySet>& sets, std::string_view why) {
  for (const auto& s : sets) {
    if (backend_) backend_->remove(security_associations(s));
    log_.info("sec-agree: SAs of " + s.impi + " at " + s.ue.to_string() + " (" + std::string(to_string(s.state)) +
              ", our spi-s " + std::to_string(s.ours.spi_s) + ") removed: " + std::string(why));
  }
  if (!sets.empty()) update_gauge();
}

void SecurityAgreement::arm_expiry() {
  if (!timers_) return;
  const auto next = table_.next_expiry();
  if (!next || (expiry_at_ && *expiry_at_ <= *next && expiry_timer_)) return;
  if (expiry_timer_) timers_->cancel(*expiry_timer_);
  expiry_at_ = *next;
  const auto delay = std::max(Time::duration::zero(), *next - clock_.now());
  expiry_timer_ = timers_->schedule_after(std::chrono::duration_cast<std::chrono::microseconds>(delay) +
                                              std::chrono::milliseconds(1),
                                          [this] { on_expiry(); });
}

void SecurityAgreement::on_expiry() {
  expiry_timer_.reset();
  expiry_at_.reset();
  drop(table_.expire(clock_.now()), "expired");
  arm_expiry();
}

void SecurityAgreement::update_gauge() {
  if (sets_gauge_) sets_gauge_->set(static_cast<double>(table_.sets().size()));
}

}  // namespace imsbox::pcscf
