// UserAgent: two UAs wired back to back through fake senders on a
// ManualClock and the real TransactionLayer; no sockets.
#include "sip/ua/user_agent.h"

#include <chrono>
#include <deque>

#include "runtime/clock.h"
#include "runtime/timer_queue.h"
#include "ua_test_support.h"

namespace imsbox::sip::ua::test {
namespace {

using namespace std::chrono_literals;

Peer peer(const char* address, std::uint16_t port) {
  return Peer{Transport::udp, boost::asio::ip::make_address(address), port, 0};
}

const Peer alice_addr = peer("192.0.2.1", 5060);
const Peer bob_addr = peer("192.0.2.2", 5060);

struct Wire {
  Peer to;
  std::string bytes;
};

// Records what a UA sends; the test delivers it (a Sender must not call
// back into the layer).
class QueueSender final : public transaction::Sender {
 public:
  bool send(const Peer& to, const Message& message) override {
    queue.push_back(Wire{to, message.serialize()});
    log.push_back(queue.back());
    return true;
  }
  std::deque<Wire> queue;
  std::vector<Wire> log;
};

struct Event {
  std::string kind;
  CallHandle call;
  int status = 0;
  EndReason reason = EndReason::rejected;
};

class Recorder final : public UserAgentEvents {
 public:
  void on_incoming_call(CallHandle h, const Message& invite) override {
    events.push_back({"incoming", h});
    last_invite = invite.serialize();
  }
  void on_provisional(CallHandle h, const Message& r) override { events.push_back({"provisional", h, r.status()}); }
  void on_final(CallHandle h, const Message& r) override { events.push_back({"final", h, r.status()}); }
  void on_confirmed(CallHandle h, const Dialog& d) override {
    events.push_back({"confirmed", h});
    confirmed = d;
  }
  void on_ended(CallHandle h, EndReason reason) override {
    Event e{"ended", h};
    e.reason = reason;
    events.push_back(e);
  }
  std::vector<std::string> kinds() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.kind + (e.status ? " " + std::to_string(e.status) : ""));
    return out;
  }
  std::vector<Event> events;
  std::optional<Dialog> confirmed;
  std::string last_invite;
};

UserAgent::Options options(const char* host, std::uint64_t seed) {
  UserAgent::Options o;
  o.host = host;
  o.port = 5060;
  o.layer.branch_seed = seed;
  o.seed = seed;
  return o;
}

class BackToBack : public ::testing::Test {
 protected:
  runtime::ManualClock clock;
  runtime::TimerQueue timers{clock};
  QueueSender alice_out, bob_out;
  Recorder alice_events, bob_events;
  UserAgent alice{alice_out, timers, alice_events, options("192.0.2.1", 1)};
  UserAgent bob{bob_out, timers, bob_events, options("192.0.2.2", 2)};

  // Delivers what each side sent to the other until nothing is in flight.
  // `drop` loses messages (for retransmission tests).
  void pump(const std::function<bool(const Message&)>& drop = {}) {
    while (!alice_out.queue.empty() || !bob_out.queue.empty()) {
      while (!alice_out.queue.empty()) {
        auto w = alice_out.queue.front();
        alice_out.queue.pop_front();
        EXPECT_EQ(w.to, bob_addr) << w.bytes;
        Message m = parse(w.bytes);
        if (!drop || !drop(m)) bob.receive(std::move(m), alice_addr);
      }
      while (!bob_out.queue.empty()) {
        auto w = bob_out.queue.front();
        bob_out.queue.pop_front();
        EXPECT_EQ(w.to, alice_addr) << w.bytes;
        Message m = parse(w.bytes);
        if (!drop || !drop(m)) alice.receive(std::move(m), bob_addr);
      }
    }
  }

  void run_for(std::chrono::milliseconds d, const std::function<bool(const Message&)>& drop = {}) {
    const auto end = clock.now() + d;
    while (auto next = timers.next_deadline()) {
      if (*next > end) break;
      if (*next > clock.now()) clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(*next - clock.now()));
      timers.fire_due();
      pump(drop);
    }
    if (end > clock.now()) clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(end - clock.now()));
  }

  static std::vector<Message> sent(const QueueSender& s, std::string_view method_or_status) {
    std::vector<Message> out;
    for (const auto& w : s.log) {
      Message m = parse(w.bytes);
      const std::string key = m.is_request() ? std::string(m.method())
                                             : std::to_string(m.status()) + " " + std::string(m.cseq().method);
      if (key == method_or_status) out.push_back(std::move(m));
    }
    return out;
  }

  // Alice calls Bob; Bob's handle comes back.
  CallHandle call_and_ring(CallHandle& alice_call) {
    auto h = alice.invite("sip:bob@192.0.2.2:5060", "sip:alice@example.org", "v=0\r\n");
    EXPECT_TRUE(h);
    alice_call = *h;
    pump();
    EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming"}));
    const CallHandle bob_call = bob_events.events.at(0).call;
    EXPECT_TRUE(bob.ring(bob_call));
    pump();
    return bob_call;
  }
};

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

TEST_F(BackToBack, CancelBeforeTheAnswerIs487) {
  // Alice's UA has no CANCEL API: Bob gets one built by hand.
  CallHandle a{};
  const CallHandle b = call_and_ring(a);
  const Message invite = sent(alice_out, "INVITE").at(0).clone();
  std::string cancel = "CANCEL " + std::string(invite.request_uri()) + " SIP/2.0\r\n";
  cancel += "Via: " + header(invite, HeaderId::via) + "\r\n";
  cancel += "Max-Forwards: 70\r\nFrom: " + header(invite, HeaderId::from) + "\r\nTo: " +
            header(invite, HeaderId::to) + "\r\nCall-ID: " + std::string(invite.call_id()) + "\r\nCSeq: " +
            std::to_string(invite.cseq().number) + " CANCEL\r\nContent-Length: 0\r\n\r\n";
  bob.receive(parse(cancel), alice_addr);
  pump();
  EXPECT_EQ(sent(bob_out, "200 CANCEL").size(), 1u);
  EXPECT_EQ(sent(bob_out, "487 INVITE").size(), 1u);
  EXPECT_EQ(bob_events.events.back().reason, EndReason::cancelled);
  EXPECT_EQ(alice_events.kinds(), (std::vector<std::string>{"provisional 180", "final 487", "ended"}));
  EXPECT_FALSE(bob.answer(b));
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

}  // namespace
}  // namespace imsbox::sip::ua::test
