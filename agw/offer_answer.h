#pragma once
// The AGW's offer/answer engine (RFC 3264): the SDP one party sent plus the
// ng request's options in, the SDP for the other party and the media plan
// out. Pure: no I/O, no clock, no randomness; the caller allocates the legs
// (ports, ICE credentials, DTLS fingerprint) and passes our side of each in
// as a LocalEndpoint.
//
// The AGW anchors one audio stream per call: the first m=audio line with a
// port and an RTP profile. Other m-lines (video, data, a second audio) are
// refused with port 0 in both directions.
//
// One exchange, as the session logic runs it:
//   1. analyze_offer(offer, options): which m-line, what kind of party sent
//      it (phone: RTP/AVP; browser: UDP/TLS/RTP/SAVPF), its transport, what
//      kind of leg faces the answerer (`transport-protocol`, else the same).
//   2. the caller makes (or keeps, on a re-offer) both legs and calls
//      make_offer(): the SDP for the answerer and the PendingOffer, the
//      state the answer is read against.
//   3. make_answer(pending, answer, ...): the SDP for the offerer and the
//      MediaPlan. The pending offer stays valid: an answer may come again
//      (183 then 200, forked early dialogs).
//
// What we offer to the answerer (issue 16): first the offerer's codecs that
// the answerer's kind may also speak, with the offerer's payload types, for
// pass-through; then our own list for that kind (phone: AMR-WB
// bandwidth-efficient and octet-aligned, AMR bandwidth-efficient and
// octet-aligned, PCMU, PCMA, telephone-event/16000 and /8000; browser:
// Opus, PCMU, PCMA, telephone-event/48000), each unless an equal codec is
// already there, and only when the offerer has a codec we can transcode.
// When the answerer's first codec is one the offerer offered, the call is
// relayed (payload types mapped, no decoding); otherwise it is transcoded
// between that codec and the offerer's first codec we can transcode
// (the offerer's order: Opus for Chromium, AMR-WB for a VoLTE phone).
// Telephone-events are mapped between the two sides' clock rates.
//
// Browser side: UDP/TLS/RTP/SAVPF, rtcp-mux, single-m BUNDLE (the offerer's
// mid is kept), a=ice-lite, our host candidate, a=fingerprint:sha-256,
// a=setup:actpass in our offers (passive with DTLS=passive) and passive in
// our answers: the AGW is the DTLS server, unless a browser answers our
// actpass with passive (then the AGW connects as the client); always the
// ICE-lite side.
// Phone side: RTP/AVP, no ICE, BUNDLE, extmap, rtcp-fb, ssrc or msid; RTCP on
// port + 1 unless rtcp-mux was negotiated. AMR's fmtp (mode-set and all) is
// returned unmodified in answers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/rtp_packet.h"
#include "sdp/attributes.h"
#include "sdp/session_description.h"

namespace imsbox::agw {

// What faces one party: a telephone endpoint or a browser.
enum class LegKind : std::uint8_t { phone, browser };
std::string_view to_string(LegKind kind);
// The protocol our SDP writes for a kind: "RTP/AVP" or "UDP/TLS/RTP/SAVPF".
std::string_view protocol_of(LegKind kind);
// The kind an SDP protocol stands for: RTP/AVP and RTP/AVPF are phones,
// UDP/TLS/RTP/SAVPF and UDP/TLS/RTP/SAVP browsers; nullopt for others (SDES
// RTP/SAVP, data channels, ...), which the AGW does not anchor.
std::optional<LegKind> kind_of_protocol(std::string_view protocol);

// One codec of an m-line: its payload type, rtpmap and fmtp.
struct Codec {
  std::uint8_t payload_type = 0;
  std::string encoding;  // as written: "opus", "AMR-WB", "PCMU", "telephone-event"
  std::uint32_t clock_rate = 0;
  std::optional<std::uint32_t> channels;
  std::string fmtp;  // the a=fmtp parameters after the payload type, as written; empty: none

