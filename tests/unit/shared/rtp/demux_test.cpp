// The RFC 7983 demultiplexer and RFC 5761 rtcp-mux: boundaries octet by
// octet, and every frame of three captures classified as tshark dissects it.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "capture.h"
#include "rtp/demux.h"

namespace imsbox::rtp {
namespace {

using test::Frame;

PacketClass classify2(int first, int second = 0) {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(first), static_cast<std::uint8_t>(second)};
  return classify_packet(Bytes(b, 2));
}

TEST(Demux, Rfc7983FirstOctetRanges) {
  const std::map<int, PacketClass> expected = {
      {0, PacketClass::stun},           {3, PacketClass::stun},           {4, PacketClass::unknown},
      {15, PacketClass::unknown},       {16, PacketClass::zrtp},          {19, PacketClass::zrtp},
      {20, PacketClass::dtls},          {22, PacketClass::dtls},          {63, PacketClass::dtls},
      {64, PacketClass::turn_channel},  {79, PacketClass::turn_channel},  {80, PacketClass::unknown},
      {127, PacketClass::unknown},      {128, PacketClass::rtp},          {191, PacketClass::rtp},
      {192, PacketClass::unknown},      {255, PacketClass::unknown}};
  for (const auto& [octet, c] : expected) EXPECT_EQ(classify2(octet), c) << "first octet " << octet;
  // every octet lands in exactly the class its range says
  for (int b = 0; b < 256; ++b) {
    const PacketClass c = classify2(b);
    const PacketClass want = b <= 3 ? PacketClass::stun
                             : b >= 16 && b <= 19 ? PacketClass::zrtp
                             : b >= 20 && b <= 63 ? PacketClass::dtls
                             : b >= 64 && b <= 79 ? PacketClass::turn_channel
                             : b >= 128 && b <= 191 ? PacketClass::rtp
                             : PacketClass::unknown;
    EXPECT_EQ(c, want) << b;
  }
  EXPECT_EQ(classify_packet({}), PacketClass::unknown);
}

TEST(Demux, Rfc5761PayloadTypes64To95AreRtcp) {
  for (int second = 0; second < 256; ++second) {
    const int pt = second & 0x7f;
    EXPECT_EQ(classify2(0x80, second), pt >= 64 && pt <= 95 ? PacketClass::rtcp : PacketClass::rtp) << second;
  }
  EXPECT_EQ(classify2(0x81, 200), PacketClass::rtcp);  // SR
  EXPECT_EQ(classify2(0x8f, 205), PacketClass::rtcp);  // transport-cc
  EXPECT_EQ(classify2(0x80, 0x00 | 0x80), PacketClass::rtp);  // PCMU with the marker
  EXPECT_EQ(classify2(0x80, 96 | 0x80), PacketClass::rtp);
  EXPECT_EQ(classify2(0x80, 127), PacketClass::rtp);
  // one octet of an RTP/RTCP range: cannot tell, dropped
  const std::uint8_t one[1] = {0x80};
  EXPECT_EQ(classify_packet(Bytes(one, 1)), PacketClass::unknown);
  EXPECT_EQ(to_string(PacketClass::turn_channel), "turn-channel");
}

// tshark's protocol for each frame, with its heuristics for RTP and RTCP on.
std::map<std::size_t, std::string> tshark_protocols(const std::string& file) {
  std::map<std::size_t, std::string> out;
  for (const auto& [number, fields] :
       test::tshark_fields(file, "-o rtp.heuristic_rtp:TRUE -o rtcp.heuristic_rtcp:TRUE", {"frame.protocols"})) {
    const std::string& p = fields[0];
    out[number] = p.substr(p.rfind(':') + 1);
  }
  return out;
}

struct Counts {
  std::map<PacketClass, std::size_t> ours;
  std::size_t undissected = 0;
};

Counts compare_classes(const std::string& file) {
  const auto protocols = tshark_protocols(file);
  const std::map<std::string, PacketClass> as = {
      {"stun", PacketClass::stun}, {"dtls", PacketClass::dtls}, {"rtp", PacketClass::rtp}, {"rtcp", PacketClass::rtcp}};
  Counts counts;
  for (const Frame& f : test::read_pcap(file)) {
    const PacketClass c = classify_packet(f.bytes());
    ++counts.ours[c];
    const std::string& p = protocols.at(f.number);
    if (p == "sip" || p == "sdp") continue;  // the call's signalling, on its own port
    if (const auto it = as.find(p); it != as.end()) {
      EXPECT_EQ(c, it->second) << file << " frame " << f.number << " (tshark: " << p << ")";
    } else {
      ++counts.undissected;
      EXPECT_NE(c, PacketClass::unknown) << file << " frame " << f.number << " (tshark: " << p << ")";
    }
  }
  return counts;
}

TEST(DemuxAgainstTshark, ChromiumDtlsSrtpIceOnOnePort) {
  const std::string file = test::data_file("chromium_dtls_srtp.pcap");
  const Counts c = compare_classes(file);
  EXPECT_EQ(c.ours.at(PacketClass::stun), 24u);
  EXPECT_GT(c.ours.at(PacketClass::dtls), 2u);
  EXPECT_GT(c.ours.at(PacketClass::rtp), 400u);
  EXPECT_GT(c.ours.at(PacketClass::rtcp), 100u);
  EXPECT_FALSE(c.ours.count(PacketClass::unknown));
  // What tshark 4.0 leaves undissected is SRTCP (its RTCP heuristic refuses the
  // encrypted compound) and DTLS 1.3 records with the unified header of RFC
  // 9147 §4 (first octet 001xxxxx: Chromium 156 negotiates DTLS 1.3 with itself).
  // Both are what the demultiplexer says they are.
  const auto protocols = tshark_protocols(file);
  for (const Frame& f : test::read_pcap(file)) {
    if (protocols.at(f.number) != "data") continue;
    if (classify_packet(f.bytes()) == PacketClass::dtls) {
      EXPECT_EQ(f.payload[0] & 0xe0, 0x20) << "frame " << f.number;
    } else {
      EXPECT_EQ(classify_packet(f.bytes()), PacketClass::rtcp) << "frame " << f.number;
    }
  }
}

TEST(DemuxAgainstTshark, ChromiumPlainRtpRtcpMux) {
  const Counts c = compare_classes(test::data_file("chromium_plain_rtp.pcap"));
  EXPECT_EQ(c.ours.at(PacketClass::stun), 24u);
  EXPECT_FALSE(c.ours.count(PacketClass::dtls));
  EXPECT_GT(c.ours.at(PacketClass::rtcp), 100u);
  // tshark's RTCP heuristic does not take a reduced-size transport-cc packet: ours does (RFC 5761)
  EXPECT_GT(c.undissected, 50u);
}

TEST(DemuxAgainstTshark, BaresipRtpAndRtcpOnTwoPorts) {
  const Counts c = compare_classes(test::data_file("baresip_pcmu.pcap"));
  EXPECT_EQ(c.ours.at(PacketClass::rtp), 702u);
  EXPECT_EQ(c.ours.at(PacketClass::rtcp), 6u);
}

}  // namespace
}  // namespace imsbox::rtp
