// UserAgent: a call's life (INVITE, ACK, BYE, CANCEL, forked 2xx) between
// two UAs back to back (back_to_back.h).
#include "sip/ua/user_agent.h"

#include "back_to_back.h"

namespace imsbox::sip::ua::test {
namespace {

TEST_F(BackToBack, FullCallInviteRingingOkAckByeOk) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180"}));
  ASSERT_NE(alice.dialog(a), nullptr);
  EXPECT_EQ(alice.dialog(a)->state(), DialogState::early);
  ASSERT_NE(bob.dialog(b), nullptr);
  EXPECT_EQ(bob.dialog(b)->state(), DialogState::early);

  const auto invites = sent(alice_out, "INVITE");
  ASSERT_EQ(invites.size(), 1u);
  EXPECT_EQ(invites[0].request_uri(), "sip:bob@192.0.2.2:5060");
  EXPECT_EQ(invites[0].body(), "v=0\r\n");
  EXPECT_EQ(header(invites[0], HeaderId::contact), "<sip:192.0.2.1:5060>");

  ASSERT_TRUE(bob.answer(b, "v=0\r\ns=bob\r\n"));
  pump();
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "final 200", "confirmed"}));
  ASSERT_TRUE(alice_events.confirmed);
  EXPECT_EQ(alice_events.confirmed->remote_target(), "sip:192.0.2.2:5060");
  // Each side's dialog id is the other's with the tags swapped.
  const DialogId alice_id = alice.dialog(a)->id();
  const DialogId bob_id = bob.dialog(b)->id();
  EXPECT_EQ(alice_id.call_id, bob_id.call_id);
  EXPECT_EQ(alice_id.local_tag, bob_id.remote_tag);
  EXPECT_EQ(alice_id.remote_tag, bob_id.local_tag);
  EXPECT_FALSE(alice_id.local_tag.empty());
  EXPECT_FALSE(alice_id.remote_tag.empty());
  EXPECT_EQ(alice.dialog(a)->state(), DialogState::confirmed);
  EXPECT_EQ(bob.dialog(b)->state(), DialogState::confirmed);

  // Bob hears of the confirmed call only with the ACK.
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming"}));
  ASSERT_TRUE(alice.ack(a));
  EXPECT_FALSE(alice.ack(a));  // once
  pump();
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming", "confirmed"}));
  const auto acks = sent(alice_out, "ACK");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].cseq().number, invites[0].cseq().number);
  EXPECT_EQ(acks[0].request_uri(), "sip:192.0.2.2:5060");
  EXPECT_EQ(acks[0].to().tag(), alice_id.remote_tag);
  EXPECT_NE(acks[0].top_via()->branch(), invites[0].top_via()->branch());  // a new transaction

  // Alice hangs up.
  ASSERT_TRUE(alice.bye(a));
  pump();
  const auto byes = sent(alice_out, "BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0].cseq().number, invites[0].cseq().number + 1);
  EXPECT_EQ(byes[0].from().tag(), alice_id.local_tag);
  EXPECT_EQ(byes[0].to().tag(), alice_id.remote_tag);
  EXPECT_EQ(sent(bob_out, "200 BYE").size(), 1u);
  ASSERT_EQ(bob_events.events.back().kind, "ended");
  EXPECT_EQ(bob_events.events.back().reason, EndReason::bye_received);
  ASSERT_EQ(alice_events.events.back().kind, "ended");
  EXPECT_EQ(alice_events.events.back().reason, EndReason::bye_sent);
  EXPECT_EQ(alice.call_count(), 0u);
  EXPECT_EQ(bob.call_count(), 0u);
  EXPECT_FALSE(alice.bye(a));

  // Nothing more: no 2xx retransmission after the ACK, the transactions end.
  const auto bob_sent = bob_out.log.size();
  run_for(40s);
  EXPECT_EQ(bob_out.log.size(), bob_sent);
  EXPECT_EQ(timers.size(), 0u);
}

TEST_F(BackToBack, CalleeHangsUpWithItsOwnCSeq) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(bob.answer(b));
  pump();
  ASSERT_TRUE(alice.ack(a));
  pump();
  ASSERT_TRUE(bob.bye(b));
  pump();
  const auto byes = sent(bob_out, "BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0].request_uri(), "sip:192.0.2.1:5060");  // Alice's Contact
  EXPECT_EQ(byes[0].cseq().number, 1u);
  EXPECT_EQ(alice_events.events.back().reason, EndReason::bye_received);
  EXPECT_EQ(bob_events.events.back().reason, EndReason::bye_sent);
  EXPECT_EQ(alice.call_count() + bob.call_count(), 0u);
}

