#include "sip/message.h"

#include <gtest/gtest.h>

#include "sip/parser.h"
#include "sip/response.h"

namespace imsbox::sip {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa, SIP/2.0/TCP 192.0.2.9;branch=z9hG4bKb\r\n"
    "Max-Forwards: 70\r\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "Route: <sip:p3.example.com;lr>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "X-Custom:   kept   as is  \r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";

Message parse(std::string_view text) {
  auto r = parse_message(std::string(text));
  EXPECT_TRUE(r.well_formed()) << r.reason;
  return std::move(*r.message);
}

TEST(Message, SerializeOfAnUnchangedMessageKeepsEveryField) {
  const auto m = parse(kInvite);
  const auto out = m.serialize();
  EXPECT_NE(out.find("X-Custom:   kept   as is  \r\n"), std::string::npos);
  EXPECT_TRUE(out.ends_with("Content-Length: 5\r\n\r\nhello"));
  const auto again = parse(out);
  EXPECT_EQ(again.headers().size(), m.headers().size());
}

TEST(Message, RemoveFirstAndLastValues) {
  auto m = parse(kInvite);
  ASSERT_TRUE(m.remove_first_value(HeaderId::route));
  EXPECT_EQ(m.find(HeaderId::route)->value, "<sip:p2.example.com;lr>");
  ASSERT_TRUE(m.remove_last_value(HeaderId::route));  // removes the whole last field
  EXPECT_EQ(m.count(HeaderId::route), 1u);
  ASSERT_TRUE(m.remove_first_value(HeaderId::via));
  ASSERT_EQ(m.vias().size(), 1u);
  EXPECT_EQ(m.vias()[0].branch(), "z9hG4bKb");
  const auto out = parse(m.serialize());
  EXPECT_EQ(out.vias().size(), 1u);
}

TEST(Message, RemoveLastValueOfAMultiValueField) {
  auto m = parse("OPTIONS sip:a@b.c SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y.z>;tag=1\r\n"
                 "To: <sip:a@b.c>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nRoute: <sip:r1;lr>, <sip:r2;lr>\r\n\r\n");
  ASSERT_TRUE(m.remove_last_value(HeaderId::route));
  EXPECT_EQ(m.find(HeaderId::route)->value, "<sip:r1;lr>");
}

TEST(Message, PrependGoesBeforeTheFirstFieldOfItsKind) {
  auto m = parse(kInvite);
  m.prepend(HeaderId::via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew");
  const auto vias = m.vias();
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[0].host, "proxy.example.com");
  m.prepend(HeaderId::record_route, "<sip:proxy.example.com;lr>");
  EXPECT_EQ(m.headers().front().id, HeaderId::record_route);
}

TEST(Message, CloneIsIndependent) {
  auto original = parse(kInvite);
  original.set(HeaderId::subject, "made after parsing");
  auto copy = original.clone();
  original.set_request_uri("sip:changed@example.com");
  original.remove_all(HeaderId::route);
  EXPECT_EQ(copy.request_uri(), "sip:bob@example.com");
  EXPECT_EQ(copy.count(HeaderId::route), 2u);
  EXPECT_EQ(copy.find(HeaderId::subject)->value, "made after parsing");
  EXPECT_EQ(copy.body(), "hello");
  // the copy outlives the original
  { auto gone = std::move(original); }
  EXPECT_EQ(parse(copy.serialize()).call_id(), "a84b4c76e66710");
}

TEST(Message, SetBodyKeepsContentLengthRight) {
  auto m = parse(kInvite);
  m.set_body("v=0\r\n", "application/sdp");
  const auto out = parse(m.serialize());
  EXPECT_EQ(out.body(), "v=0\r\n");
  EXPECT_EQ(out.find(HeaderId::content_type)->value, "application/sdp");
  EXPECT_EQ(out.count(HeaderId::content_length), 1u);
}

TEST(Response, CopiesTheFieldsRfc3261Wants) {
  const auto req = parse(kInvite);
  const auto r = make_response(req, 486, {}, "uas-tag");
  EXPECT_EQ(r.status(), 486);
  EXPECT_EQ(r.reason(), "Busy Here");
  const auto parsed = parse(r.serialize());
  EXPECT_EQ(parsed.vias().size(), 2u);
  EXPECT_EQ(parsed.to().tag(), "uas-tag");
  EXPECT_EQ(parsed.from().tag(), "1928");
  EXPECT_EQ(parsed.call_id(), "a84b4c76e66710");
  EXPECT_EQ(parsed.cseq().number, 314159u);
  EXPECT_FALSE(parsed.find(HeaderId::route));
  EXPECT_FALSE(parsed.find("X-Custom"));
  EXPECT_EQ(make_response(req, 100).to().tag(), "");
  EXPECT_EQ(default_reason(299), "Success");
}

}  // namespace
}  // namespace imsbox::sip

namespace imsbox::sip {
namespace {

TEST(Message, TopViaFollowsChangesToTheViaFields) {
  auto m = parse(kInvite);
  ASSERT_NE(m.top_via(), nullptr);
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bKa");
  m.prepend(HeaderId::via, "SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp");
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bKp");
  m.remove_first_value(HeaderId::via);
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bKa");
  m.remove_first_value(HeaderId::via);
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bKb");  // the second value of the same field
  auto copy = m.clone();
  EXPECT_EQ(copy.top_via()->branch(), "z9hG4bKb");
  m.remove_all(HeaderId::via);
  EXPECT_EQ(m.top_via(), nullptr);
  EXPECT_EQ(copy.top_via()->host, "192.0.2.9");
}

}  // namespace
}  // namespace imsbox::sip

namespace imsbox::sip {
namespace {

TEST(Message, FromAndToFollowChanges) {
  auto m = parse(kInvite);
  EXPECT_EQ(m.to().tag(), "");
  EXPECT_EQ(m.from().tag(), "1928");
  m.set(HeaderId::to, "<sip:bob@example.com>;tag=new");
  EXPECT_EQ(m.to().tag(), "new");
  m.remove_all(HeaderId::from);
  EXPECT_EQ(m.from().uri, "");
  auto moved = std::move(m);
  EXPECT_EQ(moved.to().tag(), "new");
  EXPECT_EQ(moved.clone().to().uri, "sip:bob@example.com");
}

}  // namespace
}  // namespace imsbox::sip

namespace imsbox::sip {
namespace {

TEST(Message, RemoveAllByName) {
  auto m = parse(
      "MESSAGE sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKr\r\n"
      "From: <sip:alice@example.com>;tag=1\r\n"
      "To: <sip:bob@example.com>\r\n"
      "Call-ID: r@192.0.2.1\r\n"
      "CSeq: 1 MESSAGE\r\n"
      "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel\r\n"
      "X-Other: kept\r\n"
      "p-asserted-service : urn:urn-7:3gpp-service.ims.icsi.sms\r\n"
      "P-Asserted-Identity: <sip:alice@example.com>\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(m.remove_all("P-Asserted-Service"), 2u);  // any case, any spacing before the colon
  EXPECT_EQ(m.find("P-Asserted-Service"), nullptr);
  EXPECT_EQ(m.remove_all("p-asserted-identity"), 1u);  // a known field by its name
  EXPECT_EQ(m.find(HeaderId::p_asserted_identity), nullptr);
  EXPECT_EQ(m.remove_all("P-Asserted-Service"), 0u);
  ASSERT_NE(m.find("X-Other"), nullptr);
  EXPECT_EQ(m.serialize().find("asserted"), std::string::npos);
}

}  // namespace
}  // namespace imsbox::sip
