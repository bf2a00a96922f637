// UserAgent, session modification: re-INVITE (RFC 3261 §14) and UPDATE (RFC
// 3311) both ways, glare (491, 500 with Retry-After) and the remote target
// refreshed only by a 2xx (RFC 5407 §3.3, RFC 6141 §3.4).
#include "sip/ua/user_agent.h"

#include "back_to_back.h"

namespace imsbox::sip::ua::test {
namespace {

TEST_F(BackToBack, ReInviteIsAnswered488WhenTheApplicationDoesNotTakeIt) {
  CallHandle a{};
  const CallHandle b = established(a);
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\ns=hold\r\n"));
  EXPECT_FALSE(alice.reinvite(a, "v=0\r\n"));  // one at a time (§14.1)
  pump();
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE"}));
  EXPECT_EQ(sent(bob_out, "488 INVITE").size(), 1u);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"offer-response INVITE 488"}));
  EXPECT_FALSE(bob.accept_offer(b));  // already answered
  // §14.1: the session is as it was, and Alice may try again.
  EXPECT_EQ(alice.dialog(a)->state(), DialogState::confirmed);
  EXPECT_TRUE(alice.reinvite(a, "v=0\r\n"));
  pump();
  EXPECT_EQ(alice.call_count() + bob.call_count(), 2u);
}

TEST_F(BackToBack, ReInviteTakenAndAcceptedIsAckedAndReportedOnBothSides) {
  CallHandle a{};
  const CallHandle b = established(a);
  bob_events.take_offers = true;
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\na=sendonly\r\n"));
  pump();
  ASSERT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE"}));
  const Message offer = parse(bob_events.last_offer);
  EXPECT_EQ(offer.body(), "v=0\r\na=sendonly\r\n");
  EXPECT_EQ(header(offer, HeaderId::contact), "<sip:192.0.2.1:5060>");
  EXPECT_EQ(offer.cseq().number, 2u);
  EXPECT_FALSE(bob.reinvite(b, "v=0\r\n"));  // not while the peer's offer is unanswered
  EXPECT_TRUE(alice_events.events.empty());  // the application takes its time

  ASSERT_TRUE(bob.accept_offer(b, "v=0\r\na=recvonly\r\n"));
  EXPECT_FALSE(bob.accept_offer(b));
  pump();
  const auto oks = sent(bob_out, "200 INVITE");
  ASSERT_EQ(oks.size(), 2u);
  EXPECT_EQ(oks[1].body(), "v=0\r\na=recvonly\r\n");
  EXPECT_EQ(header(oks[1], HeaderId::contact), "<sip:192.0.2.2:5060>");
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"offer-response INVITE 200"}));
  EXPECT_EQ(parse(alice_events.last_offer_response).body(), "v=0\r\na=recvonly\r\n");
  // Alice's UA ACKed the re-INVITE's 2xx itself, with its CSeq.
  const auto acks = sent(alice_out, "ACK");
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[1].cseq().number, 2u);
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE", "reinvite-ack"}));
  // No retransmission after the ACK; the call goes on.
  run_for(40s);
  EXPECT_EQ(sent(bob_out, "200 INVITE").size(), 2u);
  EXPECT_TRUE(bob.reinvite(b, "v=0\r\n"));  // now Bob may
  pump();
  EXPECT_EQ(sent(alice_out, "488 INVITE").size(), 1u);  // Alice's application does not take offers
  EXPECT_EQ(alice.call_count() + bob.call_count(), 2u);
}

TEST_F(BackToBack, ReInvite2xxIsRetransmittedUntilItsAckAndEveryCopyGetsTheSameAck) {
  CallHandle a{};
  const CallHandle b = established(a);
  bob_events.take_offers = true;
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\n"));
  pump();
  ASSERT_TRUE(bob.accept_offer(b, "v=0\r\n"));
  int lost = 0;
  const Drop lose_first_ack = [&](const Message& m) {
    return m.is_request() && m.method() == "ACK" && m.cseq().number == 2 && ++lost == 1;
  };
  pump(lose_first_ack);
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE"}));
  run_for(600ms, lose_first_ack);  // Bob's 2xx again at T1
  EXPECT_EQ(sent(bob_out, "200 INVITE").size(), 3u);
  const auto acks = sent(alice_out, "ACK");
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_EQ(acks[2].serialize(), acks[1].serialize());
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE", "reinvite-ack"}));
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"offer-response INVITE 200"}));  // once
}

