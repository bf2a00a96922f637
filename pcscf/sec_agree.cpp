#include "pcscf/sec_agree.h"

#include <algorithm>

#include "pcscf/registration.h"
#include "sip/header_values.h"
#include "sip/text.h"

namespace imsbox::pcscf {

namespace {

using sip::HeaderId;
using sip::text::iequals;

template <typename T>
std::optional<T> number_param(const sip::Params& params, std::string_view name, std::uint64_t max) {
  const auto* p = sip::find_param(params, name);
  if (!p || !p->has_value) return std::nullopt;
  const auto n = sip::parse_number(sip::unquote(p->value), max);
  if (!n) return std::nullopt;
  return static_cast<T>(n.value);
}

std::string_view param_text(const sip::Params& params, std::string_view name) {
  const auto* p = sip::find_param(params, name);
  return p && p->has_value ? sip::unquote(p->value) : std::string_view();
}

}  // namespace

std::optional<std::vector<AlgorithmPair>> parse_algorithm_pairs(std::string_view text) {
  std::vector<AlgorithmPair> out;
  while (true) {
    const auto comma = text.find(',');
    const auto element = sip::text::trim(text.substr(0, comma));
    const auto plus = element.find('+');
    if (plus == std::string_view::npos) return std::nullopt;
    const auto alg = ipsec::integrity_algorithm(sip::text::trim(element.substr(0, plus)));
    const auto ealg = ipsec::encryption_algorithm(sip::text::trim(element.substr(plus + 1)));
    if (!alg || !ealg) return std::nullopt;
    const AlgorithmPair pair{*alg, *ealg};
    if (std::find(out.begin(), out.end(), pair) == out.end()) out.push_back(pair);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string to_string(AlgorithmPair p) {
  return std::string(ipsec::to_string(p.alg)) + "+" + std::string(ipsec::to_string(p.ealg));
}

std::vector<AlgorithmPair> default_algorithm_pairs() {
  using ipsec::EncryptionAlgorithm;
  using ipsec::IntegrityAlgorithm;
  return {{IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc},
          {IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::null},
          {IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::aes_cbc},
          {IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null}};
}

SecurityMechanisms security_mechanisms(const sip::Message& m, HeaderId id) {
  SecurityMechanisms out;
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    const auto list = sip::parse_value_with_params_list(h.value);
    if (!list) {
      out.error = "Bad Request (malformed Security-Client)";
      return out;
    }
    for (const auto& v : list.value) {
      ++out.offered;
      if (!iequals(v.value, "ipsec-3gpp")) continue;
      const auto spi_c = number_param<std::uint32_t>(v.params, "spi-c", 0xFFFFFFFFu);
      const auto spi_s = number_param<std::uint32_t>(v.params, "spi-s", 0xFFFFFFFFu);
      const auto port_c = number_param<std::uint16_t>(v.params, "port-c", 65535);
      const auto port_s = number_param<std::uint16_t>(v.params, "port-s", 65535);
      const auto prot = param_text(v.params, "prot");
      if (!spi_c || !spi_s || !port_c || !port_s || *port_c == 0 || *port_s == 0 ||
          (!prot.empty() && !iequals(prot, "esp"))) {
        out.error = "Bad Request (malformed ipsec-3gpp mechanism)";
        return out;
      }
      const auto mod = param_text(v.params, "mod");
      if (!mod.empty() && !iequals(mod, "trans")) continue;  // UDP-enc-tun and the like: not ours
      const auto alg = ipsec::integrity_algorithm(param_text(v.params, "alg"));
      const auto ealg_name = param_text(v.params, "ealg");
      const auto ealg = ealg_name.empty() ? ipsec::EncryptionAlgorithm::null : ipsec::encryption_algorithm(ealg_name);
      if (!alg || !ealg) continue;
      out.ipsec.push_back(IpsecMechanism{*alg, *ealg, *spi_c, *spi_s, *port_c, *port_s});
    }
  }
  return out;
}

std::optional<IpsecMechanism> choose_mechanism(std::span<const IpsecMechanism> offered,
                                               std::span<const AlgorithmPair> preference) {
  for (const auto& want : preference) {
    for (const auto& m : offered) {
      if (m.alg == want.alg && m.ealg == want.ealg) return m;
    }
  }
  return std::nullopt;
}

std::string security_server_value(const IpsecMechanism& ours) {
  return "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=" + std::to_string(ours.spi_c) +
         ";spi-s=" + std::to_string(ours.spi_s) + ";port-c=" + std::to_string(ours.port_c) +
         ";port-s=" + std::to_string(ours.port_s) + ";alg=" + std::string(ipsec::to_string(ours.alg)) +
         ";ealg=" + std::string(ipsec::to_string(ours.ealg));
}

bool same_mechanisms(std::span<const IpsecMechanism> a, std::span<const IpsecMechanism> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

void strip_sec_agree(sip::Message& request) {
  for (const auto id : {HeaderId::require, HeaderId::proxy_require}) {
    if (!lists_option(request, id, "sec-agree")) continue;
    std::vector<std::string> kept;
    for (const auto& h : request.headers()) {
      if (h.id != id) continue;
      const auto list = sip::parse_token_list(h.value);
      if (!list) {
        kept.emplace_back(h.value);
        continue;
      }
      for (const auto t : list.value) {
        if (!iequals(t, "sec-agree")) kept.emplace_back(t);
      }
    }
    request.remove_all(id);
    std::string joined;
    for (const auto& t : kept) joined += (joined.empty() ? "" : ", ") + t;
    if (!joined.empty()) request.append(id, std::move(joined));
  }
  request.remove_all(HeaderId::security_client);
  request.remove_all(HeaderId::security_verify);
}

void strip_integrity_protected(sip::Message& request) {
  const auto* h = request.find(HeaderId::authorization);
  if (!h) return;
  request.set(HeaderId::authorization,
              edit_auth_params(h->value, [](std::string_view name, std::string_view) {
                return !iequals(name, "integrity-protected");
              }));
}

void set_integrity_protected(sip::Message& request, bool protected_) {
  const auto* h = request.find(HeaderId::authorization);
  if (!h) return;
  const std::string value = edit_auth_params(
      h->value, [](std::string_view name, std::string_view) { return !iequals(name, "integrity-protected"); },
      protected_ ? "integrity-protected=\"yes\"" : "integrity-protected=\"no\"");
  request.set(HeaderId::authorization, value);
}

}  // namespace imsbox::pcscf
