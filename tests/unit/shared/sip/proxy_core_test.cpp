// The stateful proxy core on the real transaction layer, with a fake
// transport and a ManualClock.
#include "sip/proxy/proxy_core.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/clock.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/transaction/cancel.h"

namespace imsbox::sip::proxy {
namespace {

using namespace std::chrono_literals;
namespace tx = transaction;

Message parse(const std::string& text) {
  auto r = parse_message(text);
  EXPECT_TRUE(r.well_formed()) << r.reason << "\n" << text;
  return std::move(*r.message);
}

Peer udp(const char* addr, std::uint16_t port) { return Peer{Transport::udp, boost::asio::ip::make_address(addr), port, 0}; }

struct Sent {
  Peer to;
  std::string bytes;
  Message message() const { return parse(bytes); }
};

class FakeSender : public tx::Sender {
 public:
  bool send(const Peer& to, const Message& m) override {
    sent.push_back({to, m.serialize()});
    return true;
  }
  std::vector<Sent> sent;
  // the last message sent that satisfies pred
  template <typename P>
  std::optional<Message> last(P pred) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
      auto m = it->message();
      if (pred(m)) return m;
    }
    return std::nullopt;
  }
};

const Peer kCaller = udp("192.0.2.1", 5060);
const Peer kCallee = udp("192.0.2.2", 5060);
const Peer kOther = udp("192.0.2.3", 5060);

std::string invite(std::string_view uri = "sip:bob@192.0.2.2", std::string_view extra = "") {
  return "INVITE " + std::string(uri) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcaller1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@example.com>;tag=a1\r\n"
         "To: <sip:bob@example.com>\r\n"
         "Call-ID: call-1@192.0.2.1\r\n"
         "CSeq: 1 INVITE\r\n"
         "Contact: <sip:alice@192.0.2.1>\r\n" + std::string(extra) + "Content-Length: 0\r\n\r\n";
}

// A service driven by the test.
struct ScriptedService : ProxyService {
  struct Tsx : ProxyTsx {
    explicit Tsx(ScriptedService& s) : s(s) {}
    Verdict on_request(ProxyTsxHelper& h) override {
      s.helper = &h;
      for (auto& t : s.targets) h.add_target(t);
      if (s.rr) h.record_route(s.rr_user);
      return s.verdict;
    }
    void on_response(ProxyTsxHelper&, Message& r) override {
      s.seen_responses.push_back(r.status());
      if (!s.stamp.empty()) r.append("X-Stamp", s.stamp);
    }
    void on_cancel(ProxyTsxHelper&) override { ++s.cancels; }
    Verdict on_branch_failure(ProxyTsxHelper& h, const Message& r) override {
      s.failures.push_back(r.status());
      return s.on_failure ? s.on_failure(h, r) : Verdict::next;
    }
    ScriptedService& s;
  };
  std::unique_ptr<ProxyTsx> on_request(const Message&, const Peer&) override { return std::make_unique<Tsx>(*this); }
  std::optional<Peer> ack_peer(const Message&) override { return ack_to; }
  std::optional<Peer> ack_to;
  Verdict verdict = Verdict::next;
  std::vector<Target> targets;
  bool rr = false;
  std::string rr_user;
  std::string stamp;
  ProxyTsxHelper* helper = nullptr;
  std::vector<int> seen_responses;
  int cancels = 0;
  // on_branch_failure: what the service does, and the statuses it was told of
  std::function<Verdict(ProxyTsxHelper&, const Message&)> on_failure;
  std::vector<int> failures;
};

class ProxyCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { make(); }

  void make() {
    auto svc = std::make_unique<ScriptedService>();
    service = svc.get();
    std::vector<std::unique_ptr<ProxyService>> services;
    services.push_back(std::move(svc));
    ProxyOptions o;
    o.interfaces = {Interface{Transport::udp, "192.0.2.10", 5060}};
    o.wait_limit = 2s;
    if (tweak) tweak(o);
    core.emplace(timers, std::move(o), std::move(services));
    tx::TransactionLayer::Options lo;
    lo.branch_seed = 7;
    layer.emplace(sender, *core, timers, lo);
    core->attach(*layer, sender);
  }

  void advance(std::chrono::microseconds d) {
    // step so that timers scheduled by timers fire in order
    const auto step = 10ms;
    for (auto left = d; left > 0us; left -= step) {
      clock.advance(std::min<std::chrono::microseconds>(step, left));
      timers.fire_due();
    }
  }

  // what the proxy forwarded to `to` last
  Message forwarded_to(const Peer& to, std::string_view method) {
    for (auto it = sender.sent.rbegin(); it != sender.sent.rend(); ++it) {
      if (it->to == to) {
        auto m = it->message();
        if (m.is_request() && m.method() == method) return m;
      }
    }
    ADD_FAILURE() << "nothing forwarded to " << to_string(to);
    return Message::request("NONE", "sip:none");
  }

  std::vector<int> responses_to(const Peer& to) {
    std::vector<int> out;
    for (const auto& s : sender.sent) {
      if (s.to != to) continue;
      auto m = s.message();
      if (!m.is_request()) out.push_back(m.status());
    }
    return out;
  }

  // the CANCELs the proxy sent to `to`
  int cancels_to(const Peer& to) const {
    int n = 0;
    for (const auto& s : sender.sent) {
      if (s.to != to) continue;
      const auto m = s.message();
      n += m.is_request() && m.method() == "CANCEL";
    }
    return n;
  }

  void answer(const Message& request, int status, const Peer& from, std::string_view tag = "callee") {
    layer->receive(parse(make_response(request, status, {}, status > 100 ? tag : "").serialize()), from);
  }

  std::function<void(ProxyOptions&)> tweak;  // applied by make()
  runtime::ManualClock clock;
  runtime::TimerQueue timers{clock};
  FakeSender sender;
  ScriptedService* service = nullptr;
  std::optional<ProxyCore> core;
  std::optional<tx::TransactionLayer> layer;
};

