// RTCP (RFC 3550 §6, RFC 4585 §6.1): the compound walk, SR/RR/SDES/BYE/APP
// and feedback headers, and the builders; against tshark on what baresip
// (SR, SDES, BYE first, APP) and Chromium (SR/RR with XR, reduced-size
// padded transport-cc) sent, and on what we build.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <set>
#include <vector>

#include "capture.h"
#include "rtp/demux.h"
#include "rtp/rtcp.h"
#include "rtp/rtcp_builder.h"

namespace imsbox::rtp {
namespace {

using test::Frame;

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<std::uint8_t> v;
  for (const int x : values) v.push_back(static_cast<std::uint8_t>(x));
  return v;
}

std::vector<RtcpPacket> walk(Bytes datagram, RtcpError* error = nullptr) {
  std::vector<RtcpPacket> packets;
  RtcpCompoundReader reader(datagram);
  RtcpPacket p;
  while (reader.next(p)) packets.push_back(p);
  if (error != nullptr) *error = reader.error();
  return packets;
}

ReportBlock block(std::uint32_t ssrc, std::int32_t lost) {
  ReportBlock b;
  b.ssrc = ssrc;
  b.fraction_lost = 64;
  b.cumulative_lost = lost;
  b.extended_highest_sequence = 0x0001ffff;
  b.jitter = 123;
  b.last_sr = 0x12345678;
  b.delay_since_last_sr = 65536;
  return b;
}

TEST(Rtcp, BuiltCompoundWalksBackToWhatWasBuilt) {
  std::array<std::uint8_t, 512> buffer{};
  const std::array<ReportBlock, 2> blocks{block(0xaaaaaaaa, 5), block(0xbbbbbbbb, -3)};
  SenderInfo info{0x0123456789abcdefULL, 160000, 1000, 160000};
  std::size_t n = build_sender_report(buffer, 0x11111111, info, blocks);
  ASSERT_EQ(n, 4u + 4 + 20 + 48);
  const std::size_t sdes = build_sdes_cname(MutableBytes(buffer).subspan(n), 0x11111111, "agw@ims.test");
  ASSERT_EQ(sdes % 4, 0u);
  n += sdes;
  const std::array<std::uint32_t, 1> gone{0x11111111};
  const std::size_t bye = build_bye(MutableBytes(buffer).subspan(n), gone, "call ended");
  ASSERT_GT(bye, 0u);
  n += bye;

  const Bytes datagram(buffer.data(), n);
  EXPECT_EQ(classify_packet(datagram), PacketClass::rtcp);
  EXPECT_EQ(validate_rtcp(datagram), RtcpError::none);
  EXPECT_TRUE(starts_with_report(datagram));
  RtcpError error;
  const auto packets = walk(datagram, &error);
  EXPECT_EQ(error, RtcpError::none);
  ASSERT_EQ(packets.size(), 3u);

  const auto sr = parse_sender_report(packets[0]);
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->ssrc, 0x11111111u);
  EXPECT_EQ(sr->sender.ntp_timestamp, info.ntp_timestamp);
  EXPECT_EQ(sr->sender.rtp_timestamp, info.rtp_timestamp);
  EXPECT_EQ(sr->sender.packet_count, info.packet_count);
  EXPECT_EQ(sr->sender.octet_count, info.octet_count);
  ASSERT_EQ(sr->reports.size(), 2u);
  EXPECT_EQ(sr->reports[0], blocks[0]);
  EXPECT_EQ(sr->reports[1], blocks[1]);  // a negative cumulative loss survives the 24 bits
  EXPECT_TRUE(sr->profile_extension.empty());
  EXPECT_FALSE(parse_receiver_report(packets[0]));

  EXPECT_EQ(find_cname(packets[1], 0x11111111), "agw@ims.test");
  EXPECT_FALSE(find_cname(packets[1], 0x22222222));

  const auto b = parse_bye(packets[2]);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ(b->ssrc(0), 0x11111111u);
  EXPECT_EQ(b->reason, "call ended");
}

