// The MRF's SDP answers (mrf/media/sdp_answer.h): the codec each offer gets,
// its fmtp kept, telephone-event at the right rate, the mirrored direction,
// rtcp-mux, other m-lines refused, and the offers refused with a reason.
#include "mrf/media/sdp_answer.h"

#include <gtest/gtest.h>

#include "mrf/media/rtp_session.h"
#include "sdp/formats.h"
#include "sdp/parser.h"

namespace imsbox::mrf::media {
namespace {

bool library_has(const ChosenCodec& c) { return make_codec_for(c, {}).codec != nullptr; }

std::string offer(std::string_view m_line, std::string_view attributes, std::string_view connection = "127.0.0.1") {
  return "v=0\r\no=- 1 1 IN IP4 " + std::string(connection) + "\r\ns=-\r\nc=IN IP4 " + std::string(connection) +
         "\r\nt=0 0\r\n" + std::string(m_line) + "\r\n" + std::string(attributes);
}

Negotiated accepted(const std::string& body) {
  auto r = negotiate(body, library_has);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << "refused: " << *e << "\n" << body;
  return std::get<Negotiated>(std::move(r));
}

std::string refused(const std::string& body) {
  auto r = negotiate(body, library_has);
  if (std::holds_alternative<Negotiated>(r)) {
    ADD_FAILURE() << "accepted: " << body;
    return {};
  }
  return std::get<std::string>(r);
}

sdp::SessionDescription answer_of(const Negotiated& n, std::uint16_t port = 40002) {
  const auto text = write_answer(n, LocalMedia{"192.0.2.7", port, "42", "3"});
  auto parsed = sdp::parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error() << "\n" << text;
  return parsed.ok() ? *parsed.description : sdp::SessionDescription{};
}

TEST(MrfSdpAnswer, AmrWbOctetAlignedKeepsFmtpAndTakesTelephoneEventAt16k) {
  const auto n = accepted(offer("m=audio 5004 RTP/AVP 97 96 100 101",
                                "a=rtpmap:97 AMR-WB/16000/1\r\na=fmtp:97 mode-set=0,2,5,7; octet-align=1\r\n"
                                "a=rtpmap:96 AMR/8000\r\na=rtpmap:100 telephone-event/8000\r\n"
                                "a=rtpmap:101 telephone-event/16000\r\na=fmtp:101 0-15\r\n"));
  EXPECT_EQ(n.codec.payload_type, 97);
  EXPECT_EQ(n.codec.encoding, "AMR-WB");
  EXPECT_EQ(n.codec.fmtp, "mode-set=0,2,5,7; octet-align=1");
  ASSERT_TRUE(n.telephone_event);
  EXPECT_EQ(*n.telephone_event, (TelephoneEventFormat{101, 16000}));
  EXPECT_EQ(n.remote_address, "127.0.0.1");
  EXPECT_EQ(n.remote_port, 5004);
  EXPECT_TRUE(n.we_send());

  const auto a = answer_of(n);
  ASSERT_EQ(a.media.size(), 1u);
  const auto& m = a.media[0];
  EXPECT_EQ(m.port, 40002);
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"97", "101"}));
  EXPECT_EQ(sdp::rtpmap_for(m, "97")->encoding, "AMR-WB");
  EXPECT_EQ(sdp::rtpmap_for(m, "97")->clock_rate, 16000u);
  EXPECT_EQ(sdp::fmtp_for(m, "97")->get("octet-align"), "1");
  EXPECT_EQ(sdp::fmtp_for(m, "97")->get("mode-set"), "0,2,5,7");
  EXPECT_EQ(sdp::rtpmap_for(m, "101")->clock_rate, 16000u);
  EXPECT_EQ(m.attributes.value("ptime"), "20");
  EXPECT_TRUE(m.attributes.has("sendrecv"));
  EXPECT_FALSE(m.attributes.has("rtcp-mux"));
  ASSERT_TRUE(a.connection);
  EXPECT_EQ(a.connection->address, "192.0.2.7");
  EXPECT_EQ(a.origin.session_id, "42");
  EXPECT_EQ(a.origin.session_version, "3");
}

