#include "agw/webrtc/srtp_transform.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace imsbox::agw::webrtc {

namespace {

constexpr std::size_t kHmacTag = 10;  // HMAC_SHA1_80
constexpr std::size_t kGcmTag = 16;   // AEAD_AES_128_GCM, RFC 7714 §14.2
constexpr std::size_t kSrtcpWord = 4; // E || SRTCP index
constexpr std::size_t kRtcpHeader = 8;
constexpr std::uint32_t kEBit = 0x80000000U;

std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void write32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
void cm_iv(std::uint8_t (&iv)[16], const std::array<std::uint8_t, 14>& salt, std::uint32_t ssrc, std::uint64_t i) {
  std::copy(salt.begin(), salt.end(), iv);
  iv[14] = iv[15] = 0;
  iv[4] ^= static_cast<std::uint8_t>(ssrc >> 24);
  iv[5] ^= static_cast<std::uint8_t>(ssrc >> 16);
  iv[6] ^= static_cast<std::uint8_t>(ssrc >> 8);
  iv[7] ^= static_cast<std::uint8_t>(ssrc);
  for (int b = 0; b < 6; ++b) iv[8 + b] ^= static_cast<std::uint8_t>(i >> (40 - 8 * b));
}

// RFC 7714 §8.1 (SRTP): IV = (0x0000 || SSRC || ROC || SEQ) XOR salt;
// §9.1 (SRTCP): IV = (0x0000 || SSRC || 0x0000 || 0 || SRTCP index) XOR salt.
// Both are SSRC in octets 2..5 and a 48-bit number in octets 6..11.
void gcm_iv(std::uint8_t (&iv)[12], const std::array<std::uint8_t, 14>& salt, std::uint32_t ssrc, std::uint64_t n) {
  std::copy(salt.begin(), salt.begin() + 12, iv);
  iv[2] ^= static_cast<std::uint8_t>(ssrc >> 24);
  iv[3] ^= static_cast<std::uint8_t>(ssrc >> 16);
  iv[4] ^= static_cast<std::uint8_t>(ssrc >> 8);
  iv[5] ^= static_cast<std::uint8_t>(ssrc);
  for (int b = 0; b < 6; ++b) iv[6 + b] ^= static_cast<std::uint8_t>(n >> (40 - 8 * b));
}

}  // namespace

std::optional<std::size_t> rtp_header_length(std::span<const std::uint8_t> packet) {
  if (packet.size() < 12) return std::nullopt;
  std::size_t n = 12 + 4 * std::size_t{packet[0] & 0x0fU};
  if (packet[0] & 0x10U) {  // X: a 4-byte extension header, then its length in 32-bit words
    if (packet.size() < n + 4) return std::nullopt;
    n += 4 + 4 * ((std::size_t{packet[n + 2]} << 8) | packet[n + 3]);
  }
  if (packet.size() < n) return std::nullopt;
  return n;
}

std::optional<SrtcpTrailer> read_srtcp_trailer(SrtpProfile profile, std::span<const std::uint8_t> packet) {
  const std::size_t tag = profile == SrtpProfile::aead_aes_128_gcm ? kGcmTag : kHmacTag;
  if (packet.size() < kRtcpHeader + kSrtcpWord + tag) return std::nullopt;
  // AES-CM: ... || E+index || tag (RFC 3711 §3.4); GCM: ... || tag || E+index (RFC 7714 §9).
  const std::size_t at = profile == SrtpProfile::aead_aes_128_gcm ? packet.size() - kSrtcpWord
                                                                    : packet.size() - tag - kSrtcpWord;
  const std::uint32_t word = read32(packet.data() + at);
  return SrtcpTrailer{(word & kEBit) != 0, word & ~kEBit};
}

SrtpTransform::SrtpTransform(SrtpProfile profile, Mode mode, const SrtpSessionKeys& rtp, const SrtpSessionKeys& rtcp)
    : profile_(profile), mode_(mode) {
  try {
    key(rtp_, rtp);
    key(rtcp_, rtcp);
  } catch (...) {
    release();
    throw;
  }
}

