#include "sip/transaction/non_invite_client_transaction.h"

#include "actions_text.h"
#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

TEST(NonInviteClientTransaction, TimerEDoublesUpToT2InTrying) {
  NonInviteClientTransaction t(options(), false);
  EXPECT_EQ(text(t.start()), (Texts{"send OPTIONS", "start E 500", "start F 32000"}));
  EXPECT_EQ(text(t.on_timer(Timer::e)), (Texts{"send OPTIONS", "start E 1000"}));
  EXPECT_EQ(text(t.on_timer(Timer::e)), (Texts{"send OPTIONS", "start E 2000"}));
  EXPECT_EQ(text(t.on_timer(Timer::e)), (Texts{"send OPTIONS", "start E 4000"}));
  EXPECT_EQ(text(t.on_timer(Timer::e)), (Texts{"send OPTIONS", "start E 4000"}));
  EXPECT_EQ(text(t.on_timer(Timer::f)), (Texts{"cancel E", "timeout", "terminated"}));
}

TEST(NonInviteClientTransaction, TimerEIsT2InProceeding) {
  const Message req = options();
  NonInviteClientTransaction t(copy(req), false);
  t.start();
  EXPECT_EQ(text(t.on_response(answer(req, 100))), (Texts{"tu 100"}));
  EXPECT_EQ(t.state(), State::proceeding);
  EXPECT_EQ(text(t.on_timer(Timer::e)), (Texts{"send OPTIONS", "start E 4000"}));
  EXPECT_EQ(text(t.on_timer(Timer::e)), (Texts{"send OPTIONS", "start E 4000"}));
}

TEST(NonInviteClientTransaction, FinalResponseThenKAbsorbsRetransmissions) {
  const Message req = options();
  NonInviteClientTransaction t(copy(req), false);
  t.start();
  EXPECT_EQ(text(t.on_response(answer(req, 200))), (Texts{"cancel E", "cancel F", "start K 5000", "tu 200"}));
  EXPECT_EQ(t.state(), State::completed);
  EXPECT_TRUE(t.on_response(answer(req, 200)).empty());
  EXPECT_TRUE(t.on_timer(Timer::e).empty());
  EXPECT_EQ(text(t.on_timer(Timer::k)), (Texts{"terminated"}));
}

TEST(NonInviteClientTransaction, ReliableHasNoEAndNoK) {
  const Message req = options();
  NonInviteClientTransaction t(copy(req), true);
  EXPECT_EQ(text(t.start()), (Texts{"send OPTIONS", "start F 32000"}));
  EXPECT_EQ(text(t.on_response(answer(req, 404))), (Texts{"cancel F", "tu 404", "terminated"}));
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