TEST(Rtcp, ReceiverReportAndClampedLoss) {
  std::array<std::uint8_t, 64> buffer{};
  const std::array<ReportBlock, 1> blocks{block(1, 0x1000000)};  // beyond 24 bits: clamped
  const std::size_t n = build_receiver_report(buffer, 7, blocks);
  ASSERT_EQ(n, 32u);
  const auto packets = walk(Bytes(buffer.data(), n));
  ASSERT_EQ(packets.size(), 1u);
  const auto rr = parse_receiver_report(packets[0]);
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->ssrc, 7u);
  EXPECT_EQ(rr->reports[0].cumulative_lost, 0x7fffff);
  // an empty RR (no source heard yet) is 8 octets
  EXPECT_EQ(build_receiver_report(buffer, 7, {}), 8u);
  // refusals: no room, too many blocks, a CNAME over 255 octets
  EXPECT_EQ(build_receiver_report(MutableBytes(buffer.data(), 31), 7, blocks), 0u);
  const std::vector<ReportBlock> many(32);
  std::vector<std::uint8_t> big(2048);
  EXPECT_EQ(build_receiver_report(big, 7, many), 0u);
  EXPECT_EQ(build_sdes_cname(big, 7, std::string(256, 'x')), 0u);
  EXPECT_EQ(build_sdes_cname(MutableBytes(big.data(), 15), 7, "abcdefg"), 0u);
}