TEST_F(BackToBack, RejectedCallEndsBothSides) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(bob.reject(b, 486));
  pump();
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "final 486", "ended"}));
  EXPECT_EQ(alice_events.events.back().reason, EndReason::rejected);
  EXPECT_EQ(bob_events.events.back().reason, EndReason::declined);
  EXPECT_EQ(sent(alice_out, "ACK").size(), 1u);  // the transaction's ACK of the 486
  EXPECT_EQ(alice.call_count() + bob.call_count(), 0u);
}

TEST_F(BackToBack, The2xxIsRetransmittedUntilItsAck) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(bob.answer(b));
  // The first three 200s are lost.
  int dropped = 0;
  auto lose = [&](const Message& m) { return !m.is_request() && m.status() == 200 && ++dropped <= 3; };
  pump(lose);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180"}));
  run_for(3400ms, lose);  // T1, 2*T1, 4*T1 after the first: 500, 1500, 3500 ms
  EXPECT_EQ(sent(bob_out, "200 INVITE").size(), 3u);
  run_for(200ms, lose);
  EXPECT_EQ(sent(bob_out, "200 INVITE").size(), 4u);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "final 200", "confirmed"}));
  ASSERT_TRUE(alice.ack(a));
  pump();
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming", "confirmed"}));
  run_for(20s);
  EXPECT_EQ(sent(bob_out, "200 INVITE").size(), 4u);
}

TEST_F(BackToBack, No2xxAckWithin64T1EndsTheCallWithBye) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(bob.answer(b));
  pump();
  // Alice never sends the ACK: a retransmitted 2xx reaches her, no more.
  run_for(32s);
  const auto oks = sent(bob_out, "200 INVITE");
  // 0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s; the BYE at 32 s.
  EXPECT_EQ(oks.size(), 11u);
  EXPECT_EQ(sent(bob_out, "BYE").size(), 1u);
  EXPECT_EQ(bob_events.events.back().reason, EndReason::no_ack);
  EXPECT_EQ(alice_events.events.back().reason, EndReason::bye_received);
}

// ---- CANCEL (RFC 3261 §9)

TEST_F(BackToBack, CancelAfterRingingIs487AndEndsBothSides) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(alice.cancel(a));
  EXPECT_FALSE(alice.cancel(a));  // once
  pump();
  const Message invite = sent(alice_out, "INVITE").at(0).clone();
  const auto cancels = sent(alice_out, "CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  // §9.1: the INVITE's Request-URI, Call-ID, From, To, top Via (its branch)
  // and CSeq number.
  EXPECT_EQ(cancels[0].request_uri(), invite.request_uri());
  EXPECT_EQ(cancels[0].top_via()->branch(), invite.top_via()->branch());
  EXPECT_EQ(cancels[0].cseq().number, invite.cseq().number);
  EXPECT_EQ(cancels[0].to().tag(), "");
  EXPECT_EQ(sent(bob_out, "200 CANCEL").size(), 1u);
  EXPECT_EQ(sent(bob_out, "487 INVITE").size(), 1u);
  EXPECT_EQ(bob_events.events.back().reason, EndReason::cancelled);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "final 487", "ended"}));
  EXPECT_EQ(alice_events.events.back().reason, EndReason::cancelled_by_us);
  EXPECT_EQ(sent(alice_out, "ACK").size(), 1u);  // the transaction's ACK of the 487
  EXPECT_FALSE(bob.answer(b));
  EXPECT_FALSE(alice.cancel(a));
  EXPECT_EQ(alice.call_count() + bob.call_count(), 0u);
}

TEST_F(BackToBack, CancelBeforeAnyProvisionalWaitsForOne) {
  CallHandle a{};
  call(a);  // Bob says nothing yet
  ASSERT_TRUE(alice.cancel(a));
  pump();
  // §9.1: no CANCEL before a provisional response.
  EXPECT_TRUE(sent(alice_out, "CANCEL").empty());
  EXPECT_EQ(alice.call_count(), 1u);
  // Bob's transaction sends 100 Trying after 200 ms: now the CANCEL goes.
  run_for(250ms);
  EXPECT_EQ(sent(bob_out, "100 INVITE").size(), 1u);
  EXPECT_EQ(sent(alice_out, "CANCEL").size(), 1u);
  EXPECT_EQ(sent(bob_out, "487 INVITE").size(), 1u);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 100", "final 487", "ended"}));
  EXPECT_EQ(alice_events.events.back().reason, EndReason::cancelled_by_us);
  EXPECT_EQ(bob_events.events.back().reason, EndReason::cancelled);
}

