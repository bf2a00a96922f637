// The typed attribute views: each reads its grammar, refuses what breaks
// it, and formats back to what it read.
#include <gtest/gtest.h>

#include "sdp/attributes.h"
#include "sdp/crypto.h"
#include "sdp/parser.h"

namespace imsbox::sdp {
namespace {

TEST(Attributes, ListHelpers) {
  Attributes a{{"mid", "0"}, {"sendrecv", std::nullopt}, {"ssrc", "1 cname:x"}, {"SSRC", "2 cname:y"}};
  EXPECT_EQ(a.find("MID")->value, "0");
  EXPECT_EQ(a.value("mid"), "0");
  EXPECT_EQ(a.value("sendrecv"), "");
  EXPECT_EQ(a.value("absent"), std::nullopt);
  EXPECT_EQ(a.values("ssrc"), (std::vector<std::string_view>{"1 cname:x", "2 cname:y"}));
  EXPECT_EQ(a.count("ssrc"), 2u);
  EXPECT_EQ(a.index_of("ssrc"), 2u);
  EXPECT_EQ(a.index_of("ssrc", 3), 3u);
  EXPECT_EQ(a.index_of("nope"), Attributes::npos);

  a.set("ssrc", "3 cname:z");  // first replaced in place, the others go
  EXPECT_EQ(a, (Attributes{{"mid", "0"}, {"sendrecv", std::nullopt}, {"ssrc", "3 cname:z"}}));
  a.set("rtcp-mux");  // none yet: appended
  EXPECT_EQ(a[3], (Attribute{"rtcp-mux", std::nullopt}));
  a.insert(0, {"first", "1"});
  a.insert(99, {"last", std::nullopt});
  EXPECT_EQ(a[0].name, "first");
  EXPECT_EQ(a[a.size() - 1].name, "last");
  a.add("mid", "again");
  EXPECT_EQ(a.remove("mid"), 2u);
  EXPECT_FALSE(a.has("mid"));
  EXPECT_EQ(a.remove_if([](const Attribute& x) { return !x.value; }), 3u);
  EXPECT_EQ(a, (Attributes{{"first", "1"}, {"ssrc", "3 cname:z"}}));
}

TEST(Attributes, Rtpmap) {
  EXPECT_EQ(parse_rtpmap("96 AMR-WB/16000/1"), (Rtpmap{96, "AMR-WB", 16000, 1}));
  EXPECT_EQ(parse_rtpmap("0 PCMU/8000"), (Rtpmap{0, "PCMU", 8000, std::nullopt}));
  EXPECT_EQ(parse_rtpmap("111 opus/48000/2 "), (Rtpmap{111, "opus", 48000, 2}));
  for (const char* bad : {"", "96", "96 ", "128 x/8000", "-1 x/8000", "x PCMU/8000", "96 opus", "96 opus/",
                          "96 opus/0", "96 opus/48000/", "96 opus/48000/x", "96  opus/48000", "96 op us/48000",
                          "96 opus/48000/2/1"}) {
    EXPECT_FALSE(parse_rtpmap(bad)) << bad;
  }
  EXPECT_EQ(format(Rtpmap{101, "telephone-event", 16000, std::nullopt}), "101 telephone-event/16000");
  EXPECT_EQ(to_attribute(Rtpmap{96, "AMR-WB", 16000, 1}), (Attribute{"rtpmap", "96 AMR-WB/16000/1"}));
}

TEST(Attributes, Fmtp) {
  const auto f = parse_fmtp("97 mode-set=0,2,5,7; mode-change-period=2;octet-align=1 ;;");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->format, "97");
  EXPECT_EQ(f->parameters, (std::vector<FmtpParameter>{
                               {"mode-set", "0,2,5,7"}, {"mode-change-period", "2"}, {"octet-align", "1"}}));
  EXPECT_EQ(f->get("OCTET-ALIGN"), "1");
  EXPECT_EQ(f->get("crc"), std::nullopt);
  EXPECT_EQ(format(*f), "97 mode-set=0,2,5,7;mode-change-period=2;octet-align=1");