TEST_F(ProxyCoreTest, ForwardsAndRelaysProvisionalAndFinal) {
  service->stamp = "seen";
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  EXPECT_EQ(fwd.max_forwards(), 69u);
  ASSERT_EQ(fwd.vias().size(), 2u);
  EXPECT_EQ(fwd.vias()[0].sent_by, "192.0.2.10:5060");
  EXPECT_EQ(fwd.vias()[1].branch(), "z9hG4bKcaller1");
  answer(fwd, 100, kCallee);
  answer(fwd, 180, kCallee);
  answer(fwd, 200, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{180, 200}));  // the 100 stays here
  const auto ok = sender.last([](const Message& m) { return !m.is_request() && m.status() == 200; });
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->vias().size(), 1u);  // ours removed
  EXPECT_EQ(ok->vias()[0].branch(), "z9hG4bKcaller1");
  EXPECT_TRUE(ok->find("X-Stamp"));  // services see responses on their way up
  EXPECT_EQ(service->seen_responses, (std::vector<int>{180, 200}));
}

TEST_F(ProxyCoreTest, FailureIsAckedDownstreamAndRelayed) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  answer(fwd, 486, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{486}));
  auto ack = forwarded_to(kCallee, "ACK");
  EXPECT_EQ(ack.vias()[0].branch(), fwd.vias()[0].branch());
}

TEST_F(ProxyCoreTest, SequentialForkingTriesTheNextTargetAndPicksTheBest) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  auto first = forwarded_to(kCallee, "INVITE");
  EXPECT_EQ(first.request_uri(), "sip:bob@192.0.2.2");
  answer(first, 404, kCallee);
  auto second = forwarded_to(kOther, "INVITE");
  EXPECT_EQ(second.request_uri(), "sip:bob@192.0.2.3");
  EXPECT_NE(second.vias()[0].branch(), first.vias()[0].branch());
  answer(second, 401, kOther);
  // both failed: of 404 and 401 the 401 is preferred (§16.7 step 6), sent once
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{401}));
}

TEST_F(ProxyCoreTest, SixHundredStopsForking) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  answer(forwarded_to(kCallee, "INVITE"), 603, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{603}));
  for (const auto& s : sender.sent) EXPECT_NE(s.to, kOther);
}

// An application server with default handling SESSION_CONTINUED: skipped when
// silent, but its refusal is the answer.
TEST_F(ProxyCoreTest, FallbackOnlyIfUnansweredStopsAtARefusal) {
  Target as{"sip:bob@192.0.2.2", {}, std::nullopt, 5s};
  as.fallback_only_if_unanswered = true;
  service->targets = {as, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  answer(forwarded_to(kCallee, "INVITE"), 403, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{403}));
  for (const auto& s : sender.sent) EXPECT_NE(s.to, kOther);  // the next target was not tried
}

TEST_F(ProxyCoreTest, FallbackOnlyIfUnansweredMovesOnWhenSilent) {
  Target as{"sip:bob@192.0.2.2", {}, std::nullopt, 5s};
  as.fallback_only_if_unanswered = true;
  service->targets = {as, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  forwarded_to(kCallee, "INVITE");
  advance(5s);  // not a word from the AS
  answer(forwarded_to(kOther, "INVITE"), 200, kOther);
  EXPECT_EQ(responses_to(kCaller).back(), 200);
}

// The AS's limit is for its first word: once it said 100 Trying, the call
// may take as long as calls do.
TEST_F(ProxyCoreTest, FirstResponseTimeoutEndsWithTheFirstResponse) {
  Target as{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms};
  as.first_response_timeout = 2s;
  as.fallback_only_if_unanswered = true;
  service->targets = {as, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  advance(1s);
  answer(fwd, 100, kCallee);
  advance(10s);  // ringing a long time
  answer(fwd, 180, kCallee);
  advance(20s);
  answer(fwd, 200, kCallee);
  const auto r = responses_to(kCaller);
  EXPECT_EQ(r.back(), 200);
  EXPECT_NE(std::find(r.begin(), r.end(), 180), r.end());
  for (const auto& s : sender.sent) {
    EXPECT_NE(s.to, kOther);
    EXPECT_NE(s.bytes.rfind("CANCEL", 0), 0u);
  }
}

TEST_F(ProxyCoreTest, FirstResponseTimeoutMovesOnFromASilentBranch) {
  Target as{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms};
  as.first_response_timeout = 2s;
  as.fallback_only_if_unanswered = true;
  service->targets = {as, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  forwarded_to(kCallee, "INVITE");
  advance(1s);
  for (const auto& s : sender.sent) EXPECT_NE(s.to, kOther);  // not yet
  advance(1s);
  answer(forwarded_to(kOther, "INVITE"), 200, kOther);
  EXPECT_EQ(responses_to(kCaller).back(), 200);
}

TEST_F(ProxyCoreTest, PerBranchTimeoutCancelsAndMovesOn) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 5s}, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  auto first = forwarded_to(kCallee, "INVITE");
  answer(first, 180, kCallee);
  advance(5s);
  auto cancel = forwarded_to(kCallee, "CANCEL");
  EXPECT_EQ(cancel.vias()[0].branch(), first.vias()[0].branch());
  // the callee answers the CANCEL and the INVITE
  answer(cancel, 200, kCallee);
  answer(first, 487, kCallee);
  auto second = forwarded_to(kOther, "INVITE");
  answer(second, 200, kOther);
  const auto r = responses_to(kCaller);
  EXPECT_EQ(r.back(), 200);
}

TEST_F(ProxyCoreTest, CancelFromTheCallerIsPropagated) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  answer(fwd, 180, kCallee);
  auto cancel_text = invite();
  cancel_text.replace(0, 6, "CANCEL");
  cancel_text.replace(cancel_text.find("CSeq: 1 INVITE"), 14, "CSeq: 1 CANCEL");
  layer->receive(parse(cancel_text), kCaller);
  EXPECT_EQ(service->cancels, 1);
  auto cancel = forwarded_to(kCallee, "CANCEL");
  EXPECT_EQ(cancel.vias()[0].branch(), fwd.vias()[0].branch());
  answer(cancel, 200, kCallee);
  answer(fwd, 487, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{180, 200, 487}));  // 200 for the CANCEL, 487 for the INVITE
}