TEST(Rtcp, FramingErrors) {
  RtcpError e;
  walk(bytes({0x80, 0xc9, 0x00}), &e);
  EXPECT_EQ(e, RtcpError::too_short);
  walk(bytes({0x40, 0xc9, 0x00, 0x01, 0, 0, 0, 1}), &e);
  EXPECT_EQ(e, RtcpError::bad_version);
  walk(bytes({0x80, 0xc9, 0x00, 0x02, 0, 0, 0, 1}), &e);  // 12 octets announced, 8 present
  EXPECT_EQ(e, RtcpError::bad_length);
  // padding on the first of two packets
  walk(bytes({0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 4, 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1}), &e);
  EXPECT_EQ(e, RtcpError::padding_not_last);
  walk(bytes({0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 0}), &e);  // count 0
  EXPECT_EQ(e, RtcpError::bad_padding);
  walk(bytes({0xa0, 0xc9, 0x00, 0x01, 0, 0, 0, 5}), &e);  // more than the body
  EXPECT_EQ(e, RtcpError::bad_padding);
  // a second packet that does not frame: the first is still yielded
  const auto packets = walk(bytes({0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1, 0x00, 0x00}), &e);
  EXPECT_EQ(packets.size(), 1u);
  EXPECT_EQ(e, RtcpError::too_short);
  EXPECT_EQ(validate_rtcp({}), RtcpError::too_short);
  // an RR claiming two blocks with room for one
  const auto short_rr = bytes({0x82, 0xc9, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
                               0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const auto rr = walk(short_rr);
  ASSERT_EQ(rr.size(), 1u);
  EXPECT_FALSE(parse_receiver_report(rr[0]));
}

TEST(Rtcp, SdesChunksItemsAndMalformedOnes) {
  // three chunks (RFC 3550 §6.5 layout): CNAME "ab" + NAME "c"; CNAME "xyz"
  // (END then 2 null octets to the boundary); CNAME "w"
  const auto p = bytes({0x83, 0xca, 0x00, 0x08,                               // SC=3, 8 words
                        0, 0, 0, 1, 1, 2, 'a', 'b', 2, 1, 'c', 0,             // chunk 1: 12 octets
                        0, 0, 0, 2, 1, 3, 'x', 'y', 'z', 0, 0, 0,             // chunk 2: 12 octets
                        0, 0, 0, 3, 1, 1, 'w', 0});                           // chunk 3: 8 octets
  RtcpError error;
  const auto packets = walk(p, &error);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(error, RtcpError::none);
  SdesReader reader(packets[0]);
  std::uint32_t ssrc = 0;
  SdesItem item;
  ASSERT_TRUE(reader.next_chunk(ssrc));
  EXPECT_EQ(ssrc, 1u);
  ASSERT_TRUE(reader.next_item(item));
  EXPECT_EQ(item.type, sdes_item::cname);
  EXPECT_EQ(item.text, "ab");
  ASSERT_TRUE(reader.next_item(item));
  EXPECT_EQ(item.type, sdes_item::name);
  EXPECT_EQ(item.text, "c");
  EXPECT_FALSE(reader.next_item(item));
  ASSERT_TRUE(reader.next_chunk(ssrc));
  EXPECT_EQ(ssrc, 2u);
  ASSERT_TRUE(reader.next_item(item));
  EXPECT_EQ(item.text, "xyz");
  EXPECT_FALSE(reader.next_item(item));
  ASSERT_TRUE(reader.next_chunk(ssrc));  // past the null octets, on the 32-bit boundary
  EXPECT_EQ(ssrc, 3u);
  EXPECT_FALSE(reader.next_chunk(ssrc));  // skips the rest of chunk 3; no fourth
  EXPECT_FALSE(reader.malformed());
  EXPECT_EQ(find_cname(packets[0], 3), "w");
  EXPECT_EQ(find_cname(packets[0], 2), "xyz");

  // an item longer than the packet
  const auto bad = bytes({0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 1, 9, 'a', 'b'});
  const auto b = walk(bad);  // `bad` outlives the views
  ASSERT_EQ(b.size(), 1u);
  SdesReader r2(b[0]);
  ASSERT_TRUE(r2.next_chunk(ssrc));
  EXPECT_FALSE(r2.next_item(item));
  EXPECT_TRUE(r2.malformed());
  EXPECT_FALSE(find_cname(b[0], 1));
  // a chunk without END
  const auto no_end = bytes({0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 1, 2, 'a', 'b'});
  const auto no_end_packets = walk(no_end);
  SdesReader r3(no_end_packets[0]);
  ASSERT_TRUE(r3.next_chunk(ssrc));
  ASSERT_TRUE(r3.next_item(item));
  EXPECT_FALSE(r3.next_item(item));
  EXPECT_TRUE(r3.malformed());
}

TEST(Rtcp, ByeAppAndFeedback) {
  // the datagrams live as long as the views into them
  const auto bad_bye_bytes = bytes({0x81, 0xcb, 0x00, 0x02, 0, 0, 0, 1, 9, 'x', 0, 0});
  const auto empty_bye_bytes = bytes({0x80, 0xcb, 0x00, 0x00});
  const auto app_bytes = bytes({0x83, 0xcc, 0x00, 0x03, 0, 0, 0, 9, 'T', 'E', 'S', 'T', 1, 2, 3, 4});
  const auto pli_bytes = bytes({0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2});
  const auto nack_bytes = bytes({0x81, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x12, 0x34, 0x00, 0x05});
  const auto short_fb_bytes = bytes({0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1});

  // BYE with a reason length past the end
  EXPECT_FALSE(parse_bye(walk(bad_bye_bytes).at(0)));
  // BYE without SSRCs nor reason
  const auto empty_bye = parse_bye(walk(empty_bye_bytes).at(0));
  ASSERT_TRUE(empty_bye);
  EXPECT_EQ(empty_bye->size(), 0u);
  EXPECT_TRUE(empty_bye->reason.empty());

  // APP subtype 3, name "TEST", 4 octets of data
  const auto app = walk(app_bytes).at(0);
  const auto a = parse_app(app);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->subtype, 3);
  EXPECT_EQ(a->ssrc, 9u);
  EXPECT_EQ(a->name, "TEST");
  EXPECT_EQ(test::hex(a->data), "01020304");

  // RFC 4585 §6.3.1 PLI: FMT 1, PT 206, no FCI; §6.2.1 generic NACK: FMT 1, PT 205, PID+BLP
  const auto f = parse_feedback(walk(pli_bytes).at(0));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, rtcp_type::psfb);
  EXPECT_EQ(f->format, psfb_format::pli);
  EXPECT_EQ(f->sender_ssrc, 1u);
  EXPECT_EQ(f->media_ssrc, 2u);
  EXPECT_TRUE(f->fci.empty());
  const auto n = parse_feedback(walk(nack_bytes).at(0));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->type, rtcp_type::rtpfb);
  EXPECT_EQ(n->format, rtpfb_format::generic_nack);
  EXPECT_EQ(test::hex(n->fci), "12340005");
  EXPECT_FALSE(parse_feedback(walk(short_fb_bytes).at(0)));  // no media SSRC
  EXPECT_FALSE(parse_feedback(app));
}

