// The media plane's packet layer on one core, per packet: what a relay does
// to each datagram (demultiplex, parse, rewrite the header for the other
// leg), the RTCP walk, the reception statistics, a telephone-event rescale.
// Packets from the fuzz seed corpus (tests/fuzz/corpus/rtp_demux), all of
// them captured from Chromium, baresip and sipp.
#include <benchmark/benchmark.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "rtp/demux.h"
#include "rtp/reception_stats.h"
#include "rtp/rtcp.h"
#include "rtp/rtp_packet.h"
#include "rtp/telephone_event.h"

namespace {

using namespace imsbox::rtp;

std::vector<std::uint8_t> load(const char* name) {
  std::ifstream in(std::string(IMSBOX_RTP_CORPUS) + "/" + name, std::ios::binary);
  std::vector<std::uint8_t> s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.empty()) throw std::runtime_error(std::string("missing ") + name);
  return s;
}

RtpRewrite leg_rewrite() {
  RtpRewrite rw;
  rw.payload_types = PayloadTypeMap();
  // each leg numbers Opus differently; both ways, so that the packet rewritten in place maps again
  rw.payload_types.set(111, 96);
  rw.payload_types.set(96, 111);
  rw.payload_types.set(8, 8);
  rw.payload_types.set(0, 0);
  rw.ssrc = 0x12345678;
  rw.sequence_offset = 1000;
  rw.timestamp_offset = 48000;
  return rw;
}

// Parse + header rewrite of one packet, in place, as a relay forwards it.
void parse_rewrite(benchmark::State& state, const char* file) {
  auto packet = load(file);
  const RtpRewrite rw = leg_rewrite();
  for (auto _ : state) {
    const auto r = parse_rtp(packet);
    if (!r || !rw.apply(packet)) state.SkipWithError("packet refused");
    benchmark::DoNotOptimize(r.packet.payload().data());
    benchmark::ClobberMemory();
  }
}
void BM_RtpParseRewrite_Pcma(benchmark::State& s) { parse_rewrite(s, "rtp_pcma"); }
void BM_RtpParseRewrite_OpusTwoByteExtensions(benchmark::State& s) { parse_rewrite(s, "rtp_opus_two_byte_ext"); }
BENCHMARK(BM_RtpParseRewrite_Pcma);
BENCHMARK(BM_RtpParseRewrite_OpusTwoByteExtensions);

void BM_RtpParse(benchmark::State& state) {
  const auto packet = load("srtp_opus_one_byte_ext");
  for (auto _ : state) {
    auto r = parse_rtp(packet);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RtpParse);

// The RFC 7983/5761 demultiplexer over a mix of STUN, DTLS, RTP and RTCP.
void BM_Demux(benchmark::State& state) {
  const std::vector<std::vector<std::uint8_t>> mix = {load("stun_binding_request"), load("dtls13_unified_header"),
                                                      load("srtp_opus_one_byte_ext"), load("rtcp_sr_sdes"),
                                                      load("rtp_pcma"), load("rtcp_transport_cc_padded")};
  std::size_t i = 0;
  for (auto _ : state) {
    auto c = classify_packet(mix[i]);
    benchmark::DoNotOptimize(c);
    i = i + 1 == mix.size() ? 0 : i + 1;
  }
}
BENCHMARK(BM_Demux);

void BM_RtcpWalkSrSdesXr(benchmark::State& state) {
  const auto datagram = load("rtcp_sr_sdes");
  for (auto _ : state) {
    RtcpCompoundReader reader(datagram);
    RtcpPacket p;
    std::size_t n = 0;
    while (reader.next(p)) {
      if (const auto sr = parse_sender_report(p)) n += sr->reports.size();
      n += find_cname(p, 0x3eea4ff0).has_value();
    }
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_RtcpWalkSrSdesXr);

void BM_ReceptionStatistics(benchmark::State& state) {
  ReceptionStatistics stats(8000);
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  std::int64_t t = 0;
  for (auto _ : state) {
    ++seq;
    ts += 160;
    t += 20000000 + (seq & 7) * 100000;  // 20 ms, with some jitter
    auto v = stats.on_packet(seq, ts, std::chrono::nanoseconds(t));
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_ReceptionStatistics);

void BM_TelephoneEventRescale48kTo8k(benchmark::State& state) {
  const auto original = load("rtp_telephone_event_chromium");
  auto packet = original;
  TimestampRescaler timestamps(48000, 8000, 0, 0);
  TelephoneEventRescaler rescaler;
  for (auto _ : state) {
    packet = original;
    benchmark::DoNotOptimize(rescaler.apply(packet, timestamps));
  }
}
BENCHMARK(BM_TelephoneEventRescale48kTo8k);

}  // namespace