TEST_F(ProxyCoreTest, CancelBeforeAnyProvisionalWaitsForOne) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  auto cancel_text = invite();
  cancel_text.replace(0, 6, "CANCEL");
  cancel_text.replace(cancel_text.find("CSeq: 1 INVITE"), 14, "CSeq: 1 CANCEL");
  layer->receive(parse(cancel_text), kCaller);
  for (const auto& s : sender.sent) EXPECT_FALSE(s.to == kCallee && s.message().is_request() && s.message().method() == "CANCEL");
  answer(fwd, 180, kCallee);
  forwarded_to(kCallee, "CANCEL");  // sent now (§16.10)
}

TEST_F(ProxyCoreTest, WaitingServiceResumesOrGets500) {
  service->verdict = Verdict::wait;
  layer->receive(parse(invite()), kCaller);
  EXPECT_TRUE(sender.sent.empty() || responses_to(kCaller).empty());
  service->helper->resume(Verdict::next);
  forwarded_to(kCallee, "INVITE");

  // a second call whose service never comes back
  auto second = invite();
  second.replace(second.find("call-1"), 6, "call-2");
  second.replace(second.find("z9hG4bKcaller1"), 14, "z9hG4bKcaller2");
  layer->receive(parse(second), kCaller);
  advance(2s);
  EXPECT_EQ(responses_to(kCaller).back(), 500);
}

TEST_F(ProxyCoreTest, ServiceThatSaysDoneWithoutAnsweringGets500) {
  service->verdict = Verdict::done;
  layer->receive(parse(invite()), kCaller);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{500}));
}

