#pragma once
// How an ng offer's keys map onto the offer/answer engine's OfferOptions
// (rtpengine's meanings, docs/ng_control_protocol.md):
//   transport-protocol  the answerer's side: RTP/AVP or RTP/AVPF (a phone),
//                       UDP/TLS/RTP/SAVPF or UDP/TLS/RTP/SAVP (a browser);
//                       SDES (RTP/SAVP, RTP/SAVPF) is refused
//   ICE                 force / remove (default, optional: nothing); the
//                       AGW's ICE comes with DTLS, so each only confirms
//                       what the transport implies (a warning otherwise)
//   DTLS                off / no / disable, passive (our offer says
//                       setup:passive); active is refused (we are always
//                       the DTLS server)
//   rtcp-mux            offer, require, demux, reject, accept
//   replace             origin (o= address ours); session-connection is
//                       what the AGW always does (every c= it writes is ours)
//   codec               transcode, mask, strip, accept lists
//   direction           logical interface names: the AGW has one interface,
//                       so the key is accepted and ignored
// Unknown values of these keys are ignored with a warning. Pure.
#include <string>
#include <vector>

#include "agw/ng/request.h"
#include "agw/offer_answer.h"

namespace imsbox::agw {

struct RequestOptions {
  OfferOptions offer;
  std::vector<std::string> warnings;
  std::string error;  // non-empty: refuse the request with this reason
};

RequestOptions request_options(const ng::NgRequest& request);

}  // namespace imsbox::agw
