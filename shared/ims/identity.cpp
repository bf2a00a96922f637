#include "ims/identity.h"

#include <boost/algorithm/string/predicate.hpp>

#include "sip/header_values.h"
#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::ims {

namespace {

// A digest username as the IMPI it names: a NAI as it is, a bare user name
// ("alice", as most softphones and JsSIP without authorization_user send
// it) completed with the realm to "alice@realm" (TS 23.003 §13.3).
std::string nai(std::string_view username, std::string_view realm) {
  if (username.find('@') != std::string_view::npos) return std::string(username);
  return std::string(username) + "@" + std::string(realm);
}

std::optional<std::string> digest_username(const sip::Message& request, std::string_view home_domain) {
  std::optional<std::string> only;
  int digests = 0;
  for (const auto& field : request.headers()) {
    if (field.id != sip::HeaderId::authorization) continue;
    const auto auth = sip::parse_auth(field.value);
    if (!auth || !boost::algorithm::iequals(auth.value.scheme, "Digest")) continue;
    const auto* user = sip::find_param(auth.value.params, "username");
    if (!user || sip::unquote(user->value).empty()) continue;
    const auto* realm = sip::find_param(auth.value.params, "realm");
    const std::string_view realm_value = realm ? sip::unquote(realm->value) : std::string_view();
    auto name = nai(sip::unquote(user->value), realm_value.empty() ? home_domain : realm_value);
    if (realm && boost::algorithm::iequals(realm_value, home_domain)) return name;
    ++digests;
    only = std::move(name);
  }
  if (digests == 1) return only;
  return std::nullopt;
}

}  // namespace

namespace {

// "tel:" and the number without visual separators
std::string tel_identity(std::string_view number) {
  std::string out = "tel:";
  for (const char c : number) {
    if (c != '-' && c != '.' && c != '(' && c != ')') out += c;
  }
  return out;
}

bool has_user_phone(std::string_view params) {
  while (!params.empty()) {
    const auto end = params.find(';');
    if (sip::text::iequals(sip::text::trim(params.substr(0, end)), "user=phone")) return true;
    if (end == std::string_view::npos) break;
    params.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace

std::optional<std::string> public_identity(std::string_view uri) {
  const auto parsed = sip::parse_uri(uri);
  if (!parsed.uri) return std::nullopt;
  const auto& u = *parsed.uri;
  if (u.scheme == sip::Uri::Scheme::tel) return tel_identity(u.number);
  if (has_user_phone(u.params) && u.user.starts_with('+')) {
    return tel_identity(u.user.substr(0, u.user.find(';')));  // a telephone-subscriber's own ;params go
  }
  std::string out = u.scheme == sip::Uri::Scheme::sips ? "sips:" : "sip:";
  if (!u.user.empty()) out += std::string(u.user) + "@";
  out += std::string(u.host);
  if (u.port) out += ":" + std::to_string(*u.port);
  return out;
}

std::optional<std::string> register_impu(const sip::Message& request) {
  if (!request.find(sip::HeaderId::to)) return std::nullopt;
  return public_identity(request.to().uri);
}

std::optional<std::string> register_impi(const sip::Message& request, std::string_view home_domain) {
  if (auto name = digest_username(request, home_domain)) return name;
  if (!request.find(sip::HeaderId::to)) return std::nullopt;
  const auto parsed = sip::parse_uri(request.to().uri);
  if (!parsed.uri) return std::nullopt;
  const auto& u = *parsed.uri;
  if (u.scheme == sip::Uri::Scheme::tel) {
    if (u.number.empty()) return std::nullopt;
    return std::string(u.number) + "@" + std::string(home_domain);
  }
  if (u.user.empty()) return std::nullopt;
  return std::string(u.user) + "@" + std::string(u.host);
}

}  // namespace imsbox::ims
