#include "sdp/crypto.h"

#include "sdp/grammar.h"

namespace imsbox::sdp {

namespace {

using grammar::Fields;
using grammar::parse_uint;

bool is_base64(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(grammar::is_alpha(c) || grammar::is_digit(c) || c == '+' || c == '/' || c == '=')) return false;
  }
  return true;
}

bool is_lifetime(std::string_view s) {
  if (s.size() > 2 && s.substr(0, 2) == "2^") return parse_uint<std::uint32_t>(s.substr(2)).has_value();
  return parse_uint<std::uint64_t>(s).has_value();
}

std::optional<CryptoKey> parse_key(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  CryptoKey k;
  const auto method = text.substr(0, colon);
  if (!grammar::is_token(method)) return std::nullopt;
  k.method = std::string(method);
  std::string_view info = text.substr(colon + 1);
  if (info.empty()) return std::nullopt;
  k.info = std::string(info);
  if (!grammar::iequals(method, "inline")) return k;
  const auto key_salt = grammar::split_first(info, '|');
  if (!is_base64(key_salt)) return std::nullopt;
  k.key_salt = std::string(key_salt);
  // then [lifetime] [mki:length], each after a '|'
  for (int part = 0; part < 2 && k.info.size() > key_salt.size(); ++part) {
    const bool last = info.find('|') == std::string_view::npos;
    const auto field = grammar::split_first(info, '|');
    const auto mki_colon = field.find(':');
    if (mki_colon != std::string_view::npos) {
      const auto value = parse_uint<std::uint32_t>(field.substr(0, mki_colon));
      const auto length = parse_uint<std::uint32_t>(field.substr(mki_colon + 1), 128);
      if (!value || !length || k.mki_value) return std::nullopt;
      k.mki_value = value;
      k.mki_length = length;
    } else {
      if (!is_lifetime(field) || k.lifetime || k.mki_value) return std::nullopt;
      k.lifetime = std::string(field);
    }
    if (last) return k;
  }
  return info.empty() ? std::optional<CryptoKey>(k) : std::nullopt;
}

}  // namespace

std::optional<Crypto> parse_crypto(std::string_view value) {
  Fields f(grammar::trim(value));
  const auto tag = f.next(), suite = f.next(), keys = f.next();
  if (!keys || f.bad()) return std::nullopt;
  Crypto c;
  const auto t = parse_uint<std::uint32_t>(*tag, 999999999);
  if (!t) return std::nullopt;
  c.tag = *t;
  if (!grammar::is_token(*suite)) return std::nullopt;
  c.suite = std::string(*suite);
  std::string_view rest = *keys;
  while (!rest.empty()) {
    const bool last = rest.find(';') == std::string_view::npos;
    auto key = parse_key(grammar::split_first(rest, ';'));
    if (!key) return std::nullopt;
    c.keys.push_back(std::move(*key));
    if (last) break;
    if (rest.empty()) return std::nullopt;  // a trailing ';'
  }
  while (auto p = f.next()) c.session_params.emplace_back(*p);
  if (f.bad()) return std::nullopt;
  return c;
}

}  // namespace imsbox::sdp
