// The offer/answer engine on real SDPs: Chromium's, Firefox's and baresip's
// offers from the SDP corpus (captured, not edited), TS 26.114's MGW offer,
// and answers as phones and Chromium write them.
#include "agw/offer_answer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "sdp/amr.h"
#include "sdp/formats.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace imsbox::agw {
namespace {

sdp::SessionDescription corpus(const std::string& name) {
  std::ifstream in(std::string(IMSBOX_SDP_CORPUS) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = sdp::parse(ss.str());
  EXPECT_TRUE(r.ok()) << name << ": " << r.error();
  return r.description.value_or(sdp::SessionDescription{});
}

sdp::SessionDescription parse(const std::string& text) {
  auto r = sdp::parse(text);
  EXPECT_TRUE(r.ok()) << r.error() << "\n" << text;
  return r.description.value_or(sdp::SessionDescription{});
}

LocalEndpoint phone_side(std::uint16_t port = 30000) {
  LocalEndpoint l;
  l.kind = LegKind::phone;
  l.address = "192.0.2.10";
  l.port = port;
  l.rtcp_port = static_cast<std::uint16_t>(port + 1);
  return l;
}

LocalEndpoint browser_side(std::uint16_t port = 30002) {
  LocalEndpoint l;
  l.kind = LegKind::browser;
  l.address = "192.0.2.10";
  l.port = port;
  l.ice_ufrag = "AbCd1234";
  l.ice_pwd = "abcdefghijklmnopqrstuvwx";
  l.candidate = "1 1 UDP 2013266431 192.0.2.10 " + std::to_string(port) + " typ host";
  l.fingerprint =
      "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3B:B9:2E:A7:A1:33:F4:AB:6D:F2:50:0E";
  return l;
}

std::vector<std::string> rtpmaps(const sdp::MediaDescription& m) {
  std::vector<std::string> out;
  for (const auto& c : codecs_of(m)) {
    std::string s = std::to_string(c.payload_type) + " " + c.encoding + "/" + std::to_string(c.clock_rate);
    if (!c.fmtp.empty()) s += " " + c.fmtp;
    out.push_back(s);
  }
  return out;
}

bool has_attr(const sdp::Attributes& a, std::string_view name) { return a.has(name); }

struct Exchange {
  PendingOffer pending;
  sdp::SessionDescription offer_out;
};

Exchange offer(const sdp::SessionDescription& in, const OfferOptions& o, const LocalEndpoint& toward_answerer) {
  const auto a = analyze_offer(in, o);
  EXPECT_TRUE(a.analysis) << a.error;
  if (!a.analysis) return {};
  auto r = make_offer(in, *a.analysis, o, toward_answerer);
  EXPECT_TRUE(r.sdp) << r.error;
  if (!r.sdp) return {};
  // what we send parses back
  const auto text = sdp::write(*r.sdp);
  EXPECT_TRUE(sdp::parse(text).ok()) << text;
  return {std::move(*r.pending), std::move(*r.sdp)};
}

OfferOptions toward(LegKind k) {
  OfferOptions o;
  o.answerer_kind = k;
  return o;
}

// An answer as a phone (baresip with its amr module) writes it.
std::string phone_answer(const std::string& formats_and_maps, const std::string& extra = "") {
  return "v=0\r\no=- 1 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
         "m=audio 40000 RTP/AVP " +
         formats_and_maps + extra;
}

// ---------------------------------------------------------------------------

TEST(OfferAnswer, ChromiumOfferTowardAPhoneIsPlainRtpWithOurCodecsAfterTheBrowsers) {
  const auto chrome = corpus("chromium_offer_audio.sdp");
  const auto x = offer(chrome, toward(LegKind::phone), phone_side());
  const auto& m = x.offer_out.media.at(0);
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.port, 30000);
  ASSERT_EQ(m.connections.size(), 1u);
  EXPECT_EQ(m.connections[0].address, "192.0.2.10");
  // the browser's codecs a phone may speak first (pass-through, its numbers),
  // then ours: AMR-WB BE and OA, AMR BE and OA, telephone-event/16000
  EXPECT_EQ(rtpmaps(m), (std::vector<std::string>{"111 opus/48000 minptime=10;useinbandfec=1", "9 G722/8000",
                                                  "0 PCMU/8000", "8 PCMA/8000", "110 telephone-event/48000",
                                                  "126 telephone-event/8000", "96 AMR-WB/16000",
                                                  "97 AMR-WB/16000 octet-align=1", "98 AMR/8000",
                                                  "99 AMR/8000 octet-align=1", "100 telephone-event/16000 0-15"}));
  // nothing of WebRTC toward IMS
  for (const char* a : {"candidate", "ice-ufrag", "ice-pwd", "fingerprint", "setup", "mid", "extmap", "rtcp-fb",
                        "ssrc", "msid", "rtcp-mux", "rtcp-rsize"}) {
    EXPECT_FALSE(has_attr(m.attributes, a)) << a;
  }
  for (const char* a : {"group", "msid-semantic", "extmap-allow-mixed", "ice-lite"}) {
    EXPECT_FALSE(has_attr(x.offer_out.attributes, a)) << a;
  }
  EXPECT_EQ(m.attributes.value("rtcp"), "30001");
  EXPECT_EQ(m.attributes.value("ptime"), "20");
  EXPECT_EQ(sdp::direction(x.offer_out, m), sdp::Direction::sendrecv);
  EXPECT_EQ(x.pending.analysis.offerer.kind, LegKind::browser);
  EXPECT_EQ(x.pending.analysis.offerer.ice_ufrag, "GCHm");
  EXPECT_EQ(x.pending.analysis.offerer.candidates.size(), 8u);
  EXPECT_TRUE(x.pending.analysis.offerer_rtcp_mux);
  EXPECT_FALSE(x.pending.analysis.offer_rtcp_mux);
}

TEST(OfferAnswer, PhoneAnsweringAmrWbOnlyMeansTranscodingOpusAndTheBrowserGetsOpus) {
  const auto chrome = corpus("chromium_offer_audio.sdp");
  const auto x = offer(chrome, toward(LegKind::phone), phone_side());
  const auto answer = parse(phone_answer(
      "97 100\r\na=rtpmap:97 AMR-WB/16000\r\na=fmtp:97 octet-align=1\r\na=rtpmap:100 telephone-event/16000\r\n"
      "a=fmtp:100 0-15\r\na=sendrecv\r\na=ptime:20\r\n"));
  const auto r = make_answer(x.pending, answer, browser_side(), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_TRUE(r.plan.active);
  EXPECT_TRUE(r.plan.transcoding);
  EXPECT_EQ(r.plan.offerer_codec.encoding, "opus");
  EXPECT_EQ(r.plan.offerer_codec.payload_type, 111);
  EXPECT_EQ(r.plan.offerer_codec.fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(r.plan.answerer_codec.encoding, "AMR-WB");
  EXPECT_EQ(r.plan.answerer_codec.payload_type, 97);
  EXPECT_EQ(r.plan.answerer_codec.fmtp, "octet-align=1");
  ASSERT_TRUE(r.plan.offerer_telephone_event && r.plan.answerer_telephone_event);
  EXPECT_EQ(r.plan.offerer_telephone_event->clock_rate, 48000u);  // Opus's clock
  EXPECT_EQ(r.plan.offerer_telephone_event->payload_type, 110);
  EXPECT_EQ(r.plan.answerer_telephone_event->clock_rate, 16000u);
  EXPECT_EQ(r.answerer.address, "198.51.100.7");
  EXPECT_EQ(r.answerer.port, 40000);
  EXPECT_EQ(r.answerer.rtcp_port, 40001);

  // the browser's answer: its own m-line, Opus and telephone-event/48000, WebRTC transport
  const auto& s = *r.sdp;
  const auto text = sdp::write(s);
  ASSERT_TRUE(sdp::parse(text).ok()) << text;
  const auto& m = s.media.at(0);
  EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(m.port, 30002);
  EXPECT_EQ(rtpmaps(m), (std::vector<std::string>{"111 opus/48000 minptime=10;useinbandfec=1",
                                                  "110 telephone-event/48000"}));
  EXPECT_EQ(m.attributes.value("mid"), "0");
  EXPECT_EQ(m.attributes.value("setup"), "passive");
  EXPECT_EQ(m.attributes.value("ice-ufrag"), "AbCd1234");
  EXPECT_TRUE(m.attributes.has("rtcp-mux"));
  EXPECT_EQ(m.attributes.value("candidate"), "1 1 UDP 2013266431 192.0.2.10 30002 typ host");
  EXPECT_EQ(m.attributes.value("fingerprint")->substr(0, 8), "sha-256 ");
  EXPECT_TRUE(s.attributes.has("ice-lite"));
  EXPECT_EQ(s.attributes.value("group"), "BUNDLE 0");
  ASSERT_TRUE(s.connection);
  EXPECT_EQ(s.connection->address, "192.0.2.10");
  EXPECT_EQ(s.origin.address, "198.51.100.7");  // the answerer's o= (replace origin not asked)
}

TEST(OfferAnswer, PhoneAnsweringPcmuMeansRelayWithPayloadTypesMapped) {
  const auto chrome = corpus("chromium_offer_audio.sdp");
  const auto x = offer(chrome, toward(LegKind::phone), phone_side());
  // a phone that numbers telephone-event/8000 its own way
  const auto answer = parse(phone_answer(
      "0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"));
  const auto r = make_answer(x.pending, answer, browser_side(), true);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_FALSE(r.plan.transcoding);
  EXPECT_EQ(r.plan.offerer_codec.payload_type, 0);
  EXPECT_EQ(r.plan.answerer_codec.payload_type, 0);
  EXPECT_EQ(r.plan.offerer_to_answerer.map(0), 0);
  EXPECT_EQ(r.plan.answerer_to_offerer.map(0), 0);
  // the browser's telephone-event/8000 (126) <-> the phone's (101): PCMU's clock
  EXPECT_EQ(r.plan.offerer_to_answerer.map(126), 101);
  EXPECT_EQ(r.plan.answerer_to_offerer.map(101), 126);
  EXPECT_FALSE(r.plan.offerer_to_answerer.map(111));  // not negotiated: dropped
  EXPECT_EQ(rtpmaps(r.sdp->media.at(0)), (std::vector<std::string>{"0 PCMU/8000", "126 telephone-event/8000"}));
  EXPECT_EQ(r.sdp->origin.address, "192.0.2.10");  // replace origin
  EXPECT_NE(describe(r.plan).find("relay PCMU/8000"), std::string::npos) << describe(r.plan);
}

TEST(OfferAnswer, PhoneOfferTowardABrowserKeepsG711ThenOursAndChromiumsOpusAnswerTranscodes) {
  // TS 26.114 A.2.2: an MGW offering AMR with a mode-set
  const auto mgw = corpus("ts26114_a2_2_mgw_offer.sdp");
  const auto x = offer(mgw, toward(LegKind::browser), browser_side());
  const auto& m = x.offer_out.media.at(0);
  EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
  // AMR is not for browsers: ours only
  EXPECT_EQ(rtpmaps(m), (std::vector<std::string>{"96 opus/48000 minptime=10;useinbandfec=1", "0 PCMU/8000",
                                                  "8 PCMA/8000", "97 telephone-event/48000 0-15"}));
  EXPECT_EQ(m.attributes.value("setup"), "actpass");
  EXPECT_EQ(m.attributes.value("mid"), "0");
  EXPECT_TRUE(x.offer_out.attributes.has("ice-lite"));
  EXPECT_EQ(x.offer_out.attributes.value("group"), "BUNDLE 0");
  EXPECT_FALSE(m.attributes.has("tcap"));
  EXPECT_FALSE(m.attributes.has("pcfg"));

  // Chromium answers Opus (as it does), active
  const auto answer = parse(
      "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "a=msid-semantic: WMS\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:bWQx\r\na=ice-pwd:q8B2mnbsfzJu6V5Jw5yzRE0f\r\na=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 "
      "84:BB:E7:EE:01:E9:6D:33:6C:31:7C:01:62:4B:76:91:3D:64:7E:03:52:FF:E2:35:9F:2A:4B:63:BE:7F:FD:AD\r\n"
      "a=setup:active\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:96 opus/48000/2\r\n"
      "a=fmtp:96 minptime=10;useinbandfec=1\r\na=rtpmap:97 telephone-event/48000\r\n");
  const auto r = make_answer(x.pending, answer, phone_side(), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_TRUE(r.plan.transcoding);
  EXPECT_EQ(r.plan.offerer_codec.encoding, "AMR");
  EXPECT_EQ(r.plan.answerer_codec.encoding, "opus");
  EXPECT_TRUE(r.plan.answerer_rtcp_mux);
  EXPECT_FALSE(r.plan.offerer_telephone_event);  // the MGW offered none
  EXPECT_EQ(r.answerer.kind, LegKind::browser);
  EXPECT_EQ(r.answerer.setup, sdp::Setup::active);
  // the phone's answer: its AMR, mode-set and all, unmodified; RTP/AVP, RTCP on port + 1
  const auto& am = r.sdp->media.at(0);
  EXPECT_EQ(am.proto, "RTP/AVP");
  EXPECT_EQ(am.port, 30000);
  EXPECT_EQ(rtpmaps(am),
            (std::vector<std::string>{"97 AMR/8000 mode-set=0,2,4,7; mode-change-period=2; mode-change-neighbor=1; "
                                      "mode-change-capability=2; max-red=0"}));
  EXPECT_EQ(am.attributes.value("rtcp"), "30001");
  EXPECT_FALSE(am.attributes.has("rtcp-mux"));
  for (const char* a : {"ice-lite", "group", "msid-semantic"}) EXPECT_FALSE(r.sdp->attributes.has(a)) << a;
  for (const char* a : {"mid", "ice-ufrag", "fingerprint", "setup", "candidate"}) {
    EXPECT_FALSE(am.attributes.has(a)) << a;
  }
}

TEST(OfferAnswer, BaresipAmrOfferTowardABrowserAnsweredPcmuIsRelayed) {
  const auto baresip = corpus("baresip_offer_amr.sdp");
  const auto x = offer(baresip, toward(LegKind::browser), browser_side());
  // baresip's Opus, G.722, G.711 and telephone-event/8000 pass through; its
  // AMR and AMR-WB cannot reach a browser; our telephone-event/48000 added
  EXPECT_EQ(rtpmaps(x.offer_out.media.at(0)),
            (std::vector<std::string>{"98 opus/48000 stereo=1;sprop-stereo=1", "9 G722/8000", "0 PCMU/8000",
                                      "8 PCMA/8000", "101 telephone-event/8000 0-15",
                                      "96 telephone-event/48000 0-15"}));
  const auto answer = parse(
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:bWQx\r\na=ice-pwd:q8B2mnbsfzJu6V5Jw5yzRE0f\r\n"
      "a=fingerprint:sha-256 "
      "84:BB:E7:EE:01:E9:6D:33:6C:31:7C:01:62:4B:76:91:3D:64:7E:03:52:FF:E2:35:9F:2A:4B:63:BE:7F:FD:AD\r\n"
      "a=setup:active\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n");
  const auto r = make_answer(x.pending, answer, phone_side(), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_FALSE(r.plan.transcoding);
  EXPECT_EQ(rtpmaps(r.sdp->media.at(0)),
            (std::vector<std::string>{"0 PCMU/8000", "101 telephone-event/8000 0-15"}));
  EXPECT_EQ(r.sdp->attributes.value("tool"), std::nullopt);  // the answerer's session attributes, not the offerer's
}

TEST(OfferAnswer, FirefoxOfferWithSessionLevelFingerprintAndMdnsCandidates) {
  const auto firefox = corpus("firefox_offer_audio.sdp");
  const auto a = analyze_offer(firefox, toward(LegKind::phone));
  ASSERT_TRUE(a.analysis) << a.error;
  EXPECT_EQ(a.analysis->offerer.kind, LegKind::browser);
  ASSERT_TRUE(a.analysis->offerer.fingerprint);
  EXPECT_EQ(a.analysis->offerer.fingerprint->substr(0, 14), "sha-256 AC:27:");
  EXPECT_EQ(a.analysis->offerer.ice_ufrag, "778df161");
  EXPECT_EQ(a.analysis->offerer.mid, "0");
  const auto x = offer(firefox, toward(LegKind::phone), phone_side());
  const auto answer = parse(phone_answer("8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"));
  const auto r = make_answer(x.pending, answer, browser_side(), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_FALSE(r.plan.transcoding);
  EXPECT_EQ(r.plan.offerer_to_answerer.map(101), 101);
  EXPECT_EQ(r.sdp->media.at(0).attributes.value("mid"), "0");
  EXPECT_EQ(r.sdp->attributes.value("group"), "BUNDLE 0");
}

TEST(OfferAnswer, VideoAndDataAreRefusedWithPortZeroBothWays) {
  const auto chrome = corpus("chromium_offer_audio_video_data.sdp");
  const auto x = offer(chrome, toward(LegKind::phone), phone_side());
  ASSERT_EQ(x.offer_out.media.size(), 3u);
  EXPECT_EQ(x.offer_out.media[0].port, 30000);
  EXPECT_EQ(x.offer_out.media[1].port, 0);
  EXPECT_EQ(x.offer_out.media[2].port, 0);
  EXPECT_FALSE(x.offer_out.media[1].attributes.has("candidate"));
  // the phone refuses them too
  const auto answer = parse(phone_answer("0\r\na=rtpmap:0 PCMU/8000\r\n") + "m=video 0 RTP/AVP 96\r\n" +
                            "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n");
  const auto r = make_answer(x.pending, answer, browser_side(), false);
  ASSERT_TRUE(r.sdp) << r.error;
  ASSERT_EQ(r.sdp->media.size(), 3u);
  EXPECT_EQ(r.sdp->media[0].port, 30002);
  EXPECT_EQ(r.sdp->media[1].port, 0);
  EXPECT_EQ(r.sdp->media[1].media, "video");
  EXPECT_EQ(r.sdp->media[2].port, 0);
  EXPECT_EQ(r.sdp->media[2].proto, "UDP/DTLS/SCTP");
  EXPECT_EQ(r.sdp->attributes.value("group"), "BUNDLE 0");  // only the stream we kept
}

TEST(OfferAnswer, HoldReofferCarriesTheDirectionsAcross) {
  auto baresip = corpus("baresip_offer_amr.sdp");
  sdp::set_direction(baresip.media[0].attributes, sdp::Direction::sendonly);
  const auto x = offer(baresip, toward(LegKind::phone), phone_side());
  EXPECT_EQ(sdp::direction(x.offer_out, x.offer_out.media[0]), sdp::Direction::sendonly);
  const auto answer = parse(phone_answer("96\r\na=rtpmap:96 AMR-WB/16000\r\na=fmtp:96 octet-align=1\r\na=recvonly\r\n"));
  const auto r = make_answer(x.pending, answer, phone_side(30004), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_EQ(r.plan.offerer_direction, sdp::Direction::sendonly);
  EXPECT_EQ(r.plan.answerer_direction, sdp::Direction::recvonly);
  EXPECT_EQ(sdp::direction(*r.sdp, r.sdp->media[0]), sdp::Direction::recvonly);
  EXPECT_FALSE(r.plan.transcoding);  // AMR-WB octet-aligned on both sides
}

TEST(OfferAnswer, AmrPackingDecidesBetweenRelayAndTranscoding) {
  // baresip offers AMR-WB octet-aligned; a phone answering our BE payload type is transcoded
  const auto baresip = corpus("baresip_offer_amr.sdp");
  const auto x = offer(baresip, toward(LegKind::phone), phone_side());
  const auto& m = x.offer_out.media[0];
  // kept: baresip's AMR-WB OA (96), AMR OA (97), Opus, G.722, G.711, te/8000; ours: AMR-WB BE, AMR BE, te/16000
  const auto maps = rtpmaps(m);
  ASSERT_GE(maps.size(), 10u);
  EXPECT_EQ(maps[0], "96 AMR-WB/16000 octet-align=1");
  std::string be_pt;
  for (const auto& c : codecs_of(m)) {
    if (c.encoding == "AMR-WB" && c.fmtp.empty()) be_pt = std::to_string(c.payload_type);
  }
  ASSERT_FALSE(be_pt.empty());
  const auto answer = parse(phone_answer(be_pt + "\r\na=rtpmap:" + be_pt + " AMR-WB/16000/1\r\na=fmtp:" + be_pt +
                                         " mode-set=0,1,2\r\n"));
  const auto r = make_answer(x.pending, answer, phone_side(30004), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_TRUE(r.plan.transcoding);
  EXPECT_EQ(r.plan.offerer_codec.payload_type, 96);
  EXPECT_EQ(r.plan.offerer_codec.fmtp, "octet-align=1");
  EXPECT_EQ(r.plan.answerer_codec.fmtp, "mode-set=0,1,2");  // the phone's mode-set reaches its encoder
  // the phone answered no telephone-event: baresip's is kept (play DTMF toward it), but nothing is mapped
  EXPECT_EQ(rtpmaps(r.sdp->media[0]), (std::vector<std::string>{"96 AMR-WB/16000 octet-align=1",
                                                                "101 telephone-event/8000 0-15"}));
  EXPECT_FALSE(r.plan.answerer_telephone_event);
  EXPECT_FALSE(r.plan.offerer_to_answerer.map(101));
}

TEST(OfferAnswer, RelayedAmrAnswerCarriesTheAnswerersModeSetUnmodified) {
  const auto mgw = corpus("ts26114_a2_2_mgw_offer.sdp");
  const auto x = offer(mgw, toward(LegKind::phone), phone_side());
  const auto answer = parse(phone_answer("97\r\na=rtpmap:97 AMR/8000/1\r\na=fmtp:97 mode-set=0,2,4,7; max-red=0\r\n"));
  const auto r = make_answer(x.pending, answer, phone_side(30004), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_FALSE(r.plan.transcoding);
  EXPECT_EQ(rtpmaps(r.sdp->media[0]), (std::vector<std::string>{"97 AMR/8000 mode-set=0,2,4,7; max-red=0"}));
}

TEST(OfferAnswer, RtcpMuxOfferedByAPhoneIsAcceptedAndPassedOn) {
  auto baresip = corpus("baresip_offer_amr.sdp");
  baresip.media[0].attributes.add("rtcp-mux");
  const auto x = offer(baresip, toward(LegKind::phone), phone_side());
  EXPECT_TRUE(x.pending.analysis.offerer_rtcp_mux);
  EXPECT_TRUE(x.offer_out.media[0].attributes.has("rtcp-mux"));
  EXPECT_EQ(x.offer_out.media[0].attributes.value("rtcp"), "30001");  // fallback (RFC 5761 §5.1.1)
  const auto answer = parse(phone_answer("0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"));
  const auto r = make_answer(x.pending, answer, phone_side(30004), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_TRUE(r.plan.answerer_rtcp_mux);
  EXPECT_TRUE(r.sdp->media[0].attributes.has("rtcp-mux"));
  EXPECT_FALSE(r.sdp->media[0].attributes.has("rtcp"));

  OfferOptions demux = toward(LegKind::phone);
  demux.rtcp_mux_demux = true;
  const auto y = offer(baresip, demux, phone_side());
  EXPECT_FALSE(y.offer_out.media[0].attributes.has("rtcp-mux"));
  OfferOptions reject = toward(LegKind::phone);
  reject.rtcp_mux_reject = true;
  EXPECT_FALSE(offer(baresip, reject, phone_side()).pending.analysis.offerer_rtcp_mux);
  OfferOptions require = toward(LegKind::phone);
  require.rtcp_mux_require = true;
  const auto z = offer(corpus("ts26114_a2_2_mgw_offer.sdp"), require, phone_side());
  EXPECT_TRUE(z.offer_out.media[0].attributes.has("rtcp-mux"));
  EXPECT_FALSE(z.offer_out.media[0].attributes.has("rtcp"));
}

TEST(OfferAnswer, CodecStripMaskAndTranscodeOptions) {
  const auto chrome = corpus("chromium_offer_audio.sdp");
  OfferOptions o = toward(LegKind::phone);
  o.codec_strip = {"G722", "opus"};
  o.codec_mask = {"PCMA"};
  o.codec_transcode = {"G722"};
  const auto x = offer(chrome, o, phone_side());
  const auto maps = rtpmaps(x.offer_out.media[0]);
  for (const auto& s : maps) EXPECT_EQ(s.find("PCMA"), std::string::npos) << s;
  for (const auto& s : maps) EXPECT_EQ(s.find("opus"), std::string::npos) << s;
  EXPECT_EQ(maps.front(), "0 PCMU/8000");
  EXPECT_NE(std::find(maps.begin(), maps.end(), "9 G722/8000"), maps.end());  // transcode-G722 added as ours
  bool g722_ours = false;
  for (const auto& f : x.pending.offered) {
    if (f.codec.encoding == "G722") g722_ours = !f.offerer_payload_type;
  }
  EXPECT_TRUE(g722_ours);
  // PCMA masked toward the answerer, but Chromium still offered it: a PCMA answer is impossible
  const auto answer = parse(phone_answer("8\r\na=rtpmap:8 PCMA/8000\r\n"));
  const auto r = make_answer(x.pending, answer, browser_side(), false);
  EXPECT_FALSE(r.sdp);
  EXPECT_NE(r.error.find("was not offered"), std::string::npos) << r.error;

  OfferOptions all = toward(LegKind::phone);
  all.codec_strip = {"all"};
  const auto a = analyze_offer(chrome, all);
  EXPECT_FALSE(a.analysis);
  EXPECT_EQ(a.error, "no audio codec in the offer");
}

TEST(OfferAnswer, CodecAcceptChoosesTheOfferersTranscodingCodec) {
  const auto chrome = corpus("chromium_offer_audio.sdp");
  OfferOptions o = toward(LegKind::phone);
  o.codec_accept = {"PCMA"};
  const auto x = offer(chrome, o, phone_side());
  const auto answer = parse(phone_answer("96\r\na=rtpmap:96 AMR-WB/16000\r\n"));
  const auto r = make_answer(x.pending, answer, browser_side(), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_TRUE(r.plan.transcoding);
  EXPECT_EQ(r.plan.offerer_codec.encoding, "PCMA");
  // telephone-event/8000 matches PCMA's clock
  EXPECT_EQ(r.plan.offerer_telephone_event->clock_rate, 8000u);
}

TEST(OfferAnswer, PhoneTelephoneEvent16000IsNotPassedToABrowser) {
  // An AMR-WB phone whose only telephone-event is /16000: no browser codec runs at 16 kHz, and
  // Chromium sends its DTMF on the offer's telephone-event/16000 even when its answer keeps only
  // /48000 (seen in media_calls), which the plan does not expect: offer the browser ours (/48000) only
  const auto phone = parse(
      "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
      "m=audio 40000 RTP/AVP 104 105\r\na=rtpmap:104 AMR-WB/16000/1\r\na=rtpmap:105 telephone-event/16000\r\n"
      "a=fmtp:105 0-15\r\n");
  const auto x = offer(phone, toward(LegKind::browser), browser_side());
  EXPECT_EQ(rtpmaps(x.offer_out.media.at(0)),
            (std::vector<std::string>{"96 opus/48000 minptime=10;useinbandfec=1", "0 PCMU/8000", "8 PCMA/8000",
                                      "97 telephone-event/48000 0-15"}));
}

TEST(OfferAnswer, NoTranscodableCodecMeansOnlyPassThroughIsOffered) {
  const auto g729 = parse(
      "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
      "m=audio 40000 RTP/AVP 18 101\r\na=rtpmap:18 G729/8000\r\na=rtpmap:101 telephone-event/8000\r\n");
  const auto x = offer(g729, toward(LegKind::phone), phone_side());
  EXPECT_EQ(rtpmaps(x.offer_out.media[0]),
            (std::vector<std::string>{"18 G729/8000", "101 telephone-event/8000", "96 telephone-event/16000 0-15"}));
  // toward a browser, nothing is left
  const auto a = analyze_offer(g729, toward(LegKind::browser));
  ASSERT_TRUE(a.analysis);
  const auto r = make_offer(g729, *a.analysis, toward(LegKind::browser), browser_side());
  EXPECT_FALSE(r.sdp);
  EXPECT_NE(r.error.find("no codec to offer"), std::string::npos);
}

TEST(OfferAnswer, RefusedOffers) {
  auto check = [](const std::string& sdp_text, const OfferOptions& o, const std::string& error) {
    const auto a = analyze_offer(parse(sdp_text), o);
    EXPECT_FALSE(a.analysis);
    EXPECT_NE(a.error.find(error), std::string::npos) << a.error;
  };
  const std::string head = "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n";
  check(head + "m=video 40000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", {}, "no audio stream");
  check(head + "m=audio 40000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n",
        {}, "no audio stream");
  check(head + "m=audio 0 RTP/AVP 0\r\n", {}, "no audio stream");
  check(head + "m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=ice-ufrag:abcd\r\n"
               "a=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\na=fingerprint:sha-256 00:11\r\n",
        {}, "without a=rtcp-mux");
  check(head + "m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\n",
        {}, "without a=ice-ufrag");
  check(head + "m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\na=ice-ufrag:abcd\r\n"
               "a=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\na=fingerprint:sha-256 00:11\r\na=setup:passive\r\n",
        {}, "always the DTLS server");
  check("v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n", {}, "no c= line");
  OfferOptions dtls_off = toward(LegKind::browser);
  dtls_off.dtls = OfferOptions::Dtls::off;
  check(head + "m=audio 40000 RTP/AVP 0\r\n", dtls_off, "DTLS=off");
}

TEST(OfferAnswer, RefusedAnswers) {
  const auto chrome = corpus("chromium_offer_audio.sdp");
  const auto to_browser = offer(corpus("baresip_offer_amr.sdp"), toward(LegKind::browser), browser_side());
  const auto to_phone = offer(chrome, toward(LegKind::phone), phone_side());
  auto check = [](const PendingOffer& p, const std::string& answer, const std::string& error) {
    const auto r = make_answer(p, parse(answer), phone_side(30008), false);
    EXPECT_FALSE(r.sdp);
    EXPECT_NE(r.error.find(error), std::string::npos) << r.error;
  };
  check(to_phone.pending, phone_answer("18\r\na=rtpmap:18 G729/8000\r\n"), "was not offered");
  check(to_phone.pending, phone_answer("126\r\na=rtpmap:126 telephone-event/8000\r\n"), "no audio codec");
  check(to_phone.pending, "v=0\r\no=- 1 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n",
        "no m-line 1");
  const std::string browser_answer_head =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
      "a=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n";
  // passive to our passive (DTLS=passive): nobody would connect
  OfferOptions passive = toward(LegKind::browser);
  passive.dtls = OfferOptions::Dtls::passive;
  const auto passive_offer = offer(corpus("baresip_offer_amr.sdp"), passive, browser_side());
  check(passive_offer.pending,
        browser_answer_head + "a=ice-ufrag:bWQx\r\na=ice-pwd:q8B2mnbsfzJu6V5Jw5yzRE0f\r\na=fingerprint:sha-256 00:11\r\n"
                              "a=setup:passive\r\n",
        "a=setup:passive to our a=setup:passive");
  check(to_browser.pending,
        browser_answer_head + "a=ice-ufrag:bWQx\r\na=ice-pwd:q8B2mnbsfzJu6V5Jw5yzRE0f\r\na=fingerprint:sha-256 00:11\r\n"
                              "a=setup:actpass\r\n",
        "a=setup:actpass to our a=setup:actpass");
  check(to_browser.pending, browser_answer_head, "without a=ice-ufrag");
  check(to_browser.pending, phone_answer("0\r\na=rtpmap:0 PCMU/8000\r\n"), "the offer was UDP/TLS/RTP/SAVPF");
}

// A browser may answer our actpass with passive (RFC 8842 §5.3): the AGW is then the DTLS client
TEST(OfferAnswer, BrowserAnsweringPassiveToOurActpassIsAccepted) {
  const auto to_browser = offer(corpus("baresip_offer_amr.sdp"), toward(LegKind::browser), browser_side());
  EXPECT_EQ(to_browser.offer_out.media.at(0).attributes.value("setup"), "actpass");
  const auto r = make_answer(
      to_browser.pending,
      parse("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
            "a=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\na=ice-ufrag:bWQx\r\na=ice-pwd:q8B2mnbsfzJu6V5Jw5yzRE0f\r\n"
            "a=fingerprint:sha-256 00:11\r\na=setup:passive\r\n"),
      phone_side(30008), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_EQ(r.answerer.setup, sdp::Setup::passive);
  EXPECT_TRUE(r.plan.active);
}

TEST(OfferAnswer, ABrowserReofferingToTheAgwAsDtlsClientGetsActive) {
  // the browser answered our actpass with passive once: the AGW is the DTLS client of the association,
  // and its answer to the browser's next (re-)offer keeps the roles (RFC 8842 §5.5)
  const auto chrome = corpus("chromium_offer_audio.sdp");
  const auto x = offer(chrome, toward(LegKind::phone), phone_side());
  const auto answer = parse(phone_answer("0\r\na=rtpmap:0 PCMU/8000\r\n"));
  auto client = browser_side();
  client.dtls_client = true;
  const auto r = make_answer(x.pending, answer, client, false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_EQ(r.sdp->media.at(0).attributes.value("setup"), "active");
  const auto server = make_answer(x.pending, answer, browser_side(), false);
  ASSERT_TRUE(server.sdp) << server.error;
  EXPECT_EQ(server.sdp->media.at(0).attributes.value("setup"), "passive");
}

TEST(OfferAnswer, TranscodingPlansListTheOtherTelephoneEventsEachSideMaySend) {
  const auto chrome = corpus("chromium_offer_audio.sdp");  // telephone-event 110/48000 and 126/8000
  const auto x = offer(chrome, toward(LegKind::phone), phone_side());
  const auto answer = parse(phone_answer(
      "97 100\r\na=rtpmap:97 AMR-WB/16000\r\na=fmtp:97 octet-align=1\r\na=rtpmap:100 telephone-event/16000\r\n"));
  const auto r = make_answer(x.pending, answer, browser_side(), false);
  ASSERT_TRUE(r.sdp) << r.error;
  ASSERT_TRUE(r.plan.transcoding);
  ASSERT_TRUE(r.plan.offerer_telephone_event);
  EXPECT_EQ(r.plan.offerer_telephone_event->payload_type, 110);
  ASSERT_EQ(r.plan.offerer_other_events.size(), 1u);
  EXPECT_EQ(r.plan.offerer_other_events[0].payload_type, 126);
  EXPECT_EQ(r.plan.offerer_other_events[0].clock_rate, 8000u);
  // the phone answered /16000; the /8000 we offered it is the other one it might use
  ASSERT_TRUE(r.plan.answerer_telephone_event);
  EXPECT_EQ(r.plan.answerer_telephone_event->payload_type, 100);
  const bool has_8000 = std::any_of(r.plan.answerer_other_events.begin(), r.plan.answerer_other_events.end(),
                                    [](const Codec& c) { return c.clock_rate == 8000; });
  EXPECT_TRUE(has_8000);
  for (const auto& c : r.plan.answerer_other_events) EXPECT_NE(c.payload_type, 100);
}

TEST(OfferAnswer, AnswerRefusingTheStreamLeavesNoMedia) {
  const auto x = offer(corpus("baresip_offer_amr.sdp"), toward(LegKind::phone), phone_side());
  const auto r = make_answer(x.pending, parse(phone_answer("0\r\n").replace(0, 0, "")), phone_side(30004), false);
  ASSERT_TRUE(r.sdp) << r.error;  // port 40000: accepted
  auto refused = phone_answer("0\r\n");
  refused.replace(refused.find("40000"), 5, "0");
  const auto q = make_answer(x.pending, parse(refused), phone_side(30004), false);
  ASSERT_TRUE(q.sdp) << q.error;
  EXPECT_FALSE(q.plan.active);
  EXPECT_EQ(q.sdp->media[0].port, 0);
  EXPECT_EQ(describe(q.plan), "no media (the answer refused the stream)");
}

TEST(OfferAnswer, AnAnswerNamingOneCodecTwiceKeepsTheFirstMapping) {
  // found by the offer_answer fuzz target: PCMU under 0 and under 96 in the answer
  const auto x = offer(corpus("baresip_offer_amr.sdp"), toward(LegKind::phone), phone_side());
  const auto answer = parse(phone_answer("0 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 PCMU/8000\r\n"));
  const auto r = make_answer(x.pending, answer, phone_side(30004), false);
  ASSERT_TRUE(r.sdp) << r.error;
  EXPECT_FALSE(r.plan.transcoding);
  EXPECT_EQ(r.plan.offerer_to_answerer.map(0), 0);
  EXPECT_EQ(r.plan.answerer_to_offerer.map(0), 0);
  EXPECT_FALSE(r.plan.answerer_to_offerer.map(96));
  EXPECT_EQ(r.sdp->media[0].formats, (std::vector<std::string>{"0", "101"}));
}

TEST(OfferAnswer, AnAnswerMayComeTwiceAgainstOneOffer) {
  // early media (183 with SDP) then the 200 with the same SDP: same result
  const auto x = offer(corpus("chromium_offer_audio.sdp"), toward(LegKind::phone), phone_side());
  const auto answer = parse(phone_answer("0\r\na=rtpmap:0 PCMU/8000\r\n"));
  const auto first = make_answer(x.pending, answer, browser_side(), false);
  const auto second = make_answer(x.pending, answer, browser_side(), false);
  ASSERT_TRUE(first.sdp && second.sdp);
  EXPECT_EQ(sdp::write(*first.sdp), sdp::write(*second.sdp));
}

TEST(OfferAnswer, BrowserToBrowserKeepsOpusAndTheMid) {
  const auto chrome = corpus("chromium_offer_audio.sdp");
  const auto x = offer(chrome, {}, browser_side(30010));  // no transport-protocol: the offerer's
  EXPECT_EQ(x.pending.analysis.answerer_kind, LegKind::browser);
  const auto& m = x.offer_out.media[0];
  EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(rtpmaps(m), (std::vector<std::string>{"111 opus/48000 minptime=10;useinbandfec=1", "9 G722/8000",
                                                  "0 PCMU/8000", "8 PCMA/8000", "110 telephone-event/48000",
                                                  "126 telephone-event/8000"}));
  EXPECT_EQ(m.attributes.value("mid"), "0");
  EXPECT_FALSE(m.attributes.has("ssrc"));
  EXPECT_FALSE(m.attributes.has("extmap"));
  EXPECT_EQ(m.attributes.count("candidate"), 1u);
}

TEST(OfferAnswer, CodecMatchesEntries) {
  Codec c;
  c.encoding = "AMR-WB";
  c.clock_rate = 16000;
  c.channels = 1;
  EXPECT_TRUE(codec_matches(c, "AMR-WB"));
  EXPECT_TRUE(codec_matches(c, "amr-wb/16000"));
  EXPECT_TRUE(codec_matches(c, "AMR-WB/16000/1"));
  EXPECT_FALSE(codec_matches(c, "AMR-WB/8000"));
  EXPECT_FALSE(codec_matches(c, "AMR"));
  EXPECT_FALSE(codec_matches(c, "AMR-WB/x"));
  EXPECT_TRUE(codec_matches(c, "all"));
}

TEST(OfferAnswer, SameCodecAndTranscodable) {
  Codec be{96, "AMR-WB", 16000, 1, ""};
  Codec oa{97, "AMR-WB", 16000, std::nullopt, "octet-align=1; mode-set=0,1"};
  Codec oa2{98, "amr-wb", 16000, 1, "mode-set=2;octet-align=1"};
  EXPECT_FALSE(same_codec(be, oa));
  EXPECT_TRUE(same_codec(oa, oa2));
  Codec opus1{111, "opus", 48000, 2, ""};
  Codec opus2{98, "OPUS", 48000, std::nullopt, "stereo=1"};
  EXPECT_TRUE(same_codec(opus1, opus2));
  EXPECT_TRUE(transcodable(be));
  EXPECT_TRUE(transcodable(opus1));
  EXPECT_FALSE(transcodable(Codec{96, "AMR-WB", 16000, 1, "crc=1"}));
  EXPECT_FALSE(transcodable(Codec{96, "AMR", 8000, 2, ""}));
  EXPECT_FALSE(transcodable(Codec{18, "G729", 8000, std::nullopt, ""}));
  EXPECT_TRUE(transcodable(Codec{9, "G722", 8000, std::nullopt, ""}));
}

}  // namespace
}  // namespace imsbox::agw
