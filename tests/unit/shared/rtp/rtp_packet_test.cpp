// RTP packets (RFC 3550 §5.1, RFC 8285): parsing, in-place rewrite and
// building, checked on hand-made edge cases and against tshark's dissection
// of packets other stacks sent (headless Chromium with its header extensions
// and padding-only probes, baresip, the G.711 stream Debian's sipp ships).
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

#include "capture.h"
#include "rtp/demux.h"
#include "rtp/header_extension.h"
#include "rtp/rtp_packet.h"

namespace imsbox::rtp {
namespace {

using test::Frame;

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<std::uint8_t> v;
  for (const int x : values) v.push_back(static_cast<std::uint8_t>(x));
  return v;
}

TEST(RtpPacket, FixedHeaderFields) {
  // V=2, M=1, PT=0 (PCMU), seq 0x1234, ts 0x89abcdef, SSRC 0xdeadbeef, 3 octets of payload
  const auto p = bytes({0x80, 0x80, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef, 0xde, 0xad, 0xbe, 0xef, 0xff, 0x7f, 0x00});
  const auto r = parse_rtp(p);
  ASSERT_TRUE(r) << to_string(r.error);
  EXPECT_EQ(r.packet.version(), 2);
  EXPECT_TRUE(r.packet.marker());
  EXPECT_EQ(r.packet.payload_type(), 0);
  EXPECT_EQ(r.packet.sequence(), 0x1234);
  EXPECT_EQ(r.packet.timestamp(), 0x89abcdefu);
  EXPECT_EQ(r.packet.ssrc(), 0xdeadbeefu);
  EXPECT_FALSE(r.packet.has_padding());
  EXPECT_FALSE(r.packet.extension());
  EXPECT_EQ(r.packet.header_size(), 12u);
  EXPECT_EQ(test::hex(r.packet.payload()), "ff7f00");
  // a view: the payload points into the buffer
  EXPECT_EQ(r.packet.payload().data(), p.data() + 12);
}

TEST(RtpPacket, CsrcListExtensionAndPadding) {
  // CC=2, X, P: two CSRCs, a 1-word generic extension, 2 payload octets, 3 octets of padding
  const auto p = bytes({0xb2, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,    // header, PT 96
                        0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,  // CSRCs
                        0xab, 0xcd, 0x00, 0x01, 1, 2, 3, 4,              // extension: profile 0xabcd, 1 word
                        0xaa, 0xbb, 0, 0, 3});                           // payload, padding
  const auto r = parse_rtp(p);
  ASSERT_TRUE(r) << to_string(r.error);
  EXPECT_EQ(r.packet.csrc_count(), 2);
  EXPECT_EQ(r.packet.csrc(0), 0x11111111u);
  EXPECT_EQ(r.packet.csrc(1), 0x22222222u);
  ASSERT_TRUE(r.packet.extension());
  EXPECT_EQ(r.packet.extension()->profile, 0xabcd);
  EXPECT_EQ(test::hex(r.packet.extension()->data), "01020304");
  EXPECT_EQ(extension_form(0xabcd), ExtensionForm::other);
  EXPECT_EQ(r.packet.header_size(), 28u);
  EXPECT_EQ(r.packet.padding_size(), 3u);
  EXPECT_EQ(test::hex(r.packet.payload()), "aabb");
}

TEST(RtpPacket, MalformedPacketsAreRefusedWithTheReason) {
  EXPECT_EQ(parse_rtp(bytes({0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})).error, RtpError::too_short);
  EXPECT_EQ(parse_rtp(bytes({0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})).error, RtpError::bad_version);
  EXPECT_EQ(parse_rtp(bytes({0xc0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})).error, RtpError::bad_version);
  // CC=1 but no CSRC
  EXPECT_EQ(parse_rtp(bytes({0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})).error, RtpError::too_short);
  // X but no extension header
  EXPECT_EQ(parse_rtp(bytes({0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde})).error, RtpError::too_short);
  // extension of 2 words with 1 present
  EXPECT_EQ(parse_rtp(bytes({0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 2, 0x10, 0, 0, 0})).error,
            RtpError::bad_extension);
  // padding count 0, padding longer than the payload, P with nothing after the header
  EXPECT_EQ(parse_rtp(bytes({0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0})).error, RtpError::bad_padding);
  EXPECT_EQ(parse_rtp(bytes({0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3})).error, RtpError::bad_padding);
  EXPECT_EQ(parse_rtp(bytes({0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})).error, RtpError::bad_padding);
  // padding that is the whole payload is fine (Chromium's bandwidth probes)
  const auto r = parse_rtp(bytes({0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.packet.payload().empty());
}

TEST(RtpHeaderExtension, OneByteElementsWithPaddingAndTheStopId) {
  // RFC 8285 §4.2: ID 1 L=0 (1 octet), padding, ID 2 L=2 (3 octets), then ID 15: stop
  const auto data = bytes({0x10, 0xaa, 0x00, 0x22, 0x01, 0x02, 0x03, 0xf0, 0x30, 0x99, 0, 0});
  const RtpHeaderExtension ext{0xBEDE, data};
  HeaderExtensionReader reader(ext);
  HeaderExtensionElement e;
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.id, 1);
  EXPECT_EQ(test::hex(e.data), "aa");
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.id, 2);
  EXPECT_EQ(test::hex(e.data), "010203");
  EXPECT_FALSE(reader.next(e));  // ID 15 ends the walk; the ID 3 after it is not read
  EXPECT_FALSE(reader.malformed());
  EXPECT_FALSE(find_header_extension_element(ext, 3));
  EXPECT_EQ(test::hex(*find_header_extension_element(ext, 2)), "010203");
}

TEST(RtpHeaderExtension, TwoByteElementsIncludingAnEmptyOne) {
  // RFC 8285 §4.3: ID 5 with 0 octets, padding, ID 200 with 2 octets
  const auto data = bytes({0x05, 0x00, 0x00, 0xc8, 0x02, 0xbe, 0xef, 0x00});
  const RtpHeaderExtension ext{0x1000, data};
  HeaderExtensionReader reader(ext);
  HeaderExtensionElement e;
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.id, 5);
  EXPECT_TRUE(e.data.empty());
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.id, 200);
  EXPECT_EQ(test::hex(e.data), "beef");
  EXPECT_FALSE(reader.next(e));
  EXPECT_FALSE(reader.malformed());
}

