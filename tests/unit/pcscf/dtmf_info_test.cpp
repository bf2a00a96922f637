// DTMF in SIP INFO bodies, as JsSIP and phones send them.
#include "pcscf/dtmf_info.h"

#include <gtest/gtest.h>

namespace imsbox::pcscf {
namespace {

TEST(DtmfInfoTest, DtmfRelayAsJsSipSendsIt) {
  // JsSIP 3.10 RTCSession/DTMF.js: "Signal=<tone>\r\nDuration=<ms>\r\n"
  const auto d = parse_dtmf_info("application/dtmf-relay", "Signal=5\r\nDuration=100\r\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digit, '5');
  EXPECT_EQ(d->duration_ms, 100);
}

TEST(DtmfInfoTest, StarHashLettersAndNumericForms) {
  EXPECT_EQ(parse_dtmf_info("application/dtmf-relay", "Signal= *\nDuration= 250")->digit, '*');
  EXPECT_EQ(parse_dtmf_info("Application/DTMF-Relay; charset=utf-8", "signal=#")->digit, '#');
  EXPECT_EQ(parse_dtmf_info("application/dtmf-relay", "Signal=10\r\n")->digit, '*');
  EXPECT_EQ(parse_dtmf_info("application/dtmf-relay", "Signal=11\r\n")->digit, '#');
  EXPECT_EQ(parse_dtmf_info("application/dtmf-relay", "Signal=d\r\n")->digit, 'D');
  EXPECT_EQ(parse_dtmf_info("application/dtmf", "7")->digit, '7');
  EXPECT_EQ(parse_dtmf_info("application/dtmf", "7\r\n")->duration_ms, 250);
}

TEST(DtmfInfoTest, DurationWithinTheAgwsBounds) {
  EXPECT_EQ(parse_dtmf_info("application/dtmf-relay", "Signal=1\r\nDuration=20\r\n")->duration_ms, 100);
  EXPECT_EQ(parse_dtmf_info("application/dtmf-relay", "Signal=1\r\nDuration=90000\r\n")->duration_ms, 5000);
  EXPECT_EQ(parse_dtmf_info("application/dtmf-relay", "Signal=1\r\nDuration=x\r\n")->duration_ms, 250);
}

TEST(DtmfInfoTest, NotDtmf) {
  EXPECT_FALSE(parse_dtmf_info("application/sdp", "Signal=1"));
  EXPECT_FALSE(parse_dtmf_info("application/dtmf-relay", ""));
  EXPECT_FALSE(parse_dtmf_info("application/dtmf-relay", "Signal=\r\n"));
  EXPECT_FALSE(parse_dtmf_info("application/dtmf-relay", "Signal=12\r\n"));
  EXPECT_FALSE(parse_dtmf_info("application/dtmf-relay", "Signal=E\r\n"));
  EXPECT_FALSE(parse_dtmf_info("application/dtmf", "55"));
  EXPECT_TRUE(is_dtmf_content_type("application/dtmf"));
  EXPECT_FALSE(is_dtmf_content_type("application/dtmfx"));
}

}  // namespace
}  // namespace imsbox::pcscf
