// Our encoders and RFC 4867 packing checked by an independent decoder:
// tone -> our encoder -> our RTP payload -> our unpacking -> storage-format
// frames -> libavcodec's amrnb/amrwb decoder -> the tone. Opus packets go to
// libavcodec's own Opus decoder.
#include <gtest/gtest.h>

#include "media/amr_codec.h"
#include "media/opus_codec.h"
#include "unit/shared/media/libav.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

using test::encode_tone;
using test::tail;

void amr_through_libav(AmrKind kind, AmrPacking packing, double hz, std::uint8_t mode) {
  auto codec = AmrCodec::create({.kind = kind, .packing = packing, .modes = {.initial_mode = mode}});
  ASSERT_TRUE(codec);
  const auto payloads = encode_tone(*codec, hz, 1.0);
  ASSERT_EQ(payloads.size(), 50u);
  const int rate = amr_sample_rate(kind);
  test::LibavDecoder dec(kind == AmrKind::nb ? AV_CODEC_ID_AMR_NB : AV_CODEC_ID_AMR_WB, rate);
  ASSERT_TRUE(dec.ok());
  std::vector<std::int16_t> pcm;
  for (const auto& payload : payloads) {
    AmrPacket p;
    ASSERT_EQ(unpack_amr_payload(kind, packing, payload, p), AmrPayloadError::none);
    ASSERT_EQ(p.frame_count, 1u);
    ASSERT_EQ(p.frames[0].frame_type(), mode);
    ASSERT_TRUE(dec.decode(p.frames[0].storage(), pcm));
  }
  ASSERT_EQ(pcm.size(), 50 * amr_frame_samples(kind));
  const auto m = measure_tone(tail(pcm, rate, 0.5), rate);
  EXPECT_TRUE(tone_present(m, {.frequency_hz = hz, .min_level_dbfs = -25}))
      << "kind " << int(kind) << " packing " << int(packing) << " mode " << int(mode) << ": " << m.frequency_hz
      << " Hz " << m.level_dbfs << " dBFS " << m.tone_fraction;
}

TEST(LibavCrossCheck, AmrNbEveryModeBothPackings) {
  for (const auto packing : {AmrPacking::bandwidth_efficient, AmrPacking::octet_aligned}) {
    for (std::uint8_t mode = 0; mode <= 7; ++mode) amr_through_libav(AmrKind::nb, packing, 1000, mode);
    amr_through_libav(AmrKind::nb, packing, 2000, 7);
  }
}

TEST(LibavCrossCheck, AmrWbEveryModeBothPackings) {
  for (const auto packing : {AmrPacking::bandwidth_efficient, AmrPacking::octet_aligned}) {
    for (std::uint8_t mode = 0; mode <= 8; ++mode) amr_through_libav(AmrKind::wb, packing, 1000, mode);
    amr_through_libav(AmrKind::wb, packing, 2000, 2);
  }
}

// A payload of several frames, BE: each unpacked frame decodes in libavcodec.
TEST(LibavCrossCheck, AmrWbMultiFramePayloadsUnpackForLibav) {
  auto codec = AmrCodec::create({.kind = AmrKind::wb, .packing = AmrPacking::bandwidth_efficient});
  const auto single = encode_tone(*codec, 2000, 1.0);
  test::LibavDecoder dec(AV_CODEC_ID_AMR_WB, 16000);
  ASSERT_TRUE(dec.ok());
  std::vector<std::int16_t> pcm;
  for (std::size_t i = 0; i + 4 <= single.size(); i += 4) {
    std::vector<AmrPacket> in(4);
    std::vector<std::span<const std::uint8_t>> frames;
    for (std::size_t k = 0; k < 4; ++k) {
      ASSERT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::bandwidth_efficient, single[i + k], in[k]),
                AmrPayloadError::none);
      frames.push_back(in[k].frames[0].storage());
    }
    std::vector<std::uint8_t> payload(kMaxPayload);
    const auto packed = pack_amr_payload(AmrKind::wb, AmrPacking::bandwidth_efficient, 15, frames, payload);
    ASSERT_EQ(packed.error, AmrPayloadError::none);
    AmrPacket out;
    ASSERT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::bandwidth_efficient, std::span(payload.data(), packed.size),
                                 out),
              AmrPayloadError::none);
    ASSERT_EQ(out.frame_count, 4u);
    for (const auto& f : out.frame_span()) ASSERT_TRUE(dec.decode(f.storage(), pcm));
  }
  const auto m = measure_tone(tail(pcm, 16000, 0.5), 16000);
  EXPECT_TRUE(tone_present(m, {.frequency_hz = 2000, .min_level_dbfs = -25})) << m.frequency_hz;
}

TEST(LibavCrossCheck, OurOpusPacketsDecodeInLibavcodec) {
  for (const int rate : {8000, 16000, 48000}) {
    for (const double hz : {1000.0, 2000.0}) {
      auto codec = OpusCodec::create({.pcm_rate = rate});
      const auto payloads = encode_tone(*codec, hz, 1.0);
      test::LibavDecoder dec(AV_CODEC_ID_OPUS, 48000);
      ASSERT_TRUE(dec.ok());
      std::vector<std::int16_t> pcm;
      for (const auto& p : payloads) ASSERT_TRUE(dec.decode(p, pcm));
      ASSERT_GT(pcm.size(), 40000u);
      const auto m = measure_tone(tail(pcm, dec.sample_rate(), 0.5), dec.sample_rate());
      EXPECT_TRUE(tone_present(m, {.frequency_hz = hz, .min_level_dbfs = -25}))
          << rate << " " << hz << ": " << m.frequency_hz << " Hz " << m.level_dbfs << " dBFS";
    }
  }
}

}  // namespace
}  // namespace imsbox::media
