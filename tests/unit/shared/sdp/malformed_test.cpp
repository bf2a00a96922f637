// Bad bodies get a clear error naming the line and the fault, never a crash
// or an exception: what the P-CSCF turns into 488 and the AGW refuses.
#include <gtest/gtest.h>

#include "corpus.h"
#include "sdp/parser.h"

namespace imsbox::sdp {
namespace {

using test::crlf;

const std::string kHead = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n";  // 4 lines

struct Case {
  std::string body;
  std::size_t line;
  std::string reason;  // a substring of the reason
};

void expect_refused(const Case& c) {
  ParseResult r;
  ASSERT_NO_THROW(r = parse(c.body)) << c.body;
  EXPECT_FALSE(r.ok()) << c.body;
  EXPECT_FALSE(r.description.has_value());
  EXPECT_EQ(r.line, c.line) << c.body << " -> " << r.error();
  EXPECT_NE(r.reason.find(c.reason), std::string::npos) << c.body << " -> " << r.error();
}

TEST(Malformed, EmptyAndMissingHeader) {
  for (const auto& c : std::vector<Case>{
           {"", 0, "empty body"},
           {"\r\n\r\n", 0, "empty body"},
           {"o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n", 1, "first line is not v="},  // missing v=
           {"s=-\r\nv=0\r\n", 1, "first line is not v="},
           {"v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", 1, "version is not 0"},
           {"v=00\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", 1, "version is not 0"},
           {"v=0\r\ns=-\r\nt=0 0\r\n", 2, "o= line missing after v="},
           {"v=0\r\n", 1, "o= line missing"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n", 3, "s= line missing after o="},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", 2, "s= line missing"},
       }) {
    expect_refused(c);
  }
}

TEST(Malformed, TruncatedLines) {
  for (const auto& c : std::vector<Case>{
           {"v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", 2, "o= line: needs 6 fields"},
           {"v=0\r\no=- 1 1 IN IP4 \r\ns=-\r\n", 2, "o= line: needs 6 fields"},
           {"v=0\r\no=\r\ns=-\r\n", 2, "o= line: needs 6 fields"},
           {"v=", 1, "version is not 0"},
           {kHead + "m=audio 49170", 5, "m= line: needs media, port, proto and formats"},
           {kHead + "m=audio 49170 RTP/AVP", 5, "m= line: no format"},
           {kHead + "m=audio 49170 RTP/AVP ", 5, "m= line: formats must be separated by single spaces"},
           {kHead + "m=", 5, "m= line: needs media"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nc=IN IP4", 6, "c= line: needs 3 fields"},
           {kHead + "a", 5, "line without '='"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nb=AS", 6, "b= line: no ':'"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0", 4, "t= line: needs start and stop"},
       }) {
    expect_refused(c);
  }
}

TEST(Malformed, BadMediaLine) {
  for (const auto& c : std::vector<Case>{
           {kHead + "m=audio abc RTP/AVP 0\r\n", 5, "port is not a number"},
           {kHead + "m=audio 65536 RTP/AVP 0\r\n", 5, "port is not a number from 0 to 65535"},
           {kHead + "m=audio -1 RTP/AVP 0\r\n", 5, "port is not a number"},
           {kHead + "m=audio 4000/ RTP/AVP 0\r\n", 5, "bad number of ports"},
           {kHead + "m=audio 4000/x RTP/AVP 0\r\n", 5, "bad number of ports"},
           {kHead + "m=audio  4000 RTP/AVP 0\r\n", 5, "single spaces"},
           {kHead + "m=audio 4000 RTP//AVP 0\r\n", 5, "bad transport protocol"},
           {kHead + "m=audio 4000 RTP/AVP/ 0\r\n", 5, "bad transport protocol"},
           {kHead + "m=audio 4000 RTP/AVP 0  8\r\n", 5, "single spaces"},
           {kHead + "m=aud:io 4000 RTP/AVP 0\r\n", 5, "bad media type"},
           {kHead + "m=audio 4000 RTP/AVP 0 8;\r\n", 5, "bad format"},
           {kHead + "m=audio 4000 RTP/AVP\t0\r\n", 5, "bad transport protocol"},
       }) {
    expect_refused(c);
  }
}

TEST(Malformed, LinesWithoutEqualsOrWithAnUnknownType) {
  for (const auto& c : std::vector<Case>{
           {kHead + "hello\r\n", 5, "line without '='"},
           {kHead + "a =b\r\n", 5, "line does not start with <letter>="},
           {kHead + "ab=c\r\n", 5, "line does not start with <letter>="},
           {kHead + "=x\r\n", 5, "line does not start with <letter>="},
           {kHead + "x=foo\r\n", 5, "unknown line type 'x='"},
           {kHead + "A=foo\r\n", 5, "unknown line type 'A='"},
           {"V=0\r\n", 1, "unknown line type 'V='"},
           {kHead + "a=\r\n", 5, "no attribute name"},
           {kHead + "a=:value\r\n", 5, "no attribute name"},
           {kHead + "a=bad name:value\r\n", 5, "bad attribute name"},
           {kHead + "a=na/me\r\n", 5, "bad attribute name"},
       }) {
    expect_refused(c);
  }
}

TEST(Malformed, WrongOrder) {
  for (const auto& c : std::vector<Case>{
           {"v=0\r\ns=-\r\no=- 1 1 IN IP4 192.0.2.1\r\n", 2, "o= line missing after v="},
           {kHead + "c=IN IP4 192.0.2.1\r\n", 5, "c= line after t= line (wrong order)"},
           {kHead + "a=x\r\nb=AS:1\r\n", 6, "b= line after a= line (wrong order)"},
           {kHead + "a=x\r\nt=0 0\r\n", 6, "t= line after a= line (wrong order)"},
           {kHead + "s=again\r\n", 5, "s= line after t= line"},
           {kHead + "v=0\r\n", 5, "v= line after t= line"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\ns=-\r\n", 4, "second s= line"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\ni=a\r\ni=b\r\n", 5, "second i= line"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 1.1.1.1\r\nc=IN IP4 1.1.1.2\r\n", 5,
            "second c= line"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nr=1 1 0\r\n", 4, "r= line not after a t= or r= line"},
           {kHead + "z=0 0\r\nz=0 0\r\n", 6, "z= line not after a t= or r= line"},
           {kHead + "z=0 0\r\nr=1 1 0\r\n", 6, "r= line not after a t= or r= line"},
           {kHead + "k=clear:x\r\nk=clear:y\r\n", 6, "second k= line"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", 6, "t= line not allowed in a media section"},
           {kHead + "m=audio 1 RTP/AVP 0\r\no=- 1 1 IN IP4 1.1.1.1\r\n", 6, "o= line not allowed in a media section"},
           {kHead + "m=audio 1 RTP/AVP 0\r\na=x\r\nc=IN IP4 1.1.1.1\r\n", 7, "c= line after a= line (wrong order)"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nb=AS:1\r\ni=x\r\n", 7, "i= line after b= line (wrong order)"},
           {kHead + "m=audio 1 RTP/AVP 0\r\ni=x\r\ni=y\r\n", 7, "second i= line"},
       }) {
    expect_refused(c);
  }
}

// TS 26.114's Table A.1 prints b= after a=tcap/a=pcfg: RFC 8866 §5 order is
// m i c b k a, so that text as printed is refused (data/README.md says so).
TEST(Malformed, Ts26114PrintedOrderIsRefused) {
  expect_refused({kHead + crlf("m=audio 49152 RTP/AVP 97 98 99 100 101\n"
                               "a=tcap:1 RTP/AVPF\n"
                               "a=pcfg:1 t=1\n"
                               "b=AS:145\n"),
                  8, "b= line after a= line (wrong order)"});
}

TEST(Malformed, BadFieldValues) {
  for (const auto& c : std::vector<Case>{
           {"v=0\r\no=- x 1 IN IP4 192.0.2.1\r\ns=-\r\n", 2, "session id is not a number"},
           {"v=0\r\no=- 1 1.0 IN IP4 192.0.2.1\r\ns=-\r\n", 2, "session version is not a number"},
           {"v=0\r\no=- " + std::string(65, '1') + " 1 IN IP4 192.0.2.1\r\ns=-\r\n", 2, "at most 64 digits"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1 extra\r\ns=-\r\n", 2, "more than 6 fields"},
           {"v=0\r\no=- 1 1 I:N IP4 192.0.2.1\r\ns=-\r\n", 2, "bad network type"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nc=IN IP4 1.2.3.4/300\r\n", 6, "TTL above 255"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nc=IN IP4 1.2.3.4/x\r\n", 6, "bad TTL"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nc=IN IP4 1.2.3.4/1/\r\n", 6, "bad number of addresses"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nc=IN IP4 /1\r\n", 6, "empty address"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nc=IN IP6 ::1/5/3\r\n", 6, "IP6 address with a TTL"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nc=IN IP4 1.2.3.4 x\r\n", 6, "more than 3 fields"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nb=AS:x\r\n", 6, "bandwidth is not a number"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nb=A S:1\r\n", 6, "bad bandwidth type"},
           {kHead + "m=audio 1 RTP/AVP 0\r\nb=AS:99999999999999999999999\r\n", 6, "bandwidth is not a number"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=now 0\r\n", 4, "time is not a number"},
           {"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0 0\r\n", 4, "more than 2 fields"},
       }) {
    expect_refused(c);
  }
}

TEST(Malformed, NulAndStrayCr) {
  expect_refused({kHead + std::string("a=fo\0o\r\n", 9), 5, "NUL byte"});
  expect_refused({std::string("v=0\0\r\n", 6), 1, "NUL byte"});
  expect_refused({kHead + "a=x\rb\r\n", 5, "CR inside a line"});
  expect_refused({kHead + "a=x\r\r\n", 5, "CR inside a line"});
  // old-Mac CR-only line ends: one line with CRs in it
  expect_refused({"v=0\ro=- 1 1 IN IP4 192.0.2.1\rs=-\r", 1, "CR inside a line"});
}

TEST(Malformed, EmptyLineInTheMiddle) {
  expect_refused({"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n\r\ns=-\r\n", 3, "empty line"});
  expect_refused({kHead + "\r\n\r\nm=audio 1 RTP/AVP 0\r\n", 5, "empty line"});
}

TEST(Malformed, HugeCounts) {
  std::string media;
  for (int i = 0; i < 65; ++i) media += "m=audio " + std::to_string(1000 + i) + " RTP/AVP 0\r\n";
  expect_refused({kHead + media, 4 + 65, "more than 64 media sections"});

  std::string attributes = "m=audio 1 RTP/AVP 0\r\n";
  for (int i = 0; i < 1025; ++i) attributes += "a=x\r\n";
  expect_refused({kHead + attributes, 5 + 1025, "more than 1024 attributes in a media section"});
  std::string session_attributes;
  for (int i = 0; i < 1025; ++i) session_attributes += "a=x\r\n";
  expect_refused({kHead + session_attributes, 4 + 1025, "more than 1024 session attributes"});

  std::string formats = "m=audio 1 RTP/AVP";
  for (int i = 0; i < 129; ++i) formats += " " + std::to_string(i);
  expect_refused({kHead + formats + "\r\n", 5, "more than 128 formats"});

  std::string bandwidths = "m=audio 1 RTP/AVP 0\r\n";
  for (int i = 0; i < 33; ++i) bandwidths += "b=AS:1\r\n";
  expect_refused({kHead + bandwidths, 5 + 33, "more than 32 b= lines"});
  std::string emails = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
  for (int i = 0; i < 33; ++i) emails += "e=a@b\r\n";
  expect_refused({emails, 3 + 33, "more than 32 e= lines"});
  std::string timings = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
  for (int i = 0; i < 33; ++i) timings += "t=0 0\r\n";
  expect_refused({timings, 3 + 33, "more than 32 t= lines"});

  // exactly at the limits: accepted
  std::string at_limit = kHead;
  for (int i = 0; i < 64; ++i) at_limit += "m=audio " + std::to_string(1000 + i) + " RTP/AVP 0\r\n";
  EXPECT_TRUE(parse(at_limit).ok());

  std::string big = kHead + "a=x:" + std::string(64 * 1024, 'y') + "\r\n";
  const auto r = parse(big);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.line, 0u);
  EXPECT_NE(r.reason.find("larger than 65536"), std::string::npos);
}

// Every prefix of a real body is either accepted or refused with a reason:
// truncation anywhere (a lost UDP fragment, a cut Content-Length) is handled.
TEST(Malformed, EveryPrefixOfARealBodyIsHandled) {
  const std::string body = test::load("chromium_offer_audio.sdp");
  for (std::size_t n = 0; n < body.size(); ++n) {
    ParseResult r;
    ASSERT_NO_THROW(r = parse(std::string_view(body).substr(0, n)));
    EXPECT_EQ(r.ok(), r.reason.empty()) << n;
    if (!r.ok()) {
      EXPECT_GT(r.line + (n == 0 ? 1 : 0), 0u) << n << ": " << r.error();
    }
  }
}

}  // namespace
}  // namespace imsbox::sdp
