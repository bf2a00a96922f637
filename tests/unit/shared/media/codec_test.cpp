// Each codec through its own encoder and decoder: a 1 kHz and a 2 kHz tone
// come out as that tone; loss is concealed; CMR steers the AMR encoder.
#include <gtest/gtest.h>

#include <opus/opus.h>

#include <cstring>
#include <functional>
#include <memory>

#include "media/amr_codec.h"
#include "media/g711_codec.h"
#include "media/g722_codec.h"
#include "media/opus_codec.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

using test::decode_all;
using test::encode_tone;
using test::tail;

struct Case {
  const char* name;
  std::function<std::unique_ptr<FrameCodec>()> make;
};

std::unique_ptr<FrameCodec> amr(AmrKind kind, AmrPacking packing) {
  return AmrCodec::create({.kind = kind, .packing = packing});
}

std::vector<Case> all_codecs() {
  return {
      {"opus8k", [] { return OpusCodec::create({.pcm_rate = 8000}); }},
      {"opus16k", [] { return OpusCodec::create({.pcm_rate = 16000}); }},
      {"opus48k", [] { return OpusCodec::create({.pcm_rate = 48000}); }},
      {"amrnb-be", [] { return amr(AmrKind::nb, AmrPacking::bandwidth_efficient); }},
      {"amrnb-oa", [] { return amr(AmrKind::nb, AmrPacking::octet_aligned); }},
      {"amrwb-be", [] { return amr(AmrKind::wb, AmrPacking::bandwidth_efficient); }},
      {"amrwb-oa", [] { return amr(AmrKind::wb, AmrPacking::octet_aligned); }},
      {"pcmu", [] { return std::make_unique<G711Codec>(G711Law::ulaw); }},
      {"pcma", [] { return std::make_unique<G711Codec>(G711Law::alaw); }},
      {"g722", [] { return G722Codec::create(); }},
  };
}

TEST(Codec, EveryCodecCarriesA1kAnd2kTone) {
  for (const auto& c : all_codecs()) {
    for (const double hz : {1000.0, 2000.0}) {
      auto codec = c.make();
      ASSERT_TRUE(codec) << c.name;
      const auto payloads = encode_tone(*codec, hz, 1.0);
      ASSERT_EQ(payloads.size(), 50u) << c.name;
      const auto pcm = decode_all(*codec, payloads);
      ASSERT_EQ(pcm.size(), 50 * codec->info().frame_samples) << c.name;
      const auto m = measure_tone(tail(pcm, codec->info().pcm_rate, 0.5), codec->info().pcm_rate);
      EXPECT_TRUE(tone_present(m, {.frequency_hz = hz, .min_level_dbfs = -25}))
          << c.name << " " << hz << " Hz: measured " << m.frequency_hz << " Hz, " << m.level_dbfs << " dBFS, "
          << m.tone_fraction;
    }
  }
}

TEST(Codec, InfoMatchesTheRtpClockAndPcmRate) {
  auto opus = OpusCodec::create({.pcm_rate = 16000});
  EXPECT_EQ(opus->info().rtp_clock_rate, 48000);
  EXPECT_EQ(opus->info().frame_samples, 320u);
  EXPECT_EQ(opus->info().frame_timestamp, 960u);
  auto wb = amr(AmrKind::wb, AmrPacking::octet_aligned);
  EXPECT_EQ(wb->info().rtp_clock_rate, 16000);
  EXPECT_EQ(wb->info().frame_samples, 320u);
  EXPECT_EQ(wb->info().encoding_name, "AMR-WB");
  G711Codec pcmu(G711Law::ulaw);
  EXPECT_EQ(pcmu.info().frame_timestamp, 160u);
  EXPECT_EQ(pcmu.info().encoding_name, "PCMU");
  auto g722 = G722Codec::create();  // 16 kHz audio on an 8 kHz RTP clock (RFC 3551 §4.5.2)
  EXPECT_EQ(g722->info().pcm_rate, 16000);
  EXPECT_EQ(g722->info().rtp_clock_rate, 8000);
  EXPECT_EQ(g722->info().frame_timestamp, 160u);
  const auto payloads = encode_tone(*g722, 1000, 0.04);
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_EQ(payloads[0].size(), 160u);  // 64 kbit/s
  EXPECT_EQ(g722->payload_duration(payloads[0]), 160u);
}

