#pragma once
// SRTP and SRTCP (RFC 3711, RFC 7714) for one browser leg, our own on OpenSSL
// 3 EVP (agw/webrtc/srtp_transform.h): one direction protects what we send,
// the other unprotects what we receive, each for any SSRC (the keys come from
// DTLS-SRTP, RFC 5764 §4.2), with per-SSRC state as libsrtp's "any
// outbound/inbound" mode keeps it: the ROC and a replay window of 1024
// indices per SSRC, the SRTCP index per SSRC.
//
// The packet path neither allocates (except once per new SSRC, after that
// SSRC's first packet authenticated; at most kSrtpMaxSsrcs per direction) nor
// throws: every call returns an SrtpStatus. Everything happens in place, in
// the caller's buffer. The session keys are wiped when the session ends.
//
// Threading: an SrtpSession belongs to one thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace imsbox::agw::webrtc {

class SrtpDirection;  // agw/webrtc/srtp_session.cpp

// The DTLS-SRTP protection profiles we negotiate (IANA "DTLS-SRTP Protection
// Profiles"), by their registry values.
enum class SrtpProfile : std::uint16_t {
  aes_cm_128_hmac_sha1_80 = 0x0001,  // RFC 5764 SRTP_AES128_CM_HMAC_SHA1_80
  aead_aes_128_gcm = 0x0007,         // RFC 7714 SRTP_AEAD_AES_128_GCM
};

// "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80": the crypto-suite names, which
// are also what browsers' getStats() reports as srtpCipher.
std::string_view to_string(SrtpProfile profile);
// Also the DTLS-SRTP profile names ("SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80").
std::optional<SrtpProfile> parse_srtp_profile(std::string_view name);
// OpenSSL's name for SSL_CTX_set_tlsext_use_srtp.
std::string_view openssl_name(SrtpProfile profile);

std::size_t master_key_length(SrtpProfile profile);   // 16 for both
std::size_t master_salt_length(SrtpProfile profile);  // 12 (GCM) or 14 (CM)

// Bytes a protect call may add after the payload, at most (authentication
// tag, and the SRTCP index): a buffer needs length + kSrtpMaxOverhead bytes.
inline constexpr std::size_t kSrtpMaxOverhead = 20;

// SSRCs a direction keeps state for (a browser leg has a few: audio, RTX,
// a receive-only RTCP SSRC); packets of more new SSRCs are refused (failed).
inline constexpr std::size_t kSrtpMaxSsrcs = 32;

enum class SrtpStatus {
  ok,
  no_room,      // the buffer cannot hold the protected packet
  too_short,    // shorter than an RTP/RTCP header, or than header + tag
  auth_failed,  // authentication failed (wrong key, tampered, not ours)
  replay,       // replayed, or too old for the replay window
  failed,       // anything else refused: too many SSRCs, index exhausted, OpenSSL error
  not_ready,    // no keys yet (DTLS not connected)
};

std::string_view to_string(SrtpStatus status);

class SrtpSession {
 public:
  // Each key is the master key followed by the master salt (RFC 5764
  // §4.2's client_write_SRTP_master_key || client_write_SRTP_master_salt
  // order, per direction). Throws std::invalid_argument for wrong lengths,
  // std::runtime_error when OpenSSL refuses (control path, not per packet).
  SrtpSession(SrtpProfile profile, std::span<const std::uint8_t> send_key_salt,
              std::span<const std::uint8_t> receive_key_salt);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  SrtpProfile profile() const { return profile_; }

  // In place: `length` bytes of RTP/RTCP at the start of `buffer` become the
  // protected packet, `length` its new size. `buffer` is the whole room the
  // packet may grow into (length + kSrtpMaxOverhead is always enough).
  SrtpStatus protect_rtp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept;
  SrtpStatus protect_rtcp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept;
  // In place: the packet shrinks to its plaintext; `length` is updated.
  SrtpStatus unprotect_rtp(std::span<std::uint8_t> packet, std::size_t& length) noexcept;
  SrtpStatus unprotect_rtcp(std::span<std::uint8_t> packet, std::size_t& length) noexcept;

 private:
  SrtpProfile profile_;
  std::unique_ptr<SrtpDirection> send_;
  std::unique_ptr<SrtpDirection> receive_;
};

}  // namespace imsbox::agw::webrtc