TEST_F(BackToBack, ReInvite2xxWithoutAckEndsTheCallAfter64T1) {
  CallHandle a{};
  const CallHandle b = established(a);
  bob_events.take_offers = true;
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\n"));
  pump();
  ASSERT_TRUE(bob.accept_offer(b, "v=0\r\n"));
  const Drop lose_acks = [](const Message& m) { return m.is_request() && m.method() == "ACK"; };
  pump(lose_acks);
  run_for(33s, lose_acks);
  EXPECT_EQ(sent(bob_out, "BYE").size(), 1u);  // §13.3.1.4
  EXPECT_EQ(bob_events.events.back().reason, EndReason::no_ack);
  EXPECT_EQ(alice_events.events.back().reason, EndReason::bye_received);
}

TEST_F(BackToBack, RemoteTargetChangesOnlyWithThe2xxToTheRefresh) {
  CallHandle a{};
  const CallHandle b = established(a);
  bob_events.take_offers = true;
  const Dialog d = *bob.dialog(b);
  const std::string moved = "<sip:alice-moved@192.0.2.1:5060>";
  // Taken but not yet answered: the target stays.
  bob.receive(parse(to_bob(d, "INVITE", 5, moved, "v=0\r\n")), alice_addr);
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE"}));
  EXPECT_EQ(bob.dialog(b)->remote_target(), "sip:192.0.2.1:5060");
  // Rejected: still.
  bob_out.queue.clear();
  ASSERT_TRUE(bob.reject_offer(b));
  EXPECT_EQ(parse(bob_out.queue.back().bytes).status(), 488);
  EXPECT_EQ(bob.dialog(b)->remote_target(), "sip:192.0.2.1:5060");
  // An UPDATE answered 2xx: now.
  bob.receive(parse(to_bob(d, "UPDATE", 6, moved, "v=0\r\n")), alice_addr);
  ASSERT_TRUE(bob.accept_offer(b, "v=0\r\n"));
  EXPECT_EQ(parse(bob_out.queue.back().bytes).status(), 200);
  EXPECT_EQ(bob.dialog(b)->remote_target(), "sip:alice-moved@192.0.2.1:5060");
  bob_out.queue.clear();
  ASSERT_TRUE(bob.bye(b));
  EXPECT_EQ(sent(bob_out, "BYE").at(0).request_uri(), "sip:alice-moved@192.0.2.1:5060");
}

TEST_F(BackToBack, GlareGives491OnBothSides) {
  CallHandle a{};
  const CallHandle b = established(a);
  alice_events.take_offers = bob_events.take_offers = true;
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\ns=alice\r\n"));
  ASSERT_TRUE(bob.reinvite(b, "v=0\r\ns=bob\r\n"));
  pump();
  // §14.2: each received an INVITE while its own was pending.
  EXPECT_EQ(sent(alice_out, "491 INVITE").size(), 1u);
  EXPECT_EQ(sent(bob_out, "491 INVITE").size(), 1u);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"offer-response INVITE 491"}));
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer-response INVITE 491"}));
  // The application retries later; this time it works.
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\ns=alice\r\n"));
  pump();
  ASSERT_TRUE(bob.accept_offer(b, "v=0\r\n"));
  pump();
  EXPECT_EQ(alice_events.kinds().back(), "offer-response INVITE 200");
  EXPECT_EQ(bob_events.kinds().back(), "reinvite-ack");

  // An UPDATE of ours pending makes the peer's re-INVITE a 491 too (RFC 3311 §5.2).
  ASSERT_TRUE(bob.update(b, "v=0\r\n"));
  const Message glare = bob_answer_to(to_bob(*bob.dialog(b), "INVITE", 9, "<sip:192.0.2.1:5060>", "v=0\r\n"));
  EXPECT_EQ(glare.status(), 491);
}