TEST(Codec, EncodeRefusesAnythingButOneFrame) {
  for (const auto& c : all_codecs()) {
    auto codec = c.make();
    std::vector<std::int16_t> pcm(codec->info().frame_samples + 1);
    std::vector<std::uint8_t> out(kMaxPayload);
    EXPECT_EQ(codec->encode(pcm, out).error, CodecError::bad_input) << c.name;
  }
}

TEST(Codec, AmrNbEncoderLeavesTheCallersPcmAlone) {
  // opencore's Encoder_Interface_Encode writes into its input: we copy first
  auto codec = amr(AmrKind::nb, AmrPacking::octet_aligned);
  auto pcm = test::tone(8000, 1000, 160);
  const auto before = pcm;
  std::vector<std::uint8_t> out(kMaxPayload);
  ASSERT_EQ(codec->encode(pcm, out).error, CodecError::none);
  EXPECT_EQ(pcm, before);
}

TEST(Codec, DecodeRefusesGarbageAndShortBuffers) {
  auto wb = amr(AmrKind::wb, AmrPacking::octet_aligned);
  std::vector<std::int16_t> pcm(320);
  const std::uint8_t garbage[] = {0xf0, 0x64};  // FT=12: reserved
  EXPECT_EQ(wb->decode(garbage, pcm).error, CodecError::malformed_payload);
  EXPECT_EQ(wb->decode({}, pcm).error, CodecError::malformed_payload);
  const auto payloads = encode_tone(*wb, 1000, 0.04);
  std::vector<std::int16_t> small(100);
  EXPECT_EQ(wb->decode(payloads[0], small).error, CodecError::buffer_too_small);
  auto opus = OpusCodec::create({});
  EXPECT_EQ(opus->decode({}, pcm).error, CodecError::malformed_payload);
}

// Loss in the middle of a tone: the concealed frames carry on at the tone's
// frequency (PLC), not silence.
TEST(Codec, ConcealmentContinuesTheTone) {
  for (const auto& c : all_codecs()) {
    auto codec = c.make();
    const auto payloads = encode_tone(*codec, 1000, 0.6);
    const std::size_t frame = codec->info().frame_samples;
    std::vector<std::int16_t> buf(48 * kMaxPayloadMs);
    for (std::size_t i = 0; i < 25; ++i) ASSERT_EQ(codec->decode(payloads[i], buf).error, CodecError::none);
    // two frames lost (40 ms: enough samples to measure at 8 kHz)
    std::vector<std::int16_t> concealed;
    for (int k = 0; k < 2; ++k) {
      const auto r = codec->conceal(buf, {});
      ASSERT_EQ(r.error, CodecError::none) << c.name;
      ASSERT_EQ(r.samples, frame) << c.name;
      concealed.insert(concealed.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(frame));
    }
    const auto m = measure_tone(concealed, codec->info().pcm_rate);
    EXPECT_TRUE(tone_present(m, {.frequency_hz = 1000, .min_level_dbfs = -35}))
        << c.name << ": " << m.frequency_hz << " Hz " << m.level_dbfs << " dBFS " << m.tone_fraction;
    // and decoding goes on afterwards
    EXPECT_EQ(codec->decode(payloads[26], buf).error, CodecError::none) << c.name;
  }
}

TEST(Codec, OpusFecRebuildsALostFrameFromTheNextPacket) {
  auto sender = OpusCodec::create({.pcm_rate = 16000, .inband_fec = true});
  auto receiver = OpusCodec::create({.pcm_rate = 16000});
  // speech-like enough for SILK (where FEC lives): a low tone
  const auto payloads = encode_tone(*sender, 300, 1.0, -12);
  std::vector<std::int16_t> buf(320 * 6);
  for (std::size_t i = 0; i < 30; ++i) ASSERT_EQ(receiver->decode(payloads[i], buf).error, CodecError::none);
  // frame 30 lost, 31 here: conceal with it
  const auto r = receiver->conceal(buf, payloads[31]);
  ASSERT_EQ(r.error, CodecError::none);
  EXPECT_EQ(r.samples, 320u);
  const auto m = measure_tone(std::span<const std::int16_t>(buf.data(), 320), 16000);
  EXPECT_NEAR(m.frequency_hz, 300, 300 * 0.05);
  EXPECT_EQ(receiver->decode(payloads[31], buf).error, CodecError::none);
}

