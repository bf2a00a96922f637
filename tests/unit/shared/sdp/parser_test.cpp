// What parse() keeps of a body: every field, attributes in order and byte
// for byte, the line-end and trailing-line leniencies it documents.
#include <gtest/gtest.h>

#include "corpus.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace imsbox::sdp {
namespace {

using test::crlf;

const std::string kMinimal = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n";

TEST(Parser, MinimalBody) {
  const auto r = parse(kMinimal);
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& d = *r.description;
  EXPECT_EQ(d.version, 0u);
  EXPECT_EQ(d.origin, (Origin{"-", "1", "1", "IN", "IP4", "192.0.2.1"}));
  EXPECT_EQ(d.session_name, "-");
  EXPECT_EQ(d.timings, (std::vector<Timing>{{0, 0, {}, std::nullopt}}));
  EXPECT_TRUE(d.media.empty());
  EXPECT_TRUE(r.reason.empty());
  EXPECT_EQ(r.line, 0u);
}

TEST(Parser, EverySessionFieldInOrder) {
  const std::string body = crlf(
      "v=0\n"
      "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\n"
      "s=SDP Seminar\n"
      "i=A Seminar\n"
      "u=http://www.example.com/seminars/sdp.pdf\n"
      "e=j.doe@example.com (Jane Doe)\n"
      "e=second@example.com\n"
      "p=+1 617 555-6011\n"
      "c=IN IP4 224.2.1.1/127/3\n"
      "b=CT:128\n"
      "b=AS:64\n"
      "t=2873397496 2873404696\n"
      "r=7d 1h 0 25h\n"
      "r=604800 3600 0 90000\n"
      "t=3034423619 3042462419\n"
      "z=2882844526 -1h 2898848070 0\n"
      "k=prompt\n"
      "a=recvonly\n"
      "a=tool:x y z\n"
      "m=audio 49170/2 RTP/AVP 0 96\n"
      "i=voice\n"
      "c=IN IP6 FF15::101/3\n"
      "c=IN IP6 FF15::102/3\n"
      "b=AS:32\n"
      "k=clear:secret\n"
      "a=rtpmap:96 L8/8000\n");
  const auto r = parse(body);
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& d = *r.description;
  EXPECT_EQ(d.information, "A Seminar");
  EXPECT_EQ(d.uri, "http://www.example.com/seminars/sdp.pdf");
  EXPECT_EQ(d.emails.size(), 2u);
  EXPECT_EQ(d.phones, (std::vector<std::string>{"+1 617 555-6011"}));
  EXPECT_EQ(d.connection, (Connection{"IN", "IP4", "224.2.1.1", 127, 3}));
  EXPECT_EQ(d.bandwidths, (std::vector<Bandwidth>{{"CT", 128}, {"AS", 64}}));
  ASSERT_EQ(d.timings.size(), 2u);
  EXPECT_EQ(d.timings[0].repeats, (std::vector<std::string>{"7d 1h 0 25h", "604800 3600 0 90000"}));
  EXPECT_FALSE(d.timings[0].zone);
  EXPECT_EQ(d.timings[1].zone, "2882844526 -1h 2898848070 0");
  EXPECT_EQ(d.key, "prompt");
  EXPECT_EQ(d.attributes, (Attributes{{"recvonly", std::nullopt}, {"tool", "x y z"}}));
  ASSERT_EQ(d.media.size(), 1u);
  const auto& m = d.media[0];
  EXPECT_EQ(m.port, 49170);
  EXPECT_EQ(m.port_count, 2u);
  EXPECT_EQ(m.title, "voice");
  EXPECT_EQ(m.connections, (std::vector<Connection>{{"IN", "IP6", "FF15::101", std::nullopt, 3},
                                                    {"IN", "IP6", "FF15::102", std::nullopt, 3}}));
  EXPECT_EQ(m.key, "clear:secret");
  EXPECT_EQ(write(d), body);
}

TEST(Parser, AttributesKeepOrderAndBytes) {
  const std::string body = kMinimal + crlf(
                                          "m=audio 4000 RTP/AVP 0\n"
                                          "a=x-unknown:  two  spaces and trailing \t\n"
                                          "a=rtcp-mux\n"
                                          "a=empty:\n"
                                          "a=colons:a:b:c\n"
                                          "a=X-Case:\xc3\xa9t\xc3\xa9 \x01\x7f\n"
                                          "a=rtcp-mux\n");
  const auto r = parse(body);
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& a = r.description->media[0].attributes;
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0], (Attribute{"x-unknown", "  two  spaces and trailing \t"}));
  EXPECT_EQ(a[1], (Attribute{"rtcp-mux", std::nullopt}));
  EXPECT_EQ(a[2], (Attribute{"empty", ""}));
  EXPECT_EQ(a[3], (Attribute{"colons", "a:b:c"}));
  EXPECT_EQ(a[4], (Attribute{"X-Case", "\xc3\xa9t\xc3\xa9 \x01\x7f"}));
  EXPECT_EQ(a.count("rtcp-mux"), 2u);
  EXPECT_EQ(write(*r.description), body);
}

