#pragma once
// ICE for one browser leg (RFC 8445, RFC 8839) as an ICE-lite agent: host
// candidates only, on one UDP port and address that the caller chose from
// its port range; always controlled (the browser, a full agent facing our
// a=ice-lite, controls and nominates). Built on libnice in lite mode
// (nice_agent_new_full with NICE_AGENT_OPTION_LITE_MODE and
// NICE_AGENT_OPTION_CONSENT_FRESHNESS), one stream with one component
// (rtcp-mux, single-m BUNDLE).
//
// * Peer-reflexive candidates are learnt from the browser's checks, so a
//   browser that withholds its candidates or hides them behind mDNS
//   ".local" names (which we cannot resolve, and skip) still connects.
// * The browser's checks and consent checks (RFC 7675) are answered; our own
//   consent checks go to the selected pair every ~5 s, and when the browser
//   has answered none for 10 s, consent is lost: on_ice_failed(consent_lost).
//   That is how a vanished browser shows.
// * Once a pair is selected, what its remote end sends (not STUN) is read
//   off the socket on the loop, and send() is one sendto: no GMainContext
//   iteration per datagram. libnice's socket GSource sits on a context of
//   its own, iterated when STUN, another source or anything before the
//   selection is at the head of the socket (libnice then reads what is queued).
// * Local credentials are random (OpenSSL's RAND_bytes; libnice's own come
//   from a non-cryptographic generator): ufrag 8, pwd 24 ice-chars.
//
// Threading: the agent lives on its MainContextDriver's loop thread and is
// used on that thread only. Callbacks come from that loop (or from within a
// call of ours into libnice); a callback must not destroy the agent.
// Lifetime: driver, events and logger outlive the agent.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::agw::webrtc {

class MainContextDriver;

struct IceCredentials {
  std::string ufrag;
  std::string pwd;
};

// Random RFC 8839 credentials (ice-chars: ALPHA DIGIT + /).
IceCredentials random_ice_credentials();

struct IceLiteConfig {
  std::string address;     // an IPv4 or IPv6 literal: the host candidate's address
  std::uint16_t port = 0;  // the UDP port (0: any free port, for tests)
  std::string log_tag;     // starts every log line, e.g. "leg 7"
};

enum class IceState { waiting, connected, failed };
std::string_view to_string(IceState state);

enum class IceFailure {
  checks_failed,  // libnice gave up before any pair was selected
  consent_lost,   // connected, then no consent for 10 s (RFC 7675) or a 403 from the peer
};
std::string_view to_string(IceFailure failure);

struct IceSelectedPair {
  std::string remote_address;  // IP literal
  std::uint16_t remote_port = 0;
  std::string remote_type;  // "host", "srflx", "prflx", "relay": "prflx" when learnt from a check
};

class IceLiteAgent {
 public:
  class Events {
   public:
    // A pair is selected: send() works from now on. Once.
    virtual void on_ice_connected() = 0;
    // A datagram that is not STUN (DTLS, SRTP, SRTCP) from the peer. The
    // bytes are libnice's receive buffer: they may be changed in place
    // (decrypted) and are valid during the call only.
    virtual void on_ice_datagram(std::span<std::uint8_t> datagram) = 0;
    // The leg is dead. Once.
    virtual void on_ice_failed(IceFailure failure, std::string_view detail) = 0;

   protected:
    ~Events() = default;
  };

  // Binds config.address:config.port at once; throws std::invalid_argument
  // for an address that is not an IP literal, std::runtime_error when the
  // port cannot be bound.
  IceLiteAgent(MainContextDriver& driver, IceLiteConfig config, Events& events, runtime::Logger& log);
  ~IceLiteAgent();
  IceLiteAgent(const IceLiteAgent&) = delete;
  IceLiteAgent& operator=(const IceLiteAgent&) = delete;

  const IceCredentials& local_credentials() const;
  // Our host candidate as an SDP attribute value ("candidate:1 1 UDP 2013266431 127.0.0.1 30000 typ host").
  const std::string& local_candidate() const;
  const std::string& local_address() const;
  std::uint16_t local_port() const;

  // The browser's a=ice-ufrag and a=ice-pwd (from its offer or answer).
  void set_remote_credentials(std::string_view ufrag, std::string_view pwd);
  // One a=candidate value (with or without "a="). Only UDP candidates of
  // component 1 with an IP literal are taken; mDNS names, TCP, RTCP and junk
  // return false (logged at debug) and cost nothing: the browser's checks
  // teach us its address anyway.
  bool add_remote_candidate(std::string_view candidate);

  // Sends one datagram on the selected pair. False before on_ice_connected,
  // after failure, or when the socket refuses.
  bool send(std::span<const std::uint8_t> datagram);

  IceState state() const;
  std::optional<IceSelectedPair> selected_pair() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imsbox::agw::webrtc