TEST_F(BackToBack, CancelAfterTheFinalResponseDoesNothing) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(bob.answer(b));
  pump();
  EXPECT_FALSE(alice.cancel(a));  // the INVITE has its 2xx
  EXPECT_TRUE(sent(alice_out, "CANCEL").empty());
  EXPECT_TRUE(alice.ack(a));
  EXPECT_FALSE(bob.cancel(b));  // not a UAC
}

TEST_F(BackToBack, A2xxRacingTheCancelIsAckedAndByed) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(bob.answer(b));   // the 200 is on its way...
  ASSERT_TRUE(alice.cancel(a));  // ...when Alice cancels
  pump();
  // Bob had answered: the CANCEL changes nothing there (§9.2).
  EXPECT_EQ(sent(bob_out, "200 CANCEL").size(), 1u);
  EXPECT_TRUE(sent(bob_out, "487 INVITE").empty());
  // §9.1, §15: Alice ACKs the 2xx and ends the dialog with BYE herself.
  const auto invite = sent(alice_out, "INVITE").at(0).clone();
  const auto acks = sent(alice_out, "ACK");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].cseq().number, invite.cseq().number);
  const auto byes = sent(alice_out, "BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0].to().tag(), acks[0].to().tag());
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "final 200", "ended"}));
  EXPECT_EQ(alice_events.events.back().reason, EndReason::cancelled_by_us);
  EXPECT_FALSE(alice.ack(a));
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming", "confirmed", "ended"}));
  EXPECT_EQ(bob_events.events.back().reason, EndReason::bye_received);
  EXPECT_EQ(alice.call_count() + bob.call_count(), 0u);
}

TEST_F(BackToBack, CancelWithoutFinalResponseGivesUpAfter64T1) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  // Bob never hears the CANCEL and never answers the INVITE.
  const Drop lose_cancel = [](const Message& m) { return m.is_request() && m.method() == "CANCEL"; };
  ASSERT_TRUE(alice.cancel(a));
  pump(lose_cancel);
  run_for(31s, lose_cancel);
  EXPECT_EQ(alice.call_count(), 1u);
  run_for(2s, lose_cancel);
  // §9.1: the INVITE is considered cancelled and its transaction destroyed.
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "final 408", "ended"}));
  EXPECT_EQ(alice_events.events.back().reason, EndReason::cancelled_by_us);
  EXPECT_EQ(alice.call_count(), 0u);
  EXPECT_EQ(alice.layer().client_count(), 0u);
  EXPECT_TRUE(bob.reject(b, 480));
}

// ---- forking (RFC 3261 §13.2.2.4)

TEST_F(BackToBack, A2xxOfAnotherForkIsAckedAndByedWithoutDisturbingTheCall) {
  CallHandle a{};
  const CallHandle b = established(a);
  const std::string bob_tag = bob.dialog(b)->id().local_tag;
  // The same 200 as another fork would send it: another To tag.
  const std::string fork_ok = replaced(sent(bob_out, "200 INVITE").at(0).serialize(), bob_tag, "fork2");
  run_for(10s);  // the fork answers late (still within timer M)
  alice.receive(parse(fork_ok), bob_addr);
  pump();
  auto acks = sent(alice_out, "ACK");
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[1].to().tag(), "fork2");
  EXPECT_EQ(acks[1].cseq().number, acks[0].cseq().number);
  auto byes = sent(alice_out, "BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0].to().tag(), "fork2");
  EXPECT_EQ(sent(bob_out, "481 BYE").size(), 1u);  // (Bob is not that fork)
  // The call is untouched and the application heard nothing.
  EXPECT_TRUE(alice_events.events.empty());
  EXPECT_EQ(alice.dialog(a)->id().remote_tag, bob_tag);
  EXPECT_EQ(alice.call_count(), 1u);

  // Its retransmissions get the same ACK, no new BYE: from the INVITE
  // transaction (Accepted) and, once timer M ended it, as strays.
  alice.receive(parse(fork_ok), bob_addr);
  pump();
  run_for(25s);
  EXPECT_EQ(alice.layer().client_count(), 0u);
  alice.receive(parse(fork_ok), bob_addr);
  pump();
  acks = sent(alice_out, "ACK");
  ASSERT_EQ(acks.size(), 4u);
  EXPECT_EQ(acks[2].serialize(), acks[1].serialize());
  EXPECT_EQ(acks[3].serialize(), acks[1].serialize());
  EXPECT_EQ(sent(alice_out, "BYE").size(), 1u);

  ASSERT_TRUE(alice.bye(a));
  pump();
  EXPECT_EQ(bob_events.events.back().reason, EndReason::bye_received);
  EXPECT_EQ(alice_events.events.back().reason, EndReason::bye_sent);
}

