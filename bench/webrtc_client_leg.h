#pragma once
// One call's browser side as a load generator plays it: a full, controlling
// ICE agent with one host candidate (stun_check.h), a DTLS client (OpenSSL,
// use_srtp, the relay's certificate checked against its a=fingerprint) and
// SRTP (agw/webrtc's SrtpSession, OpenSSL) with the exported keys.
//
// The relay answers our offer (setup:actpass) with setup:passive, so we are
// the DTLS client, as Chrome and Firefox are toward the AGW. The DTLS
// session comes from the AGW's own DtlsContext (certificate, use_srtp
// profiles, certificate check through DtlsPeerVerifier); the relay on the
// other end is either our AGW or Debian's rtpengine.
//
// I/O: none. Datagrams come in through receive(); ours go out through the
// `send` function given at construction. Time comes in through `now`
// arguments; tick() retransmits checks and DTLS flights and sends consent
// checks (every 2.5 s once connected, as browsers do).
#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "agw/webrtc/dtls_context.h"
#include "agw/webrtc/dtls_native.h"
#include "agw/webrtc/fingerprint.h"
#include "agw/webrtc/srtp_session.h"
#include "bench/stun_check.h"

namespace imsbox::bench {

// What the relay's answer told us about its browser-facing side.
struct RemoteWebrtc {
  std::string ufrag, password;
  agw::webrtc::Fingerprint fingerprint;
  sockaddr_in address{};  // its first host candidate of component 1 (else c= / m=)
};

// Parses the relay's answer for the browser leg; throws std::runtime_error
// saying what is missing (no ICE credentials, fingerprint, candidate, or a
// setup other than passive).
RemoteWebrtc parse_remote_webrtc(const std::string& sdp);

class WebrtcClientLeg final : agw::webrtc::DtlsDatagramTarget, agw::webrtc::DtlsPeerVerifier {
 public:
  using Clock = std::chrono::steady_clock;
  using Send = std::function<void(std::span<const std::uint8_t> datagram, const sockaddr_in& to)>;

  enum class State { idle, checking, handshaking, connected, failed };

  WebrtcClientLeg(std::shared_ptr<const agw::webrtc::DtlsContext> context, Send send, std::uint64_t seed);
  ~WebrtcClientLeg();
  WebrtcClientLeg(const WebrtcClientLeg&) = delete;
  WebrtcClientLeg& operator=(const WebrtcClientLeg&) = delete;

  // The media-level attributes of our offer (ice-ufrag, ice-pwd,
  // fingerprint, setup:actpass, the host candidate at `port`), CRLF-ended.
  std::string offer_attributes(std::uint16_t port) const;

  // The answer arrived: the first check goes out now.
  void start(RemoteWebrtc remote, Clock::time_point now);
  // One datagram from `from`. A decrypted RTP packet is left in `datagram`
  // (its first `rtp_length` bytes) and true returned; false otherwise.
  bool receive(std::span<std::uint8_t> datagram, const sockaddr_in& from, Clock::time_point now,
               std::size_t& rtp_length);
  // Retransmissions, the handshake deadline, consent checks.
  void tick(Clock::time_point now);
  // SRTP-protects the RTP packet in `buffer` (length bytes, room for
  // kSrtpMaxOverhead more) and sends it; false when not connected.
  bool send_rtp(std::span<std::uint8_t> buffer, std::size_t length);

  State state() const { return state_; }
  const std::string& failure() const { return failure_; }
  std::optional<agw::webrtc::SrtpProfile> profile() const;
  std::uint64_t srtp_errors() const { return srtp_errors_; }
  // When our check was answered (ICE done) and when DTLS finished, if they did.
  std::optional<Clock::time_point> ice_done_at() const { return ice_done_at_; }
  std::optional<Clock::time_point> dtls_done_at() const { return dtls_done_at_; }

 private:
  void write_datagram(const unsigned char* data, std::size_t size) override;
  bool accept_peer_certificate(X509* certificate) override;
  void send_check(Clock::time_point now);
  void handshake(Clock::time_point now);
  void fail(std::string why);

  std::shared_ptr<const agw::webrtc::DtlsContext> context_;
  Send send_;
  std::string ufrag_, password_;
  std::uint64_t tie_breaker_;
  std::uint64_t seed_;
  std::optional<RemoteWebrtc> remote_;
  SSL* ssl_ = nullptr;
  std::unique_ptr<agw::webrtc::SrtpSession> srtp_;
  State state_ = State::idle;
  std::string failure_;
  StunTransactionId transaction_{};
  Clock::time_point started_{}, next_check_{}, dtls_deadline_{Clock::time_point::max()};
  std::chrono::milliseconds check_interval_{50};
  std::uint64_t srtp_errors_ = 0;
  std::optional<Clock::time_point> ice_done_at_, dtls_done_at_;
};

}  // namespace imsbox::bench
