// MrfService between a caller's UserAgent and the MRF's, back to back on a
// ManualClock (no sockets), with a fake MediaEngine the test drives: plays
// end when the test says, digits come when it presses them.
#include "mrf/mrf_service.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/log.h"
#include "unit/shared/sip/ua/back_to_back.h"

namespace imsbox::mrf {
namespace {

using namespace std::chrono_literals;
using sip::Message;
using sip::ua::CallHandle;
using sip::ua::test::QueueSender;
using sip::ua::test::Recorder;
using sip::ua::test::parse;

struct FakeSession final : MediaSession {
  int rate = 16000;
  std::vector<PlayRequest> plays;
  std::function<void()> done;
  std::optional<std::chrono::milliseconds> echoing;
  int stops = 0;
  std::function<void(char)> digit;
  std::vector<std::string> offers;
  int pcm_rate() const override { return rate; }
  void play(PlayRequest r, std::function<void()> on_done) override {
    plays.push_back(std::move(r));
    done = std::move(on_done);
  }
  void echo(std::chrono::milliseconds d) override { echoing = d; }
  void stop() override {
    ++stops;
    done = nullptr;
  }
  void on_digit(std::function<void(char)> h) override { digit = std::move(h); }
  std::variant<std::string, std::string> update(std::string_view offer) override {
    offers.emplace_back(offer);
    if (offer.find("m=audio") == std::string_view::npos) return std::variant<std::string, std::string>(std::in_place_index<1>, "no audio");
    return std::variant<std::string, std::string>(std::in_place_index<0>, "v=0\r\ns=updated\r\n");
  }
  MediaStats stats() const override {
    MediaStats s;
    s.codec = "AMR-WB/16000";
    return s;
  }
};

struct FakeEngine final : MediaEngine {
  FakeSession* last = nullptr;
  std::variant<Answer, std::string> answer(std::string_view offer) override {
    if (offer.find("m=audio") == std::string_view::npos) return std::string("no audio stream");
    auto s = std::make_unique<FakeSession>();
    last = s.get();
    return Answer{std::move(s), "v=0\r\ns=mrf\r\nm=audio 4000 RTP/AVP 96\r\n"};
  }
};

constexpr std::string_view kOffer = "v=0\r\ns=-\r\nm=audio 5000 RTP/AVP 96\r\n";

class MrfServiceTest : public ::testing::Test {
 protected:
  runtime::ManualClock clock;
  runtime::TimerQueue timers{clock};
  runtime::Logger logger{"mrf", runtime::LogLevel::warning, {}, clock};
  FakeEngine engine;
  QueueSender caller_out, mrf_out;
  Recorder caller_events;
  MrfService service{deps()};
  sip::ua::UserAgent caller{caller_out, timers, caller_events, caller_options()};
  sip::ua::UserAgent mrf{mrf_out, timers, service, mrf_options()};
  std::map<std::string, std::string> menus;

  MrfServiceTest() { service.attach(mrf); }
  ~MrfServiceTest() override { service.shutdown(); }

  static sip::ua::UserAgent::Options caller_options() {
    auto o = sip::ua::test::options("192.0.2.1", 1);
    o.outbound_proxy = sip::ua::test::bob_addr;  // the MRF, whatever the Request-URI's host
    return o;
  }
  static sip::ua::UserAgent::Options mrf_options() {
    auto o = sip::ua::test::options("192.0.2.2", 2);
    o.allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, NOTIFY";
    return o;
  }
  MrfServiceDeps deps() {
    MrfServiceDeps d;
    d.engine = &engine;
    d.timers = &timers;
    d.log = &logger;
    d.prompt = [](std::string_view name, int rate) -> std::optional<std::vector<std::int16_t>> {
      if (name == "nosuch") return std::nullopt;
      return std::vector<std::int16_t>(static_cast<std::size_t>(rate / 10), static_cast<std::int16_t>(name.size()));
    };
    d.menu = [this](std::string_view name) -> std::optional<Menu> {
      auto it = menus.find(std::string(name));
      if (it == menus.end()) return std::nullopt;
      return std::get<Menu>(parse_menu(it->second));
    };
    return d;
  }

