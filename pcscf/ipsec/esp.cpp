#include "pcscf/ipsec/esp.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <string>

namespace imsbox::pcscf::ipsec {
namespace {

constexpr std::size_t header_size = 8;   // SPI, sequence number
constexpr std::size_t icv_size = 12;     // HMAC-SHA-1-96 and HMAC-MD5-96
constexpr std::size_t trailer_size = 2;  // pad length, next header
constexpr std::size_t aes_block = 16;
constexpr std::size_t null_alignment = 4;  // pad length and next header end a 4-byte word (RFC 4303 §2.4)

std::size_t iv_size(EncryptionAlgorithm e) { return e == EncryptionAlgorithm::aes_cbc ? aes_block : 0; }
std::size_t alignment(EncryptionAlgorithm e) { return e == EncryptionAlgorithm::aes_cbc ? aes_block : null_alignment; }
// Payload + padding + trailer: what is encrypted.
std::size_t padded_size(EncryptionAlgorithm e, std::size_t n) {
  const std::size_t a = alignment(e);
  return (n + trailer_size + a - 1) / a * a;
}

void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
std::uint32_t get32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  void operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// The OpenSSL state of one direction of an SA: an HMAC context keyed once,
// reset per packet; for AES-CBC a cipher context with its key schedule, given
// a new IV per packet.
class SaCrypto {
 public:
  SaCrypto(const EspKeys& keys, bool encrypt) : encryption_(keys.encryption) {
    if (keys.integrity_key.size() != key_length(keys.integrity))
      throw std::invalid_argument("ESP: " + std::string(to_string(keys.integrity)) + " needs a key of " +
                                  std::to_string(key_length(keys.integrity)) + " bytes");
    if (keys.encryption_key.size() != key_length(keys.encryption))
      throw std::invalid_argument("ESP: " + std::string(to_string(keys.encryption)) + " needs a key of " +
                                  std::to_string(key_length(keys.encryption)) + " bytes");
    mac_alg_.reset(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    if (!mac_alg_) throw std::runtime_error("ESP: no HMAC in OpenSSL");
    mac_.reset(EVP_MAC_CTX_new(mac_alg_.get()));
    char digest[8];
    std::strcpy(digest, keys.integrity == IntegrityAlgorithm::hmac_sha1_96 ? "SHA1" : "MD5");
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (!mac_ || EVP_MAC_init(mac_.get(), keys.integrity_key.data(), keys.integrity_key.size(), params) != 1)
      throw std::runtime_error("ESP: HMAC-" + std::string(digest) + " unavailable");
    if (encryption_ == EncryptionAlgorithm::aes_cbc) {
      cipher_alg_.reset(EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr));
      cipher_.reset(EVP_CIPHER_CTX_new());
      if (!cipher_alg_ || !cipher_ ||
          EVP_CipherInit_ex(cipher_.get(), cipher_alg_.get(), nullptr, keys.encryption_key.data(), nullptr,
                            encrypt ? 1 : 0) != 1 ||
          EVP_CIPHER_CTX_set_padding(cipher_.get(), 0) != 1)
        throw std::runtime_error("ESP: AES-128-CBC unavailable");
    }
  }

  EncryptionAlgorithm encryption() const { return encryption_; }