  EXPECT_EQ(parse_fmtp("101 0-15")->parameters, (std::vector<FmtpParameter>{{"0-15", std::nullopt}}));
  EXPECT_EQ(parse_fmtp("101 0-15")->get("0-15"), "");
  EXPECT_EQ(parse_fmtp("111 minptime=10;useinbandfec=1")->get("useinbandfec"), "1");
  EXPECT_EQ(parse_fmtp("96 profile-level-id=42e01f;sprop=Z0IA=,aM4=")->get("sprop"), "Z0IA=,aM4=");
  EXPECT_TRUE(parse_fmtp("96")->parameters.empty());
  EXPECT_FALSE(parse_fmtp(""));
  EXPECT_FALSE(parse_fmtp("9:6 a=1"));
  EXPECT_FALSE(parse_fmtp("96 =1"));

  Fmtp g{"98", {}};
  g.set("octet-align", "1");
  g.set("mode-set", "0,2");
  g.set("octet-align", "0");
  EXPECT_EQ(format(g), "98 octet-align=0;mode-set=0,2");
  EXPECT_TRUE(g.remove("Octet-Align"));
  EXPECT_FALSE(g.remove("octet-align"));
  EXPECT_EQ(to_attribute(g), (Attribute{"fmtp", "98 mode-set=0,2"}));
  EXPECT_EQ(parse_fmtp(format(g)), g);
}

TEST(Attributes, Ptime) {
  EXPECT_EQ(parse_ptime("20"), 20u);
  EXPECT_EQ(parse_ptime("20.0"), 20u);
  EXPECT_EQ(parse_ptime("240"), 240u);
  for (const char* bad : {"", "x", "20ms", "-20", "20.", ".5"}) EXPECT_FALSE(parse_ptime(bad)) << bad;
}

TEST(Attributes, Direction) {
  auto r = parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\na=recvonly\r\n"
                 "m=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\na=inactive\r\n");
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& d = *r.description;
  EXPECT_EQ(direction(d, d.media[0]), Direction::recvonly);  // the session's default
  EXPECT_EQ(direction(d, d.media[1]), Direction::inactive);
  SessionDescription none;
  MediaDescription m;
  EXPECT_EQ(direction(none, m), Direction::sendrecv);  // RFC 8866 §6.7

  Attributes a{{"mid", "0"}, {"sendonly", std::nullopt}, {"x", "y"}, {"recvonly", std::nullopt}};
  EXPECT_EQ(direction_of(a), Direction::recvonly);
  set_direction(a, Direction::inactive);
  EXPECT_EQ(a, (Attributes{{"mid", "0"}, {"inactive", std::nullopt}, {"x", "y"}}));
  Attributes b{{"mid", "0"}};
  set_direction(b, Direction::sendonly);
  EXPECT_EQ(b, (Attributes{{"mid", "0"}, {"sendonly", std::nullopt}}));
  EXPECT_EQ(reverse(Direction::sendonly), Direction::recvonly);
  EXPECT_EQ(reverse(Direction::recvonly), Direction::sendonly);
  EXPECT_EQ(reverse(Direction::sendrecv), Direction::sendrecv);
  EXPECT_EQ(to_string(Direction::inactive), "inactive");
  EXPECT_EQ(parse_direction("SENDRECV"), Direction::sendrecv);
  EXPECT_FALSE(parse_direction("sendrecv2"));
}