TEST_F(ProxyCoreTest, ChecksAndLoops) {
  layer->receive(parse(invite("sip:bob@192.0.2.2", "Proxy-Require: foo\r\n")), kCaller);
  EXPECT_EQ(responses_to(kCaller).back(), 420);
  auto mf0 = invite();
  mf0.replace(mf0.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  mf0.replace(mf0.find("z9hG4bKcaller1"), 14, "z9hG4bKcaller3");
  layer->receive(parse(mf0), kCaller);
  EXPECT_EQ(responses_to(kCaller).back(), 483);
  // our own forwarded INVITE coming back unchanged is a loop
  auto fresh = invite();
  fresh.replace(fresh.find("z9hG4bKcaller1"), 14, "z9hG4bKcaller4");
  fresh.replace(fresh.find("call-1"), 6, "call-4");
  layer->receive(parse(fresh), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  layer->receive(parse(fwd.serialize()), kCallee);
  EXPECT_EQ(responses_to(kCallee).back(), 482);
}

// A request that comes back to this proxy changed (an application server
// sent it back with a new route set) is a spiral, not a loop: §16.3 step 4
// compares the hash of the request as received with the one in our Via.
TEST_F(ProxyCoreTest, SpiralThroughTheSameProxyIsNoLoop) {
  const Peer self = udp("192.0.2.10", 5060);
  const auto loops = [&] { const auto r = responses_to(self); return std::count(r.begin(), r.end(), 482); };
  layer->receive(parse(invite("sip:bob@192.0.2.2", "Route: <sip:192.0.2.10:5060;lr>, <sip:192.0.2.3;lr>\r\n")),
                 kCaller);
  auto to_as = forwarded_to(kOther, "INVITE");
  // the AS sends it back through us toward the callee
  auto back = to_as.clone();
  back.remove_all(HeaderId::route);
  back.append(HeaderId::route, "<sip:192.0.2.10:5060;lr>");
  back.prepend(HeaderId::via, "SIP/2.0/UDP 192.0.2.3:5060;branch=z9hG4bKas1");
  layer->receive(parse(back.serialize()), kOther);
  EXPECT_EQ(loops(), 0);
  auto fwd = forwarded_to(kCallee, "INVITE");
  EXPECT_EQ(fwd.vias().size(), 4u);  // through here twice
}

// Two Route values of ours in a row (RFC 5658 double Record-Route): both go.
TEST_F(ProxyCoreTest, EveryOwnRouteAtTheTopIsRemoved) {
  layer->receive(parse(invite("sip:bob@192.0.2.2",
                              "Route: <sip:192.0.2.10:5060;lr>, <sip:192.0.2.10:5060;transport=tcp;lr>, "
                              "<sip:192.0.2.2;lr>\r\n")),
                 kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  EXPECT_EQ(fwd.find(HeaderId::route)->value, "<sip:192.0.2.2;lr>");
}

TEST_F(ProxyCoreTest, UnroutableTargetGets404) {
  layer->receive(parse(invite("sip:bob@nowhere.example.com")), kCaller);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{404}));
}

TEST_F(ProxyCoreTest, SilentDownstreamEndsIn408) {
  layer->receive(parse(invite()), kCaller);
  forwarded_to(kCallee, "INVITE");
  advance(33s);  // timer B
  EXPECT_EQ(responses_to(kCaller).back(), 408);
}

TEST_F(ProxyCoreTest, RecordRouteAndAckOfTwoHundredFollowsTheRouteSet) {
  service->rr = true;
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  EXPECT_EQ(fwd.find(HeaderId::record_route)->value, "<sip:192.0.2.10:5060;lr>");
  // the caller's ACK for the 2xx, routed through us by the Record-Route
  const std::string ack =
      "ACK sip:bob@192.0.2.2 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKack1\r\n"
      "Route: <sip:192.0.2.10:5060;lr>\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:alice@example.com>;tag=a1\r\n"
      "To: <sip:bob@example.com>;tag=callee\r\n"
      "Call-ID: call-1@192.0.2.1\r\n"
      "CSeq: 1 ACK\r\n"
      "Content-Length: 0\r\n\r\n";
  layer->receive(parse(ack), kCaller);
  auto out = forwarded_to(kCallee, "ACK");
  EXPECT_FALSE(out.find(HeaderId::route));  // our Route removed
  EXPECT_EQ(out.vias().size(), 2u);
  // a service that knows the flow of the Request-URI's contact (the P-CSCF) has the say
  const Peer flow = udp("192.0.2.3", 7000);
  service->ack_to = flow;
  std::string again = ack;
  again.replace(again.find("z9hG4bKack1"), 11, "z9hG4bKack2");
  layer->receive(parse(again), kCaller);
  EXPECT_EQ(forwarded_to(flow, "ACK").vias().size(), 2u);
}

// The leg of a dialog in the Record-Route's user part: the route set of
// its in-dialog requests still starts with a URI the core takes as its own.
TEST_F(ProxyCoreTest, RecordRouteWithALegIsStillOurOwnRoute) {
  service->rr = true;
  service->rr_user = "orig";
  layer->receive(parse(invite()), kCaller);
  EXPECT_EQ(forwarded_to(kCallee, "INVITE").find(HeaderId::record_route)->value, "<sip:orig@192.0.2.10:5060;lr>");
  service->rr = false;
  auto again = invite("sip:bob@192.0.2.2", "Route: <sip:orig@192.0.2.10:5060;lr>, <sip:192.0.2.3;lr>\r\n");
  again.replace(again.find("z9hG4bKcaller1"), 14, "z9hG4bKcaller2");
  again.replace(again.find("call-1"), 6, "call-2");
  layer->receive(parse(again), kCaller);
  EXPECT_EQ(forwarded_to(kOther, "INVITE").find(HeaderId::route)->value, "<sip:192.0.2.3;lr>");
}

// Several nodes share one address (a box's CSCFs): a URI is ours only with
// our port, and a URI without a port means 5060.
TEST_F(ProxyCoreTest, OwnUrisNeedOurPort) {
  tweak = [](ProxyOptions& o) {
    o.interfaces = {Interface{Transport::udp, "192.0.2.10", 6060}};
    o.own_uris = {"sip:scscf.ims.test:6060", "sip:[2001:db8::10]:6060"};
    o.resolve = [](std::string_view host) -> std::optional<boost::asio::ip::address> {
      if (host == "scscf.ims.test") return boost::asio::ip::make_address("192.0.2.10");
      return std::nullopt;
    };
  };
  make();
  const auto routed = [&](std::string_view route, std::string_view call_id) {
    auto text = invite("sip:bob@192.0.2.2", "Route: " + std::string(route) + ", <sip:192.0.2.2;lr>\r\n");
    text.replace(text.find("call-1"), 6, call_id);
    text.replace(text.find("z9hG4bKcaller1"), 14, "z9hG4bK" + std::string(call_id));
    layer->receive(parse(text), kCaller);
    const auto out = sender.last([&](const Message& m) { return m.is_request() && m.call_id().starts_with(call_id); });
    if (!out) return std::string("nothing forwarded");
    return std::string(out->find(HeaderId::route)->value);
  };
  EXPECT_EQ(routed("<sip:192.0.2.10:6060;lr>", "c1"), "<sip:192.0.2.2;lr>");           // ours: taken off
  EXPECT_EQ(routed("<sip:term@scscf.ims.test:6060;lr>", "c2"), "<sip:192.0.2.2;lr>");  // an own URI, any user
  EXPECT_EQ(routed("<sip:[2001:db8::10]:6060;lr>", "c3"), "<sip:192.0.2.2;lr>");
  // another node at our address: left for it
  EXPECT_EQ(routed("<sip:192.0.2.10:5060;lr>", "c4"), "<sip:192.0.2.10:5060;lr>, <sip:192.0.2.2;lr>");
  EXPECT_EQ(routed("<sip:192.0.2.10;lr>", "c5"), "<sip:192.0.2.10;lr>, <sip:192.0.2.2;lr>");
  EXPECT_EQ(routed("<sip:scscf.ims.test:5060;lr>", "c6"), "<sip:scscf.ims.test:5060;lr>, <sip:192.0.2.2;lr>");
}

// §16.7 step 6: a next hop's 503 is a 500 upstream, unless the proxy relays
// overload (a CSCF with one next hop) and the 503 says when to retry.
TEST_F(ProxyCoreTest, A503IsA500UpstreamUnlessOverloadIsRelayedWithRetryAfter) {
  const auto relayed = [&](bool relay, bool retry_after, std::string_view call_id) {
    tweak = [&](ProxyOptions& o) { o.relay_overload = relay; };
    sender.sent.clear();
    layer.reset();
    core.reset();
    make();
    service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}};
    auto text = invite();
    text.replace(text.find("call-1"), 6, call_id);
    layer->receive(parse(text), kCaller);
    auto fwd = forwarded_to(kCallee, "INVITE");
    auto busy = make_response(fwd, 503, {}, "callee");
    if (retry_after) busy.append(HeaderId::retry_after, "7");
    layer->receive(parse(busy.serialize()), kCallee);
    const auto up = sender.last([](const Message& m) { return !m.is_request() && m.status() >= 200; });
    if (!up) return std::string("nothing upstream");
    const auto* ra = up->find(HeaderId::retry_after);
    return std::to_string(up->status()) + (ra ? " Retry-After: " + std::string(ra->value) : std::string());
  };
  EXPECT_EQ(relayed(false, true, "r1"), "500");
  EXPECT_EQ(relayed(true, false, "r2"), "500");
  EXPECT_EQ(relayed(true, true, "r3"), "503 Retry-After: 7");
}