TEST(Codec, OpusPayloadDurationIn48kUnits) {
  auto opus = OpusCodec::create({.pcm_rate = 8000});
  const auto payloads = encode_tone(*opus, 1000, 0.1);
  for (const auto& p : payloads) EXPECT_EQ(opus->payload_duration(p), 960u);
  EXPECT_EQ(opus->payload_duration({}), 0u);
  G711Codec pcma(G711Law::alaw);
  const std::vector<std::uint8_t> p240(240);
  EXPECT_EQ(pcma.payload_duration(p240), 240u);
}

// A stereo packet from a browser (opus/48000/2 with stereo=1) decodes to mono.
TEST(Codec, OpusDecodesStereoPacketsToMono) {
  int err = 0;
  OpusEncoder* stereo = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
  ASSERT_EQ(err, OPUS_OK);
  std::vector<std::int16_t> mono = test::tone(48000, 2000, 960);
  std::vector<std::int16_t> interleaved(1920);
  for (std::size_t i = 0; i < 960; ++i) interleaved[2 * i] = interleaved[2 * i + 1] = mono[i];
  auto receiver = OpusCodec::create({.pcm_rate = 16000});
  std::vector<std::int16_t> out;
  std::vector<std::int16_t> buf(960);
  for (int i = 0; i < 25; ++i) {
    std::uint8_t packet[1500];
    const int n = opus_encode(stereo, interleaved.data(), 960, packet, sizeof packet);
    ASSERT_GT(n, 0);
    const auto r = receiver->decode(std::span<const std::uint8_t>(packet, static_cast<std::size_t>(n)), buf);
    ASSERT_EQ(r.error, CodecError::none);
    ASSERT_EQ(r.samples, 320u);
    out.insert(out.end(), buf.begin(), buf.begin() + 320);
  }
  opus_encoder_destroy(stereo);
  const auto m = measure_tone(tail(out, 16000, 0.25), 16000);
  EXPECT_TRUE(tone_present(m, {.frequency_hz = 2000})) << m.frequency_hz;
}

std::uint8_t sent_mode(const AmrCodec& c, std::span<const std::uint8_t> payload) {
  AmrPacket p;
  EXPECT_EQ(unpack_amr_payload(c.params().kind, c.params().packing, payload, p), AmrPayloadError::none);
  return p.frames[0].frame_type();
}

// The peer's CMR switches what our encoder sends, within the mode-set.
TEST(Codec, AmrEncoderObeysThePeersCmr) {
  for (const AmrPacking packing : {AmrPacking::bandwidth_efficient, AmrPacking::octet_aligned}) {
    auto ours = AmrCodec::create({.kind = AmrKind::wb,
                                  .packing = packing,
                                  .modes = {.mode_set = (1u << 0) | (1u << 2) | (1u << 8)}});
    auto peer = AmrCodec::create({.kind = AmrKind::wb, .packing = packing});
    const auto pcm = test::tone(16000, 1000, 320);
    std::vector<std::uint8_t> out(kMaxPayload);
    std::vector<std::int16_t> sink(320 * 16);
    auto r = ours->encode(pcm, out);
    ASSERT_EQ(r.error, CodecError::none);
    EXPECT_EQ(sent_mode(*ours, std::span(out.data(), r.size)), 8);

    // the peer asks for 12.65 (mode 2)
    peer->request_mode(2);
    r = peer->encode(pcm, out);
    ASSERT_EQ(r.error, CodecError::none);
    ASSERT_EQ(ours->decode(std::span(out.data(), r.size), sink).error, CodecError::none);
    EXPECT_EQ(ours->peer_mode_request(), 2);
    r = ours->encode(pcm, out);
    EXPECT_EQ(sent_mode(*ours, std::span(out.data(), r.size)), 2);
    EXPECT_EQ(ours->current_mode(), 2);

    // 19.85 (mode 6) is not in the mode-set: we send 12.65, the closest lower
    peer->request_mode(6);
    r = peer->encode(pcm, out);
    ASSERT_EQ(ours->decode(std::span(out.data(), r.size), sink).error, CodecError::none);
    r = ours->encode(pcm, out);
    EXPECT_EQ(sent_mode(*ours, std::span(out.data(), r.size)), 2);

    // CMR=15: back to our choice
    peer->request_mode(kAmrNoModeRequest);
    r = peer->encode(pcm, out);
    ASSERT_EQ(ours->decode(std::span(out.data(), r.size), sink).error, CodecError::none);
    r = ours->encode(pcm, out);
    EXPECT_EQ(sent_mode(*ours, std::span(out.data(), r.size)), 8);
  }
}

