#pragma once
// SRTP key derivation (RFC 3711 §4.3) with the AES-CM PRF (§4.3.3) and a key
// derivation rate of 0, as DTLS-SRTP uses it (RFC 5764 §4.1.2): the session
// keys of one direction from its master key and salt. RFC 7714 §11's AEAD
// profiles use the same PRF with the 96-bit master salt padded with two zero
// octets (as libsrtp does). Control path: runs once per session, throws.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "agw/webrtc/srtp_session.h"

namespace imsbox::agw::webrtc {

// RFC 3711 §4.3.1's labels.
enum class SrtpKeyLabel : std::uint8_t {
  rtp_encryption = 0x00,
  rtp_authentication = 0x01,
  rtp_salt = 0x02,
  rtcp_encryption = 0x03,
  rtcp_authentication = 0x04,
  rtcp_salt = 0x05,
};

// PRF_n(k_master, x) with x = (label || r) XOR master_salt, r = 0: the first
// out.size() bytes of the AES-CM keystream under the master key (16 bytes)
// with the IV x * 2^16. The master salt is 14 bytes, or 12 (zero-padded).
// Throws std::invalid_argument for other lengths, std::runtime_error when
// OpenSSL fails.
void srtp_prf(std::span<const std::uint8_t> master_key, std::span<const std::uint8_t> master_salt,
              SrtpKeyLabel label, std::span<std::uint8_t> out);

// The session keys of SRTP or of SRTCP for one direction. The authentication
// key is HMAC-SHA1's 160 bits (unused by AEAD_AES_128_GCM); the salt is 14
// bytes for AES-CM, 12 for GCM (salt_length). Wiped when destroyed.
struct SrtpSessionKeys {
  std::array<std::uint8_t, 16> encryption{};
  std::array<std::uint8_t, 20> authentication{};
  std::array<std::uint8_t, 14> salt{};
  std::size_t salt_length = 14;

  SrtpSessionKeys() = default;
  SrtpSessionKeys(const SrtpSessionKeys&) = default;
  SrtpSessionKeys& operator=(const SrtpSessionKeys&) = default;
  ~SrtpSessionKeys();
};

// rtcp: the labels 3..5 instead of 0..2.
SrtpSessionKeys derive_srtp_session_keys(SrtpProfile profile, std::span<const std::uint8_t> master_key,
                                         std::span<const std::uint8_t> master_salt, bool rtcp);

}  // namespace imsbox::agw::webrtc
