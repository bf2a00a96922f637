#include "sip/transaction/non_invite_server_transaction.h"

#include "actions_text.h"
#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

TEST(NonInviteServerTransaction, ResendsTheLastResponseOnRetransmission) {
  const Message req = ue_request("MESSAGE", "z9hG4bKm1");
  NonInviteServerTransaction t(copy(req), false);
  EXPECT_TRUE(t.start().empty());
  EXPECT_TRUE(t.on_request_retransmission().empty());  // Trying: nothing to resend yet
  EXPECT_EQ(text(t.on_tu_response(answer(req, 100))), (Texts{"send 100"}));
  EXPECT_EQ(t.state(), State::proceeding);
  EXPECT_EQ(text(t.on_request_retransmission()), (Texts{"send 100"}));
  EXPECT_EQ(text(t.on_tu_response(answer(req, 202))), (Texts{"send 202", "start J 32000"}));
  EXPECT_EQ(t.state(), State::completed);
  EXPECT_EQ(text(t.on_request_retransmission()), (Texts{"send 202"}));
  EXPECT_TRUE(t.on_tu_response(answer(req, 500)).empty());
  EXPECT_EQ(text(t.on_timer(Timer::j)), (Texts{"terminated"}));
}

TEST(NonInviteServerTransaction, ReliableFinalEndsAtOnce) {
  const Message req = ue_request("MESSAGE", "z9hG4bKm1");
  NonInviteServerTransaction t(copy(req), true);
  EXPECT_EQ(text(t.on_tu_response(answer(req, 200))), (Texts{"send 200", "terminated"}));
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
