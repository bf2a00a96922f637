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
