#pragma once
// One direction of SRTP and SRTCP with fixed session keys, on OpenSSL 3 EVP:
// the per-packet transforms of RFC 3711 §4 (AES_CM_128_HMAC_SHA1_80:
// AES-CM encryption, HMAC-SHA1 tag truncated to 80 bits) and RFC 7714
// (AEAD_AES_128_GCM, 16-byte tag; SRTCP with the E-bit and index as AAD,
// §9). The caller (SrtpSession) keeps the per-SSRC state and gives the
// packet index; this class only transforms.
//
// The cipher contexts and HMAC states are made once, keyed once, and reused for each
// packet: the packet path neither allocates nor throws. In place, in the
// caller's buffer. One thread at a time.
#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "agw/webrtc/srtp_hmac_sha1.h"
#include "agw/webrtc/srtp_key_derivation.h"
#include "agw/webrtc/srtp_session.h"

namespace imsbox::agw::webrtc {

// The length of an RTP packet's header: 12 bytes, the CSRCs, the header
// extension (RFC 3550 §5.3.1); nullopt when the packet is shorter than that.
std::optional<std::size_t> rtp_header_length(std::span<const std::uint8_t> packet);

// What ends an SRTCP packet: the E flag and the 31-bit SRTCP index (RFC 3711
// §3.4); nullopt when the packet cannot hold header, trailer and tag.
struct SrtcpTrailer {
  bool encrypted = true;
  std::uint32_t index = 0;
};
std::optional<SrtcpTrailer> read_srtcp_trailer(SrtpProfile profile, std::span<const std::uint8_t> packet);

class SrtpTransform {
 public:
  enum class Mode { protect, unprotect };

  // Throws std::runtime_error when OpenSSL refuses the keys (control path).
  SrtpTransform(SrtpProfile profile, Mode mode, const SrtpSessionKeys& rtp, const SrtpSessionKeys& rtcp);
  ~SrtpTransform();
  SrtpTransform(const SrtpTransform&) = delete;
  SrtpTransform& operator=(const SrtpTransform&) = delete;

  SrtpProfile profile() const { return profile_; }
  // Bytes protect adds: 10 or 16 for RTP; 14 or 20 for RTCP (index and tag).
  std::size_t rtp_overhead() const;
  std::size_t rtcp_overhead() const;

  // Mode::protect only. `packet` holds the plaintext in its first `length`
  // bytes and room for the overhead after them; `index` is the packet's
  // 48-bit index (ROC and SEQ) or its SRTCP index (31 bits, E set).
  SrtpStatus protect_rtp(std::span<std::uint8_t> packet, std::size_t& length, std::uint64_t index) noexcept;
  SrtpStatus protect_rtcp(std::span<std::uint8_t> packet, std::size_t& length, std::uint32_t srtcp_index) noexcept;
  // Mode::unprotect only: authenticates, then decrypts in place; `length`
  // becomes the plaintext's. The SRTCP index is the packet's own.
  SrtpStatus unprotect_rtp(std::span<std::uint8_t> packet, std::size_t& length, std::uint64_t index) noexcept;
  SrtpStatus unprotect_rtcp(std::span<std::uint8_t> packet, std::size_t& length) noexcept;

 private:
  struct Keyed {  // the contexts of SRTP, or of SRTCP
    EVP_CIPHER_CTX* cipher = nullptr;
    std::unique_ptr<HmacSha1> mac;  // AES-CM only
    std::array<std::uint8_t, 14> salt{};
  };
  void key(Keyed& k, const SrtpSessionKeys& keys);
  void release() noexcept;
  bool ctr(Keyed& k, const std::uint8_t (&iv)[16], std::span<std::uint8_t> data) noexcept;
  bool gcm_begin(Keyed& k, const std::uint8_t (&iv)[12], std::span<const std::uint8_t> aad,
                 std::span<const std::uint8_t> aad_suffix, std::span<std::uint8_t> data) noexcept;
  bool gcm_seal(Keyed& k, const std::uint8_t (&iv)[12], std::span<const std::uint8_t> aad,
                std::span<const std::uint8_t> aad_suffix, std::span<std::uint8_t> data, std::uint8_t* tag) noexcept;
  bool gcm_open(Keyed& k, const std::uint8_t (&iv)[12], std::span<const std::uint8_t> aad,
                std::span<const std::uint8_t> aad_suffix, std::span<std::uint8_t> data, const std::uint8_t* tag) noexcept;

  SrtpProfile profile_;
  Mode mode_;
  Keyed rtp_;
  Keyed rtcp_;
};

}  // namespace imsbox::agw::webrtc