TEST_F(ProxyCoreTest, OverloadRefusesNewRequestsWith503AndFinishesDialogs) {
  auto delay = 300ms;
  std::vector<bool> changes;
  tweak = [&](ProxyOptions& o) {
    o.overload_delay = 200ms;
    o.overload_retry_after = 3s;
    o.queue_delay = [&] { return std::chrono::microseconds(delay); };
    o.overload_changed = [&](bool refusing, std::chrono::microseconds) { changes.push_back(refusing); };
  };
  make();
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite()), kCaller);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{503}));
  const auto refused = sender.last([](const Message& m) { return !m.is_request() && m.status() == 503; });
  ASSERT_TRUE(refused);
  ASSERT_TRUE(refused->find(HeaderId::retry_after));
  EXPECT_EQ(refused->find(HeaderId::retry_after)->value, "3");
  EXPECT_FALSE(refused->to().tag().empty());
  EXPECT_EQ(sender.sent.size(), 1u);  // nothing went downstream
  // within a dialog: passes, whatever the backlog
  std::string bye = invite();
  bye.replace(bye.find("INVITE sip"), 6, "BYE");
  bye.replace(bye.find("CSeq: 1 INVITE"), 14, "CSeq: 2 BYE");
  bye.replace(bye.find("z9hG4bKcaller1"), 14, "z9hG4bKcallerB");
  bye.replace(bye.find("To: <sip:bob@example.com>"), 25, "To: <sip:bob@example.com>;tag=b1");
  layer->receive(parse(bye), kCaller);
  EXPECT_EQ(forwarded_to(kCallee, "BYE").call_id(), "call-1@192.0.2.1");
  EXPECT_EQ(changes, (std::vector<bool>{true}));
  // the answer to a challenge passes (its first round went all the way); a
  // first REGISTER naming its IMPI in an empty Authorization does not
  const auto reg = [](std::string_view branch, std::string_view response) {
    return "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=" + std::string(branch) +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=r1\r\nTo: <sip:alice@example.com>\r\n"
           "Call-ID: reg-" + std::string(branch) + "\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@192.0.2.1>\r\n"
           "Authorization: Digest username=\"alice@example.com\", realm=\"example.com\", nonce=\"n\", "
           "uri=\"sip:example.com\", response=\"" + std::string(response) + "\"\r\nContent-Length: 0\r\n\r\n";
  };
  layer->receive(parse(reg("z9hG4bKreg1", "")), kCaller);
  EXPECT_EQ(responses_to(kCaller).back(), 503);
  layer->receive(parse(reg("z9hG4bKreg2", "6629fae49393a05397450978507c4ef1")), kCaller);
  EXPECT_EQ(forwarded_to(kCallee, "REGISTER").call_id(), "reg-z9hG4bKreg2");
  // the backlog gone: new requests are taken again
  delay = 5ms;
  std::string again = invite();
  again.replace(again.find("z9hG4bKcaller1"), 14, "z9hG4bKcaller2");
  again.replace(again.find("Call-ID: call-1"), 15, "Call-ID: call-2");
  layer->receive(parse(again), kCaller);
  EXPECT_EQ(forwarded_to(kCallee, "INVITE").call_id(), "call-2@192.0.2.1");
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));
}

TEST_F(ProxyCoreTest, StateEndsOnceTheFinalResponseWentUpstream) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  answer(fwd, 180, kCallee);
  advance(1ms);
  EXPECT_EQ(core->active(), 1u);  // a branch is pending
  answer(fwd, 486, kCallee);
  advance(1ms);  // not the 32 s of timer H: the proxy keeps nothing once the 486 went up
  EXPECT_EQ(core->active(), 0u);
  EXPECT_EQ(layer->server_count(), 1u);  // the server transaction still absorbs retransmissions
  // a CANCEL after the final response finds the INVITE (200) and changes nothing (§9.2)
  layer->receive(tx::make_cancel(parse(invite())), kCaller);
  EXPECT_EQ(responses_to(kCaller).back(), 200);
  EXPECT_FALSE(sender.last([](const Message& m) { return m.is_request() && m.method() == "CANCEL"; }));
}

}  // namespace
}  // namespace imsbox::sip::proxy

namespace imsbox::sip::proxy {
namespace {

TEST_F(ProxyCoreTest, BranchThatIgnoresTheCancelIsAbandoned) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 5s}, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  answer(forwarded_to(kCallee, "INVITE"), 180, kCallee);
  advance(5s);
  forwarded_to(kCallee, "CANCEL");
  // the callee never answers the CANCEL nor the INVITE: after 32 s the next target gets its turn
  advance(31s);
  for (const auto& s : sender.sent) EXPECT_NE(s.to, kOther);
  advance(2s);
  answer(forwarded_to(kOther, "INVITE"), 200, kOther);
  EXPECT_EQ(responses_to(kCaller).back(), 200);
}

}  // namespace
}  // namespace imsbox::sip::proxy

namespace imsbox::sip::proxy {
namespace {

TEST_F(ProxyCoreTest, ResponseWithoutTheCallersViaBecomes502) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  // a broken callee keeps only the proxy's Via in its answer
  auto bad = make_response(fwd, 486, {}, "callee");
  bad.remove_last_value(HeaderId::via);
  layer->receive(parse(bad.serialize()), kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{502}));
  const auto relayed = sender.last([](const Message& m) { return !m.is_request(); });
  EXPECT_EQ(relayed->vias().at(0).branch(), "z9hG4bKcaller1");
}

}  // namespace
}  // namespace imsbox::sip::proxy

namespace imsbox::sip::proxy {
namespace {

TEST_F(ProxyCoreTest, ChallengesOfEveryBranchAreAggregated) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}, Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms}};
  layer->receive(parse(invite("sip:bob@example.com")), kCaller);
  auto first = forwarded_to(kCallee, "INVITE");
  auto c1 = make_response(first, 407, {}, "t1");
  c1.append(HeaderId::proxy_authenticate, "Digest realm=\"one.example.com\", nonce=\"n1\"");
  layer->receive(parse(c1.serialize()), kCallee);
  auto second = forwarded_to(kOther, "INVITE");
  auto c2 = make_response(second, 401, {}, "t2");
  c2.append(HeaderId::www_authenticate, "Digest realm=\"two.example.com\", nonce=\"n2\"");
  layer->receive(parse(c2.serialize()), kOther);
  const auto up = sender.last([](const Message& m) { return !m.is_request() && m.status() >= 400; });
  ASSERT_TRUE(up);
  // one of the two challenges was chosen and carries both realms
  const auto text = up->serialize();
  EXPECT_NE(text.find("one.example.com"), std::string::npos) << text;
  EXPECT_NE(text.find("two.example.com"), std::string::npos) << text;
}

}  // namespace
}  // namespace imsbox::sip::proxy

