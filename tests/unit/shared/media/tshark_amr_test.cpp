// Our RFC 4867 payloads dissected by an independent implementation:
// Wireshark's AMR dissector (tshark), set to each codec and packing. Real
// encoder output (every mode, SID, NO_DATA, damaged frames, several frames
// per payload, every CMR) is packed by us, written to a pcap as RTP and
// dissected; tshark must see our CMR, F, FT and Q values and report no
// error. The speech bits themselves are checked by libavcodec decoding them
// (libav_crosscheck_test.cpp).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "media/amr_codec.h"
#include "media/amr_payload.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

struct Sent {
  std::vector<std::uint8_t> payload;
  std::uint8_t cmr;
  std::vector<std::uint8_t> fts;
  std::vector<bool> qs;
};

void le32(std::ofstream& o, std::uint32_t v) {
  const char b[4] = {char(v), char(v >> 8), char(v >> 16), char(v >> 24)};
  o.write(b, 4);
}

// A pcap (Ethernet, IPv4, UDP 40000 -> 5004, RTP PT 96) of the payloads.
void write_pcap(const std::string& path, const std::vector<std::vector<std::uint8_t>>& payloads) {
  std::ofstream o(path, std::ios::binary);
  le32(o, 0xa1b2c3d4);
  const char ver[4] = {2, 0, 4, 0};
  o.write(ver, 4);
  le32(o, 0);
  le32(o, 0);
  le32(o, 65535);
  le32(o, 1);
  std::uint16_t seq = 1;
  for (const auto& p : payloads) {
    std::vector<std::uint8_t> pkt(14 + 20 + 8 + 12);
    pkt[12] = 0x08;  // IPv4
    const std::size_t ip_len = 20 + 8 + 12 + p.size();
    std::uint8_t* ip = pkt.data() + 14;
    ip[0] = 0x45;
    ip[2] = static_cast<std::uint8_t>(ip_len >> 8);
    ip[3] = static_cast<std::uint8_t>(ip_len);
    ip[8] = 64;
    ip[9] = 17;
    ip[12] = ip[16] = 127;
    ip[15] = ip[19] = 1;
    std::uint8_t* udp = ip + 20;
    udp[0] = 40000 >> 8;
    udp[1] = 40000 & 0xff;
    udp[2] = 5004 >> 8;
    udp[3] = 5004 & 0xff;
    udp[4] = static_cast<std::uint8_t>((ip_len - 20) >> 8);
    udp[5] = static_cast<std::uint8_t>(ip_len - 20);
    std::uint8_t* rtp = udp + 8;
    rtp[0] = 0x80;
    rtp[1] = 96;
    rtp[2] = static_cast<std::uint8_t>(seq >> 8);
    rtp[3] = static_cast<std::uint8_t>(seq);
    rtp[7] = static_cast<std::uint8_t>(seq);
    rtp[11] = 0x42;
    pkt.insert(pkt.end(), p.begin(), p.end());
    le32(o, 0);
    le32(o, seq);
    le32(o, static_cast<std::uint32_t>(pkt.size()));
    le32(o, static_cast<std::uint32_t>(pkt.size()));
    o.write(reinterpret_cast<const char*>(pkt.data()), static_cast<std::streamsize>(pkt.size()));
    ++seq;
  }
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// One line per packet: cmr, F bits, FTs, Q bits, expert messages.
std::vector<std::vector<std::string>> tshark(const std::string& pcap, AmrKind kind, AmrPacking packing) {
  const std::string k = kind == AmrKind::nb ? "nb" : "wb";
  const std::string cmd = std::string(IMSBOX_TSHARK) + " -n -r " + pcap +
                          " -d udp.port==5004,rtp -d rtp.pt==96,amr"
                          " -o 'amr.mode:" + (kind == AmrKind::nb ? "Narrowband AMR" : "Wideband AMR") +
                          "' -o 'amr.encoding.version:" +
                          (packing == AmrPacking::octet_aligned ? "RFC 3267 octet aligned" : "RFC 3267 BW-efficient") +
                          "' -T fields -E separator=/t -E occurrence=a -E aggregator=, -e amr." + k + ".cmr -e amr.toc.f -e amr." +
                          k + ".toc.ft -e amr.toc.q -e _ws.expert.message 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::vector<std::vector<std::string>> rows;
  if (!p) return rows;
  char line[8192];
  while (std::fgets(line, sizeof line, p.get())) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    auto fields = split(s, '\t');
    fields.resize(5);
    rows.push_back(fields);
  }
  return rows;
}