TEST(RtpHeaderExtension, AnElementRunningPastTheEndIsMalformed) {
  const auto one = bytes({0x13, 0x01, 0x02, 0x03});  // ID 1, 4 octets, 3 present
  HeaderExtensionReader a(RtpHeaderExtension{0xBEDE, one});
  HeaderExtensionElement e;
  EXPECT_FALSE(a.next(e));
  EXPECT_TRUE(a.malformed());
  const auto two = bytes({0x00, 0x00, 0x00, 0x07});  // padding, then an ID with no length octet
  HeaderExtensionReader b(RtpHeaderExtension{0x1000, two});
  EXPECT_FALSE(b.next(e));
  EXPECT_TRUE(b.malformed());
}

TEST(RtpHeaderExtension, WriterRefusesWhatTheFormCannotCarry) {
  std::array<std::uint8_t, 64> buffer{};
  HeaderExtensionWriter one(buffer, ExtensionForm::one_byte);
  const auto seventeen = std::vector<std::uint8_t>(17, 1);
  EXPECT_FALSE(one.add(15, bytes({1})));           // 15 is reserved
  EXPECT_FALSE(one.add(0, bytes({1})));            // 0 is padding
  EXPECT_FALSE(one.add(1, {}));                    // one-byte elements carry 1-16 octets
  EXPECT_FALSE(one.add(1, seventeen));
  ASSERT_TRUE(one.add(3, bytes({0x30})));          // ssrc-audio-level, say
  ASSERT_TRUE(one.add(14, std::vector<std::uint8_t>(16, 7)));
  const auto ext = one.finish();
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->profile, 0xBEDE);
  EXPECT_EQ(ext->data.size(), 20u);  // 2 + 17 octets, padded to 20
  EXPECT_EQ(test::hex(*find_header_extension_element(*ext, 3)), "30");
  EXPECT_EQ(find_header_extension_element(*ext, 14)->size(), 16u);

  HeaderExtensionWriter two(buffer, ExtensionForm::two_byte);
  ASSERT_TRUE(two.add(200, bytes({'a', 'u', 'd', 'i', 'o'})));
  ASSERT_TRUE(two.add(1, {}));
  const auto ext2 = two.finish();
  ASSERT_TRUE(ext2);
  EXPECT_EQ(ext2->profile, 0x1000);
  EXPECT_EQ(ext2->data.size(), 12u);
  EXPECT_EQ(test::hex(*find_header_extension_element(*ext2, 200)), "617564696f");

  std::array<std::uint8_t, 3> tiny{};
  HeaderExtensionWriter small(tiny, ExtensionForm::one_byte);
  EXPECT_TRUE(small.add(1, bytes({1, 2})));
  EXPECT_FALSE(small.add(2, bytes({1})));  // full
  EXPECT_FALSE(small.finish());            // no room to pad to 4
}