TEST(Parser, LineEndLeniency) {
  const auto crlf_body = parse(kMinimal + "m=audio 4000 RTP/AVP 0\r\n");
  ASSERT_TRUE(crlf_body.ok());
  // bare LF, mixed, no final line end, trailing empty lines: the same model
  for (const std::string& body : std::vector<std::string>{
           std::string("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n"),
           std::string("v=0\r\no=- 1 1 IN IP4 192.0.2.1\ns=-\r\nt=0 0\nm=audio 4000 RTP/AVP 0\r\n"),
           kMinimal + "m=audio 4000 RTP/AVP 0",
           kMinimal + "m=audio 4000 RTP/AVP 0\r\n\r\n",
           kMinimal + "m=audio 4000 RTP/AVP 0\r\n\n\r\n",
       }) {
    const auto r = parse(body);
    ASSERT_TRUE(r.ok()) << r.error() << " in " << body;
    EXPECT_EQ(*r.description, *crlf_body.description);
  }
}

TEST(Parser, LenientWhereRealSendersDiffer) {
  // empty s= (RFC 4317), no t= at all
  const auto r = parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\r\nm=audio 4000 RTP/AVP 0\r\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.description->session_name, "");
  EXPECT_TRUE(r.description->timings.empty());
  EXPECT_EQ(write(*r.description), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\r\nm=audio 4000 RTP/AVP 0\r\n");
}

TEST(Parser, OriginNumbersKeptAsText) {
  // longer than 64 bits and with a leading zero: kept as written
  const auto r = parse("v=0\r\no=- 012345678901234567890123 7 IN IP6 ::1\r\ns=-\r\nt=0 0\r\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.description->origin.session_id, "012345678901234567890123");
  EXPECT_EQ(r.description->origin.addrtype, "IP6");
}

TEST(Parser, ConnectionForms) {
  const auto c = [](const std::string& line) {
    const auto r = parse(kMinimal + "m=audio 1 RTP/AVP 0\r\nc=" + line + "\r\n");
    EXPECT_TRUE(r.ok()) << line << ": " << r.error();
    return r.ok() ? r.description->media[0].connections.at(0) : Connection{};
  };
  EXPECT_EQ(c("IN IP4 192.0.2.1"), (Connection{"IN", "IP4", "192.0.2.1", std::nullopt, std::nullopt}));
  EXPECT_EQ(c("IN IP4 233.252.0.1/127"), (Connection{"IN", "IP4", "233.252.0.1", 127, std::nullopt}));
  EXPECT_EQ(c("IN IP4 233.252.0.1/127/3"), (Connection{"IN", "IP4", "233.252.0.1", 127, 3}));
  EXPECT_EQ(c("IN IP6 ff15::101/3"), (Connection{"IN", "IP6", "ff15::101", std::nullopt, 3}));
  EXPECT_EQ(c("IN IP6 2001:db8::1"), (Connection{"IN", "IP6", "2001:db8::1", std::nullopt, std::nullopt}));
  // a name (RFC 8866 allows an FQDN), another network type: kept whole
  EXPECT_EQ(c("IN IP4 host.example.com"), (Connection{"IN", "IP4", "host.example.com", std::nullopt, std::nullopt}));
  EXPECT_EQ(c("ATM NSAP 47.0091/x"), (Connection{"ATM", "NSAP", "47.0091/x", std::nullopt, std::nullopt}));
}

TEST(Parser, MediaLineForms) {
  const auto m = [](const std::string& line) {
    const auto r = parse(kMinimal + "m=" + line + "\r\n");
    EXPECT_TRUE(r.ok()) << line << ": " << r.error();
    return r.ok() ? r.description->media.at(0) : MediaDescription{};
  };
  const auto a = m("audio 0 RTP/AVP 0");
  EXPECT_EQ(a.port, 0);  // a rejected stream
  const auto b = m("audio 65535 UDP/TLS/RTP/SAVPF 111 0 8");
  EXPECT_EQ(b.port, 65535);
  EXPECT_EQ(b.formats.size(), 3u);
  const auto c = m("application 9 UDP/DTLS/SCTP webrtc-datachannel");
  EXPECT_EQ(c.formats, (std::vector<std::string>{"webrtc-datachannel"}));
  const auto d = m("video 49170/2 RTP/AVP 31");
  EXPECT_EQ(d.port_count, 2u);
  const auto e = m("image 54111 udptl t38");
  EXPECT_EQ(e.proto, "udptl");
}

TEST(Parser, ErrorNamesTheLine) {
  const auto r = parse(kMinimal + "m=audio 1 RTP/AVP 0\r\nbogus\r\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.line, 6u);
  EXPECT_EQ(r.reason, "line without '='");
  EXPECT_EQ(r.error(), "line 6: line without '='");
  const auto big = parse(std::string(70000, 'a'));
  EXPECT_EQ(big.line, 0u);
  EXPECT_EQ(big.error(), "body of 70000 bytes is larger than 65536");
}

TEST(Parser, LimitsAreConfigurable) {
  Limits limits;
  limits.max_media = 1;
  const std::string two = kMinimal + "m=audio 1 RTP/AVP 0\r\nm=video 2 RTP/AVP 31\r\n";
  EXPECT_TRUE(parse(two).ok());
  const auto r = parse(two, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.line, 6u);
  EXPECT_EQ(r.reason, "more than 1 media sections");
}

}  // namespace
}  // namespace imsbox::sdp
