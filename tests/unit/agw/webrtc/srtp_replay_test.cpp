// ROC estimation (RFC 3711 §3.3.1, Appendix A) and the 1024-wide replay
// window (§3.3.2) of our SRTP.
#include "agw/webrtc/srtp_replay.h"

#include <gtest/gtest.h>

namespace imsbox::agw::webrtc {
namespace {

constexpr std::uint64_t index_of(std::uint64_t roc, std::uint16_t seq) { return (roc << 16) | seq; }

TEST(SrtpIndexEstimate, StartsWithRocZeroWhateverTheFirstSequenceNumber) {
  EXPECT_EQ(estimate_srtp_index(0, 0), 0u);
  EXPECT_EQ(estimate_srtp_index(0, 65000), 65000u);  // not ROC -1
  EXPECT_EQ(estimate_srtp_index(100, 65500), 65500u);
}

TEST(SrtpIndexEstimate, WrapsForwardAndBackward) {
  // s_l high: a small SEQ is after the wrap (ROC + 1)
  EXPECT_EQ(estimate_srtp_index(index_of(0, 65530), 3), index_of(1, 3));
  EXPECT_EQ(estimate_srtp_index(index_of(0, 65530), 65520), index_of(0, 65520));
  EXPECT_EQ(estimate_srtp_index(index_of(7, 40000), 100), index_of(8, 100));
  EXPECT_EQ(estimate_srtp_index(index_of(7, 40000), 10000), index_of(7, 10000));
  // s_l low: a high SEQ is a late packet from before the wrap (ROC - 1)
  EXPECT_EQ(estimate_srtp_index(index_of(1, 5), 65530), index_of(0, 65530));
  EXPECT_EQ(estimate_srtp_index(index_of(1, 5), 10), index_of(1, 10));
  EXPECT_EQ(estimate_srtp_index(index_of(3, 20000), 60000), index_of(2, 60000));
}

TEST(SrtpReplayWindow, FreshReplayedAndTooOld) {
  SrtpReplayWindow w;
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.check(5000), SrtpReplayWindow::Verdict::fresh);
  w.accept(5000);
  EXPECT_EQ(w.highest(), 5000u);
  EXPECT_EQ(w.check(5000), SrtpReplayWindow::Verdict::replayed);
  EXPECT_EQ(w.check(5001), SrtpReplayWindow::Verdict::fresh);
  // reordered within the window: accepted once
  EXPECT_EQ(w.check(4990), SrtpReplayWindow::Verdict::fresh);
  w.accept(4990);
  EXPECT_EQ(w.check(4990), SrtpReplayWindow::Verdict::replayed);
  EXPECT_EQ(w.check(5000 - 1023), SrtpReplayWindow::Verdict::fresh);
  EXPECT_EQ(w.check(5000 - 1024), SrtpReplayWindow::Verdict::too_old);
  // sliding forgets what fell out of the window and what the ring reuses
  w.accept(5000 + 1023);
  EXPECT_EQ(w.check(5000), SrtpReplayWindow::Verdict::replayed);
  EXPECT_EQ(w.check(4990), SrtpReplayWindow::Verdict::too_old);
  EXPECT_EQ(w.check(5000 + 1000), SrtpReplayWindow::Verdict::fresh);
  w.accept(5000 + 1024);
  EXPECT_EQ(w.check(5000), SrtpReplayWindow::Verdict::too_old);
  EXPECT_EQ(w.check(5000 + 1023), SrtpReplayWindow::Verdict::replayed);
  // a jump beyond the window clears it
  w.accept(100000);
  EXPECT_EQ(w.check(100000 - 1), SrtpReplayWindow::Verdict::fresh);
  EXPECT_EQ(w.check(100000), SrtpReplayWindow::Verdict::replayed);
}

TEST(SrtpReplayWindow, EveryIndexOfALongRunIsAcceptedOnceOnly) {
  SrtpReplayWindow w;
  for (std::uint64_t i = 0; i < 5000; i += 2) {  // evens in order, then each odd one late by 500
    ASSERT_EQ(w.check(i), SrtpReplayWindow::Verdict::fresh) << i;
    w.accept(i);
    if (i >= 501) {
      const std::uint64_t late = i - 501;
      ASSERT_EQ(w.check(late), SrtpReplayWindow::Verdict::fresh) << late;
      w.accept(late);
      ASSERT_EQ(w.check(late), SrtpReplayWindow::Verdict::replayed) << late;
    }
    ASSERT_EQ(w.check(i), SrtpReplayWindow::Verdict::replayed) << i;
  }
}

}  // namespace
}  // namespace imsbox::agw::webrtc