TEST(RtpRewrite, HeaderFieldsInPlaceAndNothingElse) {
  auto p = bytes({0x80, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0, 1, 2, 3, 4, 9, 9});
  RtpRewrite rw;
  rw.payload_types = PayloadTypeMap();
  rw.payload_types.set(96, 111);
  rw.ssrc = 0xcafebabe;
  rw.sequence_offset = 2;       // 0xffff + 2 wraps to 1
  rw.timestamp_offset = 0x20;   // 0xfffffff0 + 0x20 wraps to 0x10
  ASSERT_TRUE(rw.apply(p));
  const auto r = parse_rtp(p);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.packet.marker());  // kept
  EXPECT_EQ(r.packet.payload_type(), 111);
  EXPECT_EQ(r.packet.sequence(), 1);
  EXPECT_EQ(r.packet.timestamp(), 0x10u);
  EXPECT_EQ(r.packet.ssrc(), 0xcafebabeu);
  EXPECT_EQ(test::hex(r.packet.payload()), "0909");

  // an unmapped payload type: refused, the packet untouched
  auto q = bytes({0x80, 0x08, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4});
  const auto before = q;
  EXPECT_FALSE(rw.apply(q));
  EXPECT_EQ(q, before);

  // the single setters
  set_marker(q, true);
  set_payload_type(q, 0);
  set_sequence(q, 7);
  set_timestamp(q, 8);
  set_ssrc(q, 9);
  EXPECT_EQ(test::hex(q), "8080000700000008" "00000009");
}

TEST(RtpBuild, RoundTripsThroughTheParser) {
  std::array<std::uint8_t, 256> buffer{};
  std::array<std::uint8_t, 16> ext_buffer{};
  HeaderExtensionWriter w(ext_buffer, ExtensionForm::one_byte);
  ASSERT_TRUE(w.add(1, bytes({0x85})));
  const std::array<std::uint32_t, 2> csrcs{0x01020304, 0x05060708};
  RtpHeaderFields f;
  f.marker = true;
  f.payload_type = 101;
  f.sequence = 65535;
  f.timestamp = 0xfffffffe;
  f.ssrc = 0x11223344;
  f.csrcs = csrcs;
  f.extension = w.finish();
  const auto payload = bytes({1, 2, 3, 4, 5});
  const std::size_t n = build_rtp(buffer, f, payload, 7);
  ASSERT_EQ(n, 12u + 8 + 8 + 5 + 7);
  EXPECT_EQ(n, rtp_header_size(f) + 5 + 7);
  const auto r = parse_rtp(Bytes(buffer.data(), n));
  ASSERT_TRUE(r) << to_string(r.error);
  EXPECT_TRUE(r.packet.marker());
  EXPECT_EQ(r.packet.payload_type(), 101);
  EXPECT_EQ(r.packet.sequence(), 65535);
  EXPECT_EQ(r.packet.timestamp(), 0xfffffffeu);
  EXPECT_EQ(r.packet.ssrc(), 0x11223344u);
  EXPECT_EQ(r.packet.csrc(1), 0x05060708u);
  EXPECT_EQ(test::hex(*find_header_extension_element(*r.packet.extension(), 1)), "85");
  EXPECT_EQ(r.packet.padding_size(), 7u);
  EXPECT_EQ(test::hex(r.packet.payload()), "0102030405");
}

