#include "aka/milenage.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace imsbox::aka {

namespace {

// E[in]K: one AES-128 block encryption.
Block aes128(const Block& k, const Block& in) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  Block out{};
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, k.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
      len != 16) {
    throw std::runtime_error("AES-128 failed");
  }
  return out;
}

}  // namespace

Block compute_opc(const Block& k, const Block& op) {
  Block opc = aes128(k, op);
  for (std::size_t i = 0; i < opc.size(); ++i) opc[i] ^= op[i];
  return opc;
}

}  // namespace imsbox::aka
