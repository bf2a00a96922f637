// RFC 4867 payload packing: the RFC's examples built bit by bit from its
// diagrams, round trips of every frame type in both modes, and the refusals.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "media/amr_payload.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

using test::bits_to_bytes;
using test::to_bits;

// A storage frame of type `ft` whose speech bits follow a fixed pseudo-random
// pattern (padding zero), and the same bits as a '0'/'1' string.
struct Frame {
  std::vector<std::uint8_t> storage;
  std::string bits;
};

Frame make_frame(AmrKind kind, std::uint8_t ft, bool q, unsigned seed) {
  const std::size_t n = *amr_frame_bits(kind, ft);
  Frame f;
  std::uint32_t x = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    f.bits += ((x >> 16) & 1u) ? '1' : '0';
  }
  f.storage = bits_to_bytes(f.bits);
  f.storage.resize(amr_frame_octets(n));
  f.storage.insert(f.storage.begin(), amr_storage_header(ft, q));
  return f;
}

std::vector<std::uint8_t> pack(AmrKind kind, AmrPacking packing, std::uint8_t cmr, const std::vector<Frame>& frames) {
  std::vector<std::span<const std::uint8_t>> spans;
  for (const auto& f : frames) spans.emplace_back(f.storage);
  std::vector<std::uint8_t> out(2000);
  const auto r = pack_amr_payload(kind, packing, cmr, spans, out);
  EXPECT_EQ(r.error, AmrPayloadError::none);
  out.resize(r.size);
  return out;
}

// RFC 4867 §4.3.5.1: bandwidth-efficient, CMR=15, one AMR 7.4 frame (FT=4,
// Q=1, d(0)..d(147)), two zero bits of padding: 20 octets.
TEST(AmrPayload, Rfc4867Example4351BandwidthEfficientSingleFrame) {
  const Frame f = make_frame(AmrKind::nb, 4, true, 1);
  ASSERT_EQ(f.bits.size(), 148u);
  const auto expected = bits_to_bytes("1111" "0" "0100" "1" + f.bits + "00");
  ASSERT_EQ(expected.size(), 20u);
  EXPECT_EQ(pack(AmrKind::nb, AmrPacking::bandwidth_efficient, 15, {f}), expected);

  AmrPacket p;
  ASSERT_EQ(unpack_amr_payload(AmrKind::nb, AmrPacking::bandwidth_efficient, expected, p), AmrPayloadError::none);
  EXPECT_EQ(p.cmr, 15);
  ASSERT_EQ(p.frame_count, 1u);
  EXPECT_EQ(p.frames[0].frame_type(), 4);
  EXPECT_TRUE(p.frames[0].quality());
  EXPECT_EQ(std::vector<std::uint8_t>(p.frames[0].storage().begin(), p.frames[0].storage().end()), f.storage);
}

// RFC 4867 §4.4.5.1: octet-aligned, CMR=6, two AMR 7.95 frames (FT=5, 159
// bits, one P bit each): 1 + 2 + 20 + 20 octets.
TEST(AmrPayload, Rfc4867Example4451OctetAlignedTwoFrames) {
  const Frame f1 = make_frame(AmrKind::nb, 5, true, 2);
  const Frame f2 = make_frame(AmrKind::nb, 5, true, 3);
  const auto expected = bits_to_bytes("0110" "0000"         // CMR=6, R
                                      "1" "0101" "1" "00"   // F=1 FT=5 Q=1 P P
                                      "0" "0101" "1" "00"   // F=0 FT=5 Q=1 P P
                                      + f1.bits + "0" + f2.bits + "0");
  ASSERT_EQ(expected.size(), 43u);
  EXPECT_EQ(pack(AmrKind::nb, AmrPacking::octet_aligned, 6, {f1, f2}), expected);

  AmrPacket p;
  ASSERT_EQ(unpack_amr_payload(AmrKind::nb, AmrPacking::octet_aligned, expected, p), AmrPayloadError::none);
  EXPECT_EQ(p.cmr, 6);
  ASSERT_EQ(p.frame_count, 2u);
  EXPECT_EQ(std::vector<std::uint8_t>(p.frames[1].storage().begin(), p.frames[1].storage().end()), f2.storage);
}

