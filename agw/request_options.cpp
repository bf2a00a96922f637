#include "agw/request_options.h"

#include "runtime/ascii.h"

namespace imsbox::agw {

using ascii::iequals;

RequestOptions request_options(const ng::NgRequest& r) {
  RequestOptions out;
  OfferOptions& o = out.offer;
  if (!r.transport_protocol.empty()) {
    const std::string& t = r.transport_protocol;
    if (iequals(t, "RTP/SAVP") || iequals(t, "RTP/SAVPF")) {
      out.error = "transport-protocol " + t + " (SDES-SRTP) is not supported";
      return out;
    }
    o.answerer_kind = kind_of_protocol(t);
    if (!o.answerer_kind) {
      out.error = "transport-protocol " + t + " is not supported (RTP/AVP, RTP/AVPF, UDP/TLS/RTP/SAVPF)";
      return out;
    }
  }
  for (const auto& v : r.ice) {
    if (iequals(v, "force") || iequals(v, "force-relay")) {
      o.ice = OfferOptions::Ice::force;
    } else if (iequals(v, "remove")) {
      o.ice = OfferOptions::Ice::remove;
    } else if (!iequals(v, "default") && !iequals(v, "optional")) {
      out.warnings.push_back("ICE=" + v + " ignored");
    }
  }
  for (const auto& v : r.dtls) {
    if (iequals(v, "off") || iequals(v, "no") || iequals(v, "disable")) {
      o.dtls = OfferOptions::Dtls::off;
    } else if (iequals(v, "passive")) {
      o.dtls = OfferOptions::Dtls::passive;
    } else if (iequals(v, "active")) {
      out.error = "DTLS=active is not supported: the AGW is always the DTLS server";
      return out;
    } else {
      out.warnings.push_back("DTLS=" + v + " ignored");
    }
  }
  for (const auto& v : r.rtcp_mux) {
    if (iequals(v, "offer")) {
      o.rtcp_mux_offer = true;
    } else if (iequals(v, "require")) {
      o.rtcp_mux_require = true;
    } else if (iequals(v, "demux")) {
      o.rtcp_mux_demux = true;
    } else if (iequals(v, "reject")) {
      o.rtcp_mux_reject = true;
    } else if (!iequals(v, "accept")) {
      out.warnings.push_back("rtcp-mux=" + v + " ignored");
    }
  }
  for (const auto& v : r.replace) {
    if (iequals(v, "origin")) {
      o.replace_origin = true;
    } else if (!iequals(v, "session-connection") && !iequals(v, "session connection")) {
      out.warnings.push_back("replace=" + v + " ignored");
    }
  }
  o.codec_transcode = r.codec.transcode;
  o.codec_mask = r.codec.mask;
  o.codec_strip = r.codec.strip;
  o.codec_accept = r.codec.accept;
  return out;
}

}  // namespace imsbox::agw