namespace imsbox::sip::proxy {
namespace {

TEST_F(ProxyCoreTest, ResumingWithWaitKeepsWaitingWithoutAskingTheServiceAgain) {
  int asked = 0;
  struct Counting : ProxyService {
    struct Tsx : ProxyTsx {
      explicit Tsx(int& n, ProxyTsxHelper*& h) : n(n), h(h) {}
      Verdict on_request(ProxyTsxHelper& helper) override {
        ++n;
        h = &helper;
        return Verdict::wait;
      }
      int& n;
      ProxyTsxHelper*& h;
    };
    Counting(int& n, ProxyTsxHelper*& h) : n(n), h(h) {}
    std::unique_ptr<ProxyTsx> on_request(const Message&, const Peer&) override { return std::make_unique<Tsx>(n, h); }
    int& n;
    ProxyTsxHelper*& h;
  };
  ProxyTsxHelper* helper = nullptr;
  std::vector<std::unique_ptr<ProxyService>> services;
  services.push_back(std::make_unique<Counting>(asked, helper));
  ProxyOptions o;
  o.interfaces = {Interface{Transport::udp, "192.0.2.10", 5060}};
  o.wait_limit = 2s;
  layer.reset();
  core.emplace(timers, std::move(o), std::move(services));
  layer.emplace(sender, *core, timers);
  core->attach(*layer, sender);

  layer->receive(parse(invite()), kCaller);
  ASSERT_NE(helper, nullptr);
  advance(1500ms);
  helper->resume(Verdict::wait);  // e.g. a second lookup started
  advance(1500ms);                // past the first limit, within the new one
  EXPECT_EQ(asked, 1);
  // only the transaction layer's 100 Trying so far: no 500 for the first limit
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{100}));
  helper->resume(Verdict::next);
  forwarded_to(kCallee, "INVITE");
  EXPECT_EQ(asked, 1);
}

// A request of the node's own: built, not parsed (it has no Via yet).
Message notify_request() {
  auto m = Message::request("NOTIFY", "sip:alice@192.0.2.2:5060");
  m.append(HeaderId::from, "<sip:alice@example.com>;tag=n1");
  m.append(HeaderId::to, "<sip:alice@example.com>;tag=s1");
  m.append(HeaderId::call_id, "sub-1@192.0.2.10");
  m.append(HeaderId::cseq, "2 NOTIFY");
  m.append(HeaderId::event, "reg");
  m.append(HeaderId::subscription_state, "active;expires=600");
  return m;
}

TEST_F(ProxyCoreTest, OriginatedRequestGetsOurViaAndItsFinalResponse) {
  std::vector<int> finals;
  ASSERT_TRUE(core->originate(notify_request(), std::nullopt, [&](const Message& r) { finals.push_back(r.status()); }));
  auto sent = forwarded_to(kCallee, "NOTIFY");  // from the Request-URI
  ASSERT_EQ(sent.vias().size(), 1u);
  EXPECT_EQ(sent.vias()[0].sent_by, "192.0.2.10:5060");
  EXPECT_EQ(sent.max_forwards(), 70u);
  answer(sent, 100, kCallee);
  EXPECT_TRUE(finals.empty());
  answer(sent, 200, kCallee);
  EXPECT_EQ(finals, (std::vector<int>{200}));
  answer(sent, 200, kCallee);  // a retransmission is absorbed
  EXPECT_EQ(finals, (std::vector<int>{200}));
  EXPECT_EQ(core->active(), 0u);
}

TEST_F(ProxyCoreTest, OriginatedRequestToASilentPeerEndsIn408) {
  std::vector<int> finals;
  ASSERT_TRUE(core->originate(notify_request(), kOther, [&](const Message& r) { finals.push_back(r.status()); }));
  forwarded_to(kOther, "NOTIFY");
  advance(33s);  // timer F
  EXPECT_EQ(finals, (std::vector<int>{408}));
}

TEST_F(ProxyCoreTest, OriginateRefusesInviteAndUnroutableRequests) {
  const auto never = [](const Message&) { ADD_FAILURE() << "called back"; };
  EXPECT_FALSE(core->originate(parse(invite()), std::nullopt, never));
  auto r = notify_request();
  r.set_request_uri("sip:alice@nowhere.example.com");
  EXPECT_FALSE(core->originate(std::move(r), std::nullopt, never));
}

}  // namespace
}  // namespace imsbox::sip::proxy

namespace imsbox::sip::proxy {
namespace {

std::string message_request(std::string_view branch = "z9hG4bKmsg1") {
  return "MESSAGE sip:bob@example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=" + std::string(branch) + "\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@example.com>;tag=a1\r\n"
         "To: <sip:bob@example.com>\r\n"
         "Call-ID: msg-1@192.0.2.1\r\n"
         "CSeq: 1 MESSAGE\r\n"
         "Content-Length: 0\r\n\r\n";
}

// A service that retries elsewhere when its only target failed (the
// I-CSCF's S-CSCF re-selection): the new target is tried, and the failed
// branch's response is not a candidate for the final one any more.
TEST_F(ProxyCoreTest, ServiceRetriesElsewhereAfterAFailure) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}};
  service->on_failure = [](ProxyTsxHelper& h, const Message& r) {
    if (r.status() != 408) return Verdict::next;
    h.add_target(Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms});
    return Verdict::next;
  };
  layer->receive(parse(message_request()), kCaller);
  answer(forwarded_to(kCallee, "MESSAGE"), 408, kCallee);
  // a 403 from the second: of 408 and 403 (one class) the first would be
  // chosen; the retry replaced the 408, so the 403 is the answer
  answer(forwarded_to(kOther, "MESSAGE"), 403, kOther);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{403}));
  EXPECT_EQ(service->failures, (std::vector<int>{408, 403}));  // told of each failure
}

// The retry may wait for something (the HSS) before it names its target.
TEST_F(ProxyCoreTest, ServiceRetriesAfterWaiting) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}};
  service->on_failure = [](ProxyTsxHelper&, const Message&) { return Verdict::wait; };
  layer->receive(parse(message_request()), kCaller);
  answer(forwarded_to(kCallee, "MESSAGE"), 503, kCallee);
  advance(1s);
  EXPECT_TRUE(responses_to(kCaller).empty());  // waiting, within the wait limit
  service->on_failure = nullptr;
  service->helper->add_target(Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms});
  service->helper->resume(Verdict::next);
  answer(forwarded_to(kOther, "MESSAGE"), 200, kOther);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{200}));
}

TEST_F(ProxyCoreTest, RetryThatNeverResumesGets500) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}};
  service->on_failure = [](ProxyTsxHelper&, const Message&) { return Verdict::wait; };
  layer->receive(parse(message_request()), kCaller);
  answer(forwarded_to(kCallee, "MESSAGE"), 486, kCallee);
  advance(2s);  // the wait limit
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{500}));
}

