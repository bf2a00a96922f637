// write(): RFC 8866 field order, CRLF, and parse(write(x)) == x.
#include <gtest/gtest.h>

#include "corpus.h"
#include "sdp/attributes.h"
#include "sdp/formats.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace imsbox::sdp {
namespace {

// A model with every field set, built by hand (not by the parser).
SessionDescription full_model() {
  SessionDescription d;
  d.origin = {"alice", "2890844526", "2890844527", "IN", "IP4", "192.0.2.1"};
  d.session_name = "call";
  d.information = "info";
  d.uri = "http://example.com/";
  d.emails = {"a@example.com"};
  d.phones = {"+1 555"};
  d.connection = Connection{"IN", "IP4", "233.252.0.1", 64, 2};
  d.bandwidths = {{"CT", 100}};
  d.timings = {{0, 0, {"1d 1h 0"}, "0 -1h"}, {5, 6, {}, std::nullopt}};
  d.key = "prompt";
  d.attributes = {{"group", "BUNDLE a"}, {"ice-lite", std::nullopt}};
  MediaDescription m;
  m.media = "audio";
  m.port = 30000;
  m.port_count = 2;
  m.proto = "RTP/AVP";
  m.formats = {"96", "0"};
  m.title = "speech";
  m.connections = {{"IN", "IP6", "2001:db8::1", std::nullopt, std::nullopt}};
  m.bandwidths = {{"AS", 41}, {"RR", 0}};
  m.key = "clear:k";
  m.attributes = {{"rtpmap", "96 AMR-WB/16000/1"}, {"fmtp", "96 octet-align=1"}, {"mid", "a"}, {"sendrecv", {}}};
  d.media.push_back(m);
  m.media = "video";
  m.port = 0;
  m.port_count.reset();
  m.title.reset();
  m.key.reset();
  m.connections.clear();
  m.bandwidths.clear();
  m.formats = {"31"};
  m.attributes = Attributes{};
  d.media.push_back(m);
  return d;
}

TEST(Writer, FieldOrderAndCrlf) {
  EXPECT_EQ(write(full_model()), test::crlf("v=0\n"
                                            "o=alice 2890844526 2890844527 IN IP4 192.0.2.1\n"
                                            "s=call\n"
                                            "i=info\n"
                                            "u=http://example.com/\n"
                                            "e=a@example.com\n"
                                            "p=+1 555\n"
                                            "c=IN IP4 233.252.0.1/64/2\n"
                                            "b=CT:100\n"
                                            "t=0 0\n"
                                            "r=1d 1h 0\n"
                                            "z=0 -1h\n"
                                            "t=5 6\n"
                                            "k=prompt\n"
                                            "a=group:BUNDLE a\n"
                                            "a=ice-lite\n"
                                            "m=audio 30000/2 RTP/AVP 96 0\n"
                                            "i=speech\n"
                                            "c=IN IP6 2001:db8::1\n"
                                            "b=AS:41\n"
                                            "b=RR:0\n"
                                            "k=clear:k\n"
                                            "a=rtpmap:96 AMR-WB/16000/1\n"
                                            "a=fmtp:96 octet-align=1\n"
                                            "a=mid:a\n"
                                            "a=sendrecv\n"
                                            "m=video 0 RTP/AVP 31\n"));
}

TEST(Writer, ParseOfWriteIsTheModel) {
  const auto d = full_model();
  const auto r = parse(write(d));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r.description, d);
  EXPECT_TRUE(writable(d));
}

TEST(Writer, IncrementVersion) {
  Origin o;
  for (const auto& [before, after] : std::vector<std::pair<std::string, std::string>>{
           {"0", "1"}, {"9", "10"}, {"2890844526", "2890844527"}, {"199", "200"},
           {"18446744073709551615", "18446744073709551616"}}) {
    o.session_version = before;
    increment_version(o);
    EXPECT_EQ(o.session_version, after);
  }
}

TEST(Writer, WriteToAppends) {
  std::string out = "prefix";
  write_to(full_model(), out);
  EXPECT_EQ(out, "prefix" + write(full_model()));
}

TEST(Writer, LineFormatters) {
  EXPECT_EQ(format(Connection{"IN", "IP4", "192.0.2.1", std::nullopt, std::nullopt}), "IN IP4 192.0.2.1");
  EXPECT_EQ(format(Connection{"IN", "IP6", "ff15::1", std::nullopt, 2}), "IN IP6 ff15::1/2");
  EXPECT_EQ(format(Bandwidth{"TIAS", 64000}), "TIAS:64000");
  EXPECT_EQ(format_media_line(full_model().media[0]), "audio 30000/2 RTP/AVP 96 0");
}

// writable() catches models code broke: a line end smuggled into a value,
// a name that is not a token, an m= line left without formats.
TEST(Writer, WritableRefusesBrokenModels) {
  auto d = full_model();
  d.media[0].attributes.add("x", "a\r\nm=video 1 RTP/AVP 0");
  EXPECT_FALSE(writable(d));
  d = full_model();
  d.media[0].attributes.add("na:me", "v");
  EXPECT_FALSE(writable(d));
  d = full_model();
  d.media[1].formats.clear();
  EXPECT_FALSE(writable(d));
  d = full_model();
  d.origin.session_id = "12 34";
  EXPECT_FALSE(writable(d));
  d = full_model();
  d.session_name = std::string("a\0b", 3);
  EXPECT_FALSE(writable(d));
}

// What the AGW does: take Chromium's offer, turn it into a phone-leg offer,
// write it; the result is a well-formed body with what was asked.
TEST(Writer, EditedRealOfferWritesWellFormed) {
  auto r = parse(test::load("chromium_offer_audio.sdp"));
  ASSERT_TRUE(r.ok());
  auto d = *r.description;
  increment_version(d.origin);
  d.attributes.remove("group");
  d.attributes.remove("msid-semantic");
  d.attributes.remove("extmap-allow-mixed");
  d.connection = Connection{"IN", "IP4", "192.0.2.99", std::nullopt, std::nullopt};
  auto& m = d.media[0];
  m.proto = "RTP/AVP";
  m.port = 30000;
  m.connections.clear();
  for (const char* name : {"candidate", "ice-ufrag", "ice-pwd", "ice-options", "fingerprint", "setup", "mid",
                           "extmap", "msid", "rtcp-mux", "rtcp-rsize", "rtcp-xr", "ssrc", "rtcp"}) {
    m.attributes.remove(name);
  }
  retain_formats(m, [](std::string_view f) { return f == "0" || f == "8" || f == "126"; });
  add_format(m, Rtpmap{96, "AMR-WB", 16000, 1}, Fmtp{"96", {{"octet-align", "1"}}});
  prefer_format(m, "96");
  ASSERT_TRUE(writable(d));
  EXPECT_EQ(write(d), test::crlf("v=0\n"
                                 "o=- 6379839837362816908 3 IN IP4 127.0.0.1\n"
                                 "s=-\n"
                                 "c=IN IP4 192.0.2.99\n"
                                 "t=0 0\n"
                                 "m=audio 30000 RTP/AVP 96 0 8 126\n"
                                 "a=sendrecv\n"
                                 "a=rtpmap:0 PCMU/8000\n"
                                 "a=rtpmap:8 PCMA/8000\n"
                                 "a=rtpmap:126 telephone-event/8000\n"
                                 "a=rtpmap:96 AMR-WB/16000/1\n"
                                 "a=fmtp:96 octet-align=1\n"));
}

}  // namespace
}  // namespace imsbox::sdp
