#pragma once
// The UserAgent tests' fixture: two UAs, Alice (192.0.2.1) and Bob
// (192.0.2.2), wired back to back through fake senders on a ManualClock and
// the real TransactionLayer; no sockets.
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/timer_queue.h"
#include "sip/ua/user_agent.h"
#include "ua_test_support.h"

namespace imsbox::sip::ua::test {

using namespace std::chrono_literals;

inline Peer peer(const char* address, std::uint16_t port) {
  return Peer{Transport::udp, boost::asio::ip::make_address(address), port, 0};
}

inline const Peer alice_addr = peer("192.0.2.1", 5060);
inline const Peer bob_addr = peer("192.0.2.2", 5060);

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
  bool on_offer(CallHandle h, const Message& request) override {
    events.push_back({"offer " + std::string(request.method()), h});
    last_offer = request.serialize();
    return take_offers ? true : UserAgentEvents::on_offer(h, request);
  }
  void on_reinvite_ack(CallHandle h, const Message& ack) override {
    events.push_back({"reinvite-ack", h});
    last_ack = ack.serialize();
  }
  void on_offer_response(CallHandle h, const Message& r) override {
    events.push_back({"offer-response " + std::string(r.cseq().method), h, r.status()});
    last_offer_response = r.serialize();
  }
  int on_dialog_request(CallHandle h, const Message& request) override {
    events.push_back({"request " + std::string(request.method()), h});
    last_request = request.serialize();
    return dialog_request_status ? dialog_request_status : UserAgentEvents::on_dialog_request(h, request);
  }
  void on_request_response(CallHandle h, const Message& r) override {
    events.push_back({"request-response " + std::string(r.cseq().method), h, r.status()});
  }
  std::vector<std::string> kinds() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.kind + (e.status ? " " + std::to_string(e.status) : ""));
    return out;
  }
  std::vector<Event> events;
  std::optional<Dialog> confirmed;
  std::string last_invite;
  bool take_offers = false;  // false: what an application that overrides nothing does
  std::string last_offer;
  std::string last_ack;
  std::string last_offer_response;
  int dialog_request_status = 0;  // 0: the default (405)
  std::string last_request;
};

inline UserAgent::Options options(const char* host, std::uint64_t seed) {
  UserAgent::Options o;
  o.host = host;
  o.port = 5060;
  o.layer.branch_seed = seed;
  o.seed = seed;
  return o;
}

// The first occurrence of `from` in `text` replaced by `to`.
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in\n" << text;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

using Drop = std::function<bool(const Message&)>;

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
  void pump(const Drop& drop = {}) {
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

  void run_for(std::chrono::milliseconds d, const Drop& drop = {}) {
    const auto end = clock.now() + d;
    while (auto next = timers.next_deadline()) {
      if (*next > end) break;
      if (*next > clock.now()) clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(*next - clock.now()));
      timers.fire_due();
      pump(drop);
    }
    if (end > clock.now()) clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(end - clock.now()));
  }

  // Every message `s` sent with that method ("BYE") or status and CSeq
  // method ("200 INVITE"), in order.
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

  // Alice calls Bob (with an offer); Bob's handle comes back.
  CallHandle call(CallHandle& alice_call) {
    auto h = alice.invite("sip:bob@192.0.2.2:5060", "sip:alice@example.org", "v=0\r\n");
    EXPECT_TRUE(h);
    alice_call = h.value_or(CallHandle{});
    pump();
    EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming"}));
    return bob_events.events.at(0).call;
  }

  // The same, and Bob rings (180, an early dialog).
  CallHandle call_and_ring(CallHandle& alice_call) {
    const CallHandle bob_call = call(alice_call);
    EXPECT_TRUE(bob.ring(bob_call));
    pump();
    return bob_call;
  }

  // The same, and Bob answers and Alice ACKs: a confirmed call on both sides.
  CallHandle established(CallHandle& alice_call) {
    const CallHandle bob_call = call_and_ring(alice_call);
    EXPECT_TRUE(bob.answer(bob_call, "v=0\r\ns=bob\r\n"));
    pump();
    EXPECT_TRUE(alice.ack(alice_call));
    pump();
    EXPECT_EQ(bob_events.kinds(), (std::vector<std::string>{"incoming", "confirmed"}));
    alice_events.events.clear();
    bob_events.events.clear();
    return bob_call;
  }

  // A request from Alice in Bob's dialog `d`, written by hand (for what
  // Alice's UA would not send).
  static std::string to_bob(const Dialog& d, std::string_view method, std::uint32_t cseq,
                            std::string_view contact = "<sip:192.0.2.1:5060>", std::string_view body = {}) {
    const std::string m(method);
    std::string text = m + " sip:192.0.2.2:5060 SIP/2.0\r\n";
    text += "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKhand" + m + std::to_string(cseq) + "\r\n";
    text += "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=" + d.id().remote_tag + "\r\n";
    text += "To: <sip:bob@192.0.2.2:5060>;tag=" + d.id().local_tag + "\r\nCall-ID: " + d.id().call_id + "\r\n";
    text += "CSeq: " + std::to_string(cseq) + " " + m + "\r\nContact: " + std::string(contact) + "\r\n";
    if (!body.empty()) text += "Content-Type: application/sdp\r\n";
    return text + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  }

  // What Bob answered to a request handed to him directly; the queue is emptied.
  Message bob_answer_to(const std::string& text) {
    bob_out.queue.clear();
    bob.receive(parse(text), alice_addr);
    EXPECT_FALSE(bob_out.queue.empty()) << text;
    Message r = parse(bob_out.queue.back().bytes);
    bob_out.queue.clear();
    return r;
  }
};

}  // namespace imsbox::sip::ua::test