  void pump() {
    for (int round = 0; round < 50; ++round) {
      timers.fire_due();
      if (caller_out.queue.empty() && mrf_out.queue.empty()) return;
      while (!caller_out.queue.empty()) {
        auto w = caller_out.queue.front();
        caller_out.queue.pop_front();
        mrf.receive(parse(w.bytes), sip::ua::test::alice_addr);
      }
      while (!mrf_out.queue.empty()) {
        auto w = mrf_out.queue.front();
        mrf_out.queue.pop_front();
        caller.receive(parse(w.bytes), sip::ua::test::bob_addr);
      }
    }
  }
  void advance(std::chrono::milliseconds d) {
    clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(d));
    pump();
  }
  std::vector<Message> sent(const QueueSender& s, std::string_view key) {
    std::vector<Message> out;
    for (const auto& w : s.log) {
      Message m = parse(w.bytes);
      const std::string k = m.is_request() ? std::string(m.method())
                                           : std::to_string(m.status()) + " " + std::string(m.cseq().method);
      if (k == key) out.push_back(std::move(m));
    }
    return out;
  }
  CallHandle dial(std::string_view uri, std::string_view offer = kOffer) {
    auto h = caller.invite(uri, "sip:alice@ims.test", std::string(offer));
    EXPECT_TRUE(h);
    pump();
    return h.value_or(CallHandle{});
  }
  // Dials and ACKs the 200: the service has started.
  CallHandle connected(std::string_view uri) {
    const auto h = dial(uri);
    EXPECT_EQ(caller_events.kinds().back(), "confirmed");
    EXPECT_TRUE(caller.ack(h));
    pump();
    return h;
  }
  void finish_play() {
    ASSERT_TRUE(engine.last && engine.last->done);
    auto done = std::move(engine.last->done);
    engine.last->done = nullptr;
    done();
    pump();
  }
  std::string last_kind() const { return caller_events.kinds().back(); }
  // The play after prompt number `after` (0-based) is 300 ms of silence at the session's 16 kHz; finishes it.
  void expect_silence_played(std::size_t after) {
    ASSERT_EQ(engine.last->plays.size(), after + 1);
    const auto& tail = engine.last->plays[after];
    EXPECT_EQ(tail.pcm.size(), 4800u);
    EXPECT_EQ(std::count(tail.pcm.begin(), tail.pcm.end(), 0), 4800);
    EXPECT_EQ(tail.repeat, 1);
    finish_play();
  }
};

TEST_F(MrfServiceTest, AnnouncementIsAnsweredPlayedThenByed) {
  connected("sip:annc@mrf.ims.test;play=busy;repeat=2;delay=300;duration=9000");
  ASSERT_TRUE(engine.last);
  ASSERT_EQ(engine.last->plays.size(), 1u);
  const auto& p = engine.last->plays[0];
  EXPECT_EQ(p.pcm.size(), 1600u);  // the prompt at the session's 16 kHz
  EXPECT_EQ(p.repeat, 2);
  EXPECT_EQ(p.delay, 300ms);
  EXPECT_EQ(p.duration, 9000ms);
  const auto ok = sent(mrf_out, "200 INVITE");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_NE(ok[0].body().find("s=mrf"), std::string_view::npos);
  EXPECT_TRUE(sent(mrf_out, "BYE").empty());
  finish_play();
  // then 300 ms of silence (playout_tail), which pushes the prompt's end out of the caller's jitter buffer
  EXPECT_TRUE(sent(mrf_out, "BYE").empty());
  expect_silence_played(1u);
  EXPECT_EQ(sent(mrf_out, "BYE").size(), 1u);
  EXPECT_EQ(last_kind(), "ended");
  EXPECT_EQ(service.active(), 0u);
}

TEST_F(MrfServiceTest, CallerHangingUpDuringThePlayoutTailEndsIt) {
  const auto h = connected("sip:annc@mrf.ims.test;play=busy");
  finish_play();
  ASSERT_EQ(engine.last->plays.size(), 2u);  // the silence
  ASSERT_TRUE(caller.bye(h));
  pump();
  EXPECT_EQ(service.active(), 0u);
  advance(1s);
  EXPECT_TRUE(sent(mrf_out, "BYE").empty());
}

TEST_F(MrfServiceTest, RefusalsSayWhy) {
  dial("sip:annc@mrf.ims.test;play=nosuch");
  EXPECT_EQ(sent(mrf_out, "404 INVITE").size(), 1u);
  dial("sip:annc@mrf.ims.test");
  EXPECT_EQ(sent(mrf_out, "400 INVITE").size(), 1u);
  dial("sip:conference@mrf.ims.test");
  EXPECT_EQ(sent(mrf_out, "404 INVITE").size(), 2u);
  dial("sip:ivr@mrf.ims.test;menu=none");
  EXPECT_EQ(sent(mrf_out, "404 INVITE").size(), 3u);
  dial("sip:echo@mrf.ims.test", "v=0\r\ns=-\r\n");  // no audio: the engine says no
  EXPECT_EQ(sent(mrf_out, "488 INVITE").size(), 1u);
  EXPECT_EQ(service.active(), 0u);
  EXPECT_EQ(engine.last, nullptr);
}

TEST_F(MrfServiceTest, EarlyMediaThenTheFinalStatus) {
  dial("sip:annc@mrf.ims.test;play=barred;early=603");
  const auto progress = sent(mrf_out, "183 INVITE");
  ASSERT_EQ(progress.size(), 1u);
  ASSERT_NE(progress[0].find("P-Early-Media"), nullptr);
  EXPECT_EQ(progress[0].find("P-Early-Media")->value, "sendonly");
  EXPECT_NE(progress[0].body().find("m=audio"), std::string_view::npos);
  ASSERT_EQ(engine.last->plays.size(), 1u);  // playing before any answer
  EXPECT_TRUE(sent(mrf_out, "200 INVITE").empty());
  finish_play();
  EXPECT_TRUE(sent(mrf_out, "603 INVITE").empty());  // the silence after it first
  expect_silence_played(1u);
  EXPECT_EQ(sent(mrf_out, "603 INVITE").size(), 1u);
  EXPECT_EQ(last_kind(), "ended");
  EXPECT_EQ(service.active(), 0u);
}

TEST_F(MrfServiceTest, CancelDuringEarlyMediaEndsIt) {
  const auto h = dial("sip:annc@mrf.ims.test;play=not-reachable;early=480");
  ASSERT_TRUE(caller.cancel(h));
  pump();
  EXPECT_EQ(sent(mrf_out, "487 INVITE").size(), 1u);
  EXPECT_EQ(service.active(), 0u);
  advance(10s);
  EXPECT_TRUE(sent(mrf_out, "480 INVITE").empty());
}

TEST_F(MrfServiceTest, EchoUntilTheCallerHangsUp) {
  const auto h = connected("sip:echo@mrf.ims.test");
  ASSERT_TRUE(engine.last->echoing);
  EXPECT_EQ(*engine.last->echoing, 200ms);
  advance(60s);
  EXPECT_EQ(service.active(), 1u);
  ASSERT_TRUE(caller.bye(h));
  pump();
  EXPECT_EQ(service.active(), 0u);
}

TEST_F(MrfServiceTest, ReInviteGoesToTheMediaSession) {
  const auto h = connected("sip:echo@mrf.ims.test");
  ASSERT_TRUE(caller.reinvite(h, "v=0\r\ns=hold\r\nm=audio 5002 RTP/AVP 96\r\n"));
  pump();
  ASSERT_EQ(engine.last->offers.size(), 1u);
  EXPECT_EQ(last_kind(), "offer-response INVITE 200");
  ASSERT_TRUE(caller.update(h, "v=0\r\ns=video only\r\n"));
  pump();
  EXPECT_EQ(last_kind(), "offer-response UPDATE 488");
}

TEST_F(MrfServiceTest, IvrWalkedWithInfoAndRfc4733DigitsThenTransferred) {
  menus["main"] = "prompt = menu-main\nchoice 1 = play welcome\nchoice 2 = menu sub\nchoice 9 = hangup\n";
  menus["sub"] = "prompt = forwarded\nchoice 3 = transfer sip:bob@ims.test\n";
  const auto h = connected("sip:ivr@mrf.ims.test;menu=main");
  auto* media = engine.last;
  ASSERT_EQ(media->plays.size(), 1u);
  EXPECT_EQ(media->plays[0].pcm.front(), 9);  // "menu-main" (the fake's PCM is the name's length)
  finish_play();
  // a digit by INFO (application/dtmf-relay), answered 200
  ASSERT_TRUE(caller.request(h, "INFO", {}, "Signal=1\r\nDuration=160\r\n", "application/dtmf-relay"));
  pump();
  EXPECT_EQ(last_kind(), "request-response INFO 200");
  ASSERT_EQ(media->plays.size(), 2u);
  EXPECT_EQ(media->plays[1].pcm.front(), 7);  // "welcome"
  finish_play();
  ASSERT_EQ(media->plays.size(), 3u);  // the menu again
  // an RFC 4733 digit during the prompt: barge-in, the sub-menu
  media->digit('2');
  pump();
  ASSERT_EQ(media->plays.size(), 4u);
  EXPECT_EQ(media->plays[3].pcm.front(), 9);  // "forwarded"
  finish_play();
  // application/dtmf
  caller_events.dialog_request_status = 202;  // the caller takes the REFER
  ASSERT_TRUE(caller.request(h, "INFO", {}, "3", "application/dtmf"));
  pump();
  const auto refers = sent(mrf_out, "REFER");
  ASSERT_EQ(refers.size(), 1u);
  EXPECT_EQ(refers[0].find(sip::HeaderId::refer_to)->value, "<sip:bob@ims.test>");
  EXPECT_TRUE(sent(mrf_out, "BYE").empty());
  // the transfer is under way (100 Trying), then succeeds: the MRF leaves
  caller_events.dialog_request_status = 0;
  ASSERT_TRUE(caller.request(h, "NOTIFY", {{"Event", "refer"}, {"Subscription-State", "active"}},
                             "SIP/2.0 100 Trying\r\n", "message/sipfrag"));
  pump();
  EXPECT_TRUE(sent(mrf_out, "BYE").empty());
  ASSERT_TRUE(caller.request(h, "NOTIFY", {{"Event", "refer"}, {"Subscription-State", "terminated;reason=noresource"}},
                             "SIP/2.0 200 OK\r\n", "message/sipfrag"));
  pump();
  EXPECT_EQ(sent(mrf_out, "200 NOTIFY").size(), 2u);
  EXPECT_EQ(sent(mrf_out, "BYE").size(), 1u);
  EXPECT_EQ(service.active(), 0u);
}

TEST_F(MrfServiceTest, IvrSilenceTimesOutAndHangsUp) {
  menus["main"] = "prompt = menu-main\nchoice 1 = hangup\ntimeout_ms = 1000\nretries = 0\n";
  connected("sip:ivr@mrf.ims.test;menu=main");
  finish_play();
  advance(999ms);
  EXPECT_EQ(engine.last->plays.size(), 1u);
  advance(1ms);
  ASSERT_EQ(engine.last->plays.size(), 2u);  // "goodbye"
  finish_play();
  EXPECT_TRUE(sent(mrf_out, "BYE").empty());  // goodbye is played out first
  expect_silence_played(2u);
  EXPECT_EQ(sent(mrf_out, "BYE").size(), 1u);
}

TEST_F(MrfServiceTest, InfoWithoutDigitsOrOfAnotherKind) {
  menus["main"] = "prompt = menu-main\nchoice 1 = hangup\n";
  const auto h = connected("sip:ivr@mrf.ims.test;menu=main");
  ASSERT_TRUE(caller.request(h, "INFO", {}, "<xml/>", "application/xml"));
  pump();
  EXPECT_EQ(last_kind(), "request-response INFO 415");
  ASSERT_TRUE(caller.request(h, "INFO", {}, "Duration=160\r\n", "application/dtmf-relay"));
  pump();
  EXPECT_EQ(last_kind(), "request-response INFO 400");
  EXPECT_EQ(engine.last->plays.size(), 1u);
}

TEST(Sipfrag, StatusLine) {
  EXPECT_EQ(sipfrag_status("SIP/2.0 200 OK\r\n"), 200);
  EXPECT_EQ(sipfrag_status("SIP/2.0 486 Busy Here"), 486);
  EXPECT_EQ(sipfrag_status("SIP/2.0 2x0 OK"), std::nullopt);
  EXPECT_EQ(sipfrag_status("INVITE sip:a SIP/2.0"), std::nullopt);
}

}  // namespace
}  // namespace imsbox::mrf
