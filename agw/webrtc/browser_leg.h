#pragma once
// One browser leg's media transport (RFC 8834, RFC 8827): an IceLiteAgent and
// a DtlsSrtpTransport on one UDP port, what arrives sorted by RFC 7983
// (STUN to libnice, DTLS to OpenSSL, SRTP and SRTCP unprotected in place and
// handed on), and what we send protected in place. This is the object the
// AGW's session logic holds per browser leg; it knows nothing of SDP: the
// caller writes our values into the SDP and passes the browser's in.
//
// Each leg has a GMainContext of its own (its own MainContextDriver on the
// worker's io_context): GLib visits every source of a context on every
// iteration, so legs sharing one context make each packet cost O(legs).
// Measured (bench_webrtc, BM_ReceiveThroughDriver, 2-core Xeon): one datagram
// through libnice and the driver costs 6.8 us with 1 leg; with 400 legs
// 214 us on one shared context, 16 us with a context per leg. A leg costs
// five fds (libnice's socket and IceLiteAgent's dup of it, the wake-up
// eventfds of the driver's context and of the socket's context, the
// driver's epoll set).
//
// Threading: the io_context's thread. Lifetime: events and logger outlive
// the leg. A callback must not destroy the leg (post it).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agw/webrtc/dtls_context.h"
#include "agw/webrtc/dtls_srtp_transport.h"
#include "agw/webrtc/fingerprint.h"
#include "agw/webrtc/ice_lite_agent.h"
#include "agw/webrtc/main_context_driver.h"
#include "agw/webrtc/srtp_session.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::agw::webrtc {

struct BrowserLegConfig {
  std::string address;     // IP literal our host candidate binds
  std::uint16_t port = 0;  // from the caller's port range (0: any, for tests)
  std::string log_tag;     // starts every log line, e.g. "call abc leg 1"
  std::chrono::milliseconds dtls_handshake_timeout{10000};
};

// What the browser's SDP says about its transport.
struct BrowserRemote {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::optional<Fingerprint> fingerprint;  // its a=fingerprint (nullopt: not known yet)
  std::vector<std::string> candidates;     // its a=candidate values (may be none)
  bool dtls_client = false;                // it answered our actpass with a=setup:passive: we connect
};

enum class LegFailure {
  ice_failed,    // no connectivity check succeeded
  consent_lost,  // the browser vanished (RFC 7675)
  dtls_failed,   // handshake timeout, fingerprint mismatch, alert
  dtls_closed,   // the browser closed DTLS: it hung up
};
std::string_view to_string(LegFailure failure);

struct BrowserLegCounters {
  std::uint64_t rtp_received = 0, rtp_received_bytes = 0;  // after unprotect; bytes of plaintext
  std::uint64_t rtcp_received = 0;
  std::uint64_t rtp_sent = 0, rtp_sent_bytes = 0;  // bytes before protect
  std::uint64_t rtcp_sent = 0;
  std::uint64_t srtp_refused = 0;  // failed to unprotect (auth, replay, before keys)
  std::uint64_t dropped = 0;       // neither DTLS, RTP nor RTCP
};

class BrowserLeg final : IceLiteAgent::Events, DtlsSrtpTransport::Events {
 public:
  class Events {
   public:
    // ICE and DTLS are up: media flows with `profile`. Once.
    virtual void on_leg_connected(SrtpProfile profile) = 0;
    // One decrypted packet; the bytes may be changed in place, valid during the call.
    virtual void on_rtp(std::span<std::uint8_t> packet) = 0;
    virtual void on_rtcp(std::span<std::uint8_t> packet) = 0;
    // The leg is dead (logged with the detail). Once.
    virtual void on_leg_failed(LegFailure failure, std::string_view detail) = 0;

   protected:
    ~Events() = default;
  };

  // Binds the port at once (throws like IceLiteAgent).
  BrowserLeg(boost::asio::io_context& io, std::shared_ptr<const DtlsContext> dtls, BrowserLegConfig config,
             Events& events, runtime::Logger& log);
  ~BrowserLeg();

  // Our side, for the SDP we send: a=ice-ufrag, a=ice-pwd, a=candidate, a=fingerprint
  // (with a=ice-lite, a=setup:passive in answers or actpass in offers, a=rtcp-mux).
  const IceCredentials& ice_credentials() const { return ice_.local_credentials(); }
  const std::string& candidate() const { return ice_.local_candidate(); }
  const Fingerprint& fingerprint() const { return dtls_context_->fingerprint(); }
  std::uint16_t port() const { return ice_.local_port(); }

  // The browser's side, from its SDP (again when its fingerprint comes later).
  void set_remote(const BrowserRemote& remote);

  // Protects `length` bytes of RTP (RTCP) in place and sends them. `buffer`
  // must have room for length + kSrtpMaxOverhead. False (and counted) before
  // the leg is connected or when protecting/sending fails; the packet path
  // never throws and never allocates.
  bool send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept;
  bool send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) noexcept;

  bool connected() const { return connected_; }
  const BrowserLegCounters& counters() const { return counters_; }
  const IceLiteAgent& ice() const { return ice_; }
  const DtlsSrtpTransport& dtls() const { return dtls_; }

 private:
  void on_ice_connected() override;
  void on_ice_datagram(std::span<std::uint8_t> datagram) override;
  void on_ice_failed(IceFailure failure, std::string_view detail) override;
  void send_dtls(std::span<const std::uint8_t> datagram) override;
  void on_dtls_connected(SrtpProfile profile) override;
  void on_dtls_failed(DtlsFailure failure, std::string_view detail) override;
  void on_dtls_closed() override;
  void fail(LegFailure failure, std::string_view detail);

  std::shared_ptr<const DtlsContext> dtls_context_;
  Events& events_;
  runtime::Logger& log_;
  std::string tag_;
  MainContextDriver driver_;  // this leg's GMainContext; outlives the agent
  IceLiteAgent ice_;
  DtlsSrtpTransport dtls_;
  // DTLS we answered before ICE had selected a pair (libnice cannot send
  // yet): sent once it has, instead of waiting for the peer's retransmission.
  std::vector<std::vector<std::uint8_t>> early_dtls_;
  BrowserLegCounters counters_;
  bool connected_ = false;
  bool failed_ = false;
};

}  // namespace imsbox::agw::webrtc
