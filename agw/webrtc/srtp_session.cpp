#include "agw/webrtc/srtp_session.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "agw/webrtc/srtp_key_derivation.h"
#include "agw/webrtc/srtp_replay.h"
#include "agw/webrtc/srtp_transform.h"

namespace imsbox::agw::webrtc {

namespace {

std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// The state of one SSRC in one direction.
struct SsrcState {
  std::uint32_t ssrc = 0;
  SrtpReplayWindow rtp;                // SRTP indices protected / accepted (highest = ROC and s_l)
  SrtpReplayWindow rtcp;               // SRTCP indices accepted (receive)
  std::uint32_t next_srtcp_index = 0;  // send: RFC 3711 §3.4, zero first
};

constexpr std::uint32_t kMaxSrtcpIndex = 0x7fffffffU;

}  // namespace

// One direction: the transform with its session keys, and the SSRCs seen.
class SrtpDirection {
 public:
  SrtpDirection(SrtpProfile profile, SrtpTransform::Mode mode, std::span<const std::uint8_t> key_salt)
      : SrtpDirection(profile, mode, key_salt.first(master_key_length(profile)),
                      key_salt.subspan(master_key_length(profile))) {}

  SrtpTransform transform;

  SsrcState* find(std::uint32_t ssrc) {
    if (last_ < states_.size() && states_[last_].ssrc == ssrc) return &states_[last_];
    for (std::size_t i = 0; i < states_.size(); ++i) {
      if (states_[i].ssrc == ssrc) {
        last_ = i;
        return &states_[i];
      }
    }
    return nullptr;
  }
  // nullptr when kSrtpMaxSsrcs are known already.
  SsrcState* add(std::uint32_t ssrc) {
    if (states_.size() == kSrtpMaxSsrcs) return nullptr;
    states_.push_back(SsrcState{ssrc, {}, {}, 0});
    last_ = states_.size() - 1;
    return &states_.back();
  }

 private:
  SrtpDirection(SrtpProfile profile, SrtpTransform::Mode mode, std::span<const std::uint8_t> key,
                std::span<const std::uint8_t> salt)
      : transform(profile, mode, derive_srtp_session_keys(profile, key, salt, false),
                  derive_srtp_session_keys(profile, key, salt, true)) {
    states_.reserve(4);
  }

  std::vector<SsrcState> states_;  // few: a linear search, the last one found first
  std::size_t last_ = 0;
};

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
  return "refused";
}

SrtpSession::SrtpSession(SrtpProfile profile, std::span<const std::uint8_t> send_key_salt,
                         std::span<const std::uint8_t> receive_key_salt)
    : profile_(profile) {
  const std::size_t want = master_key_length(profile) + master_salt_length(profile);
  if (send_key_salt.size() != want || receive_key_salt.size() != want)
    throw std::invalid_argument("SRTP " + std::string(to_string(profile)) + " needs " + std::to_string(want) +
                                "-byte keys (master key and salt)");
  send_ = std::make_unique<SrtpDirection>(profile, SrtpTransform::Mode::protect, send_key_salt);
  receive_ = std::make_unique<SrtpDirection>(profile, SrtpTransform::Mode::unprotect, receive_key_salt);
}

SrtpSession::~SrtpSession() = default;

SrtpStatus SrtpSession::protect_rtp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept {
  if (length < 12) return SrtpStatus::too_short;
  if (length > buffer.size() || buffer.size() - length < kSrtpMaxOverhead) return SrtpStatus::no_room;
  const std::uint32_t ssrc = read32(buffer.data() + 8);
  const auto seq = static_cast<std::uint16_t>((buffer[2] << 8) | buffer[3]);
  SsrcState* state = send_->find(ssrc);
  if (!state && !(state = send_->add(ssrc))) return SrtpStatus::failed;
  const std::uint64_t index = estimate_srtp_index(state->rtp.empty() ? 0 : state->rtp.highest(), seq);
  // Protecting one index twice would reuse its keystream (libsrtp refuses too).
  if (state->rtp.check(index) != SrtpReplayWindow::Verdict::fresh) return SrtpStatus::replay;
  const SrtpStatus status = send_->transform.protect_rtp(buffer, length, index);
  if (status == SrtpStatus::ok) state->rtp.accept(index);
  return status;
}

SrtpStatus SrtpSession::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept {
  if (length < 8) return SrtpStatus::too_short;
  if (length > buffer.size() || buffer.size() - length < kSrtpMaxOverhead) return SrtpStatus::no_room;
  const std::uint32_t ssrc = read32(buffer.data() + 4);
  SsrcState* state = send_->find(ssrc);
  if (!state && !(state = send_->add(ssrc))) return SrtpStatus::failed;
  if (state->next_srtcp_index > kMaxSrtcpIndex) return SrtpStatus::failed;  // rekeying is due (RFC 3711 §9.2)
  const SrtpStatus status = send_->transform.protect_rtcp(buffer, length, state->next_srtcp_index);
  if (status == SrtpStatus::ok) ++state->next_srtcp_index;
  return status;
}

SrtpStatus SrtpSession::unprotect_rtp(std::span<std::uint8_t> packet, std::size_t& length) noexcept {
  if (length > packet.size()) return SrtpStatus::no_room;
  if (length < 12) return SrtpStatus::too_short;
  const std::uint32_t ssrc = read32(packet.data() + 8);
  const auto seq = static_cast<std::uint16_t>((packet[2] << 8) | packet[3]);
  SsrcState* state = receive_->find(ssrc);
  const std::uint64_t index = estimate_srtp_index(state && !state->rtp.empty() ? state->rtp.highest() : 0, seq);
  if (state) {
    const auto verdict = state->rtp.check(index);
    if (verdict != SrtpReplayWindow::Verdict::fresh) return SrtpStatus::replay;
  }
  const SrtpStatus status = receive_->transform.unprotect_rtp(packet, length, index);
  if (status != SrtpStatus::ok) return status;
  // A new SSRC is remembered only once its first packet authenticated.
  if (!state && !(state = receive_->add(ssrc))) return SrtpStatus::failed;
  state->rtp.accept(index);
  return SrtpStatus::ok;
}

SrtpStatus SrtpSession::unprotect_rtcp(std::span<std::uint8_t> packet, std::size_t& length) noexcept {
  if (length > packet.size()) return SrtpStatus::no_room;
  if (length < 8) return SrtpStatus::too_short;
  const auto trailer = read_srtcp_trailer(profile_, packet.first(length));
  if (!trailer) return SrtpStatus::too_short;
  const std::uint32_t ssrc = read32(packet.data() + 4);
  SsrcState* state = receive_->find(ssrc);
  if (state && state->rtcp.check(trailer->index) != SrtpReplayWindow::Verdict::fresh) return SrtpStatus::replay;
  const SrtpStatus status = receive_->transform.unprotect_rtcp(packet, length);
  if (status != SrtpStatus::ok) return status;
  if (!state && !(state = receive_->add(ssrc))) return SrtpStatus::failed;
  state->rtcp.accept(trailer->index);
  return SrtpStatus::ok;
}

}  // namespace imsbox::agw::webrtc
