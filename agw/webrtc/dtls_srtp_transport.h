#pragma once
// DTLS-SRTP (RFC 5764, RFC 8827 §6.5) for one browser leg, as the DTLS server
// by default: we answer offers with a=setup:passive and offer a=setup:actpass,
// which browsers answer with active (RFC 8842 §5.3). A peer that answers our
// actpass with a=setup:passive makes us the client: start_as_client() sends
// the ClientHello (RFC 8842 §5.3: the answerer may choose). The handshake runs over
// the leg's ICE component, the peer's certificate must hash to the
// a=fingerprint of its SDP, and the SRTP keys are exported with the label
// "EXTRACTOR-dtls_srtp" into an SrtpSession for the negotiated profile.
//
// I/O: none of its own. The DTLS records the peer sends come in through
// handle_dtls() (from the ICE agent's callback); ours go out through
// Events::send_dtls(), one datagram each, at most `mtu` bytes (1200).
// Retransmissions run on an Asio timer of the given io_context, from
// DTLSv1_get_timeout() / DTLSv1_handle_timeout().
//
// Errors never throw and never crash: a handshake that does not finish in
// time, a certificate that does not match the fingerprint, an alert or a
// broken handshake each end in one on_dtls_failed() call and one log line;
// the transport then stays failed and drops whatever comes.
//
// Threading: one thread, the io_context's. Lifetime: the events and the
// logger outlive the transport; no callback comes after its destruction.
// A callback must not destroy the transport (post the teardown instead).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agw/webrtc/dtls_context.h"
#include "agw/webrtc/fingerprint.h"
#include "agw/webrtc/srtp_session.h"

namespace boost::asio {
class io_context;
}

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::agw::webrtc {

enum class DtlsState { idle, handshaking, connected, failed, closed };
std::string_view to_string(DtlsState state);

enum class DtlsFailure {
  handshake_timeout,     // no complete handshake within handshake_timeout (or OpenSSL gave up retransmitting)
  fingerprint_mismatch,  // the peer's certificate does not hash to its a=fingerprint
  protocol_error,        // an alert, a broken handshake, no common cipher
  no_srtp_profile,       // the peer offered none of our SRTP profiles (no use_srtp)
};
std::string_view to_string(DtlsFailure failure);

struct DtlsTransportOptions {
  std::chrono::milliseconds handshake_timeout{10000};  // from start()
  std::size_t mtu = 1200;                              // largest datagram we send
  std::string log_tag;                                 // starts every log line, e.g. "leg 7"
};

class DtlsSrtpTransport {
 public:
  class Events {
   public:
    // One DTLS datagram for the peer (to IceLiteAgent::send); valid during the call.
    virtual void send_dtls(std::span<const std::uint8_t> datagram) = 0;
    // Handshake done, fingerprint checked, SRTP keys in place.
    virtual void on_dtls_connected(SrtpProfile profile) = 0;
    // The transport is dead; `detail` says why (also logged).
    virtual void on_dtls_failed(DtlsFailure failure, std::string_view detail) = 0;
    // The peer closed DTLS (close_notify): it hung up.
    virtual void on_dtls_closed() = 0;

   protected:
    ~Events() = default;
  };

  // `remote_fingerprint`: the peer's a=fingerprint, when its SDP is known
  // (else set_remote_fingerprint() later: when we offered, the browser's
  // ClientHello can come before its answer). Throws std::runtime_error only
  // when OpenSSL cannot make a session (out of memory).
  DtlsSrtpTransport(boost::asio::io_context& io, std::shared_ptr<const DtlsContext> context,
                    std::optional<Fingerprint> remote_fingerprint, Events& events, runtime::Logger& log,
                    DtlsTransportOptions options = {});
  ~DtlsSrtpTransport();
  DtlsSrtpTransport(const DtlsSrtpTransport&) = delete;
  DtlsSrtpTransport& operator=(const DtlsSrtpTransport&) = delete;

  // Starts waiting for the peer's ClientHello and the handshake timeout.
  // The first handle_dtls() starts it too. Idempotent.
  void start();
  // The peer answered a=setup:passive: we are the DTLS client and send the
  // ClientHello now (through Events::send_dtls), retransmitted from the
  // loop's timer. Ignored once the peer has sent anything or after start().
  void start_as_client();
  // One datagram the peer sent whose first byte is 20-63 (RFC 7983).
  void handle_dtls(std::span<const std::uint8_t> datagram);
  // The peer's a=fingerprint, when it was not known at construction. A
  // certificate is checked as it arrives when the fingerprint is known by
  // then (a mismatch aborts the handshake with an alert); otherwise the
  // handshake completes and the check happens here: on_dtls_connected()
  // comes only once the certificate has matched.
  void set_remote_fingerprint(const Fingerprint& fingerprint);
  // Sends close_notify (once connected) and stops; nothing is called back.
  void close();

  DtlsState state() const;
  std::optional<SrtpProfile> srtp_profile() const;

  // RFC 5705 keying material exporter of the connected session, no context
  // (what DTLS-SRTP uses with "EXTRACTOR-dtls_srtp"). False when not connected.
  bool export_keying_material(std::span<std::uint8_t> out, std::string_view label) const;

  // SRTP/SRTCP with the negotiated keys, in place (see SrtpSession);
  // SrtpStatus::not_ready before the handshake has finished.
  SrtpStatus protect_rtp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept;
  SrtpStatus protect_rtcp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept;
  SrtpStatus unprotect_rtp(std::span<std::uint8_t> packet, std::size_t& length) noexcept;
  SrtpStatus unprotect_rtcp(std::span<std::uint8_t> packet, std::size_t& length) noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::agw::webrtc
