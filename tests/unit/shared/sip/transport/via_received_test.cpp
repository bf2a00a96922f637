#include "sip/transport/via_received.h"

#include <gtest/gtest.h>

#include "sip/parser.h"

namespace imsbox::sip {
namespace {

Message request_with(std::string_view via_lines) {
  std::string m = "OPTIONS sip:bob@example.com SIP/2.0\r\n";
  m += via_lines;
  m += "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
       "Call-ID: via-test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  auto r = parse_message(m);
  EXPECT_TRUE(r.well_formed()) << r.reason;
  return std::move(*r.message);
}

std::string first_via_field(const Message& m) { return std::string(m.find(HeaderId::via)->value); }

const auto kSource = boost::asio::ip::make_address("203.0.113.7");

TEST(ViaReceived, AddsReceivedWhenTheHostDiffers) {
  auto m = request_with("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n");
  EXPECT_TRUE(stamp_received(m, kSource, 40000));
  EXPECT_EQ(first_via_field(m), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;received=203.0.113.7");
}

TEST(ViaReceived, AddsReceivedForAHostName) {
  auto m = request_with("Via: SIP/2.0/TCP ue.example.com;branch=z9hG4bK-1\r\n");
  EXPECT_TRUE(stamp_received(m, kSource, 40000));
  EXPECT_EQ(first_via_field(m), "SIP/2.0/TCP ue.example.com;branch=z9hG4bK-1;received=203.0.113.7");
}

TEST(ViaReceived, LeavesAMatchingViaAlone) {
  auto m = request_with("Via: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK-1\r\n");
  const auto before = m.serialize();
  EXPECT_FALSE(stamp_received(m, kSource, 5060));
  EXPECT_EQ(m.serialize(), before);
}

TEST(ViaReceived, FillsAnEmptyRportAndAlwaysAddsReceived) {
  // RFC 3581 §4: received even though the host is the source address
  auto m = request_with("Via: SIP/2.0/UDP 203.0.113.7:5060;rport;branch=z9hG4bK-1\r\n");
  EXPECT_TRUE(stamp_received(m, kSource, 40001));
  EXPECT_EQ(first_via_field(m), "SIP/2.0/UDP 203.0.113.7:5060;rport=40001;branch=z9hG4bK-1;received=203.0.113.7");
}

TEST(ViaReceived, RportLastThenReceived) {
  auto m = request_with("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1;rport\r\n");
  EXPECT_TRUE(stamp_received(m, kSource, 1234));
  EXPECT_EQ(first_via_field(m), "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1;rport=1234;received=203.0.113.7");
}

TEST(ViaReceived, RportWithAValueIsKept) {
  auto m = request_with("Via: SIP/2.0/UDP 10.0.0.1;rport=999;branch=z9hG4bK-1\r\n");
  EXPECT_TRUE(stamp_received(m, kSource, 1234));
  EXPECT_EQ(first_via_field(m), "SIP/2.0/UDP 10.0.0.1;rport=999;branch=z9hG4bK-1;received=203.0.113.7");
}

TEST(ViaReceived, OverwritesAForgedReceived) {
  auto m = request_with("Via: SIP/2.0/UDP 10.0.0.1;received=198.51.100.9;branch=z9hG4bK-1\r\n");
  EXPECT_TRUE(stamp_received(m, kSource, 1234));
  EXPECT_EQ(first_via_field(m), "SIP/2.0/UDP 10.0.0.1;received=203.0.113.7;branch=z9hG4bK-1");
}

TEST(ViaReceived, OnlyTheTopValueOfAListChanges) {
  auto m = request_with(
      "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-top , SIP/2.0/UDP proxy.example.com;branch=z9hG4bK-2\r\n"
      "Via: SIP/2.0/TCP 10.9.9.9;branch=z9hG4bK-3;rport\r\n");
  EXPECT_TRUE(stamp_received(m, kSource, 1234));
  EXPECT_EQ(first_via_field(m),
            "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-top;received=203.0.113.7 , SIP/2.0/UDP proxy.example.com;branch=z9hG4bK-2");
  const auto vias = m.vias();
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[0].branch(), "z9hG4bK-top");
  EXPECT_EQ(vias[1].branch(), "z9hG4bK-2");
  EXPECT_EQ(find_param(vias[1].params, "received"), nullptr);
  ASSERT_NE(find_param(vias[2].params, "rport"), nullptr);
  EXPECT_FALSE(find_param(vias[2].params, "rport")->has_value);  // not the top Via: untouched
  // and the field keeps its place, before From
  const auto serialized = m.serialize();
  EXPECT_LT(serialized.find("Via: SIP/2.0/UDP 10.0.0.1"), serialized.find("From:"));
}

TEST(ViaReceived, CompactFormAndIPv6) {
  const auto v6 = boost::asio::ip::make_address("2001:db8::7");
  auto same = request_with("v: SIP/2.0/UDP [2001:db8:0:0::7]:5060;branch=z9hG4bK-1\r\n");
  EXPECT_FALSE(stamp_received(same, v6, 5060));  // the same address, written differently
  auto other = request_with("v: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-1;rport\r\n");
  EXPECT_TRUE(stamp_received(other, v6, 5062));
  EXPECT_EQ(first_via_field(other), "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-1;rport=5062;received=2001:db8::7");
  // the result still parses as a message
  EXPECT_TRUE(parse_message(other.serialize()).well_formed());
}

}  // namespace
}  // namespace imsbox::sip
