// make_codec from an rtpmap and an fmtp, as the AGW calls it.
#include <gtest/gtest.h>

#include "media/amr_codec.h"
#include "media/codec_factory.h"
#include "media/opus_codec.h"

namespace imsbox::media {
namespace {

MakeCodecResult make(std::string_view name, int rate, int channels, std::string_view fmtp,
                     const CodecOptions& options = {}) {
  const auto params = parse_fmtp(fmtp);
  return make_codec(name, rate, channels, params, options);
}

TEST(CodecFactory, ParsesFmtpIntoPairs) {
  const auto p = parse_fmtp(" mode-set=0,2,4,7; octet-align=1 ;mode-change-capability=2;flag;");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "mode-set");
  EXPECT_EQ(p[0].value, "0,2,4,7");
  EXPECT_EQ(p[1].name, "octet-align");
  EXPECT_EQ(p[1].value, "1");
  EXPECT_EQ(p[3].name, "flag");
  EXPECT_EQ(p[3].value, "");
  EXPECT_TRUE(parse_fmtp("").empty());
}

TEST(CodecFactory, BuildsEachCodecFromItsRtpmap) {
  struct C {
    const char* name;
    int rate, channels;
    const char* fmtp;
    int pcm_rate;
  };
  for (const C& c : {C{"opus", 48000, 2, "minptime=10;useinbandfec=1", 16000}, C{"OPUS", 48000, 2, "", 16000},
                     C{"AMR", 8000, 1, "octet-align=1", 8000}, C{"amr-wb", 16000, 1, "mode-change-capability=2", 16000},
                     C{"AMR-WB", 16000, 1, "octet-align=1;mode-set=0,1,2", 16000}, C{"PCMU", 8000, 1, "", 8000},
                     C{"pcma", 8000, 1, "", 8000}, C{"G722", 8000, 1, "", 16000}}) {
    const auto r = make(c.name, c.rate, c.channels, c.fmtp);
    ASSERT_TRUE(r.codec) << c.name << ": " << r.error;
    EXPECT_EQ(r.codec->info().pcm_rate, c.pcm_rate) << c.name;
    EXPECT_EQ(r.codec->info().rtp_clock_rate, c.rate) << c.name;
    EXPECT_TRUE(is_supported_codec(c.name, c.rate)) << c.name;
  }
}

TEST(CodecFactory, AmrFmtpSetsPackingModeSetAndRules) {
  auto r = make("AMR-WB", 16000, 1, "octet-align=1; mode-set=0,2,4; mode-change-period=2; mode-change-neighbor=1");
  ASSERT_TRUE(r.codec) << r.error;
  auto* amr = dynamic_cast<AmrCodec*>(r.codec.get());
  ASSERT_NE(amr, nullptr);
  EXPECT_EQ(amr->params().packing, AmrPacking::octet_aligned);
  EXPECT_EQ(amr->params().modes.mode_set, (1u << 0) | (1u << 2) | (1u << 4));
  EXPECT_EQ(amr->params().modes.mode_change_period, 2);
  EXPECT_TRUE(amr->params().modes.mode_change_neighbor);
  EXPECT_EQ(amr->current_mode(), 4);

  r = make("AMR", 8000, 1, "octet-align=0");
  ASSERT_TRUE(r.codec);
  EXPECT_EQ(dynamic_cast<AmrCodec*>(r.codec.get())->params().packing, AmrPacking::bandwidth_efficient);
}

TEST(CodecFactory, OpusFmtpAndOptions) {
  auto r = make("opus", 48000, 2, "maxplaybackrate=16000;maxaveragebitrate=20000;useinbandfec=1;usedtx=1;cbr=1",
                {.opus_pcm_rate = 8000, .opus_complexity = 3});
  ASSERT_TRUE(r.codec) << r.error;
  auto* opus = dynamic_cast<OpusCodec*>(r.codec.get());
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->params().pcm_rate, 8000);
  EXPECT_EQ(opus->params().complexity, 3);
  EXPECT_EQ(opus->params().max_playback_rate, 16000);
  EXPECT_EQ(opus->params().max_average_bitrate, 20000);
  EXPECT_TRUE(opus->params().inband_fec);
  EXPECT_TRUE(opus->params().dtx);
  EXPECT_TRUE(opus->params().cbr);
  EXPECT_EQ(r.codec->info().frame_samples, 160u);

  r = make("opus", 48000, 2, "useinbandfec=1", {.opus_fec = false});
  EXPECT_FALSE(dynamic_cast<OpusCodec*>(r.codec.get())->params().inband_fec);
  r = make("opus", 48000, 2, "", {.opus_pcm_rate = 44100});
  EXPECT_FALSE(r.codec);
  EXPECT_FALSE(r.error.empty());
}

TEST(CodecFactory, RefusesWhatItCannotDo) {
  EXPECT_FALSE(make("G729", 8000, 1, "").codec);
  EXPECT_FALSE(make("AMR", 16000, 1, "").codec);
  EXPECT_FALSE(make("PCMU", 8000, 2, "").codec);
  EXPECT_FALSE(make("AMR", 8000, 1, "crc=1;octet-align=1").codec);
  EXPECT_FALSE(make("AMR", 8000, 1, "robust-sorting=1;octet-align=1").codec);
  EXPECT_FALSE(make("AMR-WB", 16000, 1, "interleaving=4;octet-align=1").codec);
  EXPECT_FALSE(make("AMR", 8000, 1, "mode-set=0,9").codec);  // AMR has no mode 9
  EXPECT_FALSE(make("AMR", 8000, 1, "mode-set=x").codec);
  EXPECT_FALSE(make("AMR", 8000, 1, "mode-change-period=3").codec);
  const auto r = make("AMR-WB", 16000, 1, "channels=2");
  EXPECT_FALSE(r.codec);
  EXPECT_NE(r.error.find("channel"), std::string::npos);
  // crc=0, robust-sorting=0 and unknown parameters are fine
  EXPECT_TRUE(make("AMR", 8000, 1, "crc=0;robust-sorting=0;foo=bar;max-red=0").codec);
}

TEST(CodecFactory, SupportedList) {
  EXPECT_TRUE(is_supported_codec("opus", 48000));
  EXPECT_TRUE(is_supported_codec("AMR-WB", 16000));
  EXPECT_FALSE(is_supported_codec("opus", 16000));
  EXPECT_FALSE(is_supported_codec("telephone-event", 8000));
}

}  // namespace
}  // namespace imsbox::media