TEST(RtpBuild, PayloadAlreadyInTheBufferAndRefusals) {
  std::array<std::uint8_t, 32> buffer{};
  RtpHeaderFields f;
  f.payload_type = 8;
  f.sequence = 1;
  // an encoder wrote its output where the payload goes
  for (int i = 0; i < 4; ++i) buffer[12 + i] = static_cast<std::uint8_t>(0xd5 + i);
  const std::size_t n = build_rtp(buffer, f, Bytes(buffer.data() + 12, 4));
  ASSERT_EQ(n, 16u);
  EXPECT_EQ(test::hex(Bytes(buffer.data(), n)), "800800010000000000000000d5d6d7d8");

  EXPECT_EQ(build_rtp(MutableBytes(), f, {}), 0u);                            // no room
  EXPECT_EQ(build_rtp(MutableBytes(buffer.data(), 15), f, Bytes(buffer.data() + 12, 4)), 0u);
  f.payload_type = 128;
  EXPECT_EQ(build_rtp(buffer, f, {}), 0u);  // not a 7-bit payload type
  f.payload_type = 0;
  const std::array<std::uint32_t, 16> too_many{};
  f.csrcs = too_many;
  EXPECT_EQ(build_rtp(buffer, f, {}), 0u);
  f.csrcs = {};
  const auto odd = bytes({1, 2, 3});
  f.extension = RtpHeaderExtension{0xBEDE, odd};
  EXPECT_EQ(build_rtp(buffer, f, {}), 0u);  // extension data not whole words
}

// ---- against tshark ------------------------------------------------------------

struct Capture {
  std::string file;
  std::string options;  // how tshark finds the RTP in it
};

// Every frame of the capture that tshark dissects as RTP: our parser agrees
// field by field, the RFC 8285 elements included. Returns the number compared.
std::size_t compare_rtp_with_tshark(const Capture& c, std::set<std::uint16_t>* profiles = nullptr,
                                    std::size_t* padded = nullptr) {
  const std::vector<std::string> fields = {
      "rtp.version", "rtp.padding",    "rtp.ext",         "rtp.cc",         "rtp.marker",
      "rtp.p_type",  "rtp.seq",        "rtp.timestamp",   "rtp.ssrc",       "rtp.ext.profile",
      "rtp.ext.len", "rtp.ext.rfc5285.id", "rtp.ext.rfc5285.len", "rtp.ext.rfc5285.data", "rtp.padding.count",
      "rtp.payload", "rtp.csrc.item"};
  const auto dissected = test::tshark_fields(c.file, c.options + " -Y rtp", fields);
  const auto frames = test::read_pcap(c.file);
  std::size_t compared = 0;
  for (const Frame& f : frames) {
    const auto it = dissected.find(f.number);
    if (it == dissected.end()) continue;
    const auto& t = it->second;
    SCOPED_TRACE(c.file + " frame " + std::to_string(f.number));
    EXPECT_EQ(classify_packet(f.bytes()), PacketClass::rtp);
    const auto r = parse_rtp(f.bytes());
    if (!r) {
      ADD_FAILURE() << to_string(r.error);
      continue;
    }
    const RtpPacket& p = r.packet;
    EXPECT_EQ(t[0], std::to_string(p.version()));
    EXPECT_EQ(t[1], p.has_padding() ? "1" : "0");
    EXPECT_EQ(t[2], p.has_extension() ? "1" : "0");
    EXPECT_EQ(t[3], std::to_string(p.csrc_count()));
    EXPECT_EQ(t[4], p.marker() ? "1" : "0");
    EXPECT_EQ(t[5], std::to_string(p.payload_type()));
    EXPECT_EQ(t[6], std::to_string(p.sequence()));
    EXPECT_EQ(t[7], std::to_string(p.timestamp()));
    EXPECT_EQ(std::stoul(t[8], nullptr, 16), p.ssrc());
    if (const auto ext = p.extension()) {
      if (profiles != nullptr) profiles->insert(ext->profile);
      EXPECT_EQ(std::stoul(t[9], nullptr, 16), ext->profile);
      EXPECT_EQ(t[10], std::to_string(ext->data.size() / 4));
      std::vector<std::string> ids, lengths, data;
      HeaderExtensionReader reader(*ext);
      HeaderExtensionElement e;
      while (reader.next(e)) {
        ids.push_back(std::to_string(e.id));
        lengths.push_back(std::to_string(e.data.size()));
        if (!e.data.empty()) data.push_back(test::hex(e.data));  // tshark lists no empty data
      }
      EXPECT_FALSE(reader.malformed());
      EXPECT_EQ(t[11], test::join(ids));
      EXPECT_EQ(t[12], test::join(lengths));
      EXPECT_EQ(t[13], test::join(data));
    }
    if (p.has_padding()) {
      if (padded != nullptr) ++*padded;
      EXPECT_EQ(t[14], std::to_string(p.padding_size()));
    }
    EXPECT_EQ(t[15], test::hex(p.payload()));
    std::vector<std::string> csrcs;
    for (std::size_t i = 0; i < p.csrc_count(); ++i) {
      char s[16];
      std::snprintf(s, sizeof s, "0x%08x", p.csrc(i));
      csrcs.push_back(s);
    }
    EXPECT_EQ(t[16], test::join(csrcs));
    ++compared;
  }
  return compared;
}

