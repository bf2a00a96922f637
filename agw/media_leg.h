#pragma once
// One of the two legs of a call the AGW anchors: our endpoint facing one
// party. A phone leg (phone_leg.h: plain RTP on a UDP port pair) or a
// browser leg (browser_media_leg.h: agw/webrtc's ICE-lite + DTLS-SRTP). The
// media path (media_path.h) sees only this interface: packets in as
// plaintext RTP/RTCP, packets out the same (the browser leg protects them).
//
// Threading: a leg lives on its worker's io_context thread; events come on
// that thread. An event handler must not destroy the leg (the call defers
// that to the loop).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "agw/offer_answer.h"

namespace imsbox::agw {

// Room a buffer handed to send_rtp()/send_rtcp() needs after the packet
// (the SRTP authentication tag and SRTCP index, webrtc::kSrtpMaxOverhead).
inline constexpr std::size_t kSendHeadroom = 64;
// Largest datagram a leg receives.
inline constexpr std::size_t kMaxDatagram = 2048;

class MediaLeg {
 public:
  class Events {
   public:
    // One RTP or RTCP packet from the party, plaintext; the bytes may be
    // changed in place and are valid during the call only.
    virtual void on_leg_rtp(MediaLeg& leg, std::span<std::uint8_t> packet) = 0;
    virtual void on_leg_rtcp(MediaLeg& leg, std::span<std::uint8_t> packet) = 0;
    // The leg is dead (ICE or DTLS failed, consent lost); logged by the leg. Once.
    virtual void on_leg_failed(MediaLeg& leg, std::string_view reason) = 0;

   protected:
    ~Events() = default;
  };

  virtual ~MediaLeg() = default;

  virtual LegKind kind() const = 0;
  // Our side, for the SDP.
  virtual const LocalEndpoint& local() const = 0;
  // The party's side, from its SDP (again on every offer or answer it sends).
  virtual void set_remote(const RemoteEndpoint& remote, bool rtcp_mux) = 0;
  // Sends `length` bytes of RTP (RTCP) from the start of `buffer`, which has
  // room for length + kSendHeadroom. False when it cannot (no destination
  // yet, not connected, the socket refused). Never throws, never allocates.
  virtual bool send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept = 0;
  virtual bool send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) noexcept = 0;
  // Whether media can flow (a phone leg: a destination known; a browser leg: ICE and DTLS up).
  virtual bool ready() const = 0;
  // Datagrams dropped before they became RTP/RTCP events (unknown kinds, wrong source, SRTP failures).
  virtual std::uint64_t dropped() const = 0;
};

}  // namespace imsbox::agw