TEST(MrfSdpAnswer, AmrWbBandwidthEfficientHasNoOctetAlign) {
  const auto n = accepted(offer("m=audio 5004 RTP/AVP 98 99",
                                "a=rtpmap:98 AMR-WB/16000\r\na=fmtp:98 mode-set=2\r\n"
                                "a=rtpmap:99 telephone-event/8000\r\n"));
  EXPECT_EQ(n.codec.fmtp, "mode-set=2");
  ASSERT_TRUE(n.telephone_event);  // only /8000 offered: taken at 8000
  EXPECT_EQ(*n.telephone_event, (TelephoneEventFormat{99, 8000}));
  const auto a = answer_of(n);
  EXPECT_FALSE(sdp::fmtp_for(a.media[0], "98")->get("octet-align"));
}

TEST(MrfSdpAnswer, EachCodecOfTheMrf) {
  struct Case {
    std::string m, attrs, encoding;
    std::uint32_t rate;
  };
  const std::vector<Case> cases = {
      {"m=audio 5004 RTP/AVP 96", "a=rtpmap:96 AMR/8000\r\na=fmtp:96 octet-align=1\r\n", "AMR", 8000},
      {"m=audio 5004 RTP/AVP 0", "", "PCMU", 8000},
      {"m=audio 5004 RTP/AVP 8", "", "PCMA", 8000},
      {"m=audio 5004 RTP/AVP 9", "", "G722", 8000},
      {"m=audio 5004 RTP/AVP 111", "a=rtpmap:111 opus/48000/2\r\n", "opus", 48000},
  };
  for (const auto& c : cases) {
    const auto n = accepted(offer(c.m, c.attrs));
    EXPECT_EQ(n.codec.encoding, c.encoding);
    EXPECT_EQ(n.codec.clock_rate, c.rate);
    EXPECT_FALSE(n.telephone_event);
    const auto a = answer_of(n);
    ASSERT_EQ(a.media[0].formats.size(), 1u) << c.encoding;
    EXPECT_EQ(sdp::rtpmap_for(a.media[0], a.media[0].formats[0])->encoding, c.encoding);
  }
  // opus keeps its two channels in the rtpmap (RFC 7587 §7)
  const auto opus = answer_of(accepted(offer(cases[4].m, cases[4].attrs)));
  EXPECT_EQ(sdp::rtpmap_for(opus.media[0], "111")->channels, 2u);
  EXPECT_EQ(opus.media[0].attributes.values("rtpmap")[0], "111 opus/48000/2");
}

TEST(MrfSdpAnswer, FirstCodecOfTheOfferThatTheMrfHas) {
  // G729 first (not ours), then PCMA, then PCMU: PCMA
  EXPECT_EQ(accepted(offer("m=audio 5004 RTP/AVP 18 8 0", "")).codec.encoding, "PCMA");
  // telephone-event and CN are never the codec
  EXPECT_EQ(accepted(offer("m=audio 5004 RTP/AVP 101 13 0", "a=rtpmap:101 telephone-event/8000\r\n")).codec.encoding,
            "PCMU");
  // an AMR format the library refuses (crc) is skipped for the next
  const auto n = accepted(offer("m=audio 5004 RTP/AVP 96 97",
                                "a=rtpmap:96 AMR-WB/16000\r\na=fmtp:96 crc=1\r\na=rtpmap:97 AMR-WB/16000\r\n"));
  EXPECT_EQ(n.codec.payload_type, 97);
}