TEST(Rtcp, NtpTimestamps) {
  using namespace std::chrono;
  // the Unix epoch is 2208988800 s after NTP's (RFC 868's 1900-01-01)
  EXPECT_EQ(to_ntp(system_clock::time_point{}), 2208988800ULL << 32);
  EXPECT_EQ(to_ntp(system_clock::time_point{seconds(1) + milliseconds(500)}), ((2208988800ULL + 1) << 32) | 0x80000000u);
  EXPECT_EQ(ntp_middle32(0x0123456789abcdefULL), 0x456789abu);
}

// ---- against tshark ------------------------------------------------------------

// Our reading of every RTCP datagram of a capture, in the shape tshark's
// fields take (lists over the compound, in packet order).
struct Expected {
  std::vector<std::string> pt, padding, length, sender_ssrc, identifiers, fraction, cum, ext_high, jitter, lsr, dlsr,
      ntp_msw, ntp_lsw, rtp_ts, packet_count, octet_count, sdes_type, sdes_text, rtpfb_fmt, psfb_fmt, media_ssrc,
      app_name, padding_count;
};

std::string hex32(std::uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

Expected read_ours(Bytes datagram, std::size_t& packets_seen) {
  Expected e;
  RtcpCompoundReader reader(datagram);
  RtcpPacket p;
  while (reader.next(p)) {
    ++packets_seen;
    e.pt.push_back(std::to_string(p.type));
    const bool padded = p.body.size() + rtcp_header_size != p.packet.size();
    e.padding.push_back(padded ? "1" : "0");
    // tshark's transport-cc dissector reads the padding as "recv delta padding" and shows no count
    if (padded && p.type != rtcp_type::rtpfb) e.padding_count.push_back(std::to_string(p.packet.back()));
    e.length.push_back(std::to_string(p.packet.size() / 4 - 1));
    const auto blocks = [&](const ReportBlocks& rb) {
      for (std::size_t i = 0; i < rb.size(); ++i) {
        const ReportBlock b = rb[i];
        e.identifiers.push_back(hex32(b.ssrc));
        e.fraction.push_back(std::to_string(b.fraction_lost));
        e.cum.push_back(std::to_string(b.cumulative_lost));
        e.ext_high.push_back(std::to_string(b.extended_highest_sequence));
        e.jitter.push_back(std::to_string(b.jitter));
        e.lsr.push_back(std::to_string(b.last_sr));
        e.dlsr.push_back(std::to_string(b.delay_since_last_sr));
      }
    };
    if (const auto sr = parse_sender_report(p)) {
      e.sender_ssrc.push_back(hex32(sr->ssrc));
      e.ntp_msw.push_back(std::to_string(sr->sender.ntp_timestamp >> 32));
      e.ntp_lsw.push_back(std::to_string(sr->sender.ntp_timestamp & 0xffffffff));
      e.rtp_ts.push_back(std::to_string(sr->sender.rtp_timestamp));
      e.packet_count.push_back(std::to_string(sr->sender.packet_count));
      e.octet_count.push_back(std::to_string(sr->sender.octet_count));
      blocks(sr->reports);
    } else if (const auto rr = parse_receiver_report(p)) {
      e.sender_ssrc.push_back(hex32(rr->ssrc));
      blocks(rr->reports);
    } else if (p.type == rtcp_type::sdes) {
      SdesReader sdes(p);
      std::uint32_t ssrc;
      while (sdes.next_chunk(ssrc)) {
        e.identifiers.push_back(hex32(ssrc));
        SdesItem item;
        while (sdes.next_item(item)) {
          e.sdes_type.push_back(std::to_string(item.type));
          e.sdes_text.emplace_back(item.text);
        }
        e.sdes_type.push_back("0");  // tshark lists the END item
      }
      EXPECT_FALSE(sdes.malformed());
    } else if (const auto bye = parse_bye(p)) {
      for (std::size_t i = 0; i < bye->size(); ++i) e.identifiers.push_back(hex32(bye->ssrc(i)));
      if (!bye->reason.empty()) e.sdes_text.emplace_back(bye->reason);  // tshark's field for the reason
    } else if (const auto app = parse_app(p)) {
      e.identifiers.push_back(hex32(app->ssrc));
      e.app_name.emplace_back(app->name);
    } else if (const auto fb = parse_feedback(p)) {
      e.sender_ssrc.push_back(hex32(fb->sender_ssrc));
      e.media_ssrc.push_back(hex32(fb->media_ssrc));
      (fb->type == rtcp_type::rtpfb ? e.rtpfb_fmt : e.psfb_fmt).push_back(std::to_string(fb->format));
    } else if (p.type == rtcp_type::xr && p.body.size() >= 4) {
      // not ours to parse, but tshark lists XR's sender SSRC (RFC 3611 §2) and the SSRCs of DLRR
      // sub-blocks (block type 5, §4.5) in the same fields: read just that much
      e.sender_ssrc.push_back(hex32(load32(p.body.data())));
      for (std::size_t at = 4; at + 4 <= p.body.size();) {
        const std::size_t length = 4 + 4u * load16(p.body.data() + at + 2);
        if (p.body[at] == 5) {
          for (std::size_t sub = at + 4; sub + 12 <= at + length && sub + 12 <= p.body.size(); sub += 12) {
            e.identifiers.push_back(hex32(load32(p.body.data() + sub)));
          }
        }
        at += length;
      }
    }
  }
  EXPECT_EQ(reader.error(), RtcpError::none) << to_string(reader.error());
  return e;
}

struct Tally {
  std::size_t datagrams = 0, packets = 0;
  std::set<std::uint8_t> types;
};

Tally compare_rtcp_with_tshark(const std::string& file, const std::string& options) {
  const std::vector<std::string> fields = {
      "rtcp.pt",          "rtcp.padding",     "rtcp.length",          "rtcp.senderssrc",    "rtcp.ssrc.identifier",
      "rtcp.ssrc.fraction", "rtcp.ssrc.cum_nr", "rtcp.ssrc.ext_high", "rtcp.ssrc.jitter",  "rtcp.ssrc.lsr",
      "rtcp.ssrc.dlsr",   "rtcp.timestamp.ntp.msw", "rtcp.timestamp.ntp.lsw", "rtcp.timestamp.rtp",
      "rtcp.sender.packetcount", "rtcp.sender.octetcount", "rtcp.sdes.type", "rtcp.sdes.text", "rtcp.rtpfb.fmt",
      "rtcp.psfb.fmt",    "rtcp.mediassrc",   "rtcp.app.name",        "rtcp.padding.count"};
  const auto dissected = test::tshark_fields(file, options, fields);
  Tally tally;
  for (const Frame& f : test::read_pcap(file)) {
    if (classify_packet(f.bytes()) != PacketClass::rtcp) continue;
    SCOPED_TRACE(file + " frame " + std::to_string(f.number));
    const auto it = dissected.find(f.number);
    if (it == dissected.end()) {
      ADD_FAILURE() << "tshark did not dissect it as RTCP";
      continue;
    }
    const auto& t = it->second;
    const Expected e = read_ours(f.bytes(), tally.packets);
    for (const auto& pt : e.pt) tally.types.insert(static_cast<std::uint8_t>(std::stoi(pt)));
    const std::vector<const std::vector<std::string>*> ours = {
        &e.pt,        &e.padding,      &e.length,    &e.sender_ssrc, &e.identifiers, &e.fraction,
        &e.cum,       &e.ext_high,     &e.jitter,    &e.lsr,         &e.dlsr,        &e.ntp_msw,
        &e.ntp_lsw,   &e.rtp_ts,       &e.packet_count, &e.octet_count, &e.sdes_type, &e.sdes_text,
        &e.rtpfb_fmt, &e.psfb_fmt,     &e.media_ssrc, &e.app_name,   &e.padding_count};
    for (std::size_t i = 0; i < fields.size(); ++i) EXPECT_EQ(t[i], test::join(*ours[i])) << fields[i];
    ++tally.datagrams;
  }
  return tally;
}

TEST(RtcpAgainstTshark, BaresipSrSdesByeFirstAndApp) {
  const auto tally = compare_rtcp_with_tshark(test::data_file("baresip_pcmu.pcap"), "");
  EXPECT_EQ(tally.datagrams, 6u);
  EXPECT_EQ(tally.types, (std::set<std::uint8_t>{rtcp_type::sr, rtcp_type::sdes, rtcp_type::bye, rtcp_type::app}));
  // libre sends BYE first: walked all the same, though not an RFC 3550 compound
  for (const Frame& f : test::read_pcap(test::data_file("baresip_pcmu.pcap"))) {
    if (f.number == 712) {
      EXPECT_EQ(validate_rtcp(f.bytes()), RtcpError::none);
      EXPECT_FALSE(starts_with_report(f.bytes()));
    }
  }
}

TEST(RtcpAgainstTshark, ChromiumReportsXrAndPaddedTransportFeedback) {
  // rtcp-mux: tshark is told both ports carry RTCP; only what the demultiplexer calls RTCP is compared
  const std::string file = test::data_file("chromium_plain_rtp.pcap");
  const auto ports = test::read_pcap(file);
  const std::string options = "-d udp.port==" + std::to_string(ports[0].src_port) + ",rtcp -d udp.port==" +
                              std::to_string(ports[0].dst_port) + ",rtcp";
  const auto tally = compare_rtcp_with_tshark(file, options);
  EXPECT_GT(tally.datagrams, 100u);
  EXPECT_EQ(tally.types, (std::set<std::uint8_t>{rtcp_type::sr, rtcp_type::rr, rtcp_type::sdes, rtcp_type::rtpfb,
                                                  rtcp_type::xr}));
}

TEST(RtcpAgainstTshark, WhatWeBuildDissectsAsIntended) {
  std::vector<Frame> frames;
  const auto add = [&](const std::vector<std::uint8_t>& datagram) {
    Frame f;
    f.src_port = 30001;
    f.dst_port = 30003;
    f.payload = datagram;
    frames.push_back(f);
  };
  std::array<std::uint8_t, 1024> buffer{};
  const std::array<ReportBlock, 3> blocks{block(0x01010101, 0), block(0x02020202, -1), block(0x03030303, 0x7fffff)};
  // SR + SDES, RR + SDES + BYE with a reason, BYE alone without
  std::size_t n = build_sender_report(buffer, 0xabcdef01, SenderInfo{0xe5d4c3b2a1908070ULL, 48000, 50, 8000}, blocks);
  n += build_sdes_cname(MutableBytes(buffer).subspan(n), 0xabcdef01, "x");
  add({buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)});
  n = build_receiver_report(buffer, 0x10203040, std::span(blocks).first(1));
  n += build_sdes_cname(MutableBytes(buffer).subspan(n), 0x10203040, "a-cname-of-exactly-24-by");
  const std::array<std::uint32_t, 2> gone{0x10203040, 0x50607080};
  n += build_bye(MutableBytes(buffer).subspan(n), gone, "bye");
  add({buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)});
  n = build_bye(buffer, std::span(gone).first(1));
  add({buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)});
  const test::TempFile temp("rtcp_built.pcap");
  const std::string& file = temp.path;
  test::write_pcap(file, frames);
  const auto tally = compare_rtcp_with_tshark(file, "-d udp.port==30003,rtcp");
  EXPECT_EQ(tally.datagrams, 3u);
  // and tshark finds nothing wrong with them
  const auto rows = test::tshark("-r '" + file + "' -d udp.port==30003,rtcp -Y '_ws.expert' -T fields -e frame.number");
  EXPECT_TRUE(rows.empty()) << "tshark expert info on frame " << rows[0][0];
}

TEST(RtcpAgainstTshark, SrtcpIsTakenForRtcpByTheDemultiplexer) {
  // Chromium's SRTCP: only the first 8 octets are clear (RFC 3711 §3.4), so the
  // compound cannot be walked before decryption, but its class and type show.
  const std::string file = test::data_file("chromium_dtls_srtp.pcap");
  std::size_t srtcp = 0;
  for (const Frame& f : test::read_pcap(file)) {
    if (classify_packet(f.bytes()) != PacketClass::rtcp) continue;
    EXPECT_EQ(f.payload[0] >> 6, 2);
    EXPECT_GE(f.payload[1], rtcp_type::sr) << "frame " << f.number;
    EXPECT_LE(f.payload[1], rtcp_type::xr) << "frame " << f.number;
    ++srtcp;
  }
  EXPECT_GT(srtcp, 50u);
}

}  // namespace
}  // namespace imsbox::rtp