// The layout of §4.3.5.2 (bandwidth-efficient, several frame-blocks): the
// ToC entries back to back, then the frames' bits back to back. AMR-WB here,
// with a speech frame, a damaged one (Q=0), a SID and a NO_DATA.
TEST(AmrPayload, BandwidthEfficientSeveralFramesWideband) {
  const Frame a = make_frame(AmrKind::wb, 2, true, 4);    // 12.65: 253 bits
  const Frame b = make_frame(AmrKind::wb, 8, false, 5);   // 23.85: 477 bits, damaged
  const Frame sid = make_frame(AmrKind::wb, 9, true, 6);  // SID: 40 bits
  const Frame none = make_frame(AmrKind::wb, 15, true, 7);
  std::string bits = "1000";  // CMR=8
  bits += "1" + to_bits(2, 4) + "1";
  bits += "1" + to_bits(8, 4) + "0";
  bits += "1" + to_bits(9, 4) + "1";
  bits += "0" + to_bits(15, 4) + "1";
  bits += a.bits + b.bits + sid.bits;
  while (bits.size() % 8) bits += '0';
  const auto expected = bits_to_bytes(bits);
  EXPECT_EQ(pack(AmrKind::wb, AmrPacking::bandwidth_efficient, 8, {a, b, sid, none}), expected);

  AmrPacket p;
  ASSERT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::bandwidth_efficient, expected, p), AmrPayloadError::none);
  EXPECT_EQ(p.cmr, 8);
  ASSERT_EQ(p.frame_count, 4u);
  EXPECT_EQ(p.frames[0].frame_type(), 2);
  EXPECT_FALSE(p.frames[1].quality());
  EXPECT_EQ(p.frames[2].frame_type(), kAmrWbSid);
  EXPECT_EQ(p.frames[3].frame_type(), kAmrNoData);
  EXPECT_EQ(p.frames[3].size, 1u);
  EXPECT_EQ(std::vector<std::uint8_t>(p.frames[1].storage().begin(), p.frames[1].storage().end()), b.storage);
  EXPECT_EQ(std::vector<std::uint8_t>(p.frames[2].storage().begin(), p.frames[2].storage().end()), sid.storage);
}

// Every frame type of both codecs, alone and three in a row, in both modes:
// pack -> unpack gives the storage frames back, and the size is what the
// RFC's arithmetic says.
TEST(AmrPayload, RoundTripEveryFrameTypeBothModes) {
  for (const AmrKind kind : {AmrKind::nb, AmrKind::wb}) {
    for (const AmrPacking packing : {AmrPacking::bandwidth_efficient, AmrPacking::octet_aligned}) {
      for (std::uint8_t ft = 0; ft < 16; ++ft) {
        if (!amr_frame_bits(kind, ft)) continue;
        const std::vector<Frame> frames = {make_frame(kind, ft, true, ft), make_frame(kind, ft, ft % 2 == 0, 99),
                                           make_frame(kind, ft, true, 7)};
        for (std::size_t n = 1; n <= 3; n += 2) {
          const std::vector<Frame> used(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>(n));
          const auto payload = pack(kind, packing, 15, used);
          const std::size_t bits = *amr_frame_bits(kind, ft);
          const std::size_t expect = packing == AmrPacking::octet_aligned
                                         ? 1 + n + n * amr_frame_octets(bits)
                                         : (4 + n * (6 + bits) + 7) / 8;
          EXPECT_EQ(payload.size(), expect) << "kind " << int(kind) << " ft " << int(ft) << " n " << n;
          AmrPacket p;
          ASSERT_EQ(unpack_amr_payload(kind, packing, payload, p), AmrPayloadError::none) << int(ft);
          ASSERT_EQ(p.frame_count, n);
          for (std::size_t i = 0; i < n; ++i) {
            EXPECT_EQ(std::vector<std::uint8_t>(p.frames[i].storage().begin(), p.frames[i].storage().end()),
                      used[i].storage)
                << "kind " << int(kind) << " ft " << int(ft) << " frame " << i;
          }
          EXPECT_EQ(count_amr_frames(kind, packing, payload), n);
        }
      }
    }
  }
}

TEST(AmrPayload, PaddingAndReservedBitsAreZeroWhenSent) {
  // one AMR 4.75 frame (95 bits) in octet-aligned mode: R bits, P bits and
  // the frame's last bit of padding are zero even if the storage frame's
  // padding is not
  Frame f = make_frame(AmrKind::nb, 0, true, 11);
  f.storage.back() |= 0x01;  // garbage in the storage frame's padding
  const auto payload = pack(AmrKind::nb, AmrPacking::octet_aligned, 3, {f});
  ASSERT_EQ(payload.size(), 2u + 12u);
  EXPECT_EQ(payload[0], 0x30);  // CMR=3, R=0000
  EXPECT_EQ(payload[1], 0x04);  // F=0 FT=0 Q=1 P=00
  EXPECT_EQ(payload.back() & 0x01, 0);
}

