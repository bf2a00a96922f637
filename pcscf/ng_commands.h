#pragma once
// The ng requests the P-CSCF sends the AGW (rtpengine's ng protocol, its
// docs/ng_control_protocol.md), as bencode dictionaries, and what it reads
// from the answers. Pure: no I/O.
//
// Every key and flag is one rtpengine 10.5 (Debian 12) knows, so that
// rtpengine can stand in for the AGW:
//   offer / answer: call-id, from-tag, to-tag (answer; offer in a dialog),
//     via-branch (early dialogs of an initial INVITE), sdp, label, and the
//     form of the SDP the AGW writes for the side the message goes to:
//       toward a WebRTC UE: transport-protocol UDP/TLS/RTP/SAVPF, ICE force,
//         DTLS passive, rtcp-mux [require], SDES off;
//       toward the network (and a phone): transport-protocol RTP/AVP, ICE
//         remove, DTLS off, rtcp-mux [demux], SDES off;
//     always replace [origin, session-connection] (the UE's addresses never
//     leave the box) and the flag "inject DTMF" (rtpengine plays DTMF into
//     a call only when both offer and answer had it); from a WebRTC UE,
//     DTLS-reverse passive.
//   delete: call-id, from-tag (rtpengine's minimum: that party and those in
//     dialogue with it go, and the call with them; the answer carries the
//     call's counts, as a query's), delete-delay 0.
//   query: call-id.
//   play DTMF: call-id, from-tag (the party the digit comes from), code,
//     duration (ms).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agw/ng/value.h"

namespace imsbox::pcscf {

// The form of the SDP the AGW writes for the side a message goes to.
enum class MediaForm { webrtc, plain_rtp };

struct OfferAnswerParams {
  std::string call_id;     // the ng call-id (the SIP Call-ID and the leg: ng_call_id())
  std::string from_tag;    // the offerer's tag
  std::string to_tag;      // the answerer's; may be empty in an offer
  std::string via_branch;  // empty: not sent
  std::string sdp;
  std::string label;       // the sender's role, "ue" or "network": rtpengine names the party with it
  MediaForm toward = MediaForm::plain_rtp;
  // The sender is a WebRTC UE: the AGW waits for its DTLS ClientHello
  // (DTLS-reverse passive) instead of starting the handshake itself before
  // the answer says who is the client (rtpengine would, and then switch).
  bool from_webrtc = false;
};

std::string ng_offer(const OfferAnswerParams& p);
std::string ng_answer(const OfferAnswerParams& p);
std::string ng_delete(std::string_view call_id, std::string_view from_tag);
std::string ng_query(std::string_view call_id);
std::string ng_play_dtmf(std::string_view call_id, std::string_view from_tag, char digit, int duration_ms);
std::string ng_ping();

// The ng call-id of one leg of a call: the SIP Call-ID and "orig" (the UE
// is the caller) or "term" (the UE is the callee). A call between two UEs of
// this P-CSCF is anchored once per leg, each its own AGW session.
std::string ng_call_id(std::string_view sip_call_id, bool originating);

// What a query (or delete) answer says about a call's media: rtpengine's
// `totals` (RTP and RTCP packets/bytes received from every party), per tag
// the packets/bytes the AGW received from that party, and loss and jitter
// where the answer has them (ours: `packets lost`, `jitter` in a stream's
// stats; rtpengine: `SSRC` entries from RTCP: `cumulative loss`, average
// `jitter`).
struct PartyMedia {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> lost;
  std::optional<std::uint32_t> jitter_ms;
};
struct CallMedia {
  std::uint64_t rtp_packets = 0;  // totals.RTP.packets: every party, every stream
  std::uint64_t rtp_bytes = 0;
  PartyMedia from_ue;       // received from the UE's tag
  PartyMedia from_network;  // received from the other party's tag
  bool has_tags = false;    // the answer named the UE's tag
};
// `ue_tag`: the UE's tag in the call (the other tags count as the network's).
CallMedia read_call_media(const agw::ng::Value& root, std::string_view ue_tag);

}  // namespace imsbox::pcscf