TEST_F(BackToBack, AnotherOfferWhileThePreviousIsUnansweredIs500WithRetryAfter) {
  CallHandle a{};
  const CallHandle b = established(a);
  bob_events.take_offers = true;
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\n"));
  pump();
  ASSERT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE"}));
  std::uint32_t cseq = 7;
  for (const char* method : {"INVITE", "UPDATE"}) {
    const Message r = bob_answer_to(to_bob(*bob.dialog(b), method, cseq++, "<sip:192.0.2.1:5060>", "v=0\r\n"));
    EXPECT_EQ(r.status(), 500) << method;
    const auto retry_after = parse_number(header(r, HeaderId::retry_after), 10);  // §14.2: 0 to 10 s
    EXPECT_TRUE(retry_after) << header(r, HeaderId::retry_after);
  }
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer INVITE"}));  // the first is still held
  EXPECT_TRUE(bob.accept_offer(b, "v=0\r\n"));
}

TEST_F(BackToBack, UpdateInAConfirmedDialogIsOfferedAndAnswered) {
  CallHandle a{};
  const CallHandle b = established(a);
  bob_events.take_offers = true;
  ASSERT_TRUE(alice.update(a, "v=0\r\ns=update\r\n"));
  EXPECT_FALSE(alice.reinvite(a, "v=0\r\n"));  // RFC 3311 §5.1: one offer at a time
  pump();
  ASSERT_EQ(bob_events.kinds(), (std::vector<std::string>{"offer UPDATE"}));
  EXPECT_EQ(parse(bob_events.last_offer).body(), "v=0\r\ns=update\r\n");
  ASSERT_TRUE(bob.accept_offer(b, "v=0\r\ns=answer\r\n"));
  pump();
  const auto oks = sent(bob_out, "200 UPDATE");
  ASSERT_EQ(oks.size(), 1u);
  EXPECT_EQ(oks[0].body(), "v=0\r\ns=answer\r\n");
  EXPECT_EQ(header(oks[0], HeaderId::contact), "<sip:192.0.2.2:5060>");
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"offer-response UPDATE 200"}));
  EXPECT_EQ(sent(alice_out, "ACK").size(), 1u);  // only the INVITE's: an UPDATE has none
  EXPECT_TRUE(alice.reinvite(a, "v=0\r\n"));
}

TEST_F(BackToBack, UpdateInAnEarlyDialogReachesTheCaller) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  alice_events.take_offers = true;
  EXPECT_FALSE(bob.reinvite(b, "v=0\r\n"));  // no re-INVITE in an early dialog
  ASSERT_TRUE(bob.update(b, "v=0\r\ns=early\r\n"));
  pump();
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "offer UPDATE"}));
  ASSERT_TRUE(alice.accept_offer(a, "v=0\r\n"));
  pump();
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming", "offer-response UPDATE 200"}));
  EXPECT_EQ(sent(bob_out, "UPDATE").at(0).cseq().number, 1u);  // Bob's first request in the dialog
  ASSERT_TRUE(bob.answer(b));
  pump();
  EXPECT_EQ(alice_events.kinds().back(), "confirmed");
}

TEST_F(BackToBack, ByeWhileAnOfferIsHeldAnswersIt487) {
  CallHandle a{};
  const CallHandle b = established(a);
  bob_events.take_offers = true;
  ASSERT_TRUE(alice.reinvite(a, "v=0\r\n"));
  pump();
  ASSERT_TRUE(alice.bye(a));
  pump();
  EXPECT_EQ(sent(bob_out, "487 INVITE").size(), 1u);  // §15.1.2
  EXPECT_EQ(bob_events.events.back().reason, EndReason::bye_received);
  EXPECT_FALSE(bob.accept_offer(b));
  EXPECT_EQ(alice.call_count() + bob.call_count(), 0u);
}

}  // namespace
}  // namespace imsbox::sip::ua::test