class LoneUa : public BackToBack {
 protected:
  // A request to Bob from somewhere, answered into bob_out.
  Message answer_to(const std::string& text) {
    bob.receive(parse(text), alice_addr);
    EXPECT_EQ(bob_out.queue.size(), 1u);
    Message r = parse(bob_out.queue.back().bytes);
    bob_out.queue.clear();
    return r;
  }
  static std::string request(std::string_view method, std::string_view to_tag, std::uint32_t cseq = 1,
                             std::string_view call_id = "nowhere@192.0.2.1") {
    std::string to = "To: <sip:bob@192.0.2.2>";
    if (!to_tag.empty()) to += ";tag=" + std::string(to_tag);
    return sip_text({std::string(method) + " sip:bob@192.0.2.2:5060 SIP/2.0",
                     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" + std::string(method) + std::to_string(cseq),
                     "Max-Forwards: 70", "From: <sip:alice@example.org>;tag=ftag", to,
                     "Call-ID: " + std::string(call_id), "CSeq: " + std::to_string(cseq) + " " + std::string(method),
                     "Contact: <sip:alice@192.0.2.1>"});
  }
};

TEST_F(LoneUa, InDialogRequestOfAnUnknownDialogIs481) {
  const Message bye = answer_to(request("BYE", "nosuchtag"));
  EXPECT_EQ(bye.status(), 481);
  EXPECT_EQ(bye.cseq().method, "BYE");
  EXPECT_EQ(bye.to().tag(), "nosuchtag");
  EXPECT_EQ(answer_to(request("INFO", "nosuchtag", 2)).status(), 481);
  EXPECT_EQ(answer_to(request("INVITE", "nosuchtag", 3)).status(), 481);  // a re-INVITE of no dialog
  EXPECT_EQ(bob_events.events.size(), 0u);
}

TEST_F(LoneUa, The180And200CarryTheInvitesRecordRouteInOrder) {
  // RFC 3261 §12.1.1: without it the caller's ACK and BYE skip the proxies
  std::string invite = request("INVITE", "");
  invite.insert(invite.find("Max-Forwards"),
                "Record-Route: <sip:term@192.0.2.9;lr>, <sip:term@192.0.2.8;lr>\r\n"
                "Record-Route: <sip:orig@192.0.2.7;lr>\r\n");
  bob.receive(parse(invite), alice_addr);
  ASSERT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming"}));
  const CallHandle b = bob_events.events.at(0).call;
  ASSERT_TRUE(bob.ring(b));
  ASSERT_TRUE(bob.answer(b, "v=0\r\n"));
  for (const auto* which : {"180 INVITE", "200 INVITE"}) {
    const auto responses = sent(bob_out, which);
    ASSERT_EQ(responses.size(), 1u) << which;
    std::vector<std::string> routes;
    for (const auto& h : responses[0].headers()) {
      if (h.id == HeaderId::record_route) routes.emplace_back(h.value);
    }
    EXPECT_EQ(routes, (std::vector<std::string>{"<sip:term@192.0.2.9;lr>, <sip:term@192.0.2.8;lr>",
                                                "<sip:orig@192.0.2.7;lr>"}))
        << which;
  }
  // and Bob's own route set is the same, in order (§12.1.1)
  ASSERT_NE(bob.dialog(b), nullptr);
  EXPECT_EQ(bob.dialog(b)->route_set(), (std::vector<std::string>{"<sip:term@192.0.2.9;lr>", "<sip:term@192.0.2.8;lr>",
                                                                   "<sip:orig@192.0.2.7;lr>"}));
}

TEST_F(LoneUa, OutsideADialogByeIs481AndAnUnknownMethod405WithAllow) {
  const Message bye = answer_to(request("BYE", ""));
  EXPECT_EQ(bye.status(), 481);
  EXPECT_FALSE(bye.to().tag().empty());  // §8.2.6.2
  const Message message = answer_to(request("MESSAGE", "", 2));
  EXPECT_EQ(message.status(), 405);
  EXPECT_NE(header(message, HeaderId::allow).find("INVITE"), std::string::npos);
  EXPECT_EQ(answer_to(request("OPTIONS", "", 3)).status(), 200);
}

