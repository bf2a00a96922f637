#pragma once
// The other side of SRTP in the tests: libsrtp2 used directly (not through
// SrtpSession), for one direction with one master key and salt.
#include <srtp2/srtp.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "agw/webrtc/srtp_session.h"

namespace imsbox::agw::webrtc::test {

class SrtpPeer {
 public:
  // inbound: unprotects; otherwise protects.
  SrtpPeer(SrtpProfile profile, std::vector<std::uint8_t> key_salt, bool inbound, unsigned long window_size = 128)
      : key_(std::move(key_salt)) {
    srtp_init();
    srtp_policy_t policy;
    std::memset(&policy, 0, sizeof policy);
    if (profile == SrtpProfile::aead_aes_128_gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_rtp_default(&policy.rtp);
      srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    }
    policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.key = key_.data();
    policy.window_size = window_size;
    if (srtp_create(&session_, &policy) != srtp_err_status_ok) throw std::runtime_error("srtp_create");
  }
  ~SrtpPeer() { srtp_dealloc(session_); }
  SrtpPeer(const SrtpPeer&) = delete;
  SrtpPeer& operator=(const SrtpPeer&) = delete;

  // libsrtp's session, for calls in place (bench_srtp).
  srtp_t native() { return session_; }

  // Returns the protected packet.
  std::vector<std::uint8_t> protect(std::vector<std::uint8_t> p, bool rtcp = false) {
    int len = static_cast<int>(p.size());
    p.resize(p.size() + SRTP_MAX_TRAILER_LEN + 4);
    const auto e = rtcp ? srtp_protect_rtcp(session_, p.data(), &len) : srtp_protect(session_, p.data(), &len);
    if (e != srtp_err_status_ok) throw std::runtime_error("srtp_protect: " + std::to_string(e));
    p.resize(static_cast<std::size_t>(len));
    return p;
  }
  // Returns the plaintext, or empty when libsrtp refuses.
  std::vector<std::uint8_t> unprotect(std::vector<std::uint8_t> p, bool rtcp = false) {
    int len = static_cast<int>(p.size());
    const auto e = rtcp ? srtp_unprotect_rtcp(session_, p.data(), &len) : srtp_unprotect(session_, p.data(), &len);
    if (e != srtp_err_status_ok) return {};
    p.resize(static_cast<std::size_t>(len));
    return p;
  }

 private:
  std::vector<std::uint8_t> key_;
  srtp_t session_ = nullptr;
};

// An RTP packet: V=2, PT 111, the given sequence number, timestamp, SSRC and payload.
inline std::vector<std::uint8_t> rtp_packet(std::uint16_t seq, std::uint32_t ssrc, std::size_t payload = 60) {
  std::vector<std::uint8_t> p{0x80, 111, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq),
                              0, 0, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq),
                              static_cast<std::uint8_t>(ssrc >> 24), static_cast<std::uint8_t>(ssrc >> 16),
                              static_cast<std::uint8_t>(ssrc >> 8), static_cast<std::uint8_t>(ssrc)};
  for (std::size_t i = 0; i < payload; ++i) p.push_back(static_cast<std::uint8_t>(i * 7 + seq));
  return p;
}

// Bytes written as hex digits (RFC test vectors); spaces and newlines ignored.
inline std::vector<std::uint8_t> hex_bytes(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::string digits;
  for (const char c : text)
    if (c != ' ' && c != '\n') digits.push_back(c);
  if (digits.size() % 2 != 0) throw std::invalid_argument("odd number of hex digits");
  for (std::size_t i = 0; i < digits.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

// An RTCP receiver report without report blocks.
inline std::vector<std::uint8_t> rtcp_rr(std::uint32_t ssrc) {
  return {0x80, 201, 0, 1, static_cast<std::uint8_t>(ssrc >> 24), static_cast<std::uint8_t>(ssrc >> 16),
          static_cast<std::uint8_t>(ssrc >> 8), static_cast<std::uint8_t>(ssrc)};
}

}  // namespace imsbox::agw::webrtc::test
