// TransactionLayer, client side, on a ManualClock: retransmissions, timeouts,
// the ACK of a non-2xx, RFC 6026 Accepted, response matching.
#include "sip/transaction/cancel.h"
#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

using Kind = TuEvent::Kind;

const Peer scscf_udp = peer(Transport::udp, "198.51.100.20", 5060);
const Peer scscf_tcp = peer(Transport::tcp, "198.51.100.20", 5060, 9);

std::vector<milliseconds> ms(std::initializer_list<int> values) {
  std::vector<milliseconds> out;
  for (int v : values) out.emplace_back(v);
  return out;
}

std::vector<std::string> values(const Message& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id == id) out.emplace_back(h.value);
  }
  return out;
}

using ClientLayer = LayerTest;

TEST_F(ClientLayer, TimerADoublesUntilTimerBGivesTheTuA408) {
  const auto id = layer.send_request(invite(), scscf_udp);
  ASSERT_TRUE(id);
  EXPECT_EQ(layer.state(*id), State::calling);
  run_for(40s);

  // Sent at 0, then timer A: 500, 1000, 2000, 4000, 8000, 16000 ms apart.
  EXPECT_EQ(send_times(), ms({0, 500, 1500, 3500, 7500, 15500, 31500}));
  for (const auto& s : sender.sent) {
    EXPECT_EQ(s.to, scscf_udp);
    EXPECT_EQ(s.bytes, sender.sent.front().bytes);
    EXPECT_EQ(s.message.method(), "INVITE");
  }
  // Timer B (64*T1) fires at 32 s: the TU gets a 408 and the end.
  ASSERT_EQ(tu.kinds(), (std::vector<Kind>{Kind::client_failure, Kind::client_terminated}));
  const auto& failure = tu.events[0];
  EXPECT_EQ(failure.at, 32000ms);
  EXPECT_EQ(failure.id, id->value);
  EXPECT_EQ(failure.failure, Failure::timeout);
  ASSERT_TRUE(failure.message);
  EXPECT_EQ(failure.message->status(), 408);
  EXPECT_EQ(failure.message->call_id(), "call-1@192.0.2.10");
  EXPECT_EQ(failure.message->cseq().method, "INVITE");
  EXPECT_EQ(failure.message->vias().front().branch(), "z9hG4bKpcscf1");
  EXPECT_EQ(layer.state(*id), std::nullopt);
  EXPECT_EQ(layer.request(*id), nullptr);
  EXPECT_EQ(layer.client_count(), 0u);
  EXPECT_EQ(timers.size(), 0u);
}

TEST_F(ClientLayer, ShorterT1ScalesEveryTimer) {
  TimerValues fast;
  fast.t1 = 50ms;
  fast.t2 = 400ms;
  TransactionLayer quick(sender, tu, timers, {.timers = fast, .branch_seed = 1});
  ASSERT_TRUE(quick.send_request(invite(), scscf_udp));
  run_for(4s);
  EXPECT_EQ(send_times(), ms({0, 50, 150, 350, 750, 1550, 3150}));
  ASSERT_FALSE(tu.events.empty());
  EXPECT_EQ(tu.events.front().at, 3200ms);  // B = 64 * 50 ms
}

TEST_F(ClientLayer, InvalidTimersAreRefused) {
  TimerValues bad;
  bad.t1 = 0ms;
  EXPECT_THROW((void)TransactionLayer(sender, tu, timers, {.timers = bad, .branch_seed = 1}), std::invalid_argument);
  bad.t1 = 5000ms;  // above T2
  EXPECT_THROW((void)TransactionLayer(sender, tu, timers, {.timers = bad, .branch_seed = 1}), std::invalid_argument);
}

