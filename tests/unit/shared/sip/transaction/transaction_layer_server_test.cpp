// TransactionLayer, server side, on a ManualClock: new requests, resending the
// last response, 100 Trying, ACK absorption, RFC 6026 Accepted, CANCEL,
// merged requests, RFC 2543 matching, stale handles.
#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

using Kind = TuEvent::Kind;
using Received = TransactionLayer::Received;

std::vector<milliseconds> ms(std::initializer_list<int> values) {
  std::vector<milliseconds> out;
  for (int v : values) out.emplace_back(v);
  return out;
}

class ServerLayer : public LayerTest {
 protected:
  // Delivers a request from the UE and returns the server transaction it created.
  ServerTransactionId arrive(Message request, const Peer& from = ue) {
    EXPECT_EQ(layer.receive(std::move(request), from), Received::new_request);
    EXPECT_FALSE(tu.of(Kind::request).empty());
    return ServerTransactionId{tu.of(Kind::request).back()->id};
  }
  std::vector<int> sent_statuses() const {
    std::vector<int> out;
    for (const auto& s : sender.sent) out.push_back(s.message.status());
    return out;
  }
};

TEST_F(ServerLayer, NewRequestReachesTheTuAndTheLastResponseIsResent) {
  const Message req = ue_request("MESSAGE", "z9hG4bKm1");
  const auto id = arrive(copy(req));
  const auto& event = *tu.of(Kind::request).front();
  EXPECT_EQ(event.message->method(), "MESSAGE");
  EXPECT_EQ(event.context.source, ue);
  EXPECT_FALSE(event.context.merged);
  EXPECT_EQ(layer.state(id), State::trying);
  ASSERT_NE(layer.request(id), nullptr);
  EXPECT_EQ(layer.request(id)->call_id(), req.call_id());

  EXPECT_EQ(layer.receive(copy(req), ue), Received::matched_request);  // Trying: absorbed
  EXPECT_TRUE(sender.sent.empty());
  EXPECT_EQ(tu.of(Kind::request).size(), 1u);

  ASSERT_TRUE(layer.respond(id, answer(req, 200)));
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].to, ue);
  run_for(2s);
  EXPECT_EQ(layer.receive(copy(req), ue), Received::matched_request);
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sender.sent[1].bytes, sender.sent[0].bytes);
  EXPECT_EQ(tu.of(Kind::request).size(), 1u);

  run_for(30s);  // timer J = 64*T1 after the 200
  EXPECT_EQ(layer.state(id), std::nullopt);
  EXPECT_EQ(tu.events.back().kind, Kind::server_terminated);
  EXPECT_EQ(tu.events.back().at, 32000ms);
}

TEST_F(ServerLayer, InviteRetransmissionGetsTheLastProvisional) {
  const Message req = ue_request("INVITE", "z9hG4bKi1");
  const auto id = arrive(copy(req));
  ASSERT_TRUE(layer.respond(id, answer(req, 180)));
  run_for(500ms);
  layer.receive(copy(req), ue);
  EXPECT_EQ(sent_statuses(), (std::vector<int>{180, 180}));
  EXPECT_EQ(sender.sent[1].bytes, sender.sent[0].bytes);
  EXPECT_EQ(layer.state(id), State::proceeding);
}

TEST_F(ServerLayer, Trying100After200msWhenTheTuIsSilent) {
  const Message req = ue_request("INVITE", "z9hG4bKi2");
  arrive(copy(req));
  run_for(199ms);
  EXPECT_TRUE(sender.sent.empty());
  run_for(1ms);
  ASSERT_EQ(sender.sent.size(), 1u);
  const Sent& trying = sender.sent[0];
  EXPECT_EQ(trying.at, 200ms);
  EXPECT_EQ(trying.to, ue);
  EXPECT_EQ(trying.message.status(), 100);
  EXPECT_EQ(trying.message.reason(), "Trying");
  EXPECT_TRUE(trying.message.to().tag().empty());
  EXPECT_EQ(trying.message.call_id(), req.call_id());
  EXPECT_EQ(trying.message.vias().front().branch(), "z9hG4bKi2");
  EXPECT_EQ(trying.message.cseq().method, "INVITE");
  run_for(10s);
  EXPECT_EQ(sender.sent.size(), 1u);  // once
}

