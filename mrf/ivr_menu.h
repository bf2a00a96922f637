#pragma once
// IVR menus (issue 19): their definition, as kept in the store
// (mrf_ivr_menu) and written by `imsbox ivr add`, and the state machine of
// one caller in one menu. Pure: text in, values out; the machine takes
// events (prompt done, digit, timer) and returns actions, and keeps no
// clock (the caller arms the timer it asks for), so tests drive it with a
// fake clock.
//
// A definition, one "key = value" per line ('#' starts a comment; a value
// holds no control character but tab):
//   prompt = menu-main            the menu's prompt (required)
//   choice 1 = menu sub           open menu "sub"
//   choice 2 = play welcome       play a prompt, then the menu again
//   choice 3 = transfer sip:alice@example.org   REFER the caller there
//   choice 9 = hangup
//   invalid = invalid-choice      played on a wrong choice (default)
//   timeout_ms = 5000             wait for the first digit after the prompt
//   interdigit_ms = 3000          wait between two digits of a choice
//   retries = 2                   wrong choices/timeouts before hanging up
// Choices are 1 to 8 digits of 0-9, *, #; the longest one bounds how many
// digits are collected.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imsbox::mrf {

struct MenuChoice {
  enum class Kind { play, menu, transfer, hangup };
  Kind kind = Kind::hangup;
  std::string target;  // the prompt, menu name or URI
  friend bool operator==(const MenuChoice&, const MenuChoice&) = default;
};

struct Menu {
  std::string prompt;
  std::string invalid_prompt = "invalid-choice";
  std::chrono::milliseconds first_digit_timeout{5000};
  std::chrono::milliseconds inter_digit_timeout{3000};
  int retries = 2;
  std::map<std::string, MenuChoice> choices;  // by digits
  friend bool operator==(const Menu&, const Menu&) = default;
};

// A menu name: 1-64 of a-z, 0-9, '-', '_' (it appears in ;menu=NAME).
bool is_menu_name(std::string_view name);
// Parses a definition; the error names the line and what is wrong.
std::variant<Menu, std::string> parse_menu(std::string_view text);
// One "key = value" of a definition applied to `menu` (keys and values are
// trimmed); the error says what is wrong, without a line number. parse_menu
// is this per line then check_menu; the provisioning API (hss/ivr_menus_api.h)
// applies its JSON fields the same way, so both refuse the same menus.
std::optional<std::string> set_menu_key(Menu& menu, std::string_view key, std::string_view value);
// What a complete menu needs (a prompt, a choice); nothing when it is fine.
std::optional<std::string> check_menu(const Menu& menu);
// The definition text of a menu (parse_menu(write_menu(m)) == m).
std::string write_menu(const Menu& menu);

// What the state machine asks for.
struct IvrAction {
  enum class Kind {
    play,        // play `target` (a prompt); report its end with on_prompt_done()
    stop_play,   // the caller pressed a digit during a prompt (barge-in)
    arm_timer,   // (re)arm the one timer: on_timeout() after `delay`
    cancel_timer,
    open_menu,   // load menu `target` and call enter() with it
    transfer,    // REFER the caller to `target`
    hangup,      // BYE, after playing `target` ("goodbye") when that prompt exists
  };
  Kind kind;
  std::string target;
  std::chrono::milliseconds delay{0};
  friend bool operator==(const IvrAction&, const IvrAction&) = default;
};

// One caller walking menus. Threading: none (the MRF's loop).
class IvrMachine {
 public:
  // Starts (or restarts, for a sub-menu) with `menu`.
  std::vector<IvrAction> enter(Menu menu);
  std::vector<IvrAction> on_prompt_done();
  std::vector<IvrAction> on_digit(char digit);
  std::vector<IvrAction> on_timeout();
  const std::string& digits() const { return digits_; }
  bool done() const { return state_ == State::done; }

 private:
  enum class State { idle, prompting, collecting, playing_choice, done };
  std::vector<IvrAction> wrong();   // an invalid choice
  std::vector<IvrAction> decide();  // digits_ complete or timed out
  std::vector<IvrAction> replay();
  std::size_t longest() const;

  Menu menu_;
  State state_ = State::idle;
  std::string digits_;
  int failures_ = 0;
  bool playing_invalid_ = false;
};

}  // namespace imsbox::mrf
