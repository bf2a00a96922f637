// The transcoding chain: a tone sent in codec A comes out of codec B, across
// rate changes, loss, reordering and pauses; CMR crosses the call.
#include <gtest/gtest.h>

#include <algorithm>

#include "media/amr_codec.h"
#include "media/codec_factory.h"
#include "media/g711_codec.h"
#include "media/opus_codec.h"
#include "media/transcoder.h"
#include "unit/shared/media/media_test_util.h"

namespace imsbox::media {
namespace {

using std::chrono::milliseconds;
using test::encode_tone;

std::unique_ptr<FrameCodec> codec(std::string_view name, int rate, std::string_view fmtp = "",
                                  const CodecOptions& options = {}) {
  const auto params = parse_fmtp(fmtp);
  auto r = make_codec(name, rate, name == "opus" ? 2 : 1, params, options);
  EXPECT_TRUE(r.codec) << r.error;
  return std::move(r.codec);
}

struct Out {
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<std::uint32_t> timestamps;
  std::vector<bool> markers;
};

// Sends `in` (one payload per 20 ms; `order` says which goes when, -1 = lost)
// through `chain`, pulling every 20 ms; collects the output.
Out run(TranscodeChain& chain, const std::vector<std::vector<std::uint8_t>>& in, std::uint32_t in_step,
        const std::vector<int>& order, int extra_ticks = 10) {
  Out out;
  MediaTime now{};
  const auto collect = [&] {
    while (auto o = chain.pull(now)) {
      out.payloads.emplace_back(o->payload.begin(), o->payload.end());
      out.timestamps.push_back(o->timestamp);
      out.markers.push_back(o->marker);
    }
  };
  for (std::size_t t = 0; t < order.size() + static_cast<std::size_t>(extra_ticks); ++t) {
    if (t < order.size() && order[t] >= 0) {
      const auto i = static_cast<std::size_t>(order[t]);
      chain.push(in[i], static_cast<std::uint16_t>(1000 + i), 5000 + static_cast<std::uint32_t>(i) * in_step, now);
    }
    collect();
    now += milliseconds(20);
  }
  return out;
}

std::vector<int> in_order(std::size_t n) {
  std::vector<int> o(n);
  for (std::size_t i = 0; i < n; ++i) o[i] = static_cast<int>(i);
  return o;
}

void expect_tone(FrameCodec& decoder, const Out& out, double hz) {
  const auto pcm = test::decode_all(decoder, out.payloads);
  ASSERT_FALSE(pcm.empty());
  const int rate = decoder.info().pcm_rate;
  const auto m = measure_tone(test::tail(pcm, rate, 0.5), rate);
  EXPECT_TRUE(tone_present(m, {.frequency_hz = hz, .min_level_dbfs = -30}))
      << decoder.info().encoding_name << ": " << m.frequency_hz << " Hz " << m.level_dbfs << " dBFS "
      << m.tone_fraction;
}

TEST(Transcoder, AmrNbToOpus16k) {
  auto a = codec("AMR", 8000, "octet-align=1");
  auto b = codec("opus", 48000);
  auto sender = codec("AMR", 8000, "octet-align=1");
  auto receiver = codec("opus", 48000);
  const auto in = encode_tone(*sender, 1000, 1.0);
  TranscodeChain chain(*a, *b, {.initial_timestamp = 77});
  const auto out = run(chain, in, 160, in_order(in.size()));
  // 40 ms of jitter buffer, then one payload per 20 ms tick; after the last
  // input (10 ticks more) the chain conceals until its idle timeout
  ASSERT_EQ(out.payloads.size(), in.size() + 10 - 2);
  EXPECT_EQ(chain.stats().concealed, 8u);
  for (std::size_t i = 0; i < out.timestamps.size(); ++i) {
    EXPECT_EQ(out.timestamps[i], 77 + 960 * i);
    EXPECT_EQ(out.markers[i], i == 0);
  }
  expect_tone(*receiver, out, 1000);
  EXPECT_EQ(chain.stats().decoded, in.size());
}

TEST(Transcoder, EveryPairCarriesTheTone) {
  const std::vector<std::pair<std::string_view, int>> codecs = {
      {"opus", 48000}, {"AMR", 8000}, {"AMR-WB", 16000}, {"PCMU", 8000}, {"PCMA", 8000}, {"G722", 8000}};
  for (const auto& [an, ar] : codecs) {
    for (const auto& [bn, br] : codecs) {
      for (const int opus_rate : {16000, 48000}) {
        if (an != "opus" && bn != "opus" && opus_rate != 16000) continue;
        const CodecOptions options{.opus_pcm_rate = opus_rate};
        auto a = codec(an, ar, "", options);
        auto b = codec(bn, br, "", options);
        auto sender = codec(an, ar, "", options);
        auto receiver = codec(bn, br, "", options);
        const auto in = encode_tone(*sender, 2000, 1.0);
        TranscodeChain chain(*a, *b);
        const auto out = run(chain, in, a->info().frame_timestamp, in_order(in.size()));
        SCOPED_TRACE(std::string(an) + " -> " + std::string(bn) + " opus at " + std::to_string(opus_rate));
        EXPECT_GE(out.payloads.size(), 48u);
        expect_tone(*receiver, out, 2000);
      }
    }
  }
}

TEST(Transcoder, LossAndReorderingAreConcealedAndReordered) {
  auto a = codec("AMR-WB", 16000);
  auto b = codec("PCMU", 8000);
  auto sender = codec("AMR-WB", 16000);
  auto receiver = codec("PCMU", 8000);
  const auto in = encode_tone(*sender, 1000, 2.0);
  std::vector<int> order = in_order(in.size());
  for (std::size_t i = 10; i + 1 < order.size(); i += 10) std::swap(order[i], order[i + 1]);  // reordered
  for (std::size_t i = 15; i < order.size(); i += 20) order[i] = -1;                          // lost
  TranscodeChain chain(*a, *b);
  const auto out = run(chain, in, 320, order);
  // one output per 20 ms, timestamps without gaps
  ASSERT_GE(out.payloads.size(), 98u);
  for (std::size_t i = 1; i < out.timestamps.size(); ++i) EXPECT_EQ(out.timestamps[i] - out.timestamps[i - 1], 160u);
  EXPECT_EQ(chain.jitter_stats().late, 0u);
  EXPECT_GE(chain.stats().concealed, 5u);
  EXPECT_EQ(chain.stats().decoded + 5, in.size());
  expect_tone(*receiver, out, 1000);
}

TEST(Transcoder, MalformedPayloadsAreConcealed) {
  auto a = codec("AMR", 8000);
  auto b = codec("PCMA", 8000);
  auto sender = codec("AMR", 8000);
  auto in = encode_tone(*sender, 1000, 1.0);
  in[20] = {0xf7, 0x77, 0x01};  // FT=14 in AMR: reserved
  TranscodeChain chain(*a, *b);
  const auto out = run(chain, in, 160, in_order(in.size()));
  EXPECT_GE(out.payloads.size(), 48u);
  EXPECT_GE(chain.stats().concealed, 1u);
  EXPECT_GE(chain.jitter_stats().dropped, 1u);  // it did not parse: never stored
}

TEST(Transcoder, PauseStopsOutputAndTheGapShowsInTheTimestamps) {
  auto a = codec("PCMU", 8000);
  auto b = codec("opus", 48000);
  auto sender = codec("PCMU", 8000);
  const auto in = encode_tone(*sender, 1000, 0.4);
  TranscodeChain chain(*a, *b, {.idle_timeout = milliseconds(300)});
  Out out;
  MediaTime now{};
  const auto tick = [&] {
    while (auto o = chain.pull(now)) {
      out.payloads.emplace_back(o->payload.begin(), o->payload.end());
      out.timestamps.push_back(o->timestamp);
      out.markers.push_back(o->marker);
    }
    now += milliseconds(20);
  };
  std::uint32_t ts = 0;
  for (std::size_t i = 0; i < 10; ++i, ts += 160) {
    chain.push(in[i], static_cast<std::uint16_t>(i), ts, now);
    tick();
  }
  for (int i = 0; i < 100; ++i) tick();  // 2 s without packets
  const std::size_t before = out.payloads.size();
  EXPECT_LE(before, 10u + 300 / 20 + 2);  // concealment until the idle timeout, then nothing
  ts += 160 * 100;
  for (std::size_t i = 10; i < 20; ++i, ts += 160) {
    chain.push(in[i], static_cast<std::uint16_t>(i), ts, now);
    tick();
  }
  for (int i = 0; i < 5; ++i) tick();
  ASSERT_GT(out.payloads.size(), before);
  EXPECT_TRUE(out.markers[before]);
  // about 1.7 s of silence (2 s minus the concealment), in 48 kHz units
  const std::uint32_t gap = out.timestamps[before] - out.timestamps[before - 1];
  EXPECT_GT(gap, 48000u * 15 / 10);
  EXPECT_LT(gap, 48000u * 21 / 10);
}

TEST(Transcoder, EncoderDtxSuppressesSilence) {
  auto a = codec("PCMU", 8000);
  auto b = codec("AMR", 8000, "", {.amr_dtx = true});
  std::vector<std::vector<std::uint8_t>> in(100, std::vector<std::uint8_t>(160, 0xff));  // mu-law silence
  TranscodeChain chain(*a, *b);
  const auto out = run(chain, in, 160, in_order(in.size()));
  EXPECT_GT(chain.stats().suppressed, 50u);
  EXPECT_LT(out.payloads.size(), 50u);
}

// The CMR in leg A's payloads steers leg A's encoder, used by B->A.
TEST(Transcoder, CmrFromOnePeerSteersTheOtherDirection) {
  auto a = codec("AMR-WB", 16000, "octet-align=1");
  auto b = codec("opus", 48000);
  TranscodedCall call(std::move(a), std::move(b));
  auto phone = AmrCodec::create({.kind = AmrKind::wb, .packing = AmrPacking::octet_aligned});
  phone->request_mode(1);  // the phone wants 8.85 kbit/s
  auto browser = codec("opus", 48000);
  const auto from_phone = encode_tone(*phone, 1000, 0.5);
  const auto from_browser = encode_tone(*browser, 2000, 0.5);
  MediaTime now{};
  std::vector<std::uint8_t> modes;
  for (std::size_t i = 0; i < from_phone.size() + 5; ++i) {
    if (i < from_phone.size()) {
      call.a_to_b().push(from_phone[i], static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 320), now);
      call.b_to_a().push(from_browser[i], static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 960), now);
    }
    while (call.a_to_b().pull(now)) {
    }
    while (auto o = call.b_to_a().pull(now)) {
      AmrPacket p;
      ASSERT_EQ(unpack_amr_payload(AmrKind::wb, AmrPacking::octet_aligned, o->payload, p), AmrPayloadError::none);
      modes.push_back(p.frames[0].frame_type());
    }
    now += milliseconds(20);
  }
  ASSERT_GT(modes.size(), 10u);
  // the first frames may go out before the phone's first payload is decoded
  EXPECT_EQ(modes.back(), 1);
  EXPECT_GE(std::count(modes.begin(), modes.end(), 1), static_cast<long>(modes.size()) - 3);
}

}  // namespace
}  // namespace imsbox::media