TEST_F(ServerLayer, No100WhenTheTuAnswersWithin200ms) {
  const Message req = ue_request("INVITE", "z9hG4bKi3");
  const auto id = arrive(copy(req));
  run_for(100ms);
  ASSERT_TRUE(layer.respond(id, answer(req, 180)));
  run_for(5s);
  EXPECT_EQ(sent_statuses(), (std::vector<int>{180}));
}

TEST_F(ServerLayer, AckOfANon2xxIsAbsorbedAndTimerIEndsIt) {
  const Message req = ue_request("INVITE", "z9hG4bKi4");
  const auto id = arrive(copy(req));
  ASSERT_TRUE(layer.respond(id, answer(req, 486)));
  run_for(2s);  // timer G: 500, then 1000 later
  EXPECT_EQ(send_times(), ms({0, 500, 1500}));
  EXPECT_EQ(sent_statuses(), (std::vector<int>{486, 486, 486}));

  EXPECT_EQ(layer.receive(ue_request("ACK", "z9hG4bKi4", 1, "192.0.2.10:5060", "b1"), ue),
            Received::matched_request);
  EXPECT_EQ(layer.state(id), State::confirmed);
  EXPECT_TRUE(tu.of(Kind::ack).empty());  // absorbed, not the TU's
  EXPECT_EQ(layer.receive(ue_request("ACK", "z9hG4bKi4", 1, "192.0.2.10:5060", "b1"), ue),
            Received::matched_request);  // a retransmitted ACK too
  EXPECT_EQ(layer.receive(copy(req), ue), Received::matched_request);
  run_for(4999ms);
  EXPECT_EQ(sender.sent.size(), 3u);  // G stopped with the ACK
  EXPECT_EQ(layer.state(id), State::confirmed);
  run_for(1ms);  // timer I = T4 after the ACK
  EXPECT_EQ(layer.state(id), std::nullopt);
  EXPECT_EQ(tu.events.back().kind, Kind::server_terminated);
  EXPECT_TRUE(tu.of(Kind::server_failure).empty());
}

