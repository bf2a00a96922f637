// The IVR state machine driven with a fake clock: the test arms and fires
// the one timer the machine asks for.
#include "mrf/ivr_menu.h"

#include <gtest/gtest.h>

#include "runtime/clock.h"
#include "runtime/timer_queue.h"

namespace imsbox::mrf {
namespace {

using namespace std::chrono_literals;
using Kind = IvrAction::Kind;

constexpr std::string_view kMain =
    "# the main menu\n"
    "prompt = menu-main\n"
    "choice 1 = play welcome\n"
    "choice 2 = menu sub\n"
    "choice 3 = transfer sip:alice@ims.test\n"
    "choice 9 = hangup\n"
    "choice *0 = play goodbye\n"
    "timeout_ms = 4000\n"
    "interdigit_ms = 2000\n"
    "retries = 1\n";

Menu main_menu() {
  auto m = parse_menu(kMain);
  EXPECT_TRUE(std::holds_alternative<Menu>(m)) << std::get<std::string>(m);
  return std::get<Menu>(m);
}

// Plays what the machine asks: prompts end when the test says, the timer on a ManualClock.
struct Driver {
  runtime::ManualClock clock;
  runtime::TimerQueue timers{clock};
  std::optional<runtime::TimerQueue::TimerId> timer;
  IvrMachine machine;
  std::vector<IvrAction> log;
  std::string playing;

