// UserAgent, reliable provisional responses (RFC 3262): PRACK by the UAC,
// retransmission until the PRACK by the UAS, the 2xx that waits for it.
#include "sip/ua/user_agent.h"

#include "back_to_back.h"
#include "sip/response.h"

namespace imsbox::sip::ua::test {
namespace {

const Drop lose_pracks = [](const Message& m) { return m.is_request() && m.method() == "PRACK"; };

Provisional reliable_183(std::string body = "v=0\r\ns=early\r\n") {
  Provisional p;
  p.status = 183;
  p.reliable = true;
  p.body = std::move(body);
  return p;
}

TEST_F(BackToBack, ReliableProvisionalIsPrackedAndTheAnswerWaitsForThePrack) {
  CallHandle a{};
  const CallHandle b = call(a);
  const Message invite = sent(alice_out, "INVITE").at(0).clone();
  EXPECT_EQ(values(invite, HeaderId::supported), (std::vector<std::string>{"100rel"}));  // §4
  ASSERT_TRUE(bob.ring(b, reliable_183()));
  ASSERT_TRUE(bob.answer(b, "v=0\r\ns=bob\r\n"));
  EXPECT_TRUE(sent(bob_out, "200 INVITE").empty());  // §3: not before the PRACK
  const Message progress = sent(bob_out, "183 INVITE").at(0).clone();
  EXPECT_EQ(header(progress, HeaderId::require), "100rel");
  const auto rseq = parse_number(header(progress, HeaderId::rseq), 2147483647);
  ASSERT_TRUE(rseq);
  EXPECT_GE(rseq.value, 1u);
  EXPECT_EQ(progress.body(), "v=0\r\ns=early\r\n");

  pump();
  const auto pracks = sent(alice_out, "PRACK");
  ASSERT_EQ(pracks.size(), 1u);
  EXPECT_EQ(header(pracks[0], HeaderId::rack), std::to_string(rseq.value) + " 1 INVITE");
  EXPECT_EQ(pracks[0].to().tag(), progress.to().tag());  // in the early dialog
  EXPECT_EQ(pracks[0].cseq().number, 2u);
  EXPECT_EQ(sent(bob_out, "200 PRACK").size(), 1u);
  EXPECT_EQ(sent(bob_out, "200 INVITE").size(), 1u);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 183", "final 200", "confirmed"}));
  ASSERT_TRUE(alice.ack(a));
  pump();
  EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming", "confirmed"}));
  ASSERT_TRUE(alice.bye(a));
  pump();
  EXPECT_EQ(sent(alice_out, "BYE").at(0).cseq().number, 3u);
  EXPECT_EQ(alice.call_count() + bob.call_count(), 0u);
}

TEST_F(BackToBack, ReliableProvisionalIsRetransmittedUntilItsPrack) {
  CallHandle a{};
  const CallHandle b = call(a);
  ASSERT_TRUE(bob.ring(b, reliable_183()));
  int lost = 0;
  const Drop lose_two_pracks = [&](const Message& m) { return lose_pracks(m) && ++lost <= 2; };
  pump(lose_two_pracks);
  EXPECT_TRUE(bob.ring(b, reliable_183()) == false);  // one unacknowledged at a time
  run_for(2s, lose_two_pracks);  // 183 at 0, 0.5, 1.5 s; the PRACK gets through at 1.5 s
  const auto sent_183 = sent(bob_out, "183 INVITE").size();
  EXPECT_EQ(sent_183, 3u);
  EXPECT_EQ(sent(bob_out, "200 PRACK").size(), 1u);
  // One PRACK transaction (its own retransmissions), and the application
  // heard of the 183 once.
  for (const auto& p : sent(alice_out, "PRACK")) {
    EXPECT_EQ(p.top_via()->branch(), sent(alice_out, "PRACK").at(0).top_via()->branch());
  }
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 183"}));
  run_for(40s);
  EXPECT_EQ(sent(bob_out, "183 INVITE").size(), sent_183);
  // Acknowledged: the next reliable one may go, with the next RSeq.
  ASSERT_TRUE(bob.ring(b, reliable_183()));
  pump();
  const auto all_183 = sent(bob_out, "183 INVITE");
  EXPECT_EQ(parse_number(header(all_183.back(), HeaderId::rseq), 2147483647).value,
            parse_number(header(all_183.front(), HeaderId::rseq), 2147483647).value + 1);
  EXPECT_EQ(sent(alice_out, "PRACK").size(), 4u);  // 3 of the first transaction, 1 new
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 183", "provisional 183"}));
}

TEST_F(BackToBack, NoPrackWithin64T1RejectsTheInviteWith500) {
  CallHandle a{};
  const CallHandle b = call(a);
  ASSERT_TRUE(bob.ring(b, reliable_183()));
  ASSERT_TRUE(bob.answer(b));  // queued, and never sent
  pump(lose_pracks);
  run_for(33s, lose_pracks);
  // T1 doubling without cap: 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; at 32 s the 500.
  EXPECT_EQ(sent(bob_out, "183 INVITE").size(), 7u);
  EXPECT_EQ(sent(bob_out, "500 INVITE").size(), 1u);
  EXPECT_TRUE(sent(bob_out, "200 INVITE").empty());
  EXPECT_EQ(bob_events.events.back().reason, EndReason::no_prack);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 183", "final 500", "ended"}));
  EXPECT_EQ(alice.call_count() + bob.call_count(), 0u);
}

TEST_F(BackToBack, PrackMatchingNoReliableProvisionalIs481) {
  CallHandle a{};
  const CallHandle b = call(a);
  ASSERT_TRUE(bob.ring(b, reliable_183()));
  ASSERT_TRUE(bob.answer(b));
  pump(lose_pracks);
  const std::string prack = sent(alice_out, "PRACK").at(0).serialize();
  const std::string rack = header(parse(prack), HeaderId::rack);
  const auto rseq = std::stoul(rack.substr(0, rack.find(' ')));
  const std::string branch(parse(prack).top_via()->branch());
  // Another RSeq: 481, and the 2xx still waits.
  const std::string wrong = replaced(replaced(prack, "RAck: " + rack, "RAck: " + std::to_string(rseq + 5) + " 1 INVITE"),
                                     branch, branch + "x");
  EXPECT_EQ(bob_answer_to(wrong).status(), 481);
  EXPECT_TRUE(sent(bob_out, "200 INVITE").empty());
  // The right one: 200, and the 2xx goes.
  bob.receive(parse(prack), alice_addr);
  EXPECT_EQ(sent(bob_out, "200 PRACK").size(), 1u);
  EXPECT_EQ(sent(bob_out, "200 INVITE").size(), 1u);
  // A new PRACK for the acknowledged one: 481 (its retransmission would be absorbed by its transaction).
  EXPECT_EQ(bob_answer_to(replaced(replaced(prack, branch, branch + "y"), "CSeq: 2 ", "CSeq: 3 ")).status(), 481);
}

TEST_F(BackToBack, ReliableOnlyWhenTheInviteSupports100relAndAlwaysWhenItRequiresIt) {
  auto invite = [](std::string_view call_id, std::string_view extra) {
    return sip_text({"INVITE sip:bob@192.0.2.2:5060 SIP/2.0",
                     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" + std::string(call_id),
                     "Max-Forwards: 70", "From: <sip:alice@example.org>;tag=ftag", "To: <sip:bob@192.0.2.2>",
                     "Call-ID: " + std::string(call_id), "CSeq: 1 INVITE", "Contact: <sip:alice@192.0.2.1>",
                     extra});
  };
  // No 100rel: asked for, but sent unreliably.
  bob.receive(parse(invite("plain", "Supported: timer")), alice_addr);
  const CallHandle plain = bob_events.events.back().call;
  ASSERT_TRUE(bob.ring(plain, reliable_183()));
  Message r = parse(bob_out.log.back().bytes);
  EXPECT_EQ(r.status(), 183);
  EXPECT_EQ(r.find(HeaderId::rseq), nullptr);
  EXPECT_EQ(r.find(HeaderId::require), nullptr);
  // Require: 100rel: every 1xx is reliable, asked or not.
  bob.receive(parse(invite("required", "Require: 100rel")), alice_addr);
  const CallHandle required = bob_events.events.back().call;
  ASSERT_TRUE(bob.ring(required));
  r = parse(bob_out.log.back().bytes);
  EXPECT_EQ(r.status(), 180);
  EXPECT_EQ(header(r, HeaderId::require), "100rel");
  EXPECT_NE(r.find(HeaderId::rseq), nullptr);
  EXPECT_FALSE(bob.ring(required));  // the first awaits its PRACK
}

TEST_F(BackToBack, UacPracksEachRSeqOnceAndInOrder) {
  auto h = alice.invite("sip:bob@192.0.2.2:5060", "sip:alice@example.org", "v=0\r\n");
  ASSERT_TRUE(h);
  const Message invite = parse(alice_out.queue.front().bytes);
  alice_out.queue.clear();
  auto reliable = [&](std::uint32_t rseq) {
    Message r = make_response(invite, 183, {}, "forkA");
    r.append(HeaderId::contact, "<sip:192.0.2.2:5060>");
    r.append(HeaderId::require, "100rel");
    r.append(HeaderId::rseq, std::to_string(rseq));
    return parse(r.serialize());
  };
  auto racks = [&] {
    std::vector<std::string> out;
    for (const auto& p : sent(alice_out, "PRACK")) out.push_back(header(p, HeaderId::rack));
    return out;
  };
  alice.receive(reliable(7), bob_addr);
  alice.receive(reliable(7), bob_addr);  // a retransmission
  alice.receive(reliable(9), bob_addr);  // out of order: 8 is missing
  alice.receive(reliable(8), bob_addr);
  alice.receive(reliable(9), bob_addr);
  EXPECT_EQ(racks(), (std::vector<std::string>{"7 1 INVITE", "8 1 INVITE", "9 1 INVITE"}));
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 183", "provisional 183", "provisional 183"}));
  // An unreliable 1xx is handed up every time and not PRACKed.
  alice.receive(parse(make_response(invite, 180, {}, "forkA").serialize()), bob_addr);
  EXPECT_EQ(racks().size(), 3u);
  EXPECT_EQ(alice_events.kinds().size(), 4u);
}

}  // namespace
}  // namespace imsbox::sip::ua::test
