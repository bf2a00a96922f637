#include "agw/webrtc/srtp_key_derivation.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace imsbox::agw::webrtc {

namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

void srtp_prf(std::span<const std::uint8_t> master_key, std::span<const std::uint8_t> master_salt,
              SrtpKeyLabel label, std::span<std::uint8_t> out) {
  if (master_key.size() != 16) throw std::invalid_argument("SRTP key derivation: the master key must be 16 bytes");
  if (master_salt.size() != 14 && master_salt.size() != 12)
    throw std::invalid_argument("SRTP key derivation: the master salt must be 14 or 12 bytes");
  // IV = x * 2^16, x = key_id XOR master_salt, key_id = label || r (7 bytes,
  // r = 0) aligned to the right of the 14-byte salt: the label is byte 7.
  std::array<std::uint8_t, 16> iv{};
  std::copy(master_salt.begin(), master_salt.end(), iv.begin());
  iv[7] ^= static_cast<std::uint8_t>(label);
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  std::fill(out.begin(), out.end(), 0);
  int written = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, master_key.data(), iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, out.data(), static_cast<int>(out.size())) != 1 ||
      static_cast<std::size_t>(written) != out.size())
    throw std::runtime_error("SRTP key derivation: AES-CM failed in OpenSSL");
}

SrtpSessionKeys::~SrtpSessionKeys() {
  OPENSSL_cleanse(encryption.data(), encryption.size());
  OPENSSL_cleanse(authentication.data(), authentication.size());
  OPENSSL_cleanse(salt.data(), salt.size());
}

SrtpSessionKeys derive_srtp_session_keys(SrtpProfile profile, std::span<const std::uint8_t> master_key,
                                         std::span<const std::uint8_t> master_salt, bool rtcp) {
  const auto base = static_cast<std::uint8_t>(rtcp ? SrtpKeyLabel::rtcp_encryption : SrtpKeyLabel::rtp_encryption);
  SrtpSessionKeys keys;
  keys.salt_length = master_salt_length(profile);
  srtp_prf(master_key, master_salt, static_cast<SrtpKeyLabel>(base), keys.encryption);
  if (profile == SrtpProfile::aes_cm_128_hmac_sha1_80)
    srtp_prf(master_key, master_salt, static_cast<SrtpKeyLabel>(base + 1), keys.authentication);
  srtp_prf(master_key, master_salt, static_cast<SrtpKeyLabel>(base + 2), std::span(keys.salt).first(keys.salt_length));
  return keys;
}

}  // namespace imsbox::agw::webrtc