SrtpTransform::~SrtpTransform() { release(); }

void SrtpTransform::release() noexcept {
  for (Keyed* k : {&rtp_, &rtcp_}) {
    EVP_CIPHER_CTX_free(k->cipher);  // cleanses the key schedule
    k->mac.reset();                  // wipes the keyed SHA-1 states
    k->cipher = nullptr;
    OPENSSL_cleanse(k->salt.data(), k->salt.size());
  }
}

void SrtpTransform::key(Keyed& k, const SrtpSessionKeys& keys) {
  const bool gcm = profile_ == SrtpProfile::aead_aes_128_gcm;
  if (keys.salt_length != (gcm ? 12U : 14U)) throw std::invalid_argument("SRTP: wrong session salt length");
  k.salt = keys.salt;
  k.cipher = EVP_CIPHER_CTX_new();
  if (!k.cipher) throw std::runtime_error("SRTP: EVP_CIPHER_CTX_new failed");
  const EVP_CIPHER* cipher = gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
  // AES-CM is its own inverse: always "encrypt". GCM opens with a decrypt context.
  const bool decrypt = gcm && mode_ == Mode::unprotect;
  const int ok = decrypt ? EVP_DecryptInit_ex(k.cipher, cipher, nullptr, keys.encryption.data(), nullptr)
                         : EVP_EncryptInit_ex(k.cipher, cipher, nullptr, keys.encryption.data(), nullptr);
  if (ok != 1) throw std::runtime_error("SRTP: OpenSSL refused the session key");
  if (gcm) return;
  k.mac = std::make_unique<HmacSha1>(keys.authentication);
}

std::size_t SrtpTransform::rtp_overhead() const {
  return profile_ == SrtpProfile::aead_aes_128_gcm ? kGcmTag : kHmacTag;
}

std::size_t SrtpTransform::rtcp_overhead() const { return rtp_overhead() + kSrtcpWord; }

bool SrtpTransform::ctr(Keyed& k, const std::uint8_t (&iv)[16], std::span<std::uint8_t> data) noexcept {
  int written = 0;
  if (EVP_EncryptInit_ex(k.cipher, nullptr, nullptr, nullptr, iv) != 1) return false;
  if (data.empty()) return true;
  return EVP_EncryptUpdate(k.cipher, data.data(), &written, data.data(), static_cast<int>(data.size())) == 1 &&
         static_cast<std::size_t>(written) == data.size();
}

