#include "aka/digest.h"

#include <openssl/evp.h>

#include <initializer_list>
#include <stdexcept>

namespace imsbox::aka {

namespace {

// H(p1 ":" p2 ":" ...) as lower-case hex.
std::string hash_hex(DigestAlgorithm algorithm, std::initializer_list<std::string_view> parts) {
  std::string input;
  bool first = true;
  for (const auto part : parts) {
    if (!first) input += ':';
    input += part;
    first = false;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const EVP_MD* type = algorithm == DigestAlgorithm::md5 ? EVP_md5() : EVP_sha256();
  if (EVP_Digest(input.data(), input.size(), md, &len, type, nullptr) != 1) {
    throw std::runtime_error("digest failed");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password) {
  return hash_hex(algorithm, {username, realm, password});
}

std::string digest_response(DigestAlgorithm algorithm, std::string_view ha1, std::string_view nonce,
                            std::string_view nc, std::string_view cnonce, std::string_view qop,
                            std::string_view method, std::string_view digest_uri) {
  const std::string ha2 = hash_hex(algorithm, {method, digest_uri});
  if (qop.empty()) return hash_hex(algorithm, {ha1, nonce, ha2});
  if (qop == "auth") return hash_hex(algorithm, {ha1, nonce, nc, cnonce, qop, ha2});
  throw std::invalid_argument("unsupported digest qop '" + std::string(qop) + "'");
}

}  // namespace imsbox::aka