TEST(RtpAgainstTshark, ChromiumWithOneAndTwoByteExtensionsAndPadding) {
  std::set<std::uint16_t> profiles;
  std::size_t padded = 0;
  const std::size_t n = compare_rtp_with_tshark(
      {test::data_file("chromium_plain_rtp.pcap"), "-o rtp.heuristic_rtp:TRUE"}, &profiles, &padded);
  EXPECT_GT(n, 400u);
  // what makes this capture worth having: both RFC 8285 forms and padding-only packets
  EXPECT_TRUE(profiles.count(0xBEDE));
  EXPECT_TRUE(profiles.count(0x1000));
  EXPECT_GT(padded, 0u);
}

TEST(RtpAgainstTshark, ChromiumSrtpHeaders) {
  // SRTP keeps the RTP header (extensions included) in the clear
  EXPECT_GT(compare_rtp_with_tshark({test::data_file("chromium_dtls_srtp.pcap"), "-o rtp.heuristic_rtp:TRUE"}), 400u);
}

TEST(RtpAgainstTshark, BaresipPcmu) {
  EXPECT_GT(compare_rtp_with_tshark({test::data_file("baresip_pcmu.pcap"), ""}), 700u);
}

TEST(RtpAgainstTshark, SippG711aStream) {
  EXPECT_EQ(compare_rtp_with_tshark({test::sipp_pcap("g711a.pcap"), "-d udp.port==2006,rtp"}), 236u);
}

// Packets we build and rewrite, judged by tshark: what a relay sends must
// read back as what it meant.
TEST(RtpAgainstTshark, BuiltAndRewrittenPacketsDissectAsIntended) {
  std::vector<Frame> frames;
  const auto original = test::read_pcap(test::sipp_pcap("g711a.pcap"));
  RtpRewrite rw;
  rw.payload_types = PayloadTypeMap();
  rw.payload_types.set(8, 96);
  rw.ssrc = 0x01020304;
  rw.sequence_offset = 1000;
  rw.timestamp_offset = 0x80000000u;
  for (std::size_t i = 0; i < 5; ++i) {
    Frame f = original[i];
    ASSERT_TRUE(rw.apply(f.payload));
    f.src_port = 40000;
    f.dst_port = 40002;
    frames.push_back(f);
  }
  std::array<std::uint8_t, 16> ext_buffer{};
  HeaderExtensionWriter w(ext_buffer, ExtensionForm::two_byte);
  ASSERT_TRUE(w.add(17, {}));
  ASSERT_TRUE(w.add(3, std::vector<std::uint8_t>{0xaa, 0xbb}));
  const std::array<std::uint32_t, 1> csrc{0xa1a2a3a4};
  RtpHeaderFields h;
  h.payload_type = 0;
  h.sequence = 7;
  h.timestamp = 160;
  h.ssrc = 0x55667788;
  h.csrcs = csrc;
  h.extension = w.finish();
  Frame built;
  built.src_port = 40000;
  built.dst_port = 40002;
  built.payload.resize(200);
  built.payload.resize(build_rtp(built.payload, h, std::vector<std::uint8_t>(160, 0xff), 4));
  frames.push_back(built);
  const test::TempFile temp("rtp_built.pcap");
  const std::string& file = temp.path;
  test::write_pcap(file, frames);
  EXPECT_EQ(compare_rtp_with_tshark({file, "-d udp.port==40002,rtp"}), 6u);
  const auto t = test::tshark_fields(file, "-d udp.port==40002,rtp", {"rtp.p_type", "rtp.seq", "rtp.ssrc"});
  EXPECT_EQ(t.at(1)[0], "96");
  EXPECT_EQ(t.at(1)[1], std::to_string((59133 + 1000) % 65536));
  EXPECT_EQ(t.at(1)[2], "0x01020304");
}

}  // namespace
}  // namespace imsbox::rtp