std::string join(const std::vector<std::uint8_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}
std::string join_bool(const std::vector<bool>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::string(v[i] ? "1" : "0");
  return s;
}

// Real encoder frames of every mode, SID and NO_DATA, packed in single- and
// multi-frame payloads with varying CMR and Q.
std::vector<Sent> make_payloads(AmrKind kind, AmrPacking packing) {
  std::vector<std::vector<std::uint8_t>> frames;  // storage frames
  const auto pcm = test::tone(amr_sample_rate(kind), 1000, amr_frame_samples(kind));
  for (std::uint8_t mode = 0; mode <= amr_max_mode(kind); ++mode) {
    auto enc = AmrCodec::create({.kind = kind, .packing = AmrPacking::octet_aligned, .modes = {.initial_mode = mode}});
    std::vector<std::uint8_t> out(kMaxPayload);
    const auto r = enc->encode(pcm, out);
    AmrPacket p;
    unpack_amr_payload(kind, AmrPacking::octet_aligned, std::span(out.data(), r.size), p);
    frames.emplace_back(p.frames[0].storage().begin(), p.frames[0].storage().end());
  }
  {  // SID from the encoder's DTX on silence
    auto enc = AmrCodec::create({.kind = kind, .packing = AmrPacking::octet_aligned, .dtx = true});
    const std::vector<std::int16_t> silence(amr_frame_samples(kind), 0);
    std::vector<std::uint8_t> out(kMaxPayload);
    for (int i = 0; i < 20; ++i) {
      const auto r = enc->encode(silence, out);
      if (r.size == 0) continue;
      AmrPacket p;
      unpack_amr_payload(kind, AmrPacking::octet_aligned, std::span(out.data(), r.size), p);
      if (p.frames[0].frame_type() == amr_sid_type(kind)) {
        frames.emplace_back(p.frames[0].storage().begin(), p.frames[0].storage().end());
        break;
      }
    }
  }
  frames.push_back({amr_storage_header(kAmrNoData, true)});

  std::vector<Sent> sent;
  const auto add = [&](std::uint8_t cmr, const std::vector<std::size_t>& which, const std::vector<bool>& q) {
    Sent s;
    s.cmr = cmr;
    std::vector<std::vector<std::uint8_t>> used;
    for (std::size_t i = 0; i < which.size(); ++i) {
      auto f = frames[which[i]];
      f[0] = amr_storage_header(amr_storage_ft(f[0]), q[i]);
      s.fts.push_back(amr_storage_ft(f[0]));
      s.qs.push_back(q[i]);
      used.push_back(f);
    }
    std::vector<std::span<const std::uint8_t>> spans(used.begin(), used.end());
    std::vector<std::uint8_t> out(2000);
    const auto r = pack_amr_payload(kind, packing, cmr, spans, out);
    EXPECT_EQ(r.error, AmrPayloadError::none);
    out.resize(r.size);
    s.payload = out;
    sent.push_back(s);
  };
  const std::size_t n = frames.size();  // modes, SID, NO_DATA
  for (std::size_t i = 0; i < n; ++i) add(static_cast<std::uint8_t>(i % (amr_max_mode(kind) + 1)), {i}, {true});
  add(15, {0, n - 2, n - 1}, {true, true, true});     // speech, SID, NO_DATA
  add(1, {n - 3, n - 3, n - 3, n - 3}, {true, false, true, true});  // four top-mode frames, one damaged
  add(15, {2, 5, 1}, {false, true, true});
  add(0, {n - 1}, {true});  // NO_DATA alone
  return sent;
}

