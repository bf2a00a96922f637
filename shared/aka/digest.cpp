#include "aka/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace imsbox::aka {

std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password) {
  const std::string input = std::string(username) + ':' + std::string(realm) + ':' + std::string(password);
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

}  // namespace imsbox::aka
