// The real SDPs (Chromium, Firefox, baresip, RFC and 3GPP examples) parse,
// keep every line through write(), and read as their senders meant them.
#include <gtest/gtest.h>

#include <algorithm>

#include "corpus.h"
#include "sdp/amr.h"
#include "sdp/attributes.h"
#include "sdp/candidate.h"
#include "sdp/crypto.h"
#include "sdp/formats.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace imsbox::sdp {
namespace {

using test::load;

SessionDescription parsed(const std::string& name) {
  auto r = parse(load(name));
  EXPECT_TRUE(r.ok()) << name << ": " << r.error();
  return r.ok() ? *r.description : SessionDescription{};
}

TEST(RealSdp, CorpusHasTheCapturedBodies) {
  const auto files = test::corpus_files();
  for (const char* expected : {"chromium_offer_audio.sdp", "chromium_offer_audio_video_data.sdp",
                               "firefox_offer_audio.sdp", "baresip_offer_amr.sdp", "baresip_offer_srtp_sdes.sdp",
                               "ts26114_a1_volte_offer.sdp", "rfc4317_2_1_offer.sdp"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), expected), files.end()) << expected;
  }
}

// Every body of the corpus is well formed, is written back byte for byte
// (they all use CRLF and RFC order), and parses again to the same model.
TEST(RealSdp, EveryBodyRoundTripsByteForByte) {
  for (const auto& name : test::corpus_files()) {
    const std::string body = load(name);
    const auto r = parse(body);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error();
    const std::string written = write(*r.description);
    EXPECT_EQ(written, body) << name;
    const auto again = parse(written);
    ASSERT_TRUE(again.ok()) << name << ": " << again.error();
    EXPECT_EQ(*again.description, *r.description) << name;
    EXPECT_TRUE(writable(*r.description)) << name;
  }
}

// With bare LF line ends (some SIP stacks, hand-written bodies) the model is
// the same and write() gives the CRLF body.
TEST(RealSdp, BareLfBodiesGiveTheSameModel) {
  for (const auto& name : test::corpus_files()) {
    const std::string body = load(name);
    std::string lf;
    std::remove_copy(body.begin(), body.end(), std::back_inserter(lf), '\r');
    const auto a = parse(body), b = parse(lf);
    ASSERT_TRUE(b.ok()) << name << ": " << b.error();
    EXPECT_EQ(*a.description, *b.description) << name;
    EXPECT_EQ(write(*b.description), body) << name;
  }
}

