#include "mrf/ivr_menu.h"

#include <algorithm>
#include <charconv>

namespace imsbox::mrf {

namespace {

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool is_choice_digits(std::string_view d) {
  return !d.empty() && d.size() <= 8 && std::all_of(d.begin(), d.end(), [](char c) {
           return (c >= '0' && c <= '9') || c == '*' || c == '#';
         });
}

std::optional<long long> number(std::string_view s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

bool is_menu_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

std::optional<std::string> set_menu_key(Menu& menu, std::string_view key, std::string_view value) {
  key = trim(key);
  value = trim(value);
  if (std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; })) {
    return std::string(key) + " holds a control character (one line per key)";
  }
  if (value.empty()) return "no value for " + std::string(key);
  auto ms = [&](std::chrono::milliseconds& out) -> std::optional<std::string> {
    const auto n = number(value);
    if (!n || *n < 100 || *n > 600000) return std::string(key) + " must be 100-600000 (ms)";
    out = std::chrono::milliseconds(*n);
    return std::nullopt;
  };
  if (key == "prompt") {
    menu.prompt = value;
  } else if (key == "invalid") {
    menu.invalid_prompt = value;
  } else if (key == "timeout_ms") {
    return ms(menu.first_digit_timeout);
  } else if (key == "interdigit_ms") {
    return ms(menu.inter_digit_timeout);
  } else if (key == "retries") {
    const auto n = number(value);
    if (!n || *n > 10) return std::string("retries must be 0-10");
    menu.retries = static_cast<int>(*n);
  } else if (key.starts_with("choice")) {
    const auto digits = trim(key.substr(6));
    if (!is_choice_digits(digits)) return std::string("a choice is 1-8 of 0-9, *, # (choice 1 = ...)");
    const auto space = value.find_first_of(" \t");
    const auto verb = value.substr(0, space);
    const auto arg = space == std::string_view::npos ? std::string_view() : trim(value.substr(space));
    MenuChoice c;
    if (verb == "play") {
      c.kind = MenuChoice::Kind::play;
    } else if (verb == "menu") {
      c.kind = MenuChoice::Kind::menu;
      if (!is_menu_name(arg)) return std::string("menu needs a menu name (a-z, 0-9, - and _)");
    } else if (verb == "transfer") {
      c.kind = MenuChoice::Kind::transfer;
      if (!arg.starts_with("sip:") && !arg.starts_with("sips:") && !arg.starts_with("tel:")) {
        return std::string("transfer needs a sip:, sips: or tel: URI");
      }
    } else if (verb == "hangup") {
      c.kind = MenuChoice::Kind::hangup;
    } else {
      return std::string("a choice is play PROMPT, menu NAME, transfer URI or hangup");
    }
    if (c.kind != MenuChoice::Kind::hangup && arg.empty()) return std::string(verb) + " needs an argument";
    c.target = arg;
    if (!menu.choices.emplace(std::string(digits), std::move(c)).second) {
      return "choice " + std::string(digits) + " given twice";
    }
  } else {
    return "unknown key " + std::string(key) + " (prompt, choice D, invalid, timeout_ms, interdigit_ms, retries)";
  }
  return std::nullopt;
}

std::optional<std::string> check_menu(const Menu& menu) {
  if (menu.prompt.empty()) return std::string("a menu needs a prompt (prompt = NAME)");
  if (menu.choices.empty()) return std::string("a menu needs at least one choice (choice 1 = ...)");
  return std::nullopt;
}

std::variant<Menu, std::string> parse_menu(std::string_view text) {
  Menu menu;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos && trim(line.substr(0, hash)).empty()) continue;
    line = trim(line);
    if (line.empty()) continue;
    const auto where = "line " + std::to_string(line_no) + ": ";
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return where + "expected key = value";
    if (auto error = set_menu_key(menu, line.substr(0, eq), line.substr(eq + 1))) return where + *error;
  }
  if (auto error = check_menu(menu)) return *error;
  return menu;
}

