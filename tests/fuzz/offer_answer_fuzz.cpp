// libFuzzer target for the AGW's offer/answer engine (agw/offer_answer):
// the input is an offer, optionally a NUL and an answer (SDP holds no NUL; no
// NUL: the offer answers itself). Each offer goes through analyze_offer and
// make_offer toward a phone and toward a browser, with and without codec
// options; each answer through make_answer.
//
// Besides "never crash, never hang, never leak": what the engine writes must
// parse back (the SDP we send a party is always well formed), and an active
// plan names codecs with their payload types mapped both ways.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agw/offer_answer.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace {

using namespace imsbox;
using namespace imsbox::agw;

#include <cstdio>
#define check(x) do { if (!(x)) { std::fprintf(stderr, "check failed line %d\n", __LINE__); std::abort(); } } while (0)

LocalEndpoint local(LegKind kind, std::uint16_t port) {
  LocalEndpoint l;
  l.kind = kind;
  l.address = "192.0.2.1";
  l.port = port;
  l.rtcp_port = static_cast<std::uint16_t>(port + 1);
  if (kind == LegKind::browser) {
    l.ice_ufrag = "abcd1234";
    l.ice_pwd = "abcdefghijklmnopqrstuvwx";
    l.candidate = "1 1 UDP 2013266431 192.0.2.1 " + std::to_string(port) + " typ host";
    l.fingerprint = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  }
  return l;
}

void run(const sdp::SessionDescription& offer, const sdp::SessionDescription& answer, const OfferOptions& o) {
  const auto a = analyze_offer(offer, o);
  if (!a.analysis) {
    check(!a.error.empty());
    return;
  }
  const auto made = make_offer(offer, *a.analysis, o, local(a.analysis->answerer_kind, 30000));
  if (!made.sdp) {
    check(!made.error.empty());
    return;
  }
  check(sdp::parse(sdp::write(*made.sdp)).ok());
  const auto r = make_answer(*made.pending, answer, local(a.analysis->offerer.kind, 30002), o.replace_origin);
  if (!r.sdp) {
    check(!r.error.empty());
    return;
  }
  check(sdp::parse(sdp::write(*r.sdp)).ok());
  if (r.plan.active && !r.plan.transcoding) {
    check(r.plan.offerer_to_answerer.map(r.plan.offerer_codec.payload_type) == r.plan.answerer_codec.payload_type);
    check(r.plan.answerer_to_offerer.map(r.plan.answerer_codec.payload_type) == r.plan.offerer_codec.payload_type);
  }
  if (r.plan.active && r.plan.transcoding) check(transcodable(r.plan.offerer_codec));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const auto offer = sdp::parse(input.substr(0, nul));
  if (!offer.ok()) return 0;
  const auto answer = nul == std::string_view::npos ? offer : sdp::parse(input.substr(nul + 1));
  if (!answer.ok()) return 0;
  OfferOptions o;
  run(*offer.description, *answer.description, o);
  o.answerer_kind = LegKind::phone;
  run(*offer.description, *answer.description, o);
  o.answerer_kind = LegKind::browser;
  o.replace_origin = true;
  o.rtcp_mux_require = true;
  run(*offer.description, *answer.description, o);
  o.answerer_kind = LegKind::phone;
  o.codec_mask = {"PCMU"};
  o.codec_strip = {"opus"};
  o.codec_transcode = {"G722"};
  o.codec_accept = {"AMR-WB"};
  o.rtcp_mux_offer = true;
  run(*offer.description, *answer.description, o);
  return 0;
}