  // The 96-bit ICV of `data` into icv[0..12).
  bool icv(std::span<const std::uint8_t> data, std::uint8_t* icv) {
    std::uint8_t full[EVP_MAX_MD_SIZE];
    std::size_t length = 0;
    if (EVP_MAC_init(mac_.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(mac_.get(), data.data(), data.size()) != 1 ||
        EVP_MAC_final(mac_.get(), full, &length, sizeof full) != 1 || length < icv_size)
      return false;
    std::memcpy(icv, full, icv_size);
    OPENSSL_cleanse(full, sizeof full);
    return true;
  }

  // AES-CBC over whole blocks, in place (the direction chosen at construction).
  bool cbc(const std::uint8_t* iv, std::uint8_t* data, std::size_t size) {
    int out = 0;
    return EVP_CipherInit_ex(cipher_.get(), nullptr, nullptr, nullptr, iv, -1) == 1 &&
           EVP_CipherUpdate(cipher_.get(), data, &out, data, static_cast<int>(size)) == 1 &&
           static_cast<std::size_t>(out) == size;
  }

 private:
  EncryptionAlgorithm encryption_;
  std::unique_ptr<EVP_MAC, MacFree> mac_alg_;
  std::unique_ptr<EVP_MAC_CTX, MacFree> mac_;
  std::unique_ptr<EVP_CIPHER, MacFree> cipher_alg_;
  std::unique_ptr<EVP_CIPHER_CTX, MacFree> cipher_;
};

}  // namespace

std::string_view to_string(IntegrityAlgorithm a) {
  return a == IntegrityAlgorithm::hmac_sha1_96 ? "hmac-sha-1-96" : "hmac-md5-96";
}
std::string_view to_string(EncryptionAlgorithm e) { return e == EncryptionAlgorithm::aes_cbc ? "aes-cbc" : "null"; }

std::optional<IntegrityAlgorithm> integrity_algorithm(std::string_view name) {
  if (iequals(name, "hmac-sha-1-96")) return IntegrityAlgorithm::hmac_sha1_96;
  if (iequals(name, "hmac-md5-96")) return IntegrityAlgorithm::hmac_md5_96;
  return std::nullopt;
}
std::optional<EncryptionAlgorithm> encryption_algorithm(std::string_view name) {
  if (iequals(name, "aes-cbc")) return EncryptionAlgorithm::aes_cbc;
  if (iequals(name, "null")) return EncryptionAlgorithm::null;
  return std::nullopt;
}

std::size_t key_length(IntegrityAlgorithm a) { return a == IntegrityAlgorithm::hmac_sha1_96 ? 20 : 16; }
std::size_t key_length(EncryptionAlgorithm e) { return e == EncryptionAlgorithm::aes_cbc ? 16 : 0; }

std::string_view to_string(EspDrop d) {
  switch (d) {
    case EspDrop::too_short:
      return "too_short";
    case EspDrop::bad_spi:
      return "bad_spi";
    case EspDrop::bad_icv:
      return "bad_icv";
    case EspDrop::replayed:
      return "replayed";
    case EspDrop::bad_padding:
      return "bad_padding";
    case EspDrop::bad_length:
      return "bad_length";
  }
  return "unknown";
}

EspKeys::~EspKeys() {
  OPENSSL_cleanse(integrity_key.data(), integrity_key.size());
  OPENSSL_cleanse(encryption_key.data(), encryption_key.size());
}

EspKeys ims_aka_keys(IntegrityAlgorithm integrity, EncryptionAlgorithm encryption, std::span<const std::uint8_t, 16> ck,
                     std::span<const std::uint8_t, 16> ik) {
  EspKeys keys;
  keys.integrity = integrity;
  keys.encryption = encryption;
  keys.integrity_key.reserve(20);
  keys.integrity_key.assign(ik.begin(), ik.end());
  if (integrity == IntegrityAlgorithm::hmac_sha1_96) keys.integrity_key.resize(20, 0);  // IK || 32 zero bits
  if (encryption == EncryptionAlgorithm::aes_cbc) keys.encryption_key.assign(ck.begin(), ck.end());
  return keys;
}

std::uint32_t esp_spi(std::span<const std::uint8_t> esp_packet) {
  return esp_packet.size() < header_size ? 0 : get32(esp_packet.data());
}

std::size_t esp_overhead(EncryptionAlgorithm e, std::size_t n) {
  return header_size + iv_size(e) + (padded_size(e, n) - n) + icv_size;
}
std::size_t esp_overhead(const EspKeys& keys, std::size_t n) { return esp_overhead(keys.encryption, n); }

// ---- outbound ----

struct EspOutbound::Crypto : SaCrypto {
  using SaCrypto::SaCrypto;
};

EspOutbound::EspOutbound(std::uint32_t spi, const EspKeys& keys, std::uint32_t sent)
    : spi_(spi), next_sequence_(std::uint64_t{sent} + 1), crypto_(std::make_unique<Crypto>(keys, true)) {}
EspOutbound::~EspOutbound() = default;
EspOutbound::EspOutbound(EspOutbound&&) noexcept = default;
EspOutbound& EspOutbound::operator=(EspOutbound&&) noexcept = default;

bool EspOutbound::seal(std::uint8_t next_header, std::span<const std::uint8_t> payload,
                       std::vector<std::uint8_t>& out) {
  out.clear();
  if (next_sequence_ > 0xffffffffu) return false;  // no ESN: sequence numbers must not cycle
  const EncryptionAlgorithm e = crypto_->encryption();
  const std::size_t iv = iv_size(e);
  const std::size_t plain = padded_size(e, payload.size());
  out.resize(header_size + iv + plain + icv_size);
  std::uint8_t* p = out.data();
  put32(p, spi_);
  put32(p + 4, static_cast<std::uint32_t>(next_sequence_));
  if (iv > 0 && RAND_bytes(p + header_size, static_cast<int>(iv)) != 1) {
    out.clear();
    return false;
  }
  std::uint8_t* text = p + header_size + iv;
  if (!payload.empty()) std::memcpy(text, payload.data(), payload.size());
  const std::size_t pad = plain - trailer_size - payload.size();
  for (std::size_t i = 0; i < pad; ++i) text[payload.size() + i] = static_cast<std::uint8_t>(i + 1);
  text[plain - 2] = static_cast<std::uint8_t>(pad);
  text[plain - 1] = next_header;
  if ((e == EncryptionAlgorithm::aes_cbc && !crypto_->cbc(p + header_size, text, plain)) ||
      !crypto_->icv({p, header_size + iv + plain}, text + plain)) {
    out.clear();
    return false;
  }
  ++next_sequence_;
  return true;
}

// ---- inbound ----

struct EspInbound::Crypto : SaCrypto {
  using SaCrypto::SaCrypto;
};

EspInbound::EspInbound(std::uint32_t spi, const EspKeys& keys)
    : spi_(spi), crypto_(std::make_unique<Crypto>(keys, false)) {}
EspInbound::~EspInbound() = default;
EspInbound::EspInbound(EspInbound&&) noexcept = default;
EspInbound& EspInbound::operator=(EspInbound&&) noexcept = default;

EspInbound::Result EspInbound::open(std::span<std::uint8_t> esp_packet) {
  const EncryptionAlgorithm e = crypto_->encryption();
  const std::size_t iv = iv_size(e);
  const std::size_t min_text = e == EncryptionAlgorithm::aes_cbc ? aes_block : trailer_size;
  if (esp_packet.size() < header_size + iv + min_text + icv_size) return EspDrop::too_short;
  std::uint8_t* p = esp_packet.data();
  if (get32(p) != spi_) return EspDrop::bad_spi;
  const std::uint32_t sequence = get32(p + 4);
  if (window_.check(sequence) != AntiReplayWindow::Verdict::fresh) return EspDrop::replayed;

  const std::size_t authenticated = esp_packet.size() - icv_size;
  std::uint8_t icv[icv_size];
  if (!crypto_->icv({p, authenticated}, icv) || CRYPTO_memcmp(icv, p + authenticated, icv_size) != 0)
    return EspDrop::bad_icv;

  std::uint8_t* text = p + header_size + iv;
  const std::size_t text_size = authenticated - header_size - iv;
  if (e == EncryptionAlgorithm::aes_cbc) {
    if (text_size % aes_block != 0) return EspDrop::bad_length;
    if (!crypto_->cbc(p + header_size, text, text_size)) return EspDrop::bad_icv;  // OpenSSL failure: drop
  }
  const std::size_t pad = text[text_size - 2];
  if (pad + trailer_size > text_size) return EspDrop::bad_length;
  const std::size_t payload_size = text_size - trailer_size - pad;
  for (std::size_t i = 0; i < pad; ++i)
    if (text[payload_size + i] != static_cast<std::uint8_t>(i + 1)) return EspDrop::bad_padding;

  window_.accept(sequence);
  return Opened{text[text_size - 1], std::span<const std::uint8_t>(text, payload_size), sequence};
}

}  // namespace imsbox::pcscf::ipsec