TEST_F(ServerLayer, TimerHReportsTheMissingAck) {
  const Message req = ue_request("INVITE", "z9hG4bKi5");
  const auto id = arrive(copy(req));
  ASSERT_TRUE(layer.respond(id, answer(req, 404)));
  run_for(40s);
  // G doubles up to T2, until H (64*T1).
  EXPECT_EQ(send_times(), ms({0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  ASSERT_EQ(tu.of(Kind::server_failure).size(), 1u);
  EXPECT_EQ(tu.of(Kind::server_failure)[0]->failure, Failure::timeout);
  EXPECT_EQ(tu.of(Kind::server_failure)[0]->at, 32000ms);
  EXPECT_EQ(tu.events.back().kind, Kind::server_terminated);
}

TEST_F(ServerLayer, ReliableTransportHasNoGAndNoI) {
  const Peer ue_tcp = peer(Transport::tcp, "192.0.2.10", 40000, 3);
  const Message req = ue_request("INVITE", "z9hG4bKi6");
  const auto id = arrive(copy(req), ue_tcp);
  ASSERT_TRUE(layer.respond(id, answer(req, 486)));
  run_for(10s);
  EXPECT_EQ(send_times(), ms({0}));
  EXPECT_EQ(sender.sent[0].to, ue_tcp);  // back over the connection it came on
  layer.receive(ue_request("ACK", "z9hG4bKi6", 1, "192.0.2.10:5060", "b1"), ue_tcp);
  EXPECT_EQ(layer.state(id), std::nullopt);  // I = 0
}

TEST_F(ServerLayer, TwoHundredOkKeepsTheTransactionInAcceptedUntilTimerL) {
  const Message req = ue_request("INVITE", "z9hG4bKi7");
  const auto id = arrive(copy(req));
  ASSERT_TRUE(layer.respond(id, answer(req, 200)));
  EXPECT_EQ(layer.state(id), State::accepted);
  run_for(1s);
  EXPECT_EQ(layer.receive(copy(req), ue), Received::matched_request);  // INVITE retransmission absorbed
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(tu.of(Kind::request).size(), 1u);
  ASSERT_TRUE(layer.respond(id, answer(req, 200)));  // the TU retransmits its 2xx
  EXPECT_EQ(sent_statuses(), (std::vector<int>{200, 200}));
  EXPECT_FALSE(layer.respond(id, answer(req, 500)));

  // An ACK on the INVITE's branch is passed up with the transaction (and
  // where the ACK came from, which a NAT may have changed).
  const Peer ue_rebound = peer(Transport::udp, "192.0.2.10", 5062);
  EXPECT_EQ(layer.receive(ue_request("ACK", "z9hG4bKi7", 1, "192.0.2.10:5060", "b1"), ue_rebound),
            Received::matched_request);
  ASSERT_EQ(tu.of(Kind::ack).size(), 1u);
  EXPECT_EQ(tu.of(Kind::ack)[0]->context.invite, id);
  EXPECT_EQ(tu.of(Kind::ack)[0]->context.source, ue_rebound);
  // The usual ACK of a 2xx (its own branch) matches nothing and goes up alone.
  EXPECT_EQ(layer.receive(ue_request("ACK", "z9hG4bKnewack", 1, "192.0.2.10:5060", "b1"), ue),
            Received::stray_ack);
  ASSERT_EQ(tu.of(Kind::ack).size(), 2u);
  EXPECT_EQ(tu.of(Kind::ack)[1]->context.invite, std::nullopt);
  EXPECT_EQ(tu.of(Kind::ack)[1]->context.source, ue);

  run_for(30999ms);
  EXPECT_EQ(layer.state(id), State::accepted);
  run_for(1ms);  // timer L = 64*T1 after the first 200
  EXPECT_EQ(layer.state(id), std::nullopt);
  EXPECT_EQ(tu.events.back().kind, Kind::server_terminated);
  EXPECT_EQ(sender.sent.size(), 2u);  // never a 2xx retransmission of its own
}

TEST_F(ServerLayer, CancelFindsItsInvite) {
  const Message req = ue_request("INVITE", "z9hG4bKc1");
  const auto invite_id = arrive(copy(req));
  const auto cancel_id = arrive(ue_request("CANCEL", "z9hG4bKc1"));
  EXPECT_NE(cancel_id, invite_id);
  const auto& cancel_event = *tu.of(Kind::request).back();
  EXPECT_EQ(cancel_event.message->method(), "CANCEL");
  EXPECT_EQ(cancel_event.context.invite, invite_id);
  EXPECT_FALSE(cancel_event.context.merged);

  // What a UAS does with it: 200 the CANCEL, 487 the INVITE; the ACK is absorbed.
  ASSERT_TRUE(layer.respond(cancel_id, answer(cancel_event.message.value(), 200)));
  ASSERT_TRUE(layer.respond(invite_id, answer(req, 487)));
  EXPECT_EQ(layer.receive(ue_request("ACK", "z9hG4bKc1", 1, "192.0.2.10:5060", "b1"), ue),
            Received::matched_request);
  EXPECT_EQ(layer.state(invite_id), State::confirmed);
  EXPECT_EQ(layer.state(cancel_id), State::completed);

  // Another branch, or the same branch from another sent-by: no INVITE.
  arrive(ue_request("CANCEL", "z9hG4bKother", 2));
  EXPECT_EQ(tu.of(Kind::request).back()->context.invite, std::nullopt);
  // (This one is also the first CANCEL again by another path: merged, §8.2.2.2.)
  EXPECT_EQ(layer.receive(ue_request("CANCEL", "z9hG4bKc1", 1, "192.0.2.99:5060"), ue), Received::merged_request);
  EXPECT_EQ(tu.of(Kind::request).back()->context.invite, std::nullopt);
}

TEST_F(ServerLayer, MergedRequestIsFlagged) {
  const Message first = ue_request("INVITE", "z9hG4bKpath1", 1, "192.0.2.10:5060");
  arrive(copy(first));
  // The same request (From tag, Call-ID, CSeq) forked back to us by another path.
  const Peer other = peer(Transport::udp, "198.51.100.7", 5060);
  EXPECT_EQ(layer.receive(ue_request("INVITE", "z9hG4bKpath2", 1, "198.51.100.7:5060"), other),
            Received::merged_request);
  const auto& merged = *tu.of(Kind::request).back();
  EXPECT_TRUE(merged.context.merged);
  // The UAS answers 482 on the merged request's own transaction.
  const ServerTransactionId merged_id{merged.id};
  ASSERT_TRUE(layer.respond(merged_id, answer(merged.message.value(), 482)));
  EXPECT_EQ(sender.sent.back().to, other);
  EXPECT_EQ(sender.sent.back().message.status(), 482);

  // A retransmission of the first is not merged; a new CSeq is not either.
  EXPECT_EQ(layer.receive(copy(first), ue), Received::matched_request);
  EXPECT_EQ(layer.receive(ue_request("INVITE", "z9hG4bKpath3", 2), ue), Received::new_request);
  // Inside a dialog (To tag) §8.2.2.2 does not apply.
  EXPECT_EQ(layer.receive(ue_request("INFO", "z9hG4bKin1", 5, "192.0.2.10:5060", "b1"), ue), Received::new_request);
  EXPECT_EQ(layer.receive(ue_request("INFO", "z9hG4bKin2", 5, "198.51.100.7:5060", "b1"), other),
            Received::new_request);
}

TEST_F(ServerLayer, MergeKeyIsForgottenWithItsTransaction) {
  const Message first = ue_request("OPTIONS", "z9hG4bKo1");
  const auto id = arrive(copy(first));
  ASSERT_TRUE(layer.respond(id, answer(first, 200)));
  run_for(32s);  // timer J
  EXPECT_EQ(layer.state(id), std::nullopt);
  EXPECT_EQ(layer.receive(ue_request("OPTIONS", "z9hG4bKo2"), ue), Received::new_request);
}

TEST_F(ServerLayer, Rfc2543RequestsMatchByTheFallbackRules) {
  // No magic cookie: matched on Request-URI, tags, Call-ID, CSeq and top Via.
  const Message req = ue_request("INVITE", "", 9, "192.0.2.10:5060", {}, "old-call@192.0.2.10");
  const auto id = arrive(copy(req));
  ASSERT_TRUE(layer.respond(id, answer(req, 180)));
  EXPECT_EQ(layer.receive(copy(req), ue), Received::matched_request);
  EXPECT_EQ(sent_statuses(), (std::vector<int>{180, 180}));

  // A CANCEL finds it by the same fields.
  arrive(ue_request("CANCEL", "", 9, "192.0.2.10:5060", {}, "old-call@192.0.2.10"));
  EXPECT_EQ(tu.of(Kind::request).back()->context.invite, id);

  ASSERT_TRUE(layer.respond(id, answer(req, 404, "uas-tag")));
  // An ACK with another To tag is not for this final response.
  EXPECT_EQ(layer.receive(ue_request("ACK", "", 9, "192.0.2.10:5060", "wrong", "old-call@192.0.2.10"), ue),
            Received::stray_ack);
  EXPECT_EQ(layer.state(id), State::completed);
  // The ACK carries the To tag of the 404.
  EXPECT_EQ(layer.receive(ue_request("ACK", "", 9, "192.0.2.10:5060", "uas-tag", "old-call@192.0.2.10"), ue),
            Received::matched_request);
  EXPECT_EQ(layer.state(id), State::confirmed);
}

TEST_F(ServerLayer, Rfc2543BranchWithoutCookieIsNotTrustedAlone) {
  // Same non-cookie branch, different CSeq: different transactions.
  arrive(ue_request("MESSAGE", "1234", 1));
  EXPECT_EQ(layer.receive(ue_request("MESSAGE", "1234", 2), ue), Received::new_request);
  EXPECT_EQ(layer.server_count(), 2u);
}

TEST_F(ServerLayer, AnsweringAnEndedTransactionDoesNothing) {
  const Peer ue_tcp = peer(Transport::tcp, "192.0.2.10", 40000, 3);
  const Message req = ue_request("MESSAGE", "z9hG4bKm9");
  const auto id = arrive(copy(req), ue_tcp);
  ASSERT_TRUE(layer.respond(id, answer(req, 200)));  // J = 0 on TCP: ends here
  EXPECT_EQ(layer.state(id), std::nullopt);
  EXPECT_EQ(tu.events.back().kind, Kind::server_terminated);
  const auto sent = sender.sent.size();
  const auto events = tu.events.size();
  EXPECT_FALSE(layer.respond(id, answer(req, 200)));
  EXPECT_FALSE(layer.respond(id, answer(req, 100)));
  EXPECT_FALSE(layer.respond(ServerTransactionId{12345}, answer(req, 200)));
  EXPECT_EQ(layer.request(id), nullptr);
  EXPECT_EQ(sender.sent.size(), sent);
  EXPECT_EQ(tu.events.size(), events);

  // Same over UDP after timer J.
  const Message req2 = ue_request("MESSAGE", "z9hG4bKm10", 2);
  const auto id2 = arrive(copy(req2));
  ASSERT_TRUE(layer.respond(id2, answer(req2, 200)));
  run_for(40s);
  EXPECT_EQ(layer.state(id2), std::nullopt);
  EXPECT_FALSE(layer.respond(id2, answer(req2, 200)));
}

TEST_F(ServerLayer, TuMayAnswerFromInsideOnRequestAndKeepReadingTheRequest) {
  const Peer ue_tcp = peer(Transport::tcp, "192.0.2.10", 40000, 3);
  std::string call_id_after_answer;
  tu.request_hook = [&](ServerTransactionId id, const Message& request) {
    EXPECT_TRUE(layer.respond(id, make_response(request, 200, {}, "t")));
    // The answer ended the transaction (TCP), yet the request is still valid here.
    call_id_after_answer = std::string(request.call_id());
  };
  arrive(ue_request("MESSAGE", "z9hG4bKm11"), ue_tcp);
  EXPECT_EQ(call_id_after_answer, "ue-call-1@192.0.2.10");
  EXPECT_EQ(tu.kinds(), (std::vector<Kind>{Kind::request, Kind::server_terminated}));
  EXPECT_EQ(layer.server_count(), 0u);
}

TEST_F(ServerLayer, FailedResponseSendIsReported) {
  const Message req = ue_request("INVITE", "z9hG4bKf1");
  const auto id = arrive(copy(req));
  sender.fail = true;
  EXPECT_TRUE(layer.respond(id, answer(req, 486)));
  EXPECT_EQ(tu.kinds(), (std::vector<Kind>{Kind::request, Kind::server_failure, Kind::server_terminated}));
  EXPECT_EQ(tu.events[1].failure, Failure::transport_error);
  EXPECT_EQ(timers.size(), 0u);
}

TEST_F(ServerLayer, MessageWithoutViaIsDropped) {
  Message bare = Message::request("OPTIONS", "sip:x@example.org");
  EXPECT_EQ(layer.receive(std::move(bare), ue), Received::dropped);
  EXPECT_TRUE(tu.events.empty());
  Message bare_response = Message::response(200, "OK");
  EXPECT_EQ(layer.receive(std::move(bare_response), ue), Received::stray_response);
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