bool SrtpTransform::gcm_begin(Keyed& k, const std::uint8_t (&iv)[12], std::span<const std::uint8_t> aad,
                              std::span<const std::uint8_t> aad_suffix, std::span<std::uint8_t> data) noexcept {
  // EVP_Cipher*: the context seals or opens as it was keyed (enc = -1 keeps that).
  int n = 0;
  if (EVP_CipherInit_ex(k.cipher, nullptr, nullptr, nullptr, iv, -1) != 1) return false;
  if (EVP_CipherUpdate(k.cipher, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1) return false;
  if (!aad_suffix.empty() &&
      EVP_CipherUpdate(k.cipher, nullptr, &n, aad_suffix.data(), static_cast<int>(aad_suffix.size())) != 1)
    return false;
  return data.empty() ||
         EVP_CipherUpdate(k.cipher, data.data(), &n, data.data(), static_cast<int>(data.size())) == 1;
}

bool SrtpTransform::gcm_seal(Keyed& k, const std::uint8_t (&iv)[12], std::span<const std::uint8_t> aad,
                             std::span<const std::uint8_t> aad_suffix, std::span<std::uint8_t> data,
                             std::uint8_t* tag) noexcept {
  int tail = 0;
  return gcm_begin(k, iv, aad, aad_suffix, data) && EVP_EncryptFinal_ex(k.cipher, tag, &tail) == 1 && tail == 0 &&
         EVP_CIPHER_CTX_ctrl(k.cipher, EVP_CTRL_GCM_GET_TAG, kGcmTag, tag) == 1;
}

bool SrtpTransform::gcm_open(Keyed& k, const std::uint8_t (&iv)[12], std::span<const std::uint8_t> aad,
                             std::span<const std::uint8_t> aad_suffix, std::span<std::uint8_t> data,
                             const std::uint8_t* tag) noexcept {
  std::uint8_t none[16];
  int tail = 0;
  // OpenSSL copies the expected tag; it does not write through the pointer.
  return gcm_begin(k, iv, aad, aad_suffix, data) &&
         EVP_CIPHER_CTX_ctrl(k.cipher, EVP_CTRL_GCM_SET_TAG, kGcmTag, const_cast<std::uint8_t*>(tag)) == 1 &&
         EVP_DecryptFinal_ex(k.cipher, none, &tail) > 0;
}

SrtpStatus SrtpTransform::protect_rtp(std::span<std::uint8_t> packet, std::size_t& length,
                                      std::uint64_t index) noexcept {
  if (mode_ != Mode::protect) return SrtpStatus::failed;
  if (length > packet.size()) return SrtpStatus::no_room;
  const auto header = rtp_header_length(packet.first(length));
  if (!header) return SrtpStatus::too_short;
  if (packet.size() - length < rtp_overhead()) return SrtpStatus::no_room;
  std::uint8_t* p = packet.data();
  const std::uint32_t ssrc = read32(p + 8);
  const auto payload = packet.subspan(*header, length - *header);
  if (profile_ == SrtpProfile::aead_aes_128_gcm) {
    std::uint8_t iv[12];
    gcm_iv(iv, rtp_.salt, ssrc, index);
    if (!gcm_seal(rtp_, iv, packet.first(*header), {}, payload, p + length)) return SrtpStatus::failed;
    length += kGcmTag;
    return SrtpStatus::ok;
  }
  std::uint8_t iv[16];
  cm_iv(iv, rtp_.salt, ssrc, index);
  if (!ctr(rtp_, iv, payload)) return SrtpStatus::failed;
  // RFC 3711 §4.2: the tag covers the header, the encrypted payload and the ROC.
  std::uint8_t roc[4];
  write32(roc, static_cast<std::uint32_t>(index >> 16));
  std::uint8_t tag[20];
  rtp_.mac->tag(packet.first(length), roc, tag);
  std::copy(tag, tag + kHmacTag, p + length);
  length += kHmacTag;
  return SrtpStatus::ok;
}

SrtpStatus SrtpTransform::unprotect_rtp(std::span<std::uint8_t> packet, std::size_t& length,
                                        std::uint64_t index) noexcept {
  if (mode_ != Mode::unprotect) return SrtpStatus::failed;
  if (length > packet.size()) return SrtpStatus::no_room;
  const auto header = rtp_header_length(packet.first(length));
  if (!header || length - *header < rtp_overhead()) return SrtpStatus::too_short;
  std::uint8_t* p = packet.data();
  const std::uint32_t ssrc = read32(p + 8);
  const std::size_t end = length - rtp_overhead();  // where the tag starts
  const auto payload = packet.subspan(*header, end - *header);
  if (profile_ == SrtpProfile::aead_aes_128_gcm) {
    std::uint8_t iv[12];
    gcm_iv(iv, rtp_.salt, ssrc, index);
    if (!gcm_open(rtp_, iv, packet.first(*header), {}, payload, p + end)) return SrtpStatus::auth_failed;
    length = end;
    return SrtpStatus::ok;
  }
  std::uint8_t roc[4];
  write32(roc, static_cast<std::uint32_t>(index >> 16));
  std::uint8_t tag[20];
  rtp_.mac->tag(packet.first(end), roc, tag);
  if (CRYPTO_memcmp(tag, p + end, kHmacTag) != 0) return SrtpStatus::auth_failed;
  std::uint8_t iv[16];
  cm_iv(iv, rtp_.salt, ssrc, index);
  if (!ctr(rtp_, iv, payload)) return SrtpStatus::failed;
  length = end;
  return SrtpStatus::ok;
}

SrtpStatus SrtpTransform::protect_rtcp(std::span<std::uint8_t> packet, std::size_t& length,
                                       std::uint32_t srtcp_index) noexcept {
  if (mode_ != Mode::protect || srtcp_index & kEBit) return SrtpStatus::failed;
  if (length > packet.size()) return SrtpStatus::no_room;
  if (length < kRtcpHeader) return SrtpStatus::too_short;
  if (packet.size() - length < rtcp_overhead()) return SrtpStatus::no_room;
  std::uint8_t* p = packet.data();
  const std::uint32_t ssrc = read32(p + 4);
  std::uint8_t word[kSrtcpWord];
  write32(word, kEBit | srtcp_index);
  const auto payload = packet.subspan(kRtcpHeader, length - kRtcpHeader);
  if (profile_ == SrtpProfile::aead_aes_128_gcm) {
    // RFC 7714 §9: header || ciphertext || tag || E+index; the AAD is the
    // 8-byte header and the E+index word.
    std::uint8_t iv[12];
    gcm_iv(iv, rtcp_.salt, ssrc, srtcp_index);
    if (!gcm_seal(rtcp_, iv, packet.first(kRtcpHeader), word, payload, p + length)) return SrtpStatus::failed;
    std::copy(word, word + kSrtcpWord, p + length + kGcmTag);
    length += kGcmTag + kSrtcpWord;
    return SrtpStatus::ok;
  }
  // RFC 3711 §3.4: header || ciphertext || E+index || tag over all before it.
  std::uint8_t iv[16];
  cm_iv(iv, rtcp_.salt, ssrc, srtcp_index);
  if (!ctr(rtcp_, iv, payload)) return SrtpStatus::failed;
  std::copy(word, word + kSrtcpWord, p + length);
  length += kSrtcpWord;
  std::uint8_t tag[20];
  rtcp_.mac->tag(packet.first(length), {}, tag);
  std::copy(tag, tag + kHmacTag, p + length);
  length += kHmacTag;
  return SrtpStatus::ok;
}

SrtpStatus SrtpTransform::unprotect_rtcp(std::span<std::uint8_t> packet, std::size_t& length) noexcept {
  if (mode_ != Mode::unprotect) return SrtpStatus::failed;
  if (length > packet.size()) return SrtpStatus::no_room;
  const auto trailer = read_srtcp_trailer(profile_, packet.first(length));
  if (!trailer) return SrtpStatus::too_short;
  std::uint8_t* p = packet.data();
  const std::uint32_t ssrc = read32(p + 4);
  const std::size_t end = length - rtcp_overhead();  // the end of the (encrypted) RTCP
  // Unencrypted (E = 0): the whole RTCP is authenticated only.
  const std::size_t encrypted_from = trailer->encrypted ? kRtcpHeader : end;
  const auto payload = packet.subspan(encrypted_from, end - encrypted_from);
  if (profile_ == SrtpProfile::aead_aes_128_gcm) {
    std::uint8_t iv[12];
    gcm_iv(iv, rtcp_.salt, ssrc, trailer->index);
    const auto word = packet.subspan(length - kSrtcpWord, kSrtcpWord);
    if (!gcm_open(rtcp_, iv, packet.first(encrypted_from), word, payload, p + end)) return SrtpStatus::auth_failed;
    length = end;
    return SrtpStatus::ok;
  }
  std::uint8_t tag[20];
  rtcp_.mac->tag(packet.first(length - kHmacTag), {}, tag);
  if (CRYPTO_memcmp(tag, p + length - kHmacTag, kHmacTag) != 0) return SrtpStatus::auth_failed;
  if (trailer->encrypted) {
    std::uint8_t iv[16];
    cm_iv(iv, rtcp_.salt, ssrc, trailer->index);
    if (!ctr(rtcp_, iv, payload)) return SrtpStatus::failed;
  }
  length = end;
  return SrtpStatus::ok;
}

}  // namespace imsbox::agw::webrtc