TEST(RealSdp, ChromiumOffer) {
  const auto d = parsed("chromium_offer_audio.sdp");
  EXPECT_EQ(d.origin.username, "-");
  EXPECT_EQ(d.origin.session_id, "6379839837362816908");
  ASSERT_EQ(d.media.size(), 1u);
  const auto& m = d.media[0];
  EXPECT_EQ(m.media, "audio");
  EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"111", "63", "9", "0", "8", "13", "110", "126"}));
  EXPECT_EQ(rtpmap_for(m, "111"), (Rtpmap{111, "opus", 48000, 2}));
  EXPECT_EQ(rtpmap_for(m, "110"), (Rtpmap{110, "telephone-event", 48000, std::nullopt}));
  EXPECT_EQ(find_format(m, "telephone-event", 8000), "126");
  const auto fmtp = fmtp_for(m, "111");
  ASSERT_TRUE(fmtp);
  EXPECT_EQ(fmtp->get("minptime"), "10");
  EXPECT_EQ(fmtp->get("useinbandfec"), "1");
  EXPECT_EQ(fmtp_for(m, "63")->parameters, (std::vector<FmtpParameter>{{"111/111", std::nullopt}}));
  EXPECT_TRUE(m.attributes.has("rtcp-mux"));
  EXPECT_EQ(parse_rtcp(*m.attributes.value("rtcp")), (Rtcp{9, "IN", "IP4", "0.0.0.0"}));
  EXPECT_EQ(find_group(d.attributes, "BUNDLE"), (Group{"BUNDLE", {"0"}}));
  EXPECT_EQ(parse_mid(*m.attributes.value("mid")), "0");
  EXPECT_TRUE(is_ice_ufrag(*m.attributes.value("ice-ufrag")));
  EXPECT_TRUE(is_ice_pwd(*m.attributes.value("ice-pwd")));
  EXPECT_EQ(parse_ice_options(*m.attributes.value("ice-options")), (std::vector<std::string>{"trickle"}));
  const auto fp = parse_fingerprint(*attribute_value(d, m, "fingerprint"));
  ASSERT_TRUE(fp);
  EXPECT_EQ(fp->hash_function, "sha-256");
  ASSERT_EQ(fp->bytes.size(), 32u);
  EXPECT_EQ(fp->bytes[0], 0x84);
  EXPECT_EQ(fp->bytes[31], 0xAD);
  EXPECT_EQ(parse_setup(*m.attributes.value("setup")), Setup::actpass);
  EXPECT_EQ(direction(d, m), Direction::sendrecv);
  const auto candidates = parse_all(m.attributes, "candidate", parse_candidate);
  ASSERT_EQ(candidates.size(), m.attributes.count("candidate"));
  ASSERT_EQ(candidates.size(), 8u);
  EXPECT_EQ(candidates[0].address, "127.0.0.1");
  EXPECT_EQ(candidates[0].port, 56831);
  EXPECT_EQ(candidates[0].type, "host");
  EXPECT_EQ(candidates[0].extension("network-cost"), "50");
  EXPECT_EQ(candidates[2].address, "::1");
  EXPECT_EQ(candidates[4].transport, "tcp");
  EXPECT_EQ(candidates[4].extension("tcptype"), "active");
  const auto extmaps = parse_all(m.attributes, "extmap", parse_extmap);
  ASSERT_EQ(extmaps.size(), 4u);
  EXPECT_EQ(extmaps[0], (Extmap{1, std::nullopt, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", std::nullopt}));
  const auto ssrcs = parse_all(m.attributes, "ssrc", parse_ssrc);
  ASSERT_EQ(ssrcs.size(), 2u);
  EXPECT_EQ(ssrcs[0].ssrc, 3564713083u);
  EXPECT_EQ(ssrcs[0].attribute, "cname");
  EXPECT_EQ(ssrcs[1].attribute, "msid");
  const auto msid = parse_msid(*m.attributes.value("msid"));
  ASSERT_TRUE(msid);
  EXPECT_EQ(msid->stream_id, "ecc32be5-d8e0-49ef-a18a-26c94bf21ef5");
  EXPECT_EQ(msid->track_id, "24a33674-f842-4971-87ee-92f5fe97a33a");
  EXPECT_EQ(rtcp_fb_for(m, "111"), (std::vector<RtcpFb>{{"111", "transport-cc", std::nullopt}}));
  // unknown to us, kept as written, space after the colon and all
  EXPECT_EQ(d.attributes.value("msid-semantic"), " WMS ecc32be5-d8e0-49ef-a18a-26c94bf21ef5");
  EXPECT_EQ(d.attributes.find("extmap-allow-mixed")->value, std::nullopt);
}

TEST(RealSdp, ChromiumAudioVideoDataBundle) {
  const auto d = parsed("chromium_offer_audio_video_data.sdp");
  ASSERT_EQ(d.media.size(), 3u);
  EXPECT_EQ(find_group(d.attributes, "BUNDLE"), (Group{"BUNDLE", {"0", "1", "2"}}));
  EXPECT_EQ(d.media[1].media, "video");
  EXPECT_EQ(d.media[2].media, "application");
  EXPECT_EQ(d.media[2].proto, "UDP/DTLS/SCTP");
  EXPECT_EQ(d.media[2].formats, (std::vector<std::string>{"webrtc-datachannel"}));
  for (const auto& m : d.media) {
    // every typed attribute of Chromium's richest offer reads
    for (const auto& a : m.attributes) {
      if (a.name == "candidate") {
        EXPECT_TRUE(parse_candidate(*a.value)) << *a.value;
      }
      if (a.name == "rtpmap") {
        EXPECT_TRUE(parse_rtpmap(*a.value)) << *a.value;
      }
      if (a.name == "fmtp") {
        EXPECT_TRUE(parse_fmtp(*a.value)) << *a.value;
      }
      if (a.name == "rtcp-fb") {
        EXPECT_TRUE(parse_rtcp_fb(*a.value)) << *a.value;
      }
      if (a.name == "extmap") {
        EXPECT_TRUE(parse_extmap(*a.value)) << *a.value;
      }
      if (a.name == "ssrc") {
        EXPECT_TRUE(parse_ssrc(*a.value)) << *a.value;
      }
      if (a.name == "msid") {
        EXPECT_TRUE(parse_msid(*a.value)) << *a.value;
      }
      if (a.name == "fingerprint") {
        EXPECT_TRUE(parse_fingerprint(*a.value)) << *a.value;
      }
    }
  }
  const auto video_fb = rtcp_fb_for(d.media[1], d.media[1].formats[0]);
  EXPECT_TRUE(std::any_of(video_fb.begin(), video_fb.end(), [](const RtcpFb& f) {
    return f.type == "nack" && f.parameters == "pli";
  }));
}

TEST(RealSdp, FirefoxOfferWithMdnsCandidates) {
  const auto d = parsed("firefox_offer_audio.sdp");
  EXPECT_EQ(d.origin.username, "mozilla...THIS_IS_SDPARTA-99.0");
  ASSERT_EQ(d.media.size(), 1u);
  const auto& m = d.media[0];
  EXPECT_EQ(m.port, 9);
  // Firefox's fingerprint is at session level
  EXPECT_FALSE(m.attributes.has("fingerprint"));
  const auto fp = parse_fingerprint(*attribute_value(d, m, "fingerprint"));
  ASSERT_TRUE(fp);
  EXPECT_EQ(fp->bytes.size(), 32u);
  EXPECT_EQ(direction_of(d.attributes), Direction::sendrecv);
  const auto candidates = parse_all(m.attributes, "candidate", parse_candidate);
  ASSERT_EQ(candidates.size(), 8u);
  for (const auto& c : candidates) EXPECT_TRUE(c.is_mdns()) << c.address;
  EXPECT_EQ(candidates[0].transport, "UDP");
  EXPECT_TRUE(candidates[0].is_udp());
  EXPECT_EQ(candidates[4].component, 2);
  EXPECT_TRUE(m.attributes.has("end-of-candidates"));
  const auto rtcp = parse_rtcp(*m.attributes.value("rtcp"));
  ASSERT_TRUE(rtcp);
  EXPECT_EQ(rtcp->port, 38712);
  EXPECT_TRUE(rtcp->address->ends_with(".local"));
  EXPECT_EQ(parse_extmap("2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level")->direction, Direction::recvonly);
  EXPECT_EQ(parse_all(m.attributes, "extmap", parse_extmap)[1].direction, Direction::recvonly);
  EXPECT_EQ(rtpmap_for(m, "9"), (Rtpmap{9, "G722", 8000, 1}));
  EXPECT_EQ(fmtp_for(m, "101")->parameters, (std::vector<FmtpParameter>{{"0-15", std::nullopt}}));
  EXPECT_EQ(parse_msid(*m.attributes.value("msid"))->stream_id, "{9024ea79-9c99-4fec-804d-1240b077754b}");
}

TEST(RealSdp, BrowserAnswersEachOther) {
  const auto c = parsed("chromium_answer_to_firefox.sdp");
  const auto f = parsed("firefox_answer_to_chromium.sdp");
  ASSERT_EQ(c.media.size(), 1u);
  ASSERT_EQ(f.media.size(), 1u);
  // answering an actpass offer, each takes the active role
  EXPECT_EQ(parse_setup(*attribute_value(c, c.media[0], "setup")), Setup::active);
  EXPECT_EQ(parse_setup(*attribute_value(f, f.media[0], "setup")), Setup::active);
  EXPECT_EQ(rtpmap_for(c.media[0], c.media[0].formats[0])->encoding, "opus");
  EXPECT_EQ(rtpmap_for(f.media[0], f.media[0].formats[0])->encoding, "opus");
}

TEST(RealSdp, BaresipAmrOffer) {
  const auto d = parsed("baresip_offer_amr.sdp");
  ASSERT_EQ(d.media.size(), 1u);
  const auto& m = d.media[0];
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(connection_of(d, m)->address, "127.0.0.1");
  const auto wb = find_format(m, "AMR-WB", 16000);
  ASSERT_EQ(wb, "96");
  const auto params = parse_amr_parameters(*fmtp_for(m, *wb), AmrKind::amr_wb);
  ASSERT_TRUE(params);
  EXPECT_TRUE(params->octet_align);
  EXPECT_FALSE(params->mode_set);
  EXPECT_EQ(find_format(m, "AMR", 8000), "97");
  EXPECT_EQ(find_format(m, "telephone-event", 8000), "101");
  EXPECT_EQ(parse_ptime(*m.attributes.value("ptime")), 20u);
  EXPECT_EQ(d.attributes.value("tool"), "baresip 1.0.0");
  EXPECT_EQ(parse_ssrc(*m.attributes.value("ssrc"))->value, "sip:alice@127.0.0.1");
}

TEST(RealSdp, BaresipSdesOffer) {
  const auto d = parsed("baresip_offer_srtp_sdes.sdp");
  const auto& m = d.media.at(0);
  EXPECT_EQ(m.proto, "RTP/SAVP");
  const auto c = parse_crypto(*m.attributes.value("crypto"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tag, 1u);
  EXPECT_EQ(c->suite, "AES_CM_128_HMAC_SHA1_80");
  ASSERT_EQ(c->keys.size(), 1u);
  EXPECT_EQ(c->keys[0].method, "inline");
  EXPECT_EQ(c->keys[0].key_salt.size(), 40u);  // 30 bytes of key and salt in base64
  EXPECT_FALSE(c->keys[0].lifetime);
  EXPECT_TRUE(c->session_params.empty());
}

TEST(RealSdp, BaresipDtlsIceOffer) {
  const auto d = parsed("baresip_offer_dtls_ice.sdp");
  const auto& m = d.media.at(0);
  EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
  // session-level ICE credentials, setup and an upper-case hash name
  EXPECT_TRUE(is_ice_ufrag(*attribute_value(d, m, "ice-ufrag")));
  EXPECT_TRUE(is_ice_pwd(*attribute_value(d, m, "ice-pwd")));
  EXPECT_EQ(parse_setup(*attribute_value(d, m, "setup")), Setup::actpass);
  const auto fp = parse_fingerprint(*attribute_value(d, m, "fingerprint"));
  ASSERT_TRUE(fp);
  EXPECT_EQ(fp->hash_function, "SHA-256");
  EXPECT_EQ(fp->bytes.size(), 32u);
  const auto candidates = parse_all(m.attributes, "candidate", parse_candidate);
  ASSERT_EQ(candidates.size(), 4u);
  EXPECT_EQ(candidates[0].foundation, "c0000202");
  EXPECT_EQ(candidates[1].component, 2);
  EXPECT_EQ(candidates[2].address, "fd00::2");
  EXPECT_EQ(parse_rtcp(*m.attributes.value("rtcp")), (Rtcp{28247, "IN", "IP4", "192.0.2.2"}));
}

TEST(RealSdp, VolteOfferOfTs26114) {
  const auto d = parsed("ts26114_a1_volte_offer.sdp");
  const auto& m = d.media.at(0);
  EXPECT_EQ(m.bandwidths, (std::vector<Bandwidth>{{"AS", 145}, {"RS", 0}, {"RR", 2000}}));
  // AMR-WB twice: bandwidth-efficient first (98), octet-aligned (99)
  EXPECT_EQ(find_format(m, "AMR-WB", 16000), "98");
  const auto be = parse_amr_parameters(*fmtp_for(m, "98"), AmrKind::amr_wb);
  const auto oa = parse_amr_parameters(*fmtp_for(m, "99"), AmrKind::amr_wb);
  ASSERT_TRUE(be && oa);
  EXPECT_FALSE(be->octet_aligned());
  EXPECT_TRUE(oa->octet_aligned());
  EXPECT_EQ(be->mode_change_capability, 2u);
  EXPECT_EQ(be->max_red, 220u);
  EXPECT_EQ(rtpmap_for(m, "100"), (Rtpmap{100, "AMR", 8000, 1}));
  EXPECT_EQ(parse_ptime(*m.attributes.value("maxptime")), 240u);
}

TEST(RealSdp, MgwAmrOfferOfTs26114) {
  const auto d = parsed("ts26114_a2_2_mgw_offer.sdp");
  const auto& m = d.media.at(0);
  const auto p = parse_amr_parameters(*fmtp_for(m, "97"), AmrKind::amr);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mode_set, (std::vector<std::uint8_t>{0, 2, 4, 7}));
  EXPECT_EQ(p->mode_change_period, 2u);
  EXPECT_TRUE(p->mode_change_neighbor);
  EXPECT_EQ(p->max_red, 0u);
  EXPECT_FALSE(p->octet_aligned());
}

TEST(RealSdp, Rfc4566SeminarMulticast) {
  const auto d = parsed("rfc4566_5_seminar.sdp");
  EXPECT_EQ(d.session_name, "SDP Seminar");
  EXPECT_EQ(d.information, "A Seminar on the session description protocol");
  EXPECT_EQ(d.uri, "http://www.example.com/seminars/sdp.pdf");
  EXPECT_EQ(d.emails, (std::vector<std::string>{"j.doe@example.com (Jane Doe)"}));
  ASSERT_TRUE(d.connection);
  EXPECT_EQ(d.connection->address, "224.2.17.12");
  EXPECT_EQ(d.connection->ttl, 127u);
  EXPECT_FALSE(d.connection->count);
  ASSERT_EQ(d.timings.size(), 1u);
  EXPECT_EQ(d.timings[0].start, 2873397496u);
  EXPECT_EQ(d.timings[0].stop, 2873404696u);
  // the session's recvonly is every stream's default
  EXPECT_EQ(direction(d, d.media.at(0)), Direction::recvonly);
  EXPECT_EQ(direction(d, d.media.at(1)), Direction::recvonly);
  // static payload type 0 without an rtpmap line
  EXPECT_EQ(rtpmap_for(d.media[0], "0"), (Rtpmap{0, "PCMU", 8000, std::nullopt}));
}

TEST(RealSdp, Rfc8866Example) {
  const auto d = parsed("rfc8866_5_example.sdp");
  EXPECT_EQ(d.phones, (std::vector<std::string>{"+1 617 555-6011"}));
  ASSERT_EQ(d.media.size(), 3u);
  EXPECT_EQ(connection_of(d, d.media[0])->address, "198.51.100.1");
  EXPECT_EQ(connection_of(d, d.media[2])->addrtype, "IP6");
  EXPECT_EQ(connection_of(d, d.media[2])->address, "2001:db8::2");
  EXPECT_EQ(rtpmap_for(d.media[2], "99"), (Rtpmap{99, "h263-1998", 90000, std::nullopt}));
}

TEST(RealSdp, Rfc4317HoldAndEmptySessionName) {
  const auto offer = parsed("rfc4317_2_1_offer.sdp");
  EXPECT_EQ(offer.session_name, "");
  EXPECT_EQ(offer.origin.address, "host.atlanta.example.com");
  EXPECT_EQ(rtpmap_for(offer.media.at(0), "97")->encoding, "iLBC");
  const auto hold = parsed("rfc4317_3_1_hold_offer.sdp");
  EXPECT_EQ(direction(hold, hold.media.at(0)), Direction::sendonly);
  EXPECT_EQ(reverse(direction(hold, hold.media.at(0))), Direction::recvonly);
  const auto two = parsed("rfc4317_2_4_two_audio_offer.sdp");
  EXPECT_EQ(direction(two, two.media.at(0)), Direction::sendrecv);
  EXPECT_EQ(direction(two, two.media.at(1)), Direction::sendonly);
}

}  // namespace
}  // namespace imsbox::sdp