std::string write_menu(const Menu& m) {
  std::string out = "prompt = " + m.prompt + "\n";
  for (const auto& [digits, c] : m.choices) {
    static constexpr const char* verbs[] = {"play", "menu", "transfer", "hangup"};
    out += "choice " + digits + " = " + verbs[static_cast<int>(c.kind)];
    if (!c.target.empty()) out += " " + c.target;
    out += "\n";
  }
  out += "invalid = " + m.invalid_prompt + "\n";
  out += "timeout_ms = " + std::to_string(m.first_digit_timeout.count()) + "\n";
  out += "interdigit_ms = " + std::to_string(m.inter_digit_timeout.count()) + "\n";
  out += "retries = " + std::to_string(m.retries) + "\n";
  return out;
}

// ---------------------------------------------------------------- machine

using Kind = IvrAction::Kind;

std::size_t IvrMachine::longest() const {
  std::size_t n = 1;
  for (const auto& [digits, c] : menu_.choices) n = std::max(n, digits.size());
  return n;
}

std::vector<IvrAction> IvrMachine::enter(Menu menu) {
  menu_ = std::move(menu);
  failures_ = 0;
  return replay();
}

std::vector<IvrAction> IvrMachine::replay() {
  digits_.clear();
  playing_invalid_ = false;
  state_ = State::prompting;
  return {{Kind::cancel_timer, {}}, {Kind::play, menu_.prompt}};
}

std::vector<IvrAction> IvrMachine::on_prompt_done() {
  if (state_ == State::prompting) {
    if (playing_invalid_) return replay();  // "invalid choice", then the menu again
    state_ = State::collecting;
    return {{Kind::arm_timer, {}, menu_.first_digit_timeout}};
  }
  if (state_ == State::playing_choice) {
    failures_ = 0;
    return replay();
  }
  return {};
}

std::vector<IvrAction> IvrMachine::on_digit(char digit) {
  std::vector<IvrAction> out;
  if (state_ == State::prompting && !playing_invalid_) {
    out.push_back({Kind::stop_play, {}});  // barge-in
    state_ = State::collecting;
  } else if (state_ == State::prompting) {
    out.push_back({Kind::stop_play, {}});
    state_ = State::collecting;
    playing_invalid_ = false;
  } else if (state_ != State::collecting) {
    return {};
  }
  digits_ += digit;
  const bool exact = menu_.choices.contains(digits_);
  const bool longer = std::any_of(menu_.choices.begin(), menu_.choices.end(), [&](const auto& c) {
    return c.first.size() > digits_.size() && c.first.starts_with(digits_);
  });
  if ((exact && !longer) || (!exact && !longer) || digits_.size() >= longest()) {
    auto more = decide();
    out.insert(out.end(), more.begin(), more.end());
    return out;
  }
  out.push_back({Kind::arm_timer, {}, menu_.inter_digit_timeout});
  return out;
}

std::vector<IvrAction> IvrMachine::on_timeout() {
  if (state_ != State::collecting) return {};
  if (!digits_.empty()) return decide();
  // silence: the menu again, counted as a failure
  if (++failures_ > menu_.retries) {
    state_ = State::done;
    return {{Kind::cancel_timer, {}}, {Kind::hangup, "goodbye"}};
  }
  return replay();
}

std::vector<IvrAction> IvrMachine::decide() {
  const auto it = menu_.choices.find(digits_);
  if (it == menu_.choices.end()) return wrong();
  const MenuChoice choice = it->second;
  digits_.clear();
  switch (choice.kind) {
    case MenuChoice::Kind::play:
      state_ = State::playing_choice;
      return {{Kind::cancel_timer, {}}, {Kind::play, choice.target}};
    case MenuChoice::Kind::menu:
      state_ = State::idle;
      return {{Kind::cancel_timer, {}}, {Kind::open_menu, choice.target}};
    case MenuChoice::Kind::transfer:
      state_ = State::done;
      return {{Kind::cancel_timer, {}}, {Kind::transfer, choice.target}};
    case MenuChoice::Kind::hangup:
      break;
  }
  state_ = State::done;
  return {{Kind::cancel_timer, {}}, {Kind::hangup, "goodbye"}};
}

std::vector<IvrAction> IvrMachine::wrong() {
  digits_.clear();
  if (++failures_ > menu_.retries) {
    state_ = State::done;
    return {{Kind::cancel_timer, {}}, {Kind::hangup, "goodbye"}};
  }
  state_ = State::prompting;
  playing_invalid_ = true;
  return {{Kind::cancel_timer, {}}, {Kind::play, menu_.invalid_prompt}};
}

}  // namespace imsbox::mrf