TEST_F(ProxyCoreTest, RetryingServiceMayAnswerItself) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}};
  service->on_failure = [](ProxyTsxHelper& h, const Message&) {
    h.respond(504, "Server Time-out");
    return Verdict::done;
  };
  layer->receive(parse(message_request()), kCaller);
  answer(forwarded_to(kCallee, "MESSAGE"), 500, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{504}));
}

// A service CANCELs the pending branch itself (the TAS's no-reply timer):
// the transaction goes on, the branch's 487 is a failure the service may
// retry elsewhere, and the caller never sees the 487.
TEST_F(ProxyCoreTest, ServiceCancelsItsBranchAndRetriesElsewhere) {
  service->on_failure = [](ProxyTsxHelper& h, const Message& r) {
    if (r.status() == 487) h.add_target(Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms});
    return Verdict::next;
  };
  layer->receive(parse(invite()), kCaller);
  auto first = forwarded_to(kCallee, "INVITE");
  answer(first, 180, kCallee);
  service->helper->cancel_branch();
  auto cancel = forwarded_to(kCallee, "CANCEL");
  EXPECT_EQ(cancel.vias()[0].branch(), first.vias()[0].branch());
  EXPECT_EQ(service->cancels, 0);  // not the caller's CANCEL
  answer(cancel, 200, kCallee);
  answer(first, 487, kCallee);
  EXPECT_EQ(service->failures, (std::vector<int>{487}));
  auto second = forwarded_to(kOther, "INVITE");
  answer(second, 180, kOther);
  answer(second, 200, kOther);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{180, 180, 200}));
}

// Before any provisional response the CANCEL waits for one (§16.10).
TEST_F(ProxyCoreTest, ServiceCancelBeforeAProvisionalWaitsForOne) {
  layer->receive(parse(invite()), kCaller);
  auto first = forwarded_to(kCallee, "INVITE");
  service->helper->cancel_branch();
  EXPECT_EQ(cancels_to(kCallee), 0);
  answer(first, 183, kCallee);
  EXPECT_EQ(cancels_to(kCallee), 1);  // sent now
}

// A branch that fails before its awaited provisional response takes the
// pending CANCEL with it: the next branch is not cancelled when it rings.
TEST_F(ProxyCoreTest, APendingServiceCancelEndsWithItsBranch) {
  service->on_failure = [](ProxyTsxHelper& h, const Message& r) {
    if (r.status() == 486) h.add_target(Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms});
    return Verdict::next;
  };
  layer->receive(parse(invite()), kCaller);
  service->helper->cancel_branch();
  answer(forwarded_to(kCallee, "INVITE"), 486, kCallee);
  auto second = forwarded_to(kOther, "INVITE");
  answer(second, 180, kOther);
  EXPECT_EQ(cancels_to(kOther), 0);
  answer(second, 200, kOther);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{180, 200}));
}

// Neither a 6xx nor a 2xx is a failure to retry.
TEST_F(ProxyCoreTest, NoRetryAfterASixHundred) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 0ms}};
  service->on_failure = [](ProxyTsxHelper& h, const Message&) {
    h.add_target(Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms});
    return Verdict::next;
  };
  layer->receive(parse(message_request()), kCaller);
  answer(forwarded_to(kCallee, "MESSAGE"), 603, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{603}));
  EXPECT_TRUE(service->failures.empty());
  for (const auto& s : sender.sent) EXPECT_NE(s.to, kOther);
}

// A non-INVITE branch past its own timeout is given up at once, even after
// a 100 Trying: a CANCEL would change nothing for it (RFC 3261 §9.1), and
// the layer's timer F (32 s) is far beyond the limit the service set.
TEST_F(ProxyCoreTest, NonInviteBranchTimeoutGivesUpWithoutCancel) {
  service->targets = {Target{"sip:bob@192.0.2.2", {}, std::nullopt, 2s}};
  service->on_failure = [](ProxyTsxHelper& h, const Message& r) {
    if (r.status() == 408) h.add_target(Target{"sip:bob@192.0.2.3", {}, std::nullopt, 0ms});
    return Verdict::next;
  };
  layer->receive(parse(message_request()), kCaller);
  auto first = forwarded_to(kCallee, "MESSAGE");
  answer(first, 100, kCallee);
  advance(1900ms);
  for (const auto& s : sender.sent) EXPECT_NE(s.to, kOther);  // not yet
  advance(200ms);
  answer(forwarded_to(kOther, "MESSAGE"), 200, kOther);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{200}));
  EXPECT_EQ(service->failures, (std::vector<int>{408}));
  EXPECT_FALSE(sender.last([](const Message& m) { return m.is_request() && m.method() == "CANCEL"; }));
  answer(first, 200, kCallee);  // too late: ignored, nothing more goes upstream
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{200}));
}

}  // namespace
}  // namespace imsbox::sip::proxy

// ---- services that hold responses, ACKs and stray 2xx (the P-CSCF's media anchoring) ----