TEST_F(BackToBack, OutOfOrderInDialogRequestIs500AndUnknownCallIdIs481) {
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  ASSERT_TRUE(bob.answer(b));
  pump();
  ASSERT_TRUE(alice.ack(a));
  pump();
  const DialogId id = bob.dialog(b)->id();
  const auto invite_cseq = sent(alice_out, "INVITE").at(0).cseq().number;
  auto in_dialog = [&](std::uint32_t cseq, std::string_view call_id) {
    return sip_text({"OPTIONS sip:192.0.2.2:5060 SIP/2.0",
                     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKooo" + std::to_string(cseq),
                     "Max-Forwards: 70", "From: <sip:alice@example.org>;tag=" + id.remote_tag,
                     "To: <sip:bob@192.0.2.2:5060>;tag=" + id.local_tag, "Call-ID: " + std::string(call_id),
                     "CSeq: " + std::to_string(cseq) + " OPTIONS"});
  };
  bob.receive(parse(in_dialog(invite_cseq - 1, id.call_id)), alice_addr);
  ASSERT_EQ(bob_out.queue.size(), 1u);
  EXPECT_EQ(parse(bob_out.queue.back().bytes).status(), 500);
  bob_out.queue.clear();
  bob.receive(parse(in_dialog(invite_cseq + 1, id.call_id)), alice_addr);
  ASSERT_EQ(bob_out.queue.size(), 1u);
  EXPECT_EQ(parse(bob_out.queue.back().bytes).status(), 200);
  bob_out.queue.clear();
  bob.receive(parse(in_dialog(invite_cseq + 2, "other-call")), alice_addr);
  ASSERT_EQ(bob_out.queue.size(), 1u);
  EXPECT_EQ(parse(bob_out.queue.back().bytes).status(), 481);
  bob_out.queue.clear();
  EXPECT_EQ(bob.call_count(), 1u);
}

TEST_F(BackToBack, OtherDialogRequestsGoToTheApplicationAndTheirAnswersComeBack) {
  CallHandle a{};
  const CallHandle b = established(a);
  // Bob's application takes INFO and REFER (the MRF: digits, transfers).
  bob_events.dialog_request_status = 200;
  ASSERT_TRUE(alice.request(a, "INFO", {}, "Signal=5\r\nDuration=160\r\n", "application/dtmf-relay"));
  pump();
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"request INFO"}));
  EXPECT_NE(bob_events.last_request.find("Signal=5"), std::string::npos);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"request-response INFO 200"}));

  ASSERT_TRUE(bob.request(b, "REFER", {{"Refer-To", "<sip:carol@192.0.2.3>"}}));
  pump();
  const auto refers = sent(bob_out, "REFER");
  ASSERT_EQ(refers.size(), 1u);
  EXPECT_EQ(header(refers[0], HeaderId::refer_to), "<sip:carol@192.0.2.3>");
  EXPECT_EQ(header(refers[0], HeaderId::contact), "<sip:192.0.2.2:5060>");
  // Alice's application does not take REFER: 405 with Allow, handed up to Bob.
  const auto refused = sent(alice_out, "405 REFER");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_FALSE(header(refused[0], HeaderId::allow).empty());
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"request INFO", "request-response REFER 405"}));

  EXPECT_FALSE(bob.request(b, "BYE"));     // has its own call
  EXPECT_FALSE(bob.request(b, "INVITE"));
  ASSERT_TRUE(bob.bye(b));
  EXPECT_FALSE(bob.request(b, "INFO"));    // a BYE went out
}

TEST_F(BackToBack, ProvisionalResponsesCarryExtraHeaders) {
  CallHandle a{};
  const CallHandle b = call(a);
  Provisional p;
  p.status = 183;
  p.body = "v=0\r\n";
  p.headers.push_back({"P-Early-Media", "sendonly"});
  ASSERT_TRUE(bob.ring(b, p));
  pump();
  const auto progress = sent(bob_out, "183 INVITE");
  ASSERT_EQ(progress.size(), 1u);
  const auto* h = progress[0].find("P-Early-Media");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->value, "sendonly");
}

}  // namespace
}  // namespace imsbox::sip::ua::test
