#include "scscf/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <stdexcept>
#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/predicate.hpp>

#include "aka/digest.h"
#include "sip/header_values.h"

namespace imsbox::scscf {

namespace {

constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string as_string(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }

}  // namespace

std::string base64_encode(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const std::uint32_t v = bytes[i] << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    const auto pos = kB64.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

std::string akav2_password(const std::vector<std::uint8_t>& res, const std::vector<std::uint8_t>& ik,
                           const std::vector<std::uint8_t>& ck) {
  std::vector<std::uint8_t> key(res);
  key.insert(key.end(), ik.begin(), ik.end());
  key.insert(key.end(), ck.begin(), ck.end());
  static constexpr std::string_view kLabel = "http-digest-akav2-password";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(kLabel.data()),
       kLabel.size(), md, &len);
  OPENSSL_cleanse(key.data(), key.size());
  std::vector<std::uint8_t> out(md, md + len);
  auto b64 = base64_encode(out);
  OPENSSL_cleanse(md, sizeof md);
  return b64;
}

std::string_view algorithm_name(Scheme s) {
  switch (s) {
    case Scheme::akav1_md5: return "AKAv1-MD5";
    case Scheme::akav2_md5: return "AKAv2-MD5";
    case Scheme::digest_md5: return "MD5";
    case Scheme::digest_sha256: return "SHA-256";
  }
  return "MD5";
}

std::vector<Scheme> parse_digest_algorithms(std::string_view list) {
  std::vector<Scheme> out;
  while (true) {
    const auto comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    Scheme s;
    if (boost::algorithm::iequals(name, "MD5")) {
      s = Scheme::digest_md5;
    } else if (boost::algorithm::iequals(name, "SHA-256")) {
      s = Scheme::digest_sha256;
    } else if (name.empty()) {
      throw std::invalid_argument("an empty algorithm name (a list such as SHA-256,MD5)");
    } else {
      throw std::invalid_argument("unknown digest algorithm '" + std::string(name) + "' (MD5, SHA-256)");
    }
    if (std::find(out.begin(), out.end(), s) != out.end()) {
      throw std::invalid_argument("'" + std::string(name) + "' is named twice");
    }
    out.push_back(s);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::string cx_scheme_for(std::string_view algorithm) {
  if (boost::algorithm::iequals(algorithm, "AKAv1-MD5")) return "Digest-AKAv1-MD5";
  if (boost::algorithm::iequals(algorithm, "AKAv2-MD5")) return "Digest-AKAv2-MD5";
  if (boost::algorithm::iequals(algorithm, "MD5") || boost::algorithm::iequals(algorithm, "SHA-256")) {
    return "SIP Digest";
  }
  return "Unknown";
}

std::optional<DigestCredentials> find_credentials(const sip::Message& request, std::string_view realm) {
  std::optional<DigestCredentials> only;
  int digests = 0;
  for (const auto& field : request.headers()) {
    if (field.id != sip::HeaderId::authorization) continue;
    const auto auth = sip::parse_auth(field.value);
    if (!auth || !boost::algorithm::iequals(auth.value.scheme, "Digest")) continue;
    DigestCredentials c;
    const auto get = [&](std::string_view name) {
      const auto* p = sip::find_param(auth.value.params, name);
      return p ? std::string(sip::unquote(p->value)) : std::string();
    };
    c.username = get("username");
    c.realm = get("realm");
    c.nonce = get("nonce");
    c.uri = get("uri");
    c.response = get("response");
    c.algorithm = get("algorithm");
    c.qop = get("qop");
    c.nc = get("nc");
    c.cnonce = get("cnonce");
    c.opaque = get("opaque");
    if (sip::find_param(auth.value.params, "auts")) c.auts = get("auts");
    if (boost::algorithm::iequals(c.realm, realm)) return c;
    ++digests;
    only = std::move(c);
  }
  if (digests == 1) return only;
  return std::nullopt;
}

Authenticator::Authenticator(Options options, Random random) : options_(std::move(options)), random_(std::move(random)) {}

std::string Authenticator::random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> b(bytes);
  random_(b.data(), b.size());
  return to_hex(b);
}

void Authenticator::forget_old(State& s, runtime::Clock::MonotonicTime now) {
  std::erase_if(s.challenges, [now](const Challenge& c) { return c.expires_at <= now; });
  if (s.blocked_until && *s.blocked_until <= now) {
    s.blocked_until.reset();
    s.failures = 0;
  }
}

void Authenticator::fail(State& s, runtime::Clock::MonotonicTime now) {
  ++s.failures;
  if (s.failures >= options_.max_failures) {
    s.blocked_until = now + options_.block_for;
    s.challenges.clear();
  }
}

std::vector<std::string> Authenticator::challenge(const std::string& impi, const std::string& /*impu*/,
                                                  const std::vector<diameter::SipAuthDataItem>& items,
                                                  runtime::Clock::MonotonicTime now, std::string* scheme_text) {
  if (++challenges_made_ % 256 == 0) sweep(now);
  auto& state = states_[impi];
  forget_old(state, now);
  std::vector<std::pair<Scheme, std::string>> made;  // scheme, header value
  const auto remember = [&](Challenge c, std::string value) {
    made.emplace_back(c.scheme, std::move(value));
    state.challenges.push_back(std::move(c));
  };
  // The digest items per algorithm: the IMPI's HA1 and the bare user name's.
  struct DigestHa1s {
    const diameter::SipDigestAuthenticate* impi = nullptr;
    const diameter::SipDigestAuthenticate* bare = nullptr;
  };
  std::map<Scheme, DigestHa1s> digests;
  bool aka_made = false;
  for (const auto& item : items) {
    if (item.authentication_scheme == "Digest-AKAv1-MD5" || item.authentication_scheme == "Digest-AKAv2-MD5") {
      // One AKA challenge at a time: a UE answers one, and each vector
      // offered is a vector spent.
      if (aka_made || item.sip_authenticate.size() != 32 || item.sip_authorization.empty() ||
          item.confidentiality_key.empty() || item.integrity_key.empty()) {
        continue;
      }
      Challenge c;
      c.expires_at = now + options_.challenge_lifetime;
      c.realm = options_.realm;
      c.scheme = item.authentication_scheme == "Digest-AKAv1-MD5" ? Scheme::akav1_md5 : Scheme::akav2_md5;
      std::vector<std::uint8_t> nonce_bytes(item.sip_authenticate);
      std::vector<std::uint8_t> server(options_.server_data_bytes);
      if (!server.empty()) random_(server.data(), server.size());
      nonce_bytes.insert(nonce_bytes.end(), server.begin(), server.end());
      c.nonce = base64_encode(nonce_bytes);
      c.rand.assign(item.sip_authenticate.begin(), item.sip_authenticate.begin() + 16);
      c.xres = item.sip_authorization;
      c.ck = item.confidentiality_key;
      c.ik = item.integrity_key;
      aka_made = true;
      std::string value = "Digest realm=\"" + c.realm + "\", nonce=\"" + c.nonce + "\", algorithm=" +
                          std::string(algorithm_name(c.scheme)) + ", qop=\"auth\", ck=\"" + to_hex(c.ck.reveal()) +
                          "\", ik=\"" + to_hex(c.ik.reveal()) + "\"";
      remember(std::move(c), std::move(value));
    } else if (item.authentication_scheme == "SIP Digest" && item.digest && !item.digest->digest_ha1.empty()) {
      const auto& d = *item.digest;
      const Scheme s = boost::algorithm::iequals(d.digest_algorithm, "SHA-256") ? Scheme::digest_sha256
                                                                                : Scheme::digest_md5;
      auto& slot = digests[s];
      auto& which = d.digest_username.empty() ? slot.impi : slot.bare;
      if (!which) which = &d;  // the first of each
    }
  }
  // Digest: in the order the options prefer (RFC 7616 §3.7: a client takes
  // the first it supports; JsSIP takes the last, which is then MD5 anyway).
  for (const Scheme s : options_.digest_algorithms) {
    const auto found = digests.find(s);
    if (found == digests.end() || !found->second.impi) continue;
    const auto& d = *found->second.impi;
    Challenge c;
    c.expires_at = now + options_.challenge_lifetime;
    c.scheme = s;
    c.realm = d.digest_realm.empty() ? options_.realm : d.digest_realm;
    c.ha1 = d.digest_ha1;
    if (const auto* bare = found->second.bare;
        bare && bare->digest_username.find('@') == std::string::npos &&
        boost::algorithm::iequals(bare->digest_realm.empty() ? options_.realm : bare->digest_realm, c.realm)) {
      c.bare_username = bare->digest_username;
      c.bare_ha1 = bare->digest_ha1;
    }
    c.nonce = random_hex(16);
    c.opaque = random_hex(8);
    std::string value = "Digest realm=\"" + c.realm + "\", nonce=\"" + c.nonce + "\", opaque=\"" + c.opaque +
                        "\", algorithm=" + std::string(algorithm_name(c.scheme)) + ", qop=\"auth\"";
    remember(std::move(c), std::move(value));
  }
  if (state.challenges.size() > options_.max_pending) {
    state.challenges.erase(state.challenges.begin(), state.challenges.begin() + static_cast<std::ptrdiff_t>(
                                                                                 state.challenges.size() - options_.max_pending));
  }
  std::vector<std::string> out;
  std::string text;
  for (auto& [scheme, value] : made) {
    text += (text.empty() ? "" : "+") + std::string(algorithm_name(scheme));
    out.push_back(std::move(value));
  }
  if (scheme_text) *scheme_text = text;
  return out;
}

std::uint32_t Authenticator::digest_items_to_ask() const {
  const auto& algorithms = options_.digest_algorithms;
  const bool sha256 = std::find(algorithms.begin(), algorithms.end(), Scheme::digest_sha256) != algorithms.end();
  return sha256 ? 4 : 3;
}

Authenticator::Outcome Authenticator::verify(const std::string& impi, const DigestCredentials& cr,
                                             std::string_view method, runtime::Clock::MonotonicTime now) {
  // No state for names never challenged: any username may come from the network.
  const auto found = states_.find(impi);
  if (found == states_.end()) return {Verdict::stale, std::nullopt};
  auto& state = found->second;
  forget_old(state, now);
  if (state.blocked_until) return {Verdict::blocked, std::nullopt};
  const auto it = std::find_if(state.challenges.begin(), state.challenges.end(),
                               [&](const Challenge& c) { return c.nonce == cr.nonce; });
  if (it == state.challenges.end()) return {Verdict::stale, std::nullopt};
  const Challenge c = std::move(*it);
  state.challenges.erase(it);  // used once, whatever the outcome
  const Outcome wrong{Verdict::wrong, c.scheme};

  const auto algorithm = cr.algorithm.empty() ? std::string("MD5") : cr.algorithm;
  const bool qop_ok = cr.qop.empty() || boost::algorithm::iequals(cr.qop, "auth");
  const bool nc_ok = cr.qop.empty() || (!cr.nc.empty() && !cr.cnonce.empty() &&
                                        cr.nc.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos &&
                                        cr.nc.find_first_not_of('0') != std::string::npos);
  // The IMPI itself, or its user part alone (impi = username@realm).
  const bool bare = cr.username.find('@') == std::string::npos && cr.username + "@" + cr.realm == impi;
  const bool digest = c.scheme == Scheme::digest_md5 || c.scheme == Scheme::digest_sha256;
  const bool name_ok = cr.username == impi || (bare && (!digest || cr.username == c.bare_username));
  if (!boost::algorithm::iequals(algorithm, algorithm_name(c.scheme)) || !name_ok ||
      !boost::algorithm::iequals(cr.realm, c.realm) || !qop_ok || !nc_ok || cr.uri.empty() ||
      (!c.opaque.empty() && !cr.opaque.empty() && cr.opaque != c.opaque)) {
    fail(state, now);
    return wrong;
  }
  std::string ha1;
  aka::DigestAlgorithm alg = aka::DigestAlgorithm::md5;
  switch (c.scheme) {
    case Scheme::akav1_md5:
      ha1 = aka::digest_ha1(alg, cr.username, cr.realm, as_string(c.xres.reveal()));
      break;
    case Scheme::akav2_md5:
      ha1 = aka::digest_ha1(alg, cr.username, cr.realm,
                            akav2_password(c.xres.reveal(), c.ik.reveal(), c.ck.reveal()));
      break;
    case Scheme::digest_md5: ha1 = (cr.username == impi ? c.ha1 : c.bare_ha1).reveal(); break;
    case Scheme::digest_sha256:
      alg = aka::DigestAlgorithm::sha256;
      ha1 = (cr.username == impi ? c.ha1 : c.bare_ha1).reveal();
      break;
  }
  const std::string qop = cr.qop.empty() ? std::string() : std::string("auth");
  const auto expected = aka::digest_response(alg, ha1, cr.nonce, cr.nc, cr.cnonce, qop, method, cr.uri);
  OPENSSL_cleanse(ha1.data(), ha1.size());
  if (!same(expected, boost::algorithm::to_lower_copy(cr.response))) {
    fail(state, now);
    return wrong;
  }
  return {Verdict::ok, c.scheme};
}

std::optional<std::vector<std::uint8_t>> Authenticator::take_rand(const std::string& impi, const std::string& nonce,
                                                                  runtime::Clock::MonotonicTime now) {
  const auto found = states_.find(impi);
  if (found == states_.end()) return std::nullopt;
  auto& state = found->second;
  forget_old(state, now);
  const auto it = std::find_if(state.challenges.begin(), state.challenges.end(), [&](const Challenge& c) {
    return c.nonce == nonce && (c.scheme == Scheme::akav1_md5 || c.scheme == Scheme::akav2_md5);
  });
  if (it == state.challenges.end()) return std::nullopt;
  auto rand = it->rand;
  state.challenges.erase(it);
  return rand;
}

void Authenticator::sweep(runtime::Clock::MonotonicTime now) {
  for (auto it = states_.begin(); it != states_.end();) {
    forget_old(it->second, now);
    const auto& s = it->second;
    if (s.challenges.empty() && s.failures == 0 && !s.blocked_until) {
      it = states_.erase(it);
    } else {
      ++it;
    }
  }
}

bool Authenticator::blocked(const std::string& impi, runtime::Clock::MonotonicTime now) const {
  const auto it = states_.find(impi);
  return it != states_.end() && it->second.blocked_until && *it->second.blocked_until > now;
}

unsigned Authenticator::failures(const std::string& impi) const {
  const auto it = states_.find(impi);
  return it == states_.end() ? 0 : it->second.failures;
}

void Authenticator::reset(const std::string& impi) {
  const auto it = states_.find(impi);
  if (it == states_.end()) return;
  it->second.failures = 0;
  if (it->second.challenges.empty() && !it->second.blocked_until) states_.erase(it);
}

std::size_t Authenticator::pending(const std::string& impi) const {
  const auto it = states_.find(impi);
  return it == states_.end() ? 0 : it->second.challenges.size();
}

}  // namespace imsbox::scscf
