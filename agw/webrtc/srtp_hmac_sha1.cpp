// OpenSSL 3 deprecates the low-level SHA1_* functions in favour of EVP_MD,
// but they remain in 3.x and are the only way to copy a keyed SHA-1 state
// without an allocation (SHA_CTX is a plain struct). Kept to this file.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "agw/webrtc/srtp_hmac_sha1.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace imsbox::agw::webrtc {

struct HmacSha1::Pads {
  SHA_CTX inner;
  SHA_CTX outer;
};

HmacSha1::HmacSha1(std::span<const std::uint8_t> key) : pads_(std::make_unique<Pads>()) {
  if (key.size() > SHA_CBLOCK) throw std::invalid_argument("HMAC-SHA1: keys longer than 64 bytes are not used here");
  std::array<std::uint8_t, SHA_CBLOCK> ipad{}, opad{};
  for (std::size_t i = 0; i < SHA_CBLOCK; ++i) {
    const std::uint8_t b = i < key.size() ? key[i] : 0;
    ipad[i] = static_cast<std::uint8_t>(b ^ 0x36);
    opad[i] = static_cast<std::uint8_t>(b ^ 0x5c);
  }
  const bool ok = SHA1_Init(&pads_->inner) == 1 && SHA1_Update(&pads_->inner, ipad.data(), ipad.size()) == 1 &&
                  SHA1_Init(&pads_->outer) == 1 && SHA1_Update(&pads_->outer, opad.data(), opad.size()) == 1;
  OPENSSL_cleanse(ipad.data(), ipad.size());
  OPENSSL_cleanse(opad.data(), opad.size());
  if (!ok) throw std::runtime_error("HMAC-SHA1: SHA-1 failed in OpenSSL");
}

HmacSha1::~HmacSha1() { OPENSSL_cleanse(pads_.get(), sizeof(Pads)); }

void HmacSha1::tag(std::span<const std::uint8_t> data, std::span<const std::uint8_t> suffix,
                   std::uint8_t (&out)[20]) const noexcept {
  // SHA1_Update/SHA1_Final cannot fail on a valid context.
  SHA_CTX c = pads_->inner;
  SHA1_Update(&c, data.data(), data.size());
  if (!suffix.empty()) SHA1_Update(&c, suffix.data(), suffix.size());
  std::uint8_t inner[SHA_DIGEST_LENGTH];
  SHA1_Final(inner, &c);
  c = pads_->outer;
  SHA1_Update(&c, inner, sizeof inner);
  SHA1_Final(out, &c);
  OPENSSL_cleanse(&c, sizeof c);
}

}  // namespace imsbox::agw::webrtc