void check(AmrKind kind, AmrPacking packing) {
  ASSERT_TRUE(std::filesystem::exists(IMSBOX_TSHARK)) << "tshark is needed (Debian package tshark, installer/packages.txt)";
  const auto sent = make_payloads(kind, packing);
  std::vector<std::vector<std::uint8_t>> payloads;
  for (const auto& s : sent) payloads.push_back(s.payload);
  const auto path = (std::filesystem::path(testing::TempDir()) /
                     ("amr-" + std::to_string(getpid()) + "-" + std::to_string(int(kind)) + "-" +
                      std::to_string(int(packing)) + ".pcap"))
                        .string();
  write_pcap(path, payloads);
  const auto rows = tshark(path, kind, packing);
  std::filesystem::remove(path);
  ASSERT_EQ(rows.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& s = sent[i];
    SCOPED_TRACE("payload " + std::to_string(i) + " FTs " + join(s.fts));
    EXPECT_EQ(rows[i][0], std::to_string(s.cmr));
    std::vector<bool> f(s.fts.size(), true);
    f.back() = false;
    EXPECT_EQ(rows[i][1], join_bool(f));
    EXPECT_EQ(rows[i][2], join(s.fts));
    EXPECT_EQ(rows[i][3], join_bool(s.qs));
    EXPECT_EQ(rows[i][4].find("rror"), std::string::npos) << rows[i][4];
    EXPECT_EQ(rows[i][4].find("alformed"), std::string::npos) << rows[i][4];
  }
}

TEST(TsharkAmr, NarrowbandBandwidthEfficient) { check(AmrKind::nb, AmrPacking::bandwidth_efficient); }
TEST(TsharkAmr, NarrowbandOctetAligned) { check(AmrKind::nb, AmrPacking::octet_aligned); }
TEST(TsharkAmr, WidebandBandwidthEfficient) { check(AmrKind::wb, AmrPacking::bandwidth_efficient); }
TEST(TsharkAmr, WidebandOctetAligned) { check(AmrKind::wb, AmrPacking::octet_aligned); }

// Where one of us finds a bandwidth-efficient payload broken, so does the
// other: tshark flags what unpack_amr_payload refuses.
TEST(TsharkAmr, BothRefuseTruncatedAndOverlongPayloads) {
  ASSERT_TRUE(std::filesystem::exists(IMSBOX_TSHARK));
  auto codec = AmrCodec::create({.kind = AmrKind::wb, .packing = AmrPacking::bandwidth_efficient});
  std::vector<std::uint8_t> out(kMaxPayload);
  const auto r = codec->encode(test::tone(16000, 1000, 320), out);
  std::vector<std::uint8_t> good(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.size));
  auto longer = good;
  longer.push_back(0);
  longer.push_back(0);
  const std::vector<std::uint8_t> shorter(good.begin(), good.begin() + 20);
  const auto path =
      (std::filesystem::path(testing::TempDir()) / ("amr-bad-" + std::to_string(getpid()) + ".pcap")).string();
  write_pcap(path, {good, longer, shorter});
  const auto rows = tshark(path, AmrKind::wb, AmrPacking::bandwidth_efficient);
  std::filesystem::remove(path);
  ASSERT_EQ(rows.size(), 3u);
  AmrPacket p;
  EXPECT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::bandwidth_efficient, good, p), AmrPayloadError::none);
  EXPECT_EQ(rows[0][4].find("rror"), std::string::npos) << rows[0][4];
  EXPECT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::bandwidth_efficient, longer, p), AmrPayloadError::trailing_data);
  EXPECT_NE(rows[1][4].find("rror"), std::string::npos) << rows[1][4];
  EXPECT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::bandwidth_efficient, shorter, p), AmrPayloadError::truncated);
  EXPECT_NE(rows[2][4].find("rror"), std::string::npos) << rows[2][4];
}

}  // namespace
}  // namespace imsbox::media