TEST(AmrPayload, ReservedFrameTypesDiscardThePacket) {
  // AMR: FT 9..14 (§4.3.2: discard the whole packet); AMR-WB: FT 10..13
  for (unsigned ft = 9; ft <= 14; ++ft) {
    const auto oa = bits_to_bytes("1111 0000 0" + to_bits(ft, 4) + "100");
    AmrPacket p;
    EXPECT_EQ(unpack_amr_payload(AmrKind::nb, AmrPacking::octet_aligned, oa, p),
              AmrPayloadError::reserved_frame_type)
        << ft;
    if (ft <= 13 && ft >= 10) {
      EXPECT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::octet_aligned, oa, p),
                AmrPayloadError::reserved_frame_type)
          << ft;
    }
  }
  // AMR-WB SPEECH_LOST (14) is a valid, empty frame
  const auto lost = bits_to_bytes("1111 0000 0" + to_bits(14, 4) + "100");
  AmrPacket p;
  EXPECT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::octet_aligned, lost, p), AmrPayloadError::none);
  EXPECT_EQ(p.frames[0].frame_type(), kAmrWbSpeechLost);
}

TEST(AmrPayload, TruncatedAndTrailingDataAreRefused) {
  const Frame f = make_frame(AmrKind::wb, 2, true, 1);
  for (const AmrPacking packing : {AmrPacking::bandwidth_efficient, AmrPacking::octet_aligned}) {
    auto payload = pack(AmrKind::wb, packing, 15, {f});
    AmrPacket p;
    for (std::size_t len = 0; len < payload.size(); ++len) {
      const auto r = unpack_amr_payload(AmrKind::wb, packing, std::span(payload.data(), len), p);
      EXPECT_EQ(r, len == 0 ? AmrPayloadError::empty : AmrPayloadError::truncated) << len;
    }
    payload.push_back(0);
    EXPECT_EQ(unpack_amr_payload(AmrKind::wb, packing, payload, p), AmrPayloadError::trailing_data);
  }
  // a ToC whose F bit says "more" up to the end of the payload
  const auto endless = bits_to_bytes("1111 0000 1" + to_bits(2, 4) + "100");
  AmrPacket p;
  EXPECT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::octet_aligned, endless, p), AmrPayloadError::truncated);
}

TEST(AmrPayload, TooManyFramesAreRefused) {
  std::string bits = "1111 0000";
  for (std::size_t i = 0; i <= kAmrMaxFramesPerPacket; ++i) bits += "1" + to_bits(15, 4) + "100";
  bits += "0" + to_bits(15, 4) + "100";
  AmrPacket p;
  EXPECT_EQ(unpack_amr_payload(AmrKind::nb, AmrPacking::octet_aligned, bits_to_bytes(bits), p),
            AmrPayloadError::too_many_frames);
}

TEST(AmrPayload, PackRefusesBadStorageFramesAndSmallBuffers) {
  const Frame f = make_frame(AmrKind::nb, 7, true, 1);
  const std::span<const std::uint8_t> short_frame(f.storage.data(), f.storage.size() - 1);
  std::array<std::uint8_t, 64> out{};
  EXPECT_EQ(pack_amr_payload(AmrKind::nb, AmrPacking::octet_aligned, 15,
                             std::span<const std::span<const std::uint8_t>>(&short_frame, 1), out)
                .error,
            AmrPayloadError::bad_storage_frame);
  const std::span<const std::uint8_t> whole(f.storage);
  EXPECT_EQ(pack_amr_payload(AmrKind::nb, AmrPacking::octet_aligned, 15,
                             std::span<const std::span<const std::uint8_t>>(&whole, 1), std::span(out.data(), 10))
                .error,
            AmrPayloadError::buffer_too_small);
  const std::uint8_t reserved = amr_storage_header(12, true);
  const std::span<const std::uint8_t> bad(&reserved, 1);
  EXPECT_EQ(pack_amr_payload(AmrKind::nb, AmrPacking::octet_aligned, 15,
                             std::span<const std::span<const std::uint8_t>>(&bad, 1), out)
                .error,
            AmrPayloadError::reserved_frame_type);
}

TEST(AmrPayload, OctetAlignedReservedBitsAreIgnoredOnReceipt) {
  // R and P bits set by a sloppy sender: still unpacks (§4.4.1: ignore on receipt)
  const Frame f = make_frame(AmrKind::nb, 0, true, 5);
  std::string bits = "0111 1111 0" + to_bits(0, 4) + "111" + f.bits + "1";
  AmrPacket p;
  ASSERT_EQ(unpack_amr_payload(AmrKind::nb, AmrPacking::octet_aligned, bits_to_bytes(bits), p),
            AmrPayloadError::none);
  EXPECT_EQ(p.cmr, 7);
  EXPECT_EQ(std::vector<std::uint8_t>(p.frames[0].storage().begin(), p.frames[0].storage().end()), f.storage);
}

}  // namespace
}  // namespace imsbox::media
