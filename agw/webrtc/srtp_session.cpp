#include "agw/webrtc/srtp_session.h"

#include <srtp2/srtp.h>

#include <climits>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace imsbox::agw::webrtc {

namespace {

// libsrtp2's crypto kernel is a process-wide table; srtp_init() fills it.
void init_libsrtp() {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_ok;
  std::call_once(once, [] { status = srtp_init(); });
  if (status != srtp_err_status_ok)
    throw std::runtime_error("srtp_init failed (libsrtp2 status " + std::to_string(status) + ")");
}

SrtpStatus to_status(srtp_err_status_t e) {
  switch (e) {
    case srtp_err_status_ok: return SrtpStatus::ok;
    case srtp_err_status_auth_fail: return SrtpStatus::auth_failed;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return SrtpStatus::replay;
    case srtp_err_status_bad_param: return SrtpStatus::too_short;
    default: return SrtpStatus::failed;
  }
}

srtp_t create(SrtpProfile profile, srtp_ssrc_type_t direction, std::span<const std::uint8_t> key_salt) {
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (profile == SrtpProfile::aead_aes_128_gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  policy.ssrc.type = direction;
  // libsrtp reads the key and salt from this buffer while srtp_create runs
  // (it keeps its own copy); it wants a non-const pointer.
  std::vector<unsigned char> key(key_salt.begin(), key_salt.end());
  policy.key = key.data();
  // Browsers reorder little, but a jitter of a few hundred packets happens
  // on loaded hosts: a wider window than the default 128 costs 128 bytes.
  policy.window_size = 1024;
  policy.allow_repeat_tx = 0;
  srtp_t session = nullptr;
  const srtp_err_status_t e = srtp_create(&session, &policy);
  std::fill(key.begin(), key.end(), 0);
  if (e != srtp_err_status_ok)
    throw std::runtime_error("srtp_create failed (libsrtp2 status " + std::to_string(e) + ")");
  return session;
}

// libsrtp takes int lengths; our buffers are far below INT_MAX, but a caller
// bug must not become a wrap.
bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

}  // namespace

std::string_view to_string(SrtpProfile profile) {
  return profile == SrtpProfile::aead_aes_128_gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
}

std::optional<SrtpProfile> parse_srtp_profile(std::string_view name) {
  if (name == "AEAD_AES_128_GCM" || name == "SRTP_AEAD_AES_128_GCM") return SrtpProfile::aead_aes_128_gcm;
  if (name == "AES_CM_128_HMAC_SHA1_80" || name == "SRTP_AES128_CM_SHA1_80" || name == "SRTP_AES128_CM_HMAC_SHA1_80")
    return SrtpProfile::aes_cm_128_hmac_sha1_80;
  return std::nullopt;
}

std::string_view openssl_name(SrtpProfile profile) {
  return profile == SrtpProfile::aead_aes_128_gcm ? "SRTP_AEAD_AES_128_GCM" : "SRTP_AES128_CM_SHA1_80";
}

std::size_t master_key_length(SrtpProfile) { return 16; }

std::size_t master_salt_length(SrtpProfile profile) { return profile == SrtpProfile::aead_aes_128_gcm ? 12 : 14; }

std::string_view to_string(SrtpStatus status) {
  switch (status) {
    case SrtpStatus::ok: return "ok";
    case SrtpStatus::no_room: return "no room in the buffer";
    case SrtpStatus::too_short: return "too short";
    case SrtpStatus::auth_failed: return "authentication failed";
    case SrtpStatus::replay: return "replayed or too old";
    case SrtpStatus::not_ready: return "no SRTP keys yet";
    case SrtpStatus::failed: break;
  }
  return "refused by libsrtp";
}

SrtpSession::SrtpSession(SrtpProfile profile, std::span<const std::uint8_t> send_key_salt,
                         std::span<const std::uint8_t> receive_key_salt)
    : profile_(profile) {
  const std::size_t want = master_key_length(profile) + master_salt_length(profile);
  if (send_key_salt.size() != want || receive_key_salt.size() != want)
    throw std::invalid_argument("SRTP " + std::string(to_string(profile)) + " needs " + std::to_string(want) +
                                "-byte keys (master key and salt)");
  init_libsrtp();
  send_ = create(profile, ssrc_any_outbound, send_key_salt);
  try {
    receive_ = create(profile, ssrc_any_inbound, receive_key_salt);
  } catch (...) {
    srtp_dealloc(send_);
    throw;
  }
}

SrtpSession::~SrtpSession() {
  srtp_dealloc(send_);
  srtp_dealloc(receive_);
}

SrtpStatus SrtpSession::protect_rtp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept {
  if (length < 12) return SrtpStatus::too_short;
  if (length > buffer.size() || buffer.size() - length < kSrtpMaxOverhead || !fits_int(buffer.size()))
    return SrtpStatus::no_room;
  int len = static_cast<int>(length);
  const auto e = srtp_protect(send_, buffer.data(), &len);
  if (e == srtp_err_status_ok) length = static_cast<std::size_t>(len);
  return to_status(e);
}

SrtpStatus SrtpSession::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept {
  if (length < 8) return SrtpStatus::too_short;
  if (length > buffer.size() || buffer.size() - length < kSrtpMaxOverhead || !fits_int(buffer.size()))
    return SrtpStatus::no_room;
  int len = static_cast<int>(length);
  const auto e = srtp_protect_rtcp(send_, buffer.data(), &len);
  if (e == srtp_err_status_ok) length = static_cast<std::size_t>(len);
  return to_status(e);
}

SrtpStatus SrtpSession::unprotect_rtp(std::span<std::uint8_t> packet, std::size_t& length) noexcept {
  if (length > packet.size() || !fits_int(length)) return SrtpStatus::no_room;
  if (length < 12) return SrtpStatus::too_short;
  int len = static_cast<int>(length);
  const auto e = srtp_unprotect(receive_, packet.data(), &len);
  if (e == srtp_err_status_ok) length = static_cast<std::size_t>(len);
  return to_status(e);
}

SrtpStatus SrtpSession::unprotect_rtcp(std::span<std::uint8_t> packet, std::size_t& length) noexcept {
  if (length > packet.size() || !fits_int(length)) return SrtpStatus::no_room;
  if (length < 8) return SrtpStatus::too_short;
  int len = static_cast<int>(length);
  const auto e = srtp_unprotect_rtcp(receive_, packet.data(), &len);
  if (e == srtp_err_status_ok) length = static_cast<std::size_t>(len);
  return to_status(e);
}

}  // namespace imsbox::agw::webrtc
