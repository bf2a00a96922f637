// AMR / AMR-WB fmtp parameters (RFC 4867 §8.1).
#include <gtest/gtest.h>

#include "sdp/amr.h"

namespace imsbox::sdp {
namespace {

AmrParameters amr(const char* fmtp, AmrKind kind = AmrKind::amr_wb) {
  const auto f = parse_fmtp(fmtp);
  EXPECT_TRUE(f) << fmtp;
  const auto p = parse_amr_parameters(*f, kind);
  EXPECT_TRUE(p) << fmtp;
  return p.value_or(AmrParameters{});
}

TEST(Amr, Kind) {
  EXPECT_EQ(amr_kind(Rtpmap{96, "AMR-WB", 16000, 1}), AmrKind::amr_wb);
  EXPECT_EQ(amr_kind(Rtpmap{97, "amr", 8000, std::nullopt}), AmrKind::amr);
  EXPECT_FALSE(amr_kind(Rtpmap{98, "AMR-WB+", 72000, std::nullopt}));
  EXPECT_FALSE(amr_kind(Rtpmap{0, "PCMU", 8000, std::nullopt}));
}

TEST(Amr, Defaults) {
  const auto p = amr("96");
  EXPECT_EQ(p, default_amr_parameters());
  EXPECT_FALSE(p.octet_aligned());
  EXPECT_FALSE(p.mode_set);
  EXPECT_EQ(p.mode_change_period, 1u);
  EXPECT_EQ(p.mode_change_capability, 1u);
}

TEST(Amr, Parameters) {
  const auto p = amr("97 mode-set=0, 2,5 ,7; mode-change-period=2; mode-change-neighbor=1; "
                     "mode-change-capability=2; max-red=220; octet-align=1");
  EXPECT_TRUE(p.octet_align);
  EXPECT_EQ(p.mode_set, (std::vector<std::uint8_t>{0, 2, 5, 7}));
  EXPECT_EQ(p.mode_change_period, 2u);
  EXPECT_TRUE(p.mode_change_neighbor);
  EXPECT_EQ(p.mode_change_capability, 2u);
  EXPECT_EQ(p.max_red, 220u);
  EXPECT_EQ(amr("96 mode-set=8").mode_set, (std::vector<std::uint8_t>{8}));  // AMR-WB 23.85
  EXPECT_TRUE(amr("96 crc=1").octet_aligned());
  EXPECT_TRUE(amr("96 robust-sorting=1").octet_aligned());
  EXPECT_TRUE(amr("96 interleaving=4").octet_aligned());
  EXPECT_FALSE(amr("96 octet-align=0").octet_aligned());
  EXPECT_FALSE(amr("96 x-vendor=whatever;octet-align=0").octet_aligned());  // unknown parameter ignored
}

TEST(Amr, RefusesOutOfRangeValues) {
  for (const auto& [fmtp, kind] : std::vector<std::pair<const char*, AmrKind>>{
           {"97 mode-set=8", AmrKind::amr},  // AMR-NB has modes 0..7
           {"96 mode-set=9", AmrKind::amr_wb},
           {"96 mode-set=", AmrKind::amr_wb},
           {"96 mode-set=1,,2", AmrKind::amr_wb},
           {"96 mode-set=1,", AmrKind::amr_wb},
           {"96 octet-align=2", AmrKind::amr_wb},
           {"96 octet-align", AmrKind::amr_wb},
           {"96 mode-change-period=0", AmrKind::amr_wb},
           {"96 mode-change-capability=3", AmrKind::amr_wb},
           {"96 mode-change-neighbor=yes", AmrKind::amr_wb},
           {"96 max-red=-1", AmrKind::amr_wb},
           {"96 interleaving=0", AmrKind::amr_wb},
           {"96 crc=true", AmrKind::amr_wb},
       }) {
    const auto f = parse_fmtp(fmtp);
    ASSERT_TRUE(f) << fmtp;
    EXPECT_FALSE(parse_amr_parameters(*f, kind)) << fmtp;
  }
}

}  // namespace
}  // namespace imsbox::sdp