TEST(Codec, AmrCmrWeSendIsInThePayload) {
  auto nb = AmrCodec::create({.kind = AmrKind::nb, .packing = AmrPacking::bandwidth_efficient});
  nb->request_mode(4);
  std::vector<std::uint8_t> out(kMaxPayload);
  const auto r = nb->encode(test::tone(8000, 1000, 160), out);
  ASSERT_EQ(r.error, CodecError::none);
  EXPECT_EQ(out[0] >> 4, 4);
}

// With DTX on, silence becomes SID frames (sent) and NO_DATA (not sent); the
// receiving decoder turns SIDs and missing frames into comfort noise.
TEST(Codec, AmrDtxSendsSidAndSuppressesNoData) {
  for (const AmrKind kind : {AmrKind::nb, AmrKind::wb}) {
    auto codec = AmrCodec::create({.kind = kind, .packing = AmrPacking::octet_aligned, .dtx = true});
    std::vector<std::int16_t> silence(codec->info().frame_samples, 0);
    std::vector<std::uint8_t> out(kMaxPayload);
    int sent = 0, sids = 0, suppressed = 0;
    auto receiver = AmrCodec::create({.kind = kind, .packing = AmrPacking::octet_aligned});
    std::vector<std::int16_t> pcm(codec->info().frame_samples * 16);
    for (int i = 0; i < 50; ++i) {
      const auto r = codec->encode(silence, out);
      ASSERT_EQ(r.error, CodecError::none);
      if (r.size == 0) {
        ++suppressed;
        ASSERT_EQ(receiver->conceal(pcm, {}).error, CodecError::none);
        continue;
      }
      ++sent;
      if (sent_mode(*codec, std::span(out.data(), r.size)) == amr_sid_type(kind)) ++sids;
      ASSERT_EQ(receiver->decode(std::span(out.data(), r.size), pcm).error, CodecError::none);
    }
    EXPECT_GT(sids, 2) << int(kind);
    EXPECT_GT(suppressed, 30) << int(kind);
  }
}

// Payloads with several frames (maxptime 40..100 ms from phones) decode in full.
TEST(Codec, AmrDecodesPayloadsWithSeveralFrames) {
  auto sender = AmrCodec::create({.kind = AmrKind::nb, .packing = AmrPacking::bandwidth_efficient});
  auto receiver = AmrCodec::create({.kind = AmrKind::nb, .packing = AmrPacking::bandwidth_efficient});
  const auto single = encode_tone(*sender, 2000, 1.0);
  std::vector<std::int16_t> pcm;
  std::vector<std::int16_t> buf(160 * 5);
  for (std::size_t i = 0; i + 5 <= single.size(); i += 5) {
    // repack five one-frame payloads into one five-frame payload
    std::vector<AmrPacket> packets(5);
    std::vector<std::span<const std::uint8_t>> frames;
    for (std::size_t k = 0; k < 5; ++k) {
      ASSERT_EQ(unpack_amr_payload(AmrKind::nb, AmrPacking::bandwidth_efficient, single[i + k], packets[k]),
                AmrPayloadError::none);
      frames.push_back(packets[k].frames[0].storage());
    }
    std::vector<std::uint8_t> payload(kMaxPayload);
    const auto packed = pack_amr_payload(AmrKind::nb, AmrPacking::bandwidth_efficient, 15, frames, payload);
    ASSERT_EQ(packed.error, AmrPayloadError::none);
    payload.resize(packed.size);
    EXPECT_EQ(receiver->payload_duration(payload), 800u);
    const auto r = receiver->decode(payload, buf);
    ASSERT_EQ(r.error, CodecError::none);
    ASSERT_EQ(r.samples, 800u);
    pcm.insert(pcm.end(), buf.begin(), buf.end());
  }
  const auto m = measure_tone(tail(pcm, 8000, 0.5), 8000);
  EXPECT_TRUE(tone_present(m, {.frequency_hz = 2000})) << m.frequency_hz;
}

}  // namespace
}  // namespace imsbox::media
