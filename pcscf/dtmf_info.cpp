#include "pcscf/dtmf_info.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "runtime/ascii.h"

namespace imsbox::pcscf {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string_view media_type(std::string_view content_type) { return trim(content_type.substr(0, content_type.find(';'))); }

std::optional<char> digit_of(std::string_view s) {
  s = trim(s);
  if (s == "10") return '*';
  if (s == "11") return '#';
  if (s.size() != 1) return std::nullopt;
  const char c = s.front();
  if ((c >= '0' && c <= '9') || c == '*' || c == '#') return c;
  if (c >= 'A' && c <= 'D') return c;
  if (c >= 'a' && c <= 'd') return static_cast<char>(c - 'a' + 'A');
  return std::nullopt;
}

}  // namespace

bool is_dtmf_content_type(std::string_view content_type) {
  const auto t = media_type(content_type);
  return ascii::iequals(t, "application/dtmf-relay") || ascii::iequals(t, "application/dtmf");
}

std::optional<DtmfDigit> parse_dtmf_info(std::string_view content_type, std::string_view body) {
  if (!is_dtmf_content_type(content_type)) return std::nullopt;
  DtmfDigit d;
  std::optional<char> digit;
  if (body.find('=') == std::string_view::npos) {
    digit = digit_of(body);  // application/dtmf: the digit alone
  } else {
    while (!body.empty()) {
      const auto eol = body.find('\n');
      const auto line = trim(body.substr(0, eol));
      body = eol == std::string_view::npos ? std::string_view() : body.substr(eol + 1);
      const auto eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      const auto name = trim(line.substr(0, eq));
      const auto value = trim(line.substr(eq + 1));
      if (ascii::iequals(name, "Signal")) {
        digit = digit_of(value);
      } else if (ascii::iequals(name, "Duration")) {
        int ms = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
        if (ec == std::errc{} && end == value.data() + value.size()) d.duration_ms = std::clamp(ms, 100, 5000);
      }
    }
  }
  if (!digit) return std::nullopt;
  d.digit = *digit;
  return d;
}

}  // namespace imsbox::pcscf