  void apply(const std::vector<IvrAction>& actions) {
    for (const auto& a : actions) {
      log.push_back(a);
      if (a.kind == Kind::play) playing = a.target;
      if (a.kind == Kind::stop_play) playing.clear();
      if (a.kind == Kind::arm_timer || a.kind == Kind::cancel_timer) {
        if (timer) timers.cancel(*timer);
        timer.reset();
      }
      if (a.kind == Kind::arm_timer) timer = timers.schedule_after(a.delay, [this] {
        timer.reset();
        apply(machine.on_timeout());
      });
    }
  }
  void prompt_done() {
    playing.clear();
    apply(machine.on_prompt_done());
  }
  void digit(char d) { apply(machine.on_digit(d)); }
  void advance(std::chrono::milliseconds d) {
    clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(d));
    timers.fire_due();
  }
  IvrAction last() const { return log.back(); }
};

TEST(IvrMenu, ParsesAndWritesADefinition) {
  const Menu m = main_menu();
  EXPECT_EQ(m.prompt, "menu-main");
  EXPECT_EQ(m.first_digit_timeout, 4000ms);
  EXPECT_EQ(m.inter_digit_timeout, 2000ms);
  EXPECT_EQ(m.retries, 1);
  ASSERT_EQ(m.choices.size(), 5u);
  EXPECT_EQ(m.choices.at("3"), (MenuChoice{MenuChoice::Kind::transfer, "sip:alice@ims.test"}));
  EXPECT_EQ(m.choices.at("9"), (MenuChoice{MenuChoice::Kind::hangup, ""}));
  const auto again = parse_menu(write_menu(m));
  ASSERT_TRUE(std::holds_alternative<Menu>(again));
  EXPECT_EQ(std::get<Menu>(again), m);
}

TEST(IvrMenu, RefusesBadDefinitionsNamingTheLine) {
  auto error = [](std::string_view text) {
    auto r = parse_menu(text);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("(parsed)");
  };
  EXPECT_NE(error("choice 1 = hangup\n").find("prompt"), std::string::npos);
  EXPECT_NE(error("prompt = x\n").find("choice"), std::string::npos);
  EXPECT_NE(error("prompt = x\nchoice 1 = dance\n").find("line 2"), std::string::npos);
  EXPECT_NE(error("prompt = x\nchoice 1 = transfer alice\n").find("URI"), std::string::npos);
  EXPECT_NE(error("prompt = x\nchoice 12345678901 = hangup\n").find("choice"), std::string::npos);
  EXPECT_NE(error("prompt = x\nchoice 1 = hangup\nchoice 1 = hangup\n").find("twice"), std::string::npos);
  EXPECT_NE(error("prompt = x\nchoice 1 = hangup\ntimeout_ms = 5\n").find("timeout_ms"), std::string::npos);
  EXPECT_NE(error("prompt = x\ncolour = blue\n").find("unknown key"), std::string::npos);
  EXPECT_TRUE(is_menu_name("main-2"));
  EXPECT_FALSE(is_menu_name("Main"));
  EXPECT_FALSE(is_menu_name(""));
}

TEST(IvrMenu, SetMenuKeyIsOneLineOfADefinition) {
  Menu m;
  EXPECT_EQ(set_menu_key(m, " prompt ", " menu-main "), std::nullopt);
  EXPECT_EQ(set_menu_key(m, "choice 2", "transfer sip:bert@ims.test"), std::nullopt);
  EXPECT_EQ(set_menu_key(m, "retries", "3"), std::nullopt);
  EXPECT_EQ(check_menu(m), std::nullopt);
  EXPECT_EQ(m.prompt, "menu-main");
  EXPECT_EQ(m.retries, 3);
  EXPECT_EQ(m, std::get<Menu>(parse_menu("prompt = menu-main\nchoice 2 = transfer sip:bert@ims.test\nretries = 3\n")));
  // the same reasons as parse_menu's, without the line
  EXPECT_EQ(set_menu_key(m, "choice 1", "transfer bert"), "transfer needs a sip:, sips: or tel: URI");
  EXPECT_EQ(std::get<std::string>(parse_menu("prompt = p\nchoice 1 = transfer bert\n")),
            "line 2: transfer needs a sip:, sips: or tel: URI");
  EXPECT_EQ(set_menu_key(m, "choice 2", "hangup"), "choice 2 given twice");
  // one key per line: a value with a line break in it (from the REST API's JSON) is refused
  EXPECT_EQ(set_menu_key(m, "prompt", "p\nchoice 9 = hangup"), "prompt holds a control character (one line per key)");
  EXPECT_EQ(m.prompt, "menu-main");
  EXPECT_EQ(check_menu(Menu{}), "a menu needs a prompt (prompt = NAME)");
}

TEST(IvrMenu, PromptThenDigitPlaysTheChoiceThenTheMenuAgain) {
  Driver d;
  d.apply(d.machine.enter(main_menu()));
  EXPECT_EQ(d.playing, "menu-main");
  EXPECT_FALSE(d.timer);  // no digit timer while the prompt plays
  d.prompt_done();
  ASSERT_TRUE(d.timer);
  d.digit('1');
  EXPECT_EQ(d.playing, "welcome");
  EXPECT_FALSE(d.timer);
  d.prompt_done();
  EXPECT_EQ(d.playing, "menu-main");
  d.prompt_done();
  d.digit('9');
  EXPECT_EQ(d.last(), (IvrAction{Kind::hangup, "goodbye"}));
  EXPECT_TRUE(d.machine.done());
}

TEST(IvrMenu, DigitDuringThePromptBargesIn) {
  Driver d;
  d.apply(d.machine.enter(main_menu()));
  d.digit('2');
  EXPECT_EQ(d.log[d.log.size() - 3].kind, Kind::stop_play);
  EXPECT_EQ(d.last(), (IvrAction{Kind::open_menu, "sub"}));
}

TEST(IvrMenu, TransferAndMultiDigitChoices) {
  Driver d;
  d.apply(d.machine.enter(main_menu()));
  d.prompt_done();
  d.digit('*');
  EXPECT_EQ(d.last().kind, Kind::arm_timer);  // "*" may become "*0": wait for more
  EXPECT_EQ(d.last().delay, 2000ms);
  d.advance(1999ms);
  d.digit('0');
  EXPECT_EQ(d.playing, "goodbye");
  d.prompt_done();
  d.prompt_done();
  d.digit('3');
  EXPECT_EQ(d.last(), (IvrAction{Kind::transfer, "sip:alice@ims.test"}));
}

TEST(IvrMenu, InterDigitTimeoutDecidesWithWhatCame) {
  Driver d;
  d.apply(d.machine.enter(main_menu()));
  d.prompt_done();
  d.digit('*');
  d.advance(2000ms);  // "*" alone is no choice
  EXPECT_EQ(d.playing, "invalid-choice");
}

TEST(IvrMenu, InvalidChoiceReplaysTheMenuThenRetriesRunOut) {
  Driver d;
  d.apply(d.machine.enter(main_menu()));
  d.prompt_done();
  d.digit('5');
  EXPECT_EQ(d.playing, "invalid-choice");
  d.prompt_done();
  EXPECT_EQ(d.playing, "menu-main");
  d.prompt_done();
  d.digit('7');  // second failure, retries = 1
  EXPECT_EQ(d.last(), (IvrAction{Kind::hangup, "goodbye"}));
  EXPECT_TRUE(d.machine.done());
  EXPECT_TRUE(d.machine.on_digit('1').empty());
}

TEST(IvrMenu, SilenceTimesOutThenHangsUp) {
  Driver d;
  d.apply(d.machine.enter(main_menu()));
  d.prompt_done();
  d.advance(3999ms);
  EXPECT_EQ(d.playing, "");
  d.advance(1ms);
  EXPECT_EQ(d.playing, "menu-main");  // the menu again
  d.prompt_done();
  d.advance(4000ms);
  EXPECT_EQ(d.last(), (IvrAction{Kind::hangup, "goodbye"}));
  EXPECT_FALSE(d.timer);
}

}  // namespace
}  // namespace imsbox::mrf
