// a=candidate (RFC 8839 §5.1) as browsers and baresip write it.
#include <gtest/gtest.h>

#include "sdp/candidate.h"

namespace imsbox::sdp {
namespace {

TEST(Candidate, ChromiumHost) {
  const auto c = parse_candidate("1909481362 1 udp 2122194687 127.0.0.1 56831 typ host generation 0 network-id 3 network-cost 50");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->foundation, "1909481362");
  EXPECT_EQ(c->component, 1);
  EXPECT_EQ(c->transport, "udp");
  EXPECT_TRUE(c->is_udp());
  EXPECT_EQ(c->priority, 2122194687u);
  EXPECT_EQ(c->address, "127.0.0.1");
  EXPECT_EQ(c->port, 56831);
  EXPECT_EQ(c->type, "host");
  EXPECT_FALSE(c->related_address);
  EXPECT_FALSE(c->is_mdns());
  EXPECT_EQ(c->extensions, (std::vector<std::pair<std::string, std::string>>{
                               {"generation", "0"}, {"network-id", "3"}, {"network-cost", "50"}}));
  EXPECT_EQ(c->extension("Network-Id"), "3");
  EXPECT_FALSE(c->extension("ufrag"));
}

TEST(Candidate, TcpIpv6MdnsAndRelated) {
  const auto tcp = parse_candidate("570845649 1 tcp 1518288127 ::1 9 typ host tcptype active generation 0");
  ASSERT_TRUE(tcp);
  EXPECT_FALSE(tcp->is_udp());
  EXPECT_EQ(tcp->address, "::1");
  EXPECT_EQ(tcp->extension("tcptype"), "active");

  const auto mdns = parse_candidate("0 1 UDP 2122187007 15715bbb-7c16-4a71-a5a7-0cb0b666f0b1.local 56486 typ host");
  ASSERT_TRUE(mdns);
  EXPECT_TRUE(mdns->is_mdns());
  EXPECT_TRUE(mdns->is_udp());

  const auto srflx = parse_candidate(
      "842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 192.0.2.2 rport 47408 generation 0 ufrag GCHm");
  ASSERT_TRUE(srflx);
  EXPECT_EQ(srflx->type, "srflx");
  EXPECT_EQ(srflx->related_address, "192.0.2.2");
  EXPECT_EQ(srflx->related_port, 47408);
  EXPECT_EQ(srflx->extension("ufrag"), "GCHm");

  const auto relay = parse_candidate("3 1 UDP 92217087 198.51.100.9 3478 typ relay raddr 0.0.0.0 rport 0");
  ASSERT_TRUE(relay);
  EXPECT_EQ(relay->related_port, 0);

  // RTCIceCandidate.candidate carries the attribute name
  const auto trickled = parse_candidate("candidate:1 2 UDP 1 192.0.2.1 9 typ host");
  ASSERT_TRUE(trickled);
  EXPECT_EQ(trickled->component, 2);
}

TEST(Candidate, RefusesWhatBreaksTheGrammar) {
  for (const char* bad : {
           "",
           "1 1 udp 1 192.0.2.1 9",                    // no typ
           "1 1 udp 1 192.0.2.1 9 host host",          // "typ" missing
           "1 1 udp 1 192.0.2.1 9 typ",                // no type
           "1 0 udp 1 192.0.2.1 9 typ host",           // component 0
           "1 257 udp 1 192.0.2.1 9 typ host",         // component above 256
           "1 0001 udp 1 192.0.2.1 9 typ host",        // more than 3 digits
           "1 1 udp 4294967296 192.0.2.1 9 typ host",  // priority above 2^32-1
           "1 1 udp 1 192.0.2.1 65536 typ host",       // port
           "1 1 udp 1 192.0.2.1 -1 typ host",
           "1 1 u:dp 1 192.0.2.1 9 typ host",          // transport not a token
           "123456789012345678901234567890123 1 udp 1 192.0.2.1 9 typ host",  // foundation of 33
           "f-1 1 udp 1 192.0.2.1 9 typ host",         // '-' is not an ice-char
           "1 1 udp 1 192.0.2.1 9 typ host generation",  // extension without value
           "1 1 udp 1 192.0.2.1 9 typ host raddr",
           "1 1 udp 1 192.0.2.1 9 typ host rport x",
           "1  1 udp 1 192.0.2.1 9 typ host",          // two spaces
           "1 1 udp 1 192.0.2.1 9 typ host ",          // trailing space
       }) {
    EXPECT_FALSE(parse_candidate(bad)) << bad;
  }
}

TEST(Candidate, FormatsBackToWhatItRead) {
  for (const char* value : {
           "1909481362 1 udp 2122194687 127.0.0.1 56831 typ host generation 0 network-id 3 network-cost 50",
           "842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 192.0.2.2 rport 47408 generation 0",
           "c0000202 2 UDP 2113929470 192.0.2.2 28247 typ host",
           "0 1 UDP 2122187007 15715bbb-7c16-4a71-a5a7-0cb0b666f0b1.local 56486 typ host",
       }) {
    const auto c = parse_candidate(value);
    ASSERT_TRUE(c) << value;
    EXPECT_EQ(format(*c), value);
  }
  Candidate ours;
  ours.foundation = "1";
  ours.address = "192.0.2.10";
  ours.port = 30000;
  ours.priority = 2130706431;
  ours.transport = "UDP";
  ours.type = "host";
  EXPECT_EQ(to_attribute(ours), (Attribute{"candidate", "1 1 UDP 2130706431 192.0.2.10 30000 typ host"}));
  EXPECT_EQ(parse_candidate(format(ours)), ours);
}

}  // namespace
}  // namespace imsbox::sdp