TEST_F(ClientLayer, NonInviteTimerEIsCappedAtT2UntilTimerF) {
  const auto id = layer.send_request(options(), scscf_udp);
  ASSERT_TRUE(id);
  EXPECT_EQ(layer.state(*id), State::trying);
  run_for(40s);
  // 500, 1000, 2000, then T2 = 4000 ms apart.
  EXPECT_EQ(send_times(), ms({0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  ASSERT_EQ(tu.kinds(), (std::vector<Kind>{Kind::client_failure, Kind::client_terminated}));
  EXPECT_EQ(tu.events[0].at, 32000ms);  // timer F
  EXPECT_EQ(tu.events[0].failure, Failure::timeout);
  EXPECT_EQ(tu.events[0].message->status(), 408);
}

TEST_F(ClientLayer, NonInviteTimerEIsT2InProceeding) {
  const Message req = options();
  const auto id = layer.send_request(copy(req), scscf_udp);
  run_for(600ms);  // sent at 0 and 500; E is due again at 1500
  EXPECT_EQ(layer.receive(answer(req, 100), scscf_udp), TransactionLayer::Received::response);
  EXPECT_EQ(layer.state(*id), State::proceeding);
  run_for(11400ms);  // up to 12 s
  EXPECT_EQ(send_times(), ms({0, 500, 1500, 5500, 9500}));
  ASSERT_EQ(tu.kinds(), (std::vector<Kind>{Kind::response}));
  EXPECT_EQ(tu.events[0].message->status(), 100);

  layer.receive(answer(req, 200), scscf_udp);
  run_for(10s);
  EXPECT_EQ(sender.sent.size(), 5u);  // no retransmission after the final response
  EXPECT_EQ(tu.kinds(), (std::vector<Kind>{Kind::response, Kind::response, Kind::client_terminated}));
  EXPECT_EQ(tu.events[2].at, 17000ms);  // timer K = T4 after the 200 at 12 s
}

TEST_F(ClientLayer, ReliableTransportSendsOnceAndTimesOutOnB) {
  const auto id = layer.send_request(invite("z9hG4bKtcp", "TCP"), scscf_tcp);
  ASSERT_TRUE(id);
  run_for(40s);
  EXPECT_EQ(send_times(), ms({0}));
  EXPECT_EQ(sender.sent[0].to, scscf_tcp);
  ASSERT_EQ(tu.kinds(), (std::vector<Kind>{Kind::client_failure, Kind::client_terminated}));
  EXPECT_EQ(tu.events[0].at, 32000ms);
}

TEST_F(ClientLayer, ReliableNonInviteEndsWithItsFinalResponse) {
  const Message req = options("z9hG4bKtcp2");
  const auto id = layer.send_request(copy(req), scscf_tcp);
  run_for(3s);
  EXPECT_EQ(sender.sent.size(), 1u);
  layer.receive(answer(req, 200), scscf_tcp);
  // Timer K is 0 on TCP: response, then the end, at once.
  EXPECT_EQ(tu.kinds(), (std::vector<Kind>{Kind::response, Kind::client_terminated}));
  EXPECT_EQ(layer.state(*id), std::nullopt);
  EXPECT_EQ(timers.size(), 0u);
}

TEST_F(ClientLayer, Non2xxIsAckedWithTheRfcHeadersAndTheAckResentOnRetransmission) {
  const Message inv = invite();
  const auto id = layer.send_request(copy(inv), scscf_udp);
  run_for(100ms);
  layer.receive(answer(inv, 180, "callee-7"), scscf_udp);
  run_for(900ms);
  EXPECT_EQ(sender.sent.size(), 1u);  // the 180 stopped timer A
  layer.receive(answer(inv, 487, "callee-7"), scscf_udp);

  ASSERT_EQ(sender.sent.size(), 2u);
  const Sent& ack = sender.sent[1];
  EXPECT_EQ(ack.to, scscf_udp);
  EXPECT_EQ(ack.message.method(), "ACK");
  EXPECT_EQ(ack.message.request_uri(), "sip:bob@ims.example.org");
  EXPECT_EQ(values(ack.message, HeaderId::via),
            std::vector<std::string>{"SIP/2.0/UDP pcscf.ims.example.org:5060;branch=z9hG4bKpcscf1"});
  EXPECT_EQ(values(ack.message, HeaderId::route), values(inv, HeaderId::route));
  EXPECT_EQ(values(ack.message, HeaderId::from), values(inv, HeaderId::from));
  EXPECT_EQ(values(ack.message, HeaderId::to), std::vector<std::string>{"<sip:bob@ims.example.org>;tag=callee-7"});
  EXPECT_EQ(ack.message.call_id(), inv.call_id());
  EXPECT_EQ(values(ack.message, HeaderId::cseq), std::vector<std::string>{"314 ACK"});
  EXPECT_TRUE(ack.message.body().empty());
  EXPECT_EQ(layer.state(*id), State::completed);
  const std::string ack_bytes = ack.bytes;  // `ack` dangles once more is sent

  // The 487 again (our ACK was lost): the same ACK again, the TU hears nothing.
  run_for(1s);
  EXPECT_EQ(layer.receive(answer(inv, 487, "callee-7"), scscf_udp), TransactionLayer::Received::response);
  ASSERT_EQ(sender.sent.size(), 3u);
  EXPECT_EQ(sender.sent[2].bytes, ack_bytes);
  EXPECT_EQ(tu.kinds(), (std::vector<Kind>{Kind::response, Kind::response}));
  EXPECT_EQ(tu.events[1].message->status(), 487);

  // Timer D: 32 s after the first 487.
  run_for(30999ms);
  EXPECT_EQ(layer.state(*id), State::completed);
  run_for(1ms);
  EXPECT_EQ(layer.state(*id), std::nullopt);
  EXPECT_EQ(tu.kinds().back(), Kind::client_terminated);
  EXPECT_EQ(tu.events.back().at, 33000ms);
  EXPECT_EQ(layer.receive(answer(inv, 487, "callee-7"), scscf_udp), TransactionLayer::Received::stray_response);
}

TEST_F(ClientLayer, TwoHundredOkGoesToTheTuAndAcceptedPassesRetransmissionsUntilTimerM) {
  const Message inv = invite();
  const auto id = layer.send_request(copy(inv), scscf_udp);
  run_for(200ms);
  layer.receive(answer(inv, 200, "fork-1"), scscf_udp);
  EXPECT_EQ(layer.state(*id), State::accepted);
  run_for(2s);
  layer.receive(answer(inv, 200, "fork-1"), scscf_udp);  // retransmission
  layer.receive(answer(inv, 200, "fork-2"), scscf_udp);  // another fork
  layer.receive(answer(inv, 486, "fork-3"), scscf_udp);  // a late failure: nothing to do

  EXPECT_EQ(send_times(), ms({0}));  // no retransmission, and no ACK: that is the TU's
  ASSERT_EQ(tu.kinds(), (std::vector<Kind>{Kind::response, Kind::response, Kind::response}));
  EXPECT_EQ(tu.events[0].message->to().tag(), "fork-1");
  EXPECT_EQ(tu.events[1].message->to().tag(), "fork-1");
  EXPECT_EQ(tu.events[2].message->to().tag(), "fork-2");

  run_for(30s);  // M = 64*T1 after the first 200 (at 200 ms)
  EXPECT_EQ(layer.state(*id), std::nullopt);
  EXPECT_EQ(tu.events.back().kind, Kind::client_terminated);
  EXPECT_EQ(tu.events.back().at, 32200ms);
  EXPECT_EQ(layer.receive(answer(inv, 200, "fork-1"), scscf_udp), TransactionLayer::Received::stray_response);
  EXPECT_EQ(tu.events.back().kind, Kind::stray_response);
}

TEST_F(ClientLayer, ResponsesMatchByBranchAndMethod) {
  const Message inv = invite("z9hG4bKshared");
  const auto invite_id = layer.send_request(copy(inv), scscf_udp);
  layer.receive(answer(inv, 180), scscf_udp);
  const Message cancel = make_cancel(*layer.request(*invite_id));
  const auto cancel_id = layer.send_request(copy(cancel), scscf_udp);
  ASSERT_TRUE(cancel_id);
  EXPECT_NE(*cancel_id, *invite_id);

  layer.receive(answer(cancel, 200), scscf_udp);
  layer.receive(answer(inv, 487), scscf_udp);
  ASSERT_EQ(tu.of(Kind::response).size(), 3u);
  EXPECT_EQ(tu.of(Kind::response)[1]->id, cancel_id->value);
  EXPECT_EQ(tu.of(Kind::response)[1]->message->cseq().method, "CANCEL");
  EXPECT_EQ(tu.of(Kind::response)[2]->id, invite_id->value);
  EXPECT_EQ(tu.of(Kind::response)[2]->message->status(), 487);
  EXPECT_EQ(sender.sent.back().message.method(), "ACK");

  // Unknown branch, and known branch with another method: strays, handed up.
  const auto stray_before = tu.of(Kind::stray_response).size();
  EXPECT_EQ(layer.receive(answer(invite("z9hG4bKunknown"), 200), scscf_udp),
            TransactionLayer::Received::stray_response);
  EXPECT_EQ(layer.receive(answer(options("z9hG4bKshared"), 200), scscf_udp),
            TransactionLayer::Received::stray_response);
  ASSERT_EQ(tu.of(Kind::stray_response).size(), stray_before + 2);
  EXPECT_EQ(tu.of(Kind::stray_response).back()->context.source, scscf_udp);
  EXPECT_EQ(tu.of(Kind::stray_response).back()->message->cseq().method, "OPTIONS");
}

TEST_F(ClientLayer, TuEndsAnInviteStuckInProceeding) {
  const Message inv = invite();
  const auto id = layer.send_request(copy(inv), scscf_udp);
  layer.receive(answer(inv, 180), scscf_udp);
  run_for(10min);
  EXPECT_EQ(layer.state(*id), State::proceeding);  // no timer ends Proceeding
  EXPECT_TRUE(layer.terminate(*id));
  EXPECT_EQ(tu.kinds(), (std::vector<Kind>{Kind::response, Kind::client_terminated}));
  EXPECT_EQ(layer.client_count(), 0u);
  EXPECT_EQ(sender.sent.size(), 1u);  // nothing sent to end it
  EXPECT_FALSE(layer.terminate(*id));
  EXPECT_EQ(layer.receive(answer(inv, 487), scscf_udp), TransactionLayer::Received::stray_response);
}

TEST_F(ClientLayer, RequestsWithoutAUsableBranchAreRefused) {
  EXPECT_FALSE(layer.send_request(invite("1234"), scscf_udp));  // no magic cookie
  EXPECT_FALSE(layer.send_request(ue_request("ACK", "z9hG4bKack"), scscf_udp));
  ASSERT_TRUE(layer.send_request(invite("z9hG4bKdup"), scscf_udp));
  EXPECT_FALSE(layer.send_request(invite("z9hG4bKdup"), scscf_udp));  // branch and method in use
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(layer.client_count(), 1u);
}

TEST_F(ClientLayer, NewBranchHasTheCookieAndFollowsTheSeed) {
  const auto a = layer.new_branch();
  EXPECT_TRUE(has_magic_cookie(a));
  EXPECT_NE(layer.new_branch(), a);
  EXPECT_EQ(BranchGenerator(42).next(), a);
}

TEST_F(ClientLayer, FailedSendIsReportedFromTheTimerQueueAsA503) {
  sender.fail = true;
  const auto id = layer.send_request(invite(), scscf_udp);
  ASSERT_TRUE(id);
  EXPECT_TRUE(tu.events.empty());  // not from inside send_request: the TU has no handle yet
  timers.fire_due();
  ASSERT_EQ(tu.kinds(), (std::vector<Kind>{Kind::client_failure, Kind::client_terminated}));
  EXPECT_EQ(tu.events[0].failure, Failure::transport_error);
  EXPECT_EQ(tu.events[0].message->status(), 503);
  EXPECT_EQ(layer.client_count(), 0u);
  EXPECT_EQ(timers.size(), 0u);
}

TEST_F(ClientLayer, FailedRetransmissionEndsTheTransaction) {
  const auto id = layer.send_request(options(), scscf_udp);
  sender.fail = true;
  run_for(500ms);  // timer E retransmits, and the send fails
  ASSERT_EQ(tu.kinds(), (std::vector<Kind>{Kind::client_failure, Kind::client_terminated}));
  EXPECT_EQ(tu.events[0].failure, Failure::transport_error);
  EXPECT_EQ(layer.state(*id), std::nullopt);
}

TEST_F(ClientLayer, DestroyingTheLayerCancelsItsTimers) {
  {
    TransactionLayer scoped(sender, tu, timers, {.timers = {}, .branch_seed = 7});
    scoped.send_request(invite(), scscf_udp);
    scoped.send_request(options(), scscf_udp);
    EXPECT_GT(timers.size(), 0u);
  }
  EXPECT_EQ(timers.size(), 0u);
  run_for(40s);
  EXPECT_TRUE(tu.events.empty());
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