namespace imsbox::sip::proxy {
namespace {

// A service that holds every response (filter_response -> wait) and the
// ACKs of 2xx, and rewrites or drops stray 2xx.
struct HoldingService : ProxyService {
  struct Tsx : ProxyTsx {
    explicit Tsx(HoldingService& s) : s(s) {}
    Verdict filter_response(ProxyTsxHelper& h, Message& r) override {
      s.helper = &h;
      s.held.push_back(&r);
      if (s.resume_at_once) {
        r.append("X-Held", "at-once");
        h.resume_response();
      }
      return Verdict::wait;
    }
    HoldingService& s;
  };
  std::unique_ptr<ProxyTsx> on_request(const Message&, const Peer&) override { return std::make_unique<Tsx>(*this); }
  bool on_ack(Message& ack, const Peer&, const ForwardAck& forward) override {
    if (!hold_acks) return false;
    acks.push_back(ack.clone());
    ack_forwards.push_back(forward);
    return true;
  }
  bool on_stray_2xx(Message& r) override {
    ++strays;
    if (drop_strays) return false;
    r.append("X-Stray", "seen");
    return true;
  }
  ProxyTsxHelper* helper = nullptr;
  std::vector<Message*> held;
  bool resume_at_once = false;
  bool hold_acks = false;
  std::vector<Message> acks;
  std::vector<ForwardAck> ack_forwards;
  int strays = 0;
  bool drop_strays = false;
};

class ProxyCoreHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto svc = std::make_unique<HoldingService>();
    service = svc.get();
    std::vector<std::unique_ptr<ProxyService>> services;
    services.push_back(std::move(svc));
    ProxyOptions o;
    o.interfaces = {Interface{Transport::udp, "192.0.2.10", 5060}};
    o.wait_limit = 2s;
    o.record_route = true;
    core.emplace(timers, std::move(o), std::move(services));
    tx::TransactionLayer::Options lo;
    lo.branch_seed = 7;
    layer.emplace(sender, *core, timers, lo);
    core->attach(*layer, sender);
  }
  void advance(std::chrono::microseconds d) {
    for (auto left = d; left > 0us; left -= 10ms) {
      clock.advance(std::min<std::chrono::microseconds>(10ms, left));
      timers.fire_due();
    }
  }
  Message forwarded_to(const Peer& to, std::string_view method) {
    auto m = sender.last([&](const Message& m) { return m.is_request() && m.method() == method; });
    EXPECT_TRUE(m) << "no " << method << " to " << to_string(to);
    return m ? std::move(*m) : Message::request("NONE", "sip:none");
  }
  std::vector<int> responses_to(const Peer& to) {
    std::vector<int> out;
    for (const auto& s : sender.sent) {
      if (s.to != to) continue;
      auto m = s.message();
      if (!m.is_request()) out.push_back(m.status());
    }
    return out;
  }
  void answer(const Message& request, int status, const Peer& from, std::string_view tag = "callee") {
    layer->receive(parse(make_response(request, status, {}, status > 100 ? tag : "").serialize()), from);
  }
  runtime::ManualClock clock;
  runtime::TimerQueue timers{clock};
  FakeSender sender;
  HoldingService* service = nullptr;
  std::optional<ProxyCore> core;
  std::optional<tx::TransactionLayer> layer;
};

TEST_F(ProxyCoreHoldTest, HeldResponsesGoUpstreamInOrderOnceResumedAndChanged) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  answer(fwd, 183, kCallee);
  answer(fwd, 200, kCallee);  // arrives while the 183 is held
  EXPECT_TRUE(responses_to(kCaller).empty());
  ASSERT_EQ(service->held.size(), 1u);  // the 200 waits behind the 183 without being shown yet
  service->held[0]->set_body("v=0\r\n", "application/sdp");
  service->helper->resume_response();
  ASSERT_EQ(service->held.size(), 2u);
  EXPECT_EQ(service->held[1]->status(), 200);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{183}));
  const auto early = sender.last([](const Message& m) { return !m.is_request() && m.status() == 183; });
  EXPECT_EQ(early->body(), "v=0\r\n");
  service->helper->resume_response();
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{183, 200}));
  advance(1ms);
  EXPECT_EQ(core->active(), 0u);
}

TEST_F(ProxyCoreHoldTest, AHeldFinalResponseIsNotReplacedByACancel) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  answer(fwd, 180, kCallee);
  service->helper->resume_response();
  answer(fwd, 200, kCallee);
  layer->receive(tx::make_cancel(parse(invite())), kCaller);  // crosses the 200 being held
  service->helper->resume_response();
  // 180, the CANCEL's 200, the INVITE's 200: never a 487
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{180, 200, 200}));
}

TEST_F(ProxyCoreHoldTest, AServiceThatNeverResumesHasTheResponsePassedOnAfterTheWaitLimit) {
  layer->receive(parse(invite()), kCaller);
  answer(forwarded_to(kCallee, "INVITE"), 486, kCallee);
  advance(1900ms);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{100}));  // the layer's own 100 Trying (200 ms)
  advance(200ms);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{100, 486}));
  advance(1ms);
  EXPECT_EQ(core->active(), 0u);
}

TEST_F(ProxyCoreHoldTest, ResumingFromInsideFilterResponseIsNoWait) {
  service->resume_at_once = true;
  layer->receive(parse(invite()), kCaller);
  answer(forwarded_to(kCallee, "INVITE"), 200, kCallee);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{200}));
  EXPECT_TRUE(sender.last([](const Message& m) { return !m.is_request() && m.find("X-Held"); }));
}

const std::string kAck =
    "ACK sip:bob@192.0.2.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKack1\r\n"
    "Route: <sip:192.0.2.10:5060;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=a1\r\n"
    "To: <sip:bob@example.com>;tag=callee\r\n"
    "Call-ID: call-1@192.0.2.1\r\n"
    "CSeq: 1 ACK\r\n"
    "Content-Length: 0\r\n\r\n";

TEST_F(ProxyCoreHoldTest, AHeldAckIsForwardedWhenTheServiceSaysSoWithItsChanges) {
  service->hold_acks = true;
  layer->receive(parse(kAck), kCaller);
  ASSERT_EQ(service->acks.size(), 1u);
  EXPECT_TRUE(service->acks[0].find(HeaderId::route));  // as received
  EXPECT_TRUE(sender.sent.empty());
  auto ack = service->acks[0].clone();
  ack.set_body("v=0\r\n", "application/sdp");
  service->ack_forwards[0](std::move(ack));
  auto out = forwarded_to(kCallee, "ACK");
  EXPECT_FALSE(out.find(HeaderId::route));
  EXPECT_EQ(out.body(), "v=0\r\n");
  EXPECT_EQ(out.vias().size(), 2u);
}

TEST_F(ProxyCoreHoldTest, StrayTwoHundredsGoThroughTheServices) {
  layer->receive(parse(invite()), kCaller);
  auto fwd = forwarded_to(kCallee, "INVITE");
  answer(fwd, 200, kCallee);
  service->helper->resume_response();
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{200}));
  answer(fwd, 200, kCallee);  // a retransmission
  EXPECT_EQ(service->strays, 1);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{200, 200}));
  EXPECT_TRUE(sender.last([](const Message& m) { return !m.is_request() && m.find("X-Stray"); }));
  service->drop_strays = true;
  answer(fwd, 200, kCallee);
  EXPECT_EQ(service->strays, 2);
  EXPECT_EQ(responses_to(kCaller), (std::vector<int>{200, 200}));
}

}  // namespace
}  // namespace imsbox::sip::proxy