  bool is_telephone_event() const;
  // RTP clock of the stream (as rtpmap says)
  bool operator==(const Codec&) const = default;
};
// "AMR-WB/16000 (pt 96, octet-align=1)": for logs and errors.
std::string describe(const Codec& codec);
// Whether two codecs are the same for pass-through: encoding
// (case-insensitive), clock rate, channels (Opus: always 2 by RFC 7587) and,
// for AMR and AMR-WB, the payload format (bandwidth-efficient or
// octet-aligned). Other fmtp parameters (mode-set, useinbandfec, ...) do not
// change what the payload is.
bool same_codec(const Codec& a, const Codec& b);
// Whether the media library can decode and encode it (Opus, AMR, AMR-WB
// without crc/robust-sorting/interleaving, PCMU, PCMA, G.722).
bool transcodable(const Codec& codec);
// The codecs of an m-line in its order (the rtpmap of each format, RFC 3551's
// for static payload types); formats without a known rtpmap are left out.
std::vector<Codec> codecs_of(const sdp::MediaDescription& media);

// Our side of one leg, as the SDP we send shows it.
struct LocalEndpoint {
  LegKind kind = LegKind::phone;
  std::string address;  // IP literal (IPv4 or IPv6), advertised
  std::uint16_t port = 0;
  std::uint16_t rtcp_port = 0;  // phone: the RTCP port when not muxed (port + 1)
  // browser
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string candidate;    // a=candidate value
  std::string fingerprint;  // a=fingerprint value: "sha-256 AB:CD:..."
  bool dtls_client = false;  // the AGW is the DTLS client of the leg's association (the browser answered
                             // our actpass with passive): its answers to re-offers keep that, a=setup:active
                             // (RFC 8842 §5.5)
};

// A party's transport, as its SDP states it.
struct RemoteEndpoint {
  LegKind kind = LegKind::phone;
  std::string protocol;  // as written
  std::string address;   // the connection address (may be 0.0.0.0, or an mDNS name for browsers)
  std::uint16_t port = 0;
  std::uint16_t rtcp_port = 0;  // a=rtcp, else port + 1
  bool rtcp_mux = false;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<std::string> candidates;     // a=candidate values
  std::optional<std::string> fingerprint;  // a=fingerprint value (media, else session level)
  std::optional<sdp::Setup> setup;
  std::string mid;
  sdp::Direction direction = sdp::Direction::sendrecv;
};

// The options of an ng offer (or answer) that the engine uses; see
// request_options.h for how an ng request maps onto them.
struct OfferOptions {
  std::optional<LegKind> answerer_kind;  // `transport-protocol`; nullopt: the offerer's kind
  enum class Ice : std::uint8_t { default_, force, remove };
  Ice ice = Ice::default_;
  enum class Dtls : std::uint8_t { default_, passive, off };
  Dtls dtls = Dtls::default_;
  // `rtcp-mux`
  bool rtcp_mux_offer = false;    // offer it to a phone answerer
  bool rtcp_mux_require = false;  // offer it without a fallback RTCP port
  bool rtcp_mux_demux = false;    // do not pass the offerer's rtcp-mux on to the answerer
  bool rtcp_mux_reject = false;   // do not accept the offerer's rtcp-mux
  // `replace`
  bool replace_origin = false;  // o= address becomes ours
  // `codec`: names as "opus", "AMR-WB", "AMR-WB/16000", "PCMU/8000/1", or "all" for strip/mask
  std::vector<std::string> codec_transcode;  // add to the offer to the answerer
  std::vector<std::string> codec_mask;       // leave out of the offer to the answerer (still transcoded to)
  std::vector<std::string> codec_strip;      // remove from the offerer's codecs altogether
  std::vector<std::string> codec_accept;     // preferred for the offerer's side when transcoding
};

// Whether `codec` matches a `codec` option entry: "AMR-WB", "amr-wb/16000",
// "opus/48000/2" (encoding, then optionally clock rate and channels), or "all".
bool codec_matches(const Codec& codec, std::string_view entry);

// Step 1: what an offer holds.
struct OfferAnalysis {
  std::size_t media_index = 0;  // the anchored m-line
  RemoteEndpoint offerer;
  LegKind answerer_kind = LegKind::phone;
  bool offerer_rtcp_mux = false;  // our leg toward the offerer muxes RTCP
  bool offer_rtcp_mux = false;    // we offer rtcp-mux to the answerer
  std::vector<Codec> offerer_codecs;  // the anchored m-line's codecs, after `codec-strip`
  std::vector<std::string> warnings;  // options ignored, and why
};
struct AnalyzeOfferResult {
  std::optional<OfferAnalysis> analysis;
  std::string error;  // why not (for the ng error-reason)
};
AnalyzeOfferResult analyze_offer(const sdp::SessionDescription& offer, const OfferOptions& options);

// One format of the offer we sent to the answerer.
struct OfferedFormat {
  Codec codec;  // with the payload type the answerer sees
  // the offerer's payload type, when this format passes the offerer's codec through
  std::optional<std::uint8_t> offerer_payload_type;
};

// What an answer is read against (kept by the session until the next offer).
struct PendingOffer {
  sdp::SessionDescription offer;  // as the offerer sent it
  OfferOptions options;
  OfferAnalysis analysis;
  std::vector<OfferedFormat> offered;  // in the order of our offer
};

struct MakeOfferResult {
  std::optional<sdp::SessionDescription> sdp;  // for the answerer
  std::optional<PendingOffer> pending;
  std::string error;
};
// Step 2. `toward_answerer` is our leg facing the answerer (its kind is
// analysis.answerer_kind).
MakeOfferResult make_offer(const sdp::SessionDescription& offer, const OfferAnalysis& analysis,
                           const OfferOptions& options, const LocalEndpoint& toward_answerer);

// How the media of the anchored stream flows between the two legs.
struct MediaPlan {
  bool active = false;       // false: the answerer refused the stream (port 0): nothing flows
  bool transcoding = false;  // false: relayed (payload types mapped)
  std::size_t media_index = 0;
  // The codec each party sends and receives (relay: the first shared one,
  // with each side's payload type; transcoding: the two ends of the chain,
  // each with the fmtp its peer stated, for media::make_codec).
  Codec offerer_codec;
  Codec answerer_codec;
  std::optional<Codec> offerer_telephone_event;
  std::optional<Codec> answerer_telephone_event;
  // Transcoding: the other telephone-event formats a party may send its DTMF
  // on, taken like its chosen one (rescaled from its own clock): the
  // offerer's other offered ones; for the answerer those of its answer and
  // those we offered it (a browser may use one it was offered but did not
  // answer with: Chromium does).
  std::vector<Codec> offerer_other_events;
  std::vector<Codec> answerer_other_events;
  // Relay: payload types of every shared codec and of the telephone-event,
  // each way. Unmapped payload types are dropped.
  rtp::PayloadTypeMap offerer_to_answerer;
  rtp::PayloadTypeMap answerer_to_offerer;
  sdp::Direction offerer_direction = sdp::Direction::sendrecv;   // as the offer said
  sdp::Direction answerer_direction = sdp::Direction::sendrecv;  // as the answer said
  bool answerer_rtcp_mux = false;
};
// "relay PCMU/8000 (pt 0 <-> pt 0)" or "transcode opus/48000 (pt 111) <-> AMR-WB/16000 (pt 96)", plus DTMF.
std::string describe(const MediaPlan& plan);

struct MakeAnswerResult {
  std::optional<sdp::SessionDescription> sdp;  // for the offerer
  MediaPlan plan;
  RemoteEndpoint answerer;
  std::string error;
  std::vector<std::string> warnings;
};
// Step 3. `toward_offerer` is our leg facing the offerer. `replace_origin`
// comes from the answer request's own `replace`.
MakeAnswerResult make_answer(const PendingOffer& pending, const sdp::SessionDescription& answer,
                             const LocalEndpoint& toward_offerer, bool replace_origin);

// The transport of m-line `index` of a party's SDP; nullopt (and `error`) for
// a protocol the AGW does not anchor.
std::optional<RemoteEndpoint> remote_endpoint(const sdp::SessionDescription& sdp, std::size_t index,
                                              std::string& error);

}  // namespace imsbox::agw
