#pragma once
// Character classes and small scanners of the SDP grammar (RFC 8866 §9),
// shared by the parser and the typed attribute parsers. Internal to
// imsbox_sdp: not part of its interface.
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>

#include "runtime/ascii.h"

namespace imsbox::sdp::grammar {

constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
constexpr bool is_token_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d || c == 0x2e ||
         (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x5e && c <= 0x7e);
}

constexpr bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

// non-ws-string = 1*(VCHAR / %x80-FF)
constexpr bool is_non_ws_string(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// byte-string / text: anything but NUL, CR and LF (the parser has already
// split lines and refused NUL; this guards values built by code)
constexpr bool is_text(std::string_view s) {
  for (char c : s) {
    if (c == '\0' || c == '\r' || c == '\n') return false;
  }
  return true;
}

using ascii::lower;

using ascii::iequals;

constexpr bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 1*DIGIT, no sign, no leading '+', at most `max`; nullopt otherwise
template <typename T>
std::optional<T> parse_uint(std::string_view s, T max = std::numeric_limits<T>::max()) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
  }
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value > max) return std::nullopt;
  return value;
}

// Splits off the text before the first `sep`; `rest` keeps what follows it.
// Without `sep`, the whole input is returned and `rest` becomes empty.
constexpr std::string_view split_first(std::string_view& rest, char sep) {
  const auto pos = rest.find(sep);
  const auto head = rest.substr(0, pos);
  rest = pos == std::string_view::npos ? std::string_view{} : rest.substr(pos + 1);
  return head;
}

// Fields separated by exactly one SP: an empty field (two spaces, a leading
// or trailing space) makes next() fail.
class Fields {
 public:
  explicit constexpr Fields(std::string_view s) : rest_(s), done_(s.empty()) {}
  // the next field, or nullopt at the end or on an empty field
  constexpr std::optional<std::string_view> next() {
    if (done_) return std::nullopt;
    const auto pos = rest_.find(' ');
    const auto field = rest_.substr(0, pos);
    if (pos == std::string_view::npos) {
      done_ = true;
    } else {
      rest_.remove_prefix(pos + 1);
    }
    if (field.empty()) {
      done_ = true;
      bad_ = true;
      return std::nullopt;
    }
    return field;
  }
  // everything not consumed yet (may contain spaces)
  constexpr std::string_view rest() const { return done_ ? std::string_view{} : rest_; }
  constexpr bool at_end() const { return done_; }
  constexpr bool bad() const { return bad_; }

 private:
  std::string_view rest_;
  bool done_;
  bool bad_ = false;
};

}  // namespace imsbox::sdp::grammar
