#include "sip/transaction/invite_server_transaction.h"

#include "actions_text.h"
#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

TEST(InviteServerTransaction, TryingTimerSends100WhenTheTuIsSilent) {
  const Message req = ue_request("INVITE", "z9hG4bKs1");
  InviteServerTransaction t(copy(req), false);
  EXPECT_EQ(text(t.start()), (Texts{"start trying 200"}));
  EXPECT_EQ(text(t.on_timer(Timer::trying)), (Texts{"send 100"}));
  ASSERT_NE(t.last_response(), nullptr);
  EXPECT_TRUE(t.last_response()->to().tag().empty());  // no To tag on a 100 (§8.2.6.1)
  EXPECT_EQ(text(t.on_request_retransmission()), (Texts{"send 100"}));
  // The TU's 180 no longer cancels a timer that already fired.
  EXPECT_EQ(text(t.on_tu_response(answer(req, 180))), (Texts{"send 180"}));
}

TEST(InviteServerTransaction, TuProvisionalBeforeTheTimerCancelsIt) {
  const Message req = ue_request("INVITE", "z9hG4bKs1");
  InviteServerTransaction t(copy(req), false);
  t.start();
  EXPECT_EQ(text(t.on_tu_response(answer(req, 180))), (Texts{"cancel trying", "send 180"}));
  EXPECT_TRUE(t.on_timer(Timer::trying).empty());
}

TEST(InviteServerTransaction, Trying100CopiesTimestamp) {
  Message req = ue_request("INVITE", "z9hG4bKs1");
  req.append(HeaderId::timestamp, "54.2");
  const Message trying = make_trying(req);
  ASSERT_NE(trying.find(HeaderId::timestamp), nullptr);
  EXPECT_EQ(trying.find(HeaderId::timestamp)->value, "54.2");
  EXPECT_EQ(trying.status(), 100);
}

TEST(InviteServerTransaction, NonTwoHundredRetransmittedOnGUntilAck) {
  const Message req = ue_request("INVITE", "z9hG4bKs1");
  InviteServerTransaction t(copy(req), false);
  t.start();
  EXPECT_EQ(text(t.on_tu_response(answer(req, 486))),
            (Texts{"cancel trying", "send 486", "start G 500", "start H 32000"}));
  EXPECT_EQ(t.state(), State::completed);
  EXPECT_EQ(text(t.on_timer(Timer::g)), (Texts{"send 486", "start G 1000"}));
  EXPECT_EQ(text(t.on_timer(Timer::g)), (Texts{"send 486", "start G 2000"}));
  EXPECT_EQ(text(t.on_timer(Timer::g)), (Texts{"send 486", "start G 4000"}));
  EXPECT_EQ(text(t.on_timer(Timer::g)), (Texts{"send 486", "start G 4000"}));  // capped at T2
  EXPECT_EQ(text(t.on_request_retransmission()), (Texts{"send 486"}));
  EXPECT_TRUE(t.on_tu_response(answer(req, 500)).empty());  // one final response only
  EXPECT_EQ(text(t.on_ack(ue_request("ACK", "z9hG4bKs1"))), (Texts{"cancel G", "cancel H", "start I 5000"}));
  EXPECT_EQ(t.state(), State::confirmed);
  EXPECT_TRUE(t.on_ack(ue_request("ACK", "z9hG4bKs1")).empty());  // absorbed
  EXPECT_TRUE(t.on_timer(Timer::g).empty());
  EXPECT_EQ(text(t.on_timer(Timer::i)), (Texts{"terminated"}));
}

TEST(InviteServerTransaction, TimerHWithoutAckIsATimeout) {
  const Message req = ue_request("INVITE", "z9hG4bKs1");
  InviteServerTransaction t(copy(req), false);
  t.start();
  t.on_tu_response(answer(req, 603));
  EXPECT_EQ(text(t.on_timer(Timer::h)), (Texts{"cancel G", "timeout", "terminated"}));
}

TEST(InviteServerTransaction, ReliableAckEndsAtOnce) {
  const Message req = ue_request("INVITE", "z9hG4bKs1");
  InviteServerTransaction t(copy(req), true);
  t.start();
  EXPECT_EQ(text(t.on_tu_response(answer(req, 486))), (Texts{"cancel trying", "send 486", "start H 32000"}));
  EXPECT_EQ(text(t.on_ack(ue_request("ACK", "z9hG4bKs1"))), (Texts{"cancel H", "terminated"}));
}

TEST(InviteServerTransaction, TwoHundredGoesToAcceptedPerRfc6026) {
  const Message req = ue_request("INVITE", "z9hG4bKs1");
  InviteServerTransaction t(copy(req), false);
  t.start();
  EXPECT_EQ(text(t.on_tu_response(answer(req, 200))), (Texts{"cancel trying", "send 200", "start L 32000"}));
  EXPECT_EQ(t.state(), State::accepted);
  EXPECT_TRUE(t.on_request_retransmission().empty());                 // INVITE absorbed
  EXPECT_EQ(text(t.on_tu_response(answer(req, 200))), (Texts{"send 200"}));  // the TU's 2xx retransmission
  EXPECT_TRUE(t.on_tu_response(answer(req, 486)).empty());
  EXPECT_EQ(text(t.on_ack(ue_request("ACK", "z9hG4bKs1"))), (Texts{"tu ACK"}));
  EXPECT_TRUE(t.on_timer(Timer::g).empty());
  EXPECT_EQ(text(t.on_timer(Timer::l)), (Texts{"terminated"}));
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
