// P-RTP-Stat, written by the P-CSCF and read by the S-CSCF.
#include "ims/rtp_stat.h"

#include <gtest/gtest.h>

namespace imsbox::ims {
namespace {

TEST(RtpStatTest, WritesAndReadsBack) {
  RtpStat s;
  s.packets_sent = 250;
  s.octets_sent = 40000;
  s.packets_received = 248;
  s.octets_received = 39680;
  s.packets_lost = 2;
  s.jitter_ms = 3;
  EXPECT_EQ(format_rtp_stat(s), "PS=250,OS=40000,PR=248,OR=39680,PL=2,JI=3");
  EXPECT_EQ(parse_rtp_stat(format_rtp_stat(s)), s);
}

TEST(RtpStatTest, ReadsVendorsFormsAndSkipsWhatItDoesNotKnow) {
  // Cisco / Sipura: every field, some we do not keep
  const auto s = parse_rtp_stat("PS=1001,OS=160160,PR=998,OR=159680,PL=3,JI=1,LA=0,DU=20,EN=PCMU,DE=PCMU");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->packets_sent, 1001u);
  EXPECT_EQ(s->octets_received, 159680u);
  EXPECT_EQ(s->jitter_ms, 1u);
  const auto partial = parse_rtp_stat(" PS = 5 , PR=7");
  ASSERT_TRUE(partial);
  EXPECT_FALSE(partial->packets_sent);  // " PS " is not PS
  EXPECT_EQ(partial->packets_received, 7u);
  EXPECT_FALSE(parse_rtp_stat(""));
  EXPECT_FALSE(parse_rtp_stat("EN=PCMU,PS=x"));
  EXPECT_FALSE(parse_rtp_stat("PS=-1"));
}

}  // namespace
}  // namespace imsbox::ims
