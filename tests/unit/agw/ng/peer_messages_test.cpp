// Whole datagrams as real peers send them: rtpengine's documentation
// examples and Kamailio 5.6's rtpengine module (captured, see below).
#include <gtest/gtest.h>

#include <string>

#include "agw/ng/request.h"

namespace imsbox::agw::ng {
namespace {

using Strings = std::vector<std::string>;

TEST(PeerMessages, RtpengineDocsPing) {
  const auto m = parse_message("5323_1 d7:command4:pinge");
  EXPECT_EQ(m.cookie, "5323_1");
  EXPECT_EQ(m.format, Format::bencode);
  ASSERT_TRUE(m.parsed.request) << m.parsed.error;
  EXPECT_EQ(m.parsed.request->command, Command::ping);
}

// docs/ng_control_protocol.md: "An example of a complete offer request dictionary"
TEST(PeerMessages, RtpengineDocsOfferAsJson) {
  const auto m = parse_message(
      R"(8730_2 { "command": "offer", "call-id": "cfBXzDSZqhYNcXM", "from-tag": "mS9rSAn0Cr",
      "sdp": "v=0\r\no=...", "via-branch": "5KiTRPZHH1nL6",
      "flags": [ "trust address" ], "replace": [ "origin" ],
      "address family": "IP6", "received-from": [ "IP4", "10.65.31.43" ],
      "ICE": "force", "transport protocol": "RTP/SAVPF", "media address": "2001:d8::6f24:65b",
      "DTLS": "passive" })");
  EXPECT_EQ(m.cookie, "8730_2");
  EXPECT_EQ(m.format, Format::json);
  ASSERT_TRUE(m.parsed.request) << m.parsed.error;
  const NgRequest& r = *m.parsed.request;
  EXPECT_EQ(r.command, Command::offer);
  EXPECT_EQ(r.call_id, "cfBXzDSZqhYNcXM");
  EXPECT_EQ(r.from_tag, "mS9rSAn0Cr");
  EXPECT_EQ(r.sdp, "v=0\r\no=...");
  EXPECT_EQ(r.via_branch, "5KiTRPZHH1nL6");
  EXPECT_TRUE(r.has_flag("trust address"));
  EXPECT_EQ(r.replace, Strings{"origin"});
  ASSERT_TRUE(r.received_from);
  EXPECT_EQ(r.received_from->family, "IP4");
  EXPECT_EQ(r.received_from->address, "10.65.31.43");
  EXPECT_EQ(r.ice, Strings{"force"});
  EXPECT_EQ(r.transport_protocol, "RTP/SAVPF");
  EXPECT_EQ(r.dtls, Strings{"passive"});
}

TEST(PeerMessages, RtpengineDocsDeleteAndQuery) {
  auto m = parse_message("d1 d7:command6:delete7:call-id15:cfBXzDSZqhYNcXM8:from-tag10:mS9rSAn0Cr5:flagsl5:fatalee");
  ASSERT_TRUE(m.parsed.request) << m.parsed.error;
  EXPECT_EQ(m.parsed.request->command, Command::delete_);
  EXPECT_TRUE(m.parsed.request->has_flag("fatal"));
  m = parse_message("q1 d7:command5:query7:call-id15:cfBXzDSZqhYNcXMe");
  ASSERT_TRUE(m.parsed.request) << m.parsed.error;
  EXPECT_EQ(m.parsed.request->command, Command::query);
}

// Captured from Kamailio 5.6.3 (Debian) with tests/integration/kamailio/rtpengine.cfg: the ping each
// process sends at start, the offer of rtpengine_offer("trust-address replace-origin
// replace-session-connection ICE=remove RTP/AVP via-branch=1") for sipp's INVITE
// (rtpengine_invite.xml), and rtpengine_delete() for a BYE. Kamailio sends keys unsorted and
// adds "supports": ["load limit"].
const char kKamailioPing[] = "0_20254_0 d7:command4:pinge";
const char kKamailioOffer[] =
    "0_20255_0 d8:supportsl10:load limite3:sdp263:v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\n"
    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 96 0 97\r\na=rtpmap:96 AMR-WB/16000\r\n"
    "a=fmtp:96 octet-align=1\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:97 telephone-event/16000\r\na=fmtp:97 0-15\r\n"
    "a=ptime:20\r\na=sendrecv\r\n3:ICE6:remove5:flagsl13:trust-addresse7:replacel6:origin18:session-connectione"
    "18:transport-protocol7:RTP/AVP7:call-id17:1-20430@127.0.0.110:via-branch17:z9hG4bK-20430-1-0"
    "13:received-froml3:IP49:127.0.0.1e8:from-tag13:20430SIPpTag17:command5:offere";
const char kKamailioDelete[] =
    "0_20255_1 d8:supportsl10:load limite7:call-id17:1-20544@127.0.0.113:received-froml3:IP49:127.0.0.1e"
    "8:from-tag4:atag7:command6:deletee";

TEST(PeerMessages, KamailioPing) {
  const auto m = parse_message(kKamailioPing);
  EXPECT_EQ(m.cookie, "0_20254_0");
  ASSERT_TRUE(m.parsed.request) << m.parsed.error;
  EXPECT_EQ(m.parsed.request->command, Command::ping);
}

TEST(PeerMessages, KamailioOffer) {
  const auto m = parse_message(kKamailioOffer);
  EXPECT_EQ(m.cookie, "0_20255_0");
  EXPECT_EQ(m.format, Format::bencode);
  ASSERT_TRUE(m.parsed.request) << m.parsed.error;
  const NgRequest& r = *m.parsed.request;
  EXPECT_EQ(r.command, Command::offer);
  EXPECT_EQ(r.call_id, "1-20430@127.0.0.1");
  EXPECT_EQ(r.from_tag, "20430SIPpTag1");
  EXPECT_EQ(r.via_branch, "z9hG4bK-20430-1-0");
  EXPECT_EQ(r.sdp.size(), 263u);
  EXPECT_EQ(r.sdp.rfind("v=0\r\no=alice 2890844526", 0), 0u);
  EXPECT_NE(r.sdp.find("a=rtpmap:96 AMR-WB/16000\r\n"), std::string::npos);
  EXPECT_EQ(r.ice, Strings{"remove"});
  EXPECT_EQ(r.flags, std::set<std::string>{"trust-address"});
  EXPECT_EQ(r.replace, (Strings{"origin", "session-connection"}));
  EXPECT_EQ(r.transport_protocol, "RTP/AVP");
  ASSERT_TRUE(r.received_from);
  EXPECT_EQ(r.received_from->family, "IP4");
  EXPECT_EQ(r.received_from->address, "127.0.0.1");
}

TEST(PeerMessages, KamailioDelete) {
  const auto m = parse_message(kKamailioDelete);
  ASSERT_TRUE(m.parsed.request) << m.parsed.error;
  EXPECT_EQ(m.parsed.request->command, Command::delete_);
  EXPECT_EQ(m.parsed.request->call_id, "1-20544@127.0.0.1");
  EXPECT_EQ(m.parsed.request->from_tag, "atag");
  EXPECT_TRUE(m.parsed.request->to_tag.empty());
}

TEST(PeerMessages, KamailioOfferTruncatedAnywhereIsRefusedNeverMisread) {
  const std::string whole = kKamailioOffer;
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const auto m = parse_message(std::string_view(whole).substr(0, n));
    EXPECT_FALSE(m.parsed.request) << "accepted the first " << n << " bytes";
    EXPECT_FALSE(m.parsed.error.empty());
  }
}

TEST(PeerMessages, TrailingNewlineFromEchoIsForgiven) {
  const auto m = parse_message("c1 d7:command4:pinge\n");
  EXPECT_TRUE(m.parsed.request) << m.parsed.error;
}

TEST(PeerMessages, CookieRules) {
  EXPECT_EQ(message_cookie("abc d7:command4:pinge"), "abc");
  EXPECT_EQ(message_cookie("d7:command4:pinge"), "");
  EXPECT_EQ(message_cookie(" d7:command4:pinge"), "");
  EXPECT_EQ(message_cookie(std::string(257, 'c') + " de"), "");
  EXPECT_EQ(message_cookie(std::string(256, 'c') + " de"), std::string(256, 'c'));
  EXPECT_EQ(message_cookie("a\nb de"), "");
  const auto m = parse_message(std::string(300, 'c') + " d7:command4:pinge");
  EXPECT_FALSE(m.parsed.request);
  EXPECT_NE(m.parsed.error.find("cookie longer than 256 bytes"), std::string::npos) << m.parsed.error;
}

}  // namespace
}  // namespace imsbox::agw::ng