TEST(Attributes, Rtcp) {
  EXPECT_EQ(parse_rtcp("9 IN IP4 0.0.0.0"), (Rtcp{9, "IN", "IP4", "0.0.0.0"}));
  EXPECT_EQ(parse_rtcp("53020"), (Rtcp{53020, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(parse_rtcp("38712 IN IP4 a.local")->address, "a.local");
  for (const char* bad : {"", "70000", "x", "9 IN IP4", "9 IN", "9 IN IP4 1.1.1.1 x", "9  IN IP4 1.1.1.1"}) {
    EXPECT_FALSE(parse_rtcp(bad)) << bad;
  }
  EXPECT_EQ(format(Rtcp{9, "IN", "IP6", "::"}), "9 IN IP6 ::");
  EXPECT_EQ(to_attribute(Rtcp{30001, std::nullopt, std::nullopt, std::nullopt}), (Attribute{"rtcp", "30001"}));
}

TEST(Attributes, GroupAndMid) {
  EXPECT_EQ(parse_group("BUNDLE 0 1 2"), (Group{"BUNDLE", {"0", "1", "2"}}));
  EXPECT_EQ(parse_group("BUNDLE"), (Group{"BUNDLE", {}}));
  EXPECT_EQ(parse_group("LS audio video"), (Group{"LS", {"audio", "video"}}));
  for (const char* bad : {"", " BUNDLE", "BUNDLE  0", "BUNDLE 0 ", "BUNDLE a:b"}) EXPECT_FALSE(parse_group(bad)) << bad;
  EXPECT_EQ(format(Group{"BUNDLE", {"0", "1"}}), "BUNDLE 0 1");
  Attributes a{{"group", "LS 1 2"}, {"group", "BUNDLE 0"}};
  EXPECT_EQ(find_group(a, "bundle"), (Group{"BUNDLE", {"0"}}));
  EXPECT_FALSE(find_group(a, "FID"));
  EXPECT_EQ(parse_mid("audio0"), "audio0");
  EXPECT_FALSE(parse_mid(""));
  EXPECT_FALSE(parse_mid("a b"));
}

TEST(Attributes, Ice) {
  EXPECT_TRUE(is_ice_ufrag("GCHm"));
  EXPECT_TRUE(is_ice_ufrag("Z6aH0Ru"));
  EXPECT_FALSE(is_ice_ufrag("abc"));          // fewer than 4
  EXPECT_FALSE(is_ice_ufrag("ab-c"));         // not an ice-char
  EXPECT_FALSE(is_ice_ufrag(std::string(257, 'a')));
  EXPECT_TRUE(is_ice_pwd("tvbZ8G955vvxI3/Jqqfgdpj7"));
  EXPECT_FALSE(is_ice_pwd("tooshort+/21charsxxxx"));  // 21
  EXPECT_TRUE(is_ice_pwd("enough+/22charsxxxxxxx"));
  EXPECT_EQ(parse_ice_options("trickle ice2"), (std::vector<std::string>{"trickle", "ice2"}));
  EXPECT_FALSE(parse_ice_options(""));
  EXPECT_FALSE(parse_ice_options("trickle  ice2"));
}

TEST(Attributes, Fingerprint) {
  const auto f = parse_fingerprint("sha-256 84:BB:e7:EE:01:E9:6D:33:6C:31:7C:01:62:4B:76:91:3D:64:7E:03:52:FF:E2:35:9F:2A:4B:63:BE:7F:FD:AD");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->hash_function, "sha-256");
  ASSERT_EQ(f->bytes.size(), 32u);
  EXPECT_EQ(f->bytes[2], 0xE7);
  EXPECT_EQ(format(*f), "sha-256 84:BB:E7:EE:01:E9:6D:33:6C:31:7C:01:62:4B:76:91:3D:64:7E:03:52:FF:E2:35:9F:2A:4B:63:BE:7F:FD:AD");
  EXPECT_EQ(parse_fingerprint("sha-1 0A"), (Fingerprint{"sha-1", {0x0A}}));
  for (const char* bad : {"", "sha-256", "sha-256 ", "sha-256 AB:C", "sha-256 ABCD", "sha-256 AB:CD:", "sha-256 :AB",
                          "sha-256 AB::CD", "sha-256 GG", "sha 256 AB"}) {
    EXPECT_FALSE(parse_fingerprint(bad)) << bad;
  }
  std::string too_long = "sha-512 AB";
  for (int i = 0; i < 64; ++i) too_long += ":AB";
  EXPECT_FALSE(parse_fingerprint(too_long));
  EXPECT_EQ(to_attribute(Fingerprint{"sha-256", {0x01, 0xff}}), (Attribute{"fingerprint", "sha-256 01:FF"}));
}

TEST(Attributes, Setup) {
  EXPECT_EQ(parse_setup("actpass"), Setup::actpass);
  EXPECT_EQ(parse_setup("active"), Setup::active);
  EXPECT_EQ(parse_setup("passive"), Setup::passive);
  EXPECT_EQ(parse_setup("holdconn"), Setup::holdconn);
  EXPECT_EQ(parse_setup("ACTIVE"), Setup::active);
  EXPECT_FALSE(parse_setup("act"));
  EXPECT_FALSE(parse_setup(""));
  EXPECT_EQ(to_string(Setup::passive), "passive");
}

TEST(Attributes, RtcpFb) {
  EXPECT_EQ(parse_rtcp_fb("96 nack pli"), (RtcpFb{"96", "nack", "pli"}));
  EXPECT_EQ(parse_rtcp_fb("111 transport-cc"), (RtcpFb{"111", "transport-cc", std::nullopt}));
  EXPECT_EQ(parse_rtcp_fb("* ccm tmmbr smaxpr=120"), (RtcpFb{"*", "ccm", "tmmbr smaxpr=120"}));
  EXPECT_EQ(parse_rtcp_fb("96 trr-int 100"), (RtcpFb{"96", "trr-int", "100"}));
  for (const char* bad : {"", "96", "96 ", "9:6 nack", "96 na:ck"}) EXPECT_FALSE(parse_rtcp_fb(bad)) << bad;
  EXPECT_EQ(format(RtcpFb{"96", "nack", "pli"}), "96 nack pli");
}

TEST(Attributes, Extmap) {
  EXPECT_EQ(parse_extmap("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
            (Extmap{1, std::nullopt, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", std::nullopt}));
  EXPECT_EQ(parse_extmap("2/recvonly urn:x"), (Extmap{2, Direction::recvonly, "urn:x", std::nullopt}));
  EXPECT_EQ(parse_extmap("3 urn:x vad=on"), (Extmap{3, std::nullopt, "urn:x", "vad=on"}));
  for (const char* bad : {"", "0 urn:x", "4352 urn:x", "x urn:x", "1/bogus urn:x", "1", "1 ", "1/ urn:x"}) {
    EXPECT_FALSE(parse_extmap(bad)) << bad;
  }
  EXPECT_EQ(format(Extmap{2, Direction::sendonly, "urn:x", "a b"}), "2/sendonly urn:x a b");
}

TEST(Attributes, SsrcAndMsid) {
  EXPECT_EQ(parse_ssrc("3564713083 cname:6IfHUIxkthOIZLZt"), (Ssrc{3564713083u, "cname", "6IfHUIxkthOIZLZt"}));
  EXPECT_EQ(parse_ssrc("1 msid:stream track"), (Ssrc{1, "msid", "stream track"}));
  EXPECT_EQ(parse_ssrc("1 x-flag"), (Ssrc{1, "x-flag", std::nullopt}));
  for (const char* bad : {"", "1", "1 ", "4294967296 cname:x", "x cname:y", "1 :y"}) EXPECT_FALSE(parse_ssrc(bad)) << bad;
  EXPECT_EQ(format(Ssrc{7, "cname", "c"}), "7 cname:c");

  EXPECT_EQ(parse_msid("s t"), (Msid{"s", "t"}));
  EXPECT_EQ(parse_msid("-"), (Msid{"-", std::nullopt}));
  for (const char* bad : {"", "a  b", "a b c", "a:b"}) EXPECT_FALSE(parse_msid(bad)) << bad;
  EXPECT_FALSE(parse_msid(std::string(65, 'a')));
  EXPECT_EQ(format(Msid{"s", "t"}), "s t");
}

TEST(Attributes, Crypto) {
  const auto c = parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:VbrLneObi4+W/WEwQ2YjylDKYowStp7yXzzo4Wy0");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->keys.at(0).key_salt, "VbrLneObi4+W/WEwQ2YjylDKYowStp7yXzzo4Wy0");
  // RFC 4568 §4's example: lifetime and MKI, then a second key, and session parameters
  const auto d = parse_crypto(
      "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4;"
      "inline:QUJjZGVmZ2hpSktMbW9QUXJzVHV2d3l6MTIzNDU2|2^20|2:4 KDR=1 UNENCRYPTED_SRTCP");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->keys.size(), 2u);
  EXPECT_EQ(d->keys[0].lifetime, "2^20");
  EXPECT_EQ(d->keys[0].mki_value, 1u);
  EXPECT_EQ(d->keys[0].mki_length, 4u);
  EXPECT_EQ(d->keys[1].mki_value, 2u);
  EXPECT_EQ(d->session_params, (std::vector<std::string>{"KDR=1", "UNENCRYPTED_SRTCP"}));
  EXPECT_EQ(parse_crypto("2 AEAD_AES_128_GCM inline:abc|1:4")->keys[0].mki_value, 1u);
  EXPECT_EQ(parse_crypto("2 AEAD_AES_128_GCM inline:abc|1048576")->keys[0].lifetime, "1048576");
  for (const char* bad : {"", "1 AES_CM_128_HMAC_SHA1_80", "x AES inline:abc", "1 AES inline:", "1 AES inline:a|b",
                          "1 AES inline:abc|", "1 AES inline:abc|1:4|2^20", "1 AES inline:abc|2^20|2^20",
                          "1 AES inline:abc|1:4|2:4", "1 AES inline:abc;", "1 AES inline:a*c", "1 AES nocolon",
                          "1 AES inline:abc|2^20|1:4|x", "1234567890 AES inline:abc"}) {
    EXPECT_FALSE(parse_crypto(bad)) << bad;
  }
}

}  // namespace
}  // namespace imsbox::sdp
