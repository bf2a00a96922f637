// The INVITE client state machine on its own: events in, actions out.
#include "sip/transaction/invite_client_transaction.h"

#include "actions_text.h"
#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

TEST(InviteClientTransaction, UnreliableStartSendsAndStartsAAndB) {
  InviteClientTransaction t(invite(), false);
  EXPECT_EQ(text(t.start()), (Texts{"send INVITE", "start A 500", "start B 32000"}));
  EXPECT_EQ(t.state(), State::calling);
  // A doubles each time, with no cap at T2 (that is E's rule, not A's).
  EXPECT_EQ(text(t.on_timer(Timer::a)), (Texts{"send INVITE", "start A 1000"}));
  EXPECT_EQ(text(t.on_timer(Timer::a)), (Texts{"send INVITE", "start A 2000"}));
  EXPECT_EQ(text(t.on_timer(Timer::a)), (Texts{"send INVITE", "start A 4000"}));
  EXPECT_EQ(text(t.on_timer(Timer::a)), (Texts{"send INVITE", "start A 8000"}));
  EXPECT_EQ(text(t.on_timer(Timer::b)), (Texts{"cancel A", "timeout", "terminated"}));
  EXPECT_EQ(t.state(), State::terminated);
}

TEST(InviteClientTransaction, ReliableStartHasNoTimerA) {
  InviteClientTransaction t(invite("z9hG4bKt", "TCP"), true);
  EXPECT_EQ(text(t.start()), (Texts{"send INVITE", "start B 32000"}));
  EXPECT_TRUE(t.on_timer(Timer::a).empty());
}

TEST(InviteClientTransaction, ProvisionalStopsRetransmissionAndTimerB) {
  const Message inv = invite();
  InviteClientTransaction t(copy(inv), false);
  t.start();
  EXPECT_EQ(text(t.on_response(answer(inv, 180))), (Texts{"cancel A", "cancel B", "tu 180"}));
  EXPECT_EQ(t.state(), State::proceeding);
  EXPECT_EQ(text(t.on_response(answer(inv, 183))), (Texts{"tu 183"}));
  EXPECT_TRUE(t.on_timer(Timer::a).empty());
  EXPECT_TRUE(t.on_timer(Timer::b).empty());  // B guards Calling only
  EXPECT_EQ(t.state(), State::proceeding);
}

TEST(InviteClientTransaction, NonTwoHundredFinalIsAckedAndRetransmissionsAbsorbed) {
  const Message inv = invite();
  InviteClientTransaction t(copy(inv), false);
  t.start();
  t.on_response(answer(inv, 180));
  EXPECT_EQ(text(t.on_response(answer(inv, 487))), (Texts{"send ACK", "start D 32000", "tu 487"}));
  EXPECT_EQ(t.state(), State::completed);
  ASSERT_NE(t.ack(), nullptr);
  EXPECT_EQ(t.ack()->to().tag(), "b1");
  EXPECT_EQ(text(t.on_response(answer(inv, 487))), (Texts{"send ACK"}));  // TU not told twice
  EXPECT_EQ(text(t.on_timer(Timer::d)), (Texts{"terminated"}));
}

TEST(InviteClientTransaction, ReliableFinalTerminatesAtOnce) {
  const Message inv = invite("z9hG4bKt", "TCP");
  InviteClientTransaction t(copy(inv), true);
  t.start();
  EXPECT_EQ(text(t.on_response(answer(inv, 486))), (Texts{"cancel B", "send ACK", "tu 486", "terminated"}));
}

TEST(InviteClientTransaction, TwoHundredGoesToAcceptedAndEvery2xxToTheTu) {
  const Message inv = invite();
  InviteClientTransaction t(copy(inv), false);
  t.start();
  EXPECT_EQ(text(t.on_response(answer(inv, 200))), (Texts{"cancel A", "cancel B", "start M 32000", "tu 200"}));
  EXPECT_EQ(t.state(), State::accepted);
  EXPECT_EQ(t.ack(), nullptr);  // the ACK of a 2xx is the TU's
  EXPECT_EQ(text(t.on_response(answer(inv, 200))), (Texts{"tu 200"}));
  EXPECT_EQ(text(t.on_response(answer(inv, 200, "other-fork"))), (Texts{"tu 200"}));
  EXPECT_TRUE(t.on_response(answer(inv, 486)).empty());
  EXPECT_TRUE(t.on_response(answer(inv, 180)).empty());
  EXPECT_TRUE(t.on_transport_error().empty());
  EXPECT_EQ(text(t.on_timer(Timer::m)), (Texts{"terminated"}));
}

TEST(InviteClientTransaction, TransportErrorEndsIt) {
  InviteClientTransaction t(invite(), false);
  t.start();
  EXPECT_EQ(text(t.on_transport_error()), (Texts{"transport_error", "terminated"}));
  EXPECT_TRUE(t.on_timer(Timer::b).empty());
}

TEST(InviteClientTransaction, ConfigurableT1) {
  TimerValues v;
  v.t1 = milliseconds{100};
  InviteClientTransaction t(invite(), false, v);
  EXPECT_EQ(text(t.start()), (Texts{"send INVITE", "start A 100", "start B 6400"}));
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
