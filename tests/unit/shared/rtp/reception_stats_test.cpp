// RFC 3550 reception statistics: A.1 sequence tracking (probation, wrap,
// restart, duplicates), A.3 loss and fraction lost per interval, A.8 jitter,
// report blocks with LSR/DLSR; and against tshark's RTP stream analysis
// ("Lost", "Max Jitter", "Mean Jitter") on baresip's and sipp's streams, with
// and without frames cut out.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "capture.h"
#include "rtp/reception_stats.h"
#include "rtp/rtp_packet.h"

namespace imsbox::rtp {
namespace {

using namespace std::chrono;
using Verdict = ReceptionStatistics::Verdict;

constexpr nanoseconds ms(std::int64_t v) { return milliseconds(v); }

// Feeds sequence numbers 20 ms apart with timestamps 160 apart (8 kHz, no jitter).
void feed(ReceptionStatistics& s, std::initializer_list<int> sequences, std::int64_t first_ms = 0) {
  std::int64_t t = first_ms;
  for (const int seq : sequences) {
    s.on_packet(static_cast<std::uint16_t>(seq), static_cast<std::uint32_t>(seq * 160), ms(t));
    t += 20;
  }
}

TEST(ReceptionStatistics, ProbationThenCounting) {
  ReceptionStatistics s(8000);
  EXPECT_EQ(s.on_packet(1000, 0, ms(0)), Verdict::probation);
  EXPECT_FALSE(s.confirmed());
  EXPECT_EQ(s.expected(), 0u);
  // A.1: the second packet in sequence confirms the source and is its first counted one
  EXPECT_EQ(s.on_packet(1001, 160, ms(20)), Verdict::counted);
  EXPECT_TRUE(s.confirmed());
  EXPECT_EQ(s.received(), 1u);
  EXPECT_EQ(s.expected(), 1u);
  EXPECT_EQ(s.lost(), 0);

  ReceptionStatistics t(8000);
  EXPECT_EQ(t.on_packet(1, 0, ms(0)), Verdict::probation);
  EXPECT_EQ(t.on_packet(5, 0, ms(20)), Verdict::probation);  // out of sequence: probation starts over
  EXPECT_EQ(t.on_packet(6, 0, ms(40)), Verdict::counted);
  EXPECT_EQ(t.extended_highest_sequence(), 6u);
}

TEST(ReceptionStatistics, WrapLossDuplicatesAndReordering) {
  ReceptionStatistics s(8000);
  feed(s, {65533, 65534, 65535, 0, 1, 2});
  EXPECT_EQ(s.extended_highest_sequence(), 65536u + 2);  // one cycle
  EXPECT_EQ(s.expected(), 5u);                           // 65534 .. 2 (65533 was probation)
  EXPECT_EQ(s.lost(), 0);
  feed(s, {5, 6}, 200);  // 3 and 4 lost
  EXPECT_EQ(s.expected(), 9u);
  EXPECT_EQ(s.lost(), 2);
  EXPECT_EQ(s.on_packet(4, 4 * 160, ms(300)), Verdict::counted);  // 4 arrives late: reordered, counted
  EXPECT_EQ(s.lost(), 1);
  EXPECT_EQ(s.extended_highest_sequence(), 65536u + 6);           // the highest stays
  EXPECT_EQ(s.on_packet(6, 6 * 160, ms(320)), Verdict::counted);  // a duplicate counts too (A.1)...
  EXPECT_EQ(s.on_packet(6, 6 * 160, ms(340)), Verdict::counted);
  EXPECT_EQ(s.lost(), -1);  // ...so loss can go negative, as RFC 3550 §6.4.1 says
  EXPECT_DOUBLE_EQ(s.loss_fraction(), 0.0);
}

TEST(ReceptionStatistics, AJumpIsDiscardedUntilASecondPacketConfirmsARestart) {
  ReceptionStatistics s(8000);
  feed(s, {10, 11, 12, 13});
  EXPECT_EQ(s.on_packet(40000, 0, ms(100)), Verdict::discarded);  // beyond MAX_DROPOUT
  EXPECT_EQ(s.extended_highest_sequence(), 13u);
  EXPECT_EQ(s.on_packet(14, 14 * 160, ms(120)), Verdict::counted);  // the old stream goes on
  EXPECT_EQ(s.on_packet(40000, 0, ms(140)), Verdict::discarded);
  EXPECT_EQ(s.on_packet(40001, 160, ms(160)), Verdict::counted);  // two in sequence: the sender restarted
  EXPECT_EQ(s.extended_highest_sequence(), 40001u);
  EXPECT_EQ(s.expected(), 1u);
  EXPECT_EQ(s.received(), 1u);
  // a small step back (within MAX_MISORDER) is a late packet, not a restart
  EXPECT_EQ(s.on_packet(39950, 0, ms(180)), Verdict::counted);
  EXPECT_EQ(s.extended_highest_sequence(), 40001u);
}

TEST(ReceptionStatistics, FractionLostPerReportInterval) {
  ReceptionStatistics s(8000);
  s.on_packet(0, 0, ms(0));  // probation
  // interval 1: sequence 1..100 expected, 25 of them lost
  std::int64_t t = 20;
  for (int seq = 1; seq <= 100; ++seq, t += 20) {
    if (seq % 4 == 2) continue;
    s.on_packet(static_cast<std::uint16_t>(seq), static_cast<std::uint32_t>(seq * 160), ms(t));
  }
  const ReportBlock a = s.make_report_block(0x1234, ms(t));
  EXPECT_EQ(a.ssrc, 0x1234u);
  EXPECT_EQ(a.fraction_lost, (25 << 8) / 100);  // A.3: 64, a quarter
  EXPECT_EQ(a.cumulative_lost, 25);
  EXPECT_EQ(a.extended_highest_sequence, 100u);
  EXPECT_NEAR(s.loss_fraction(), 0.25, 1e-12);
  // interval 2: nothing lost; the cumulative count stays
  for (int seq = 101; seq <= 150; ++seq, t += 20) {
    s.on_packet(static_cast<std::uint16_t>(seq), static_cast<std::uint32_t>(seq * 160), ms(t));
  }
  const ReportBlock b = s.make_report_block(0x1234, ms(t));
  EXPECT_EQ(b.fraction_lost, 0);
  EXPECT_EQ(b.cumulative_lost, 25);
  // interval 3: duplicates only (more received than expected): fraction 0, not negative
  s.on_packet(150, 150 * 160, ms(t));
  s.on_packet(150, 150 * 160, ms(t + 1));
  EXPECT_EQ(s.make_report_block(0x1234, ms(t + 2)).fraction_lost, 0);
  EXPECT_EQ(s.make_report_block(0x1234, ms(t + 2)).cumulative_lost, 23);
}

TEST(ReceptionStatistics, InterarrivalJitterA8) {
  ReceptionStatistics s(8000);
  feed(s, {1, 2, 3, 4, 5});
  EXPECT_EQ(s.jitter(), 0u);  // constant transit
  // packet 6 arrives 10 ms (80 units) late, packet 7 on time again:
  // D = 80: J = 80/16 = 5; D = -80: J = 5 + (80 - 5)/16 = 9.6875
  s.on_packet(6, 6 * 160, ms(100 + 10));
  EXPECT_DOUBLE_EQ(s.jitter_ms(), 5.0 / 8);
  s.on_packet(7, 7 * 160, ms(120));
  EXPECT_DOUBLE_EQ(s.jitter_ms(), 9.6875 / 8);
  EXPECT_EQ(s.jitter(), 10u);  // rounded for the report block
  EXPECT_DOUBLE_EQ(s.max_jitter_ms(), 9.6875 / 8);
  // packets kept out of the jitter (telephone-events repeat their timestamp)
  s.on_packet(8, 7 * 160, ms(140), false);
  s.on_packet(9, 7 * 160, ms(160), false);
  EXPECT_DOUBLE_EQ(s.jitter_ms(), 9.6875 / 8);
  EXPECT_EQ(s.received(), 8u);
}

TEST(ReceptionStatistics, LastSrAndDelaySinceAndRoundTrip) {
  ReceptionStatistics s(8000);
  feed(s, {1, 2});
  EXPECT_EQ(s.make_report_block(1, ms(40)).last_sr, 0u);  // no SR yet: LSR and DLSR 0
  EXPECT_EQ(s.make_report_block(1, ms(40)).delay_since_last_sr, 0u);
  s.on_sender_report(0xeec05e0a2f96bfcaULL, ms(1000));
  const ReportBlock b = s.make_report_block(1, ms(2500));
  EXPECT_EQ(b.last_sr, 0x5e0a2f96u);
  EXPECT_EQ(b.delay_since_last_sr, 98304u);  // 1.5 s in 1/65536 s
  // RFC 3550 §6.4.1's example: A = 0xb710:8000 (46864.5 s), LSR 0xb705:2000
  // (46853.125 s), DLSR 0x0005:4000 (5.25 s): the round trip is 6.125 s
  ReportBlock r;
  r.last_sr = 0xb7052000;
  r.delay_since_last_sr = 0x00054000;
  EXPECT_EQ(round_trip_time(r, 0xb7108000), microseconds(6125000));
  r.last_sr = 0;
  EXPECT_FALSE(round_trip_time(r, 0xb7108000));
  r.last_sr = 0xb7108000;  // a report from the future: no answer rather than a huge one
  EXPECT_FALSE(round_trip_time(r, 0xb7052000));
}

TEST(DirectionStatistics, CountersSourcesAndTheCallRecordSummary) {
  DirectionStatistics d(8000);
  d.exclude_from_jitter(101);
  std::vector<std::uint8_t> buffer(200);
  const auto send = [&](std::uint32_t ssrc, std::uint16_t seq, std::uint32_t ts, std::uint8_t pt, std::int64_t at_ms) {
    RtpHeaderFields h;
    h.payload_type = pt;
    h.sequence = seq;
    h.timestamp = ts;
    h.ssrc = ssrc;
    const std::size_t n = build_rtp(buffer, h, std::vector<std::uint8_t>(160, 0xd5));
    d.on_rtp(parse_rtp(Bytes(buffer.data(), n)).packet, ms(at_ms));
  };
  for (int i = 0; i < 50; ++i) {
    if (i == 10 || i == 11) continue;  // two lost
    send(0xaaaa, static_cast<std::uint16_t>(100 + i), static_cast<std::uint32_t>(i * 160), 0, i * 20);
  }
  send(0xaaaa, 150, 49 * 160, 101, 1000);  // a telephone-event: counted, no jitter
  d.on_rtcp(60);
  d.on_error();
  // a new source (a re-INVITE): its own probation and sequence space; the old loss stays
  for (int i = 0; i < 10; ++i) send(0xbbbb, static_cast<std::uint16_t>(7000 + i), static_cast<std::uint32_t>(i * 160), 0, 2000 + i * 20);
  const StreamStatistics s = d.summary();
  EXPECT_EQ(s.packets, 48u + 1 + 10);
  EXPECT_EQ(s.bytes, 59u * 172);
  EXPECT_EQ(s.rtcp_packets, 1u);
  EXPECT_EQ(s.rtcp_bytes, 60u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.ssrc_changes, 1u);
  EXPECT_EQ(s.packets_lost, 2);
  EXPECT_EQ(s.expected, 50u + 9);  // 101..150 and 7001..7009 (the first of each was probation)
  EXPECT_NEAR(s.loss_percent, 200.0 / 59, 1e-9);
  EXPECT_DOUBLE_EQ(s.jitter_ms, 0.0);
  EXPECT_DOUBLE_EQ(s.max_jitter_ms, 0.0);  // the telephone-event's stale timestamp did not count
  EXPECT_EQ(d.ssrc(), 0xbbbbu);
}

// ---- against tshark -----------------------------------------------------------------

struct TsharkStream {
  std::string ssrc;
  int packets = 0;
  int lost = 0;
  double max_jitter = 0;
  double mean_jitter = 0;
};

// `tshark -z rtp,streams`: one line per stream.
std::map<std::string, TsharkStream> tshark_streams(const std::string& file, const std::string& options) {
  std::map<std::string, TsharkStream> out;
  for (const auto& fields : test::tshark("-r '" + file + "' " + options + " -q -z rtp,streams")) {
    // "start end src sport dst dport SSRC payload pkts lost (pct) min_delta mean_delta max_delta min_j mean_j max_j"
    char ssrc[32], payload[32];
    double start, end, mind, meand, maxd, minj, meanj, maxj;
    char src[64], dst[64];
    int sport, dport, pkts, lost;
    double pct;
    if (std::sscanf(fields[0].c_str(), "%lf %lf %63s %d %63s %d %31s %31s %d %d (%lf%%) %lf %lf %lf %lf %lf %lf", &start,
                    &end, src, &sport, dst, &dport, ssrc, payload, &pkts, &lost, &pct, &mind, &meand, &maxd, &minj,
                    &meanj, &maxj) == 17) {
      TsharkStream s;
      s.ssrc = ssrc;
      s.packets = pkts;
      s.lost = lost;
      s.max_jitter = maxj;
      s.mean_jitter = meanj;
      for (auto& c : s.ssrc) c = static_cast<char>(std::tolower(c));
      out[s.ssrc] = s;
    }
  }
  return out;
}

struct Ours {
  ReceptionStatistics stats{8000};
  int packets = 0;
  double jitter_sum = 0;
};

std::map<std::string, Ours> ours(const std::string& file) {
  std::map<std::string, Ours> out;
  for (const auto& f : test::read_pcap(file)) {
    const auto r = parse_rtp(f.bytes());
    if (!r || r.packet.payload_type() > 34) continue;  // the static audio types: 8000 Hz, as tshark knows
    char key[16];
    std::snprintf(key, sizeof key, "0x%08x", r.packet.ssrc());
    Ours& o = out[key];
    o.stats.on_packet(r.packet.sequence(), r.packet.timestamp(), nanoseconds(f.time_ns));
    // tshark's mean jitter is over the packets after the first (which has no jitter yet)
    if (o.packets++ > 0) o.jitter_sum += o.stats.jitter_ms();
  }
  return out;
}

void compare_streams(const std::string& file, const std::string& options, std::size_t streams, int expected_lost) {
  const auto theirs = tshark_streams(file, options);
  const auto mine = ours(file);
  ASSERT_EQ(theirs.size(), streams) << file;
  ASSERT_EQ(mine.size(), streams) << file;
  for (const auto& [ssrc, t] : theirs) {
    SCOPED_TRACE(file + " SSRC " + ssrc);
    const Ours& o = mine.at(ssrc);
    EXPECT_EQ(o.packets, t.packets);
    EXPECT_EQ(o.stats.lost(), t.lost);
    EXPECT_EQ(o.stats.lost(), expected_lost);
    // tshark prints milliseconds with three decimals
    EXPECT_NEAR(o.stats.max_jitter_ms(), t.max_jitter, 0.0015);
    EXPECT_NEAR(o.jitter_sum / (o.packets - 1), t.mean_jitter, 0.0015);
  }
}

TEST(ReceptionStatisticsAgainstTshark, BaresipBothDirections) {
  compare_streams(test::data_file("baresip_pcmu.pcap"), "", 2, 0);
}

TEST(ReceptionStatisticsAgainstTshark, SippG711aWholeAndWithFramesCut) {
  const std::string original = test::sipp_pcap("g711a.pcap");
  compare_streams(original, "-d udp.port==2006,rtp", 1, 0);
  // frames 10, 11, 50 and 200 cut out with editcap (Wireshark's own tool)
  const test::TempFile temp("g711a_cut.pcap");
  const std::string& cut = temp.path;
  const std::string command = "editcap -F pcap '" + original + "' '" + cut + "' 10 11 50 200";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  compare_streams(cut, "-d udp.port==2006,rtp", 1, 4);
}

}  // namespace
}  // namespace imsbox::rtp
