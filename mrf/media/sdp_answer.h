#pragma once
// The MRF's side of RFC 3264 offer/answer: what an SDP offer asks of the
// MRF's media and the SDP that answers it. Pure: no I/O, no clock, no
// randomness; the caller allocates the port (between negotiate() and
// write_answer(), so that a refused offer costs no socket).
//
// The MRF terminates one audio stream of plain RTP (RTP/AVP or RTP/AVPF):
// the first m=audio line with a port and such a profile. SRTP (RTP/SAVP,
// RTP/SAVPF) and DTLS (UDP/TLS/RTP/SAVP(F)) offers are refused: browsers
// reach the MRF through the AGW, which anchors them. Other m-lines (video,
// a second audio) are refused with port 0 in the answer.
//
// The codec is the first format of the offer (the offerer's preference)
// that the media library can build with the offer's fmtp: AMR-WB (either
// packing, fmtp kept as offered, RFC 4867 §8.3.1), AMR, PCMU, PCMA, G722,
// opus. telephone-event is accepted at the codec's RTP clock rate when
// offered there, else at 8000 when offered there (RFC 4733 §2.1: the
// events' clock follows the stream's; a peer that offers only /8000 beside
// Opus gets that). The answer mirrors the offer's direction (RFC 3264
// §6.1: sendonly -> recvonly, recvonly -> sendonly, inactive -> inactive),
// keeps the offer's payload type numbers, asks for ptime 20 and rtcp-mux
// when the offer has it (RFC 5761 §5.1.1).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sdp/attributes.h"
#include "sdp/session_description.h"

namespace imsbox::mrf::media {

// The codec chosen from the offer, as the media library's make_codec takes it.
struct ChosenCodec {
  std::uint8_t payload_type = 0;
  std::string encoding;  // as the offer wrote it: "AMR-WB", "PCMU", "opus"
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 1;
  std::string fmtp;  // the offer's a=fmtp parameters for it (after the payload type); empty: none
  bool operator==(const ChosenCodec&) const = default;
};

struct TelephoneEventFormat {
  std::uint8_t payload_type = 0;
  std::uint32_t clock_rate = 8000;
  bool operator==(const TelephoneEventFormat&) const = default;
};

// What an acceptable offer asks for.
struct Negotiated {
  sdp::SessionDescription offer;  // parsed
  std::size_t media_index = 0;    // the m-line the MRF takes
  ChosenCodec codec;
  std::optional<TelephoneEventFormat> telephone_event;
  sdp::Direction offer_direction = sdp::Direction::sendrecv;
  sdp::Direction answer_direction = sdp::Direction::sendrecv;  // ours: the mirror of the offer's
  bool rtcp_mux = false;
  std::string remote_address;  // where its RTP goes before latching; empty or 0.0.0.0: nowhere (hold)
  std::uint16_t remote_port = 0;
  std::uint16_t remote_rtcp_port = 0;  // a=rtcp (RFC 3605), else remote_port + 1; the RTP port with rtcp-mux
  // Whether we may send (our direction sendrecv/sendonly and a usable address).
  bool we_send() const;
};

// Reads an offer. `supported(encoding, clock_rate, channels, fmtp)` says
// whether the media library can build that codec: it is given so that this
// stays testable without codecs; media_engine.cpp passes make_codec.
using CodecCheck = bool (*)(const ChosenCodec&);
std::variant<Negotiated, std::string> negotiate(std::string_view offer, CodecCheck supported);

// Our side for the answer.
struct LocalMedia {
  std::string address;  // advertised IP literal (c= and o=)
  std::uint16_t port = 0;
  std::string session_id = "1";  // o= (kept for the whole session)
  std::string session_version = "1";  // incremented by the caller for each new answer (RFC 3264 §8)
};

// The SDP answer to `negotiated` from `local`.
std::string write_answer(const Negotiated& negotiated, const LocalMedia& local);

// "AMR-WB/16000": as MediaStats::codec shows it.
std::string codec_label(const ChosenCodec& codec);

}  // namespace imsbox::mrf::media