TEST(MrfSdpAnswer, TelephoneEventAtTheCodecsRateElse8000) {
  auto n = accepted(offer("m=audio 5004 RTP/AVP 111 110 126",
                          "a=rtpmap:111 opus/48000/2\r\na=rtpmap:110 telephone-event/48000\r\n"
                          "a=rtpmap:126 telephone-event/8000\r\n"));
  EXPECT_EQ(*n.telephone_event, (TelephoneEventFormat{110, 48000}));
  n = accepted(offer("m=audio 5004 RTP/AVP 111 126",
                     "a=rtpmap:111 opus/48000/2\r\na=rtpmap:126 telephone-event/8000\r\n"));
  EXPECT_EQ(*n.telephone_event, (TelephoneEventFormat{126, 8000}));
  // only at a rate that is neither: none
  n = accepted(offer("m=audio 5004 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/16000\r\n"));
  EXPECT_FALSE(n.telephone_event);
  EXPECT_EQ(answer_of(n).media[0].formats, (std::vector<std::string>{"0"}));
}

TEST(MrfSdpAnswer, DirectionIsMirrored) {
  struct Case {
    std::string offered, answered;
    bool we_send;
  };
  for (const auto& c : std::vector<Case>{{"sendrecv", "sendrecv", true},
                                         {"sendonly", "recvonly", false},
                                         {"recvonly", "sendonly", true},
                                         {"inactive", "inactive", false}}) {
    const auto n = accepted(offer("m=audio 5004 RTP/AVP 0", "a=" + c.offered + "\r\n"));
    EXPECT_EQ(n.we_send(), c.we_send) << c.offered;
    EXPECT_TRUE(answer_of(n).media[0].attributes.has(c.answered)) << c.offered;
  }
  // session-level direction applies
  const auto body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=sendonly\r\n"
                    "m=audio 5004 RTP/AVP 0\r\n";
  EXPECT_TRUE(answer_of(accepted(body)).media[0].attributes.has("recvonly"));
  // RFC 2543 hold: c=0.0.0.0 sends nowhere
  EXPECT_FALSE(accepted(offer("m=audio 5004 RTP/AVP 0", "", "0.0.0.0")).we_send());
}

TEST(MrfSdpAnswer, RtcpMuxOnlyWhenOffered) {
  const auto n = accepted(offer("m=audio 5004 RTP/AVP 0", "a=rtcp-mux\r\n"));
  EXPECT_TRUE(n.rtcp_mux);
  EXPECT_TRUE(answer_of(n).media[0].attributes.has("rtcp-mux"));
}

TEST(MrfSdpAnswer, OtherStreamsRefusedWithPortZero) {
  const auto n = accepted(offer("m=video 6000 RTP/AVP 96", "a=rtpmap:96 H264/90000\r\nm=audio 5004 RTP/AVP 8\r\n"));
  EXPECT_EQ(n.media_index, 1u);
  const auto a = answer_of(n);
  ASSERT_EQ(a.media.size(), 2u);
  EXPECT_EQ(a.media[0].media, "video");
  EXPECT_EQ(a.media[0].port, 0);
  EXPECT_EQ(a.media[1].port, 40002);
}

TEST(MrfSdpAnswer, Refusals) {
  EXPECT_NE(refused(offer("m=audio 5004 RTP/AVP 18", "")).find("no common codec"), std::string::npos);
  EXPECT_NE(refused(offer("m=audio 5004 RTP/AVP 96", "a=rtpmap:96 iLBC/8000\r\n")).find("iLBC/8000"),
            std::string::npos);
  EXPECT_NE(refused(offer("m=video 6000 RTP/AVP 96", "a=rtpmap:96 H264/90000\r\n")).find("no audio"),
            std::string::npos);
  EXPECT_NE(refused(offer("m=audio 0 RTP/AVP 0", "")).find("no usable audio"), std::string::npos);
  EXPECT_NE(refused(offer("m=audio 5004 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
                                                     "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoc2VuZGVycwJ=\r\n"))
                .find("SRTP"),
            std::string::npos);
  EXPECT_NE(refused(offer("m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=rtpmap:111 opus/48000/2\r\n")).find("SRTP"),
            std::string::npos);
  EXPECT_NE(refused("this is not SDP").find("malformed SDP"), std::string::npos);
  EXPECT_NE(refused("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n").find("c="),
            std::string::npos);
}

}  // namespace
}  // namespace imsbox::mrf::media
