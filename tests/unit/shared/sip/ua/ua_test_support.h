#pragma once
// Message builders shared by the UA core's tests.
#include <gtest/gtest.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"
#include "sip/parser.h"

namespace imsbox::sip::ua::test {

// Lines joined with CRLF, then the blank line and the body.
inline std::string sip_text(std::initializer_list<std::string_view> lines, std::string_view body = {}) {
  std::string out;
  for (auto l : lines) out.append(l).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  return out;
}

inline Message parse(const std::string& text) {
  auto r = parse_message(text);
  if (!r.message || !r.well_formed()) throw std::runtime_error("test message does not parse: " + r.reason + "\n" + text);
  return std::move(*r.message);
}

// Every value of every field `id`, in order, as written.
inline std::vector<std::string> values(const Message& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id != id) continue;
    auto list = split_list(h.value);
    for (auto v : list.value) out.emplace_back(v);
  }
  return out;
}

inline std::string header(const Message& m, HeaderId id) {
  const auto* h = m.find(id);
  return h ? std::string(h->value) : std::string();
}

}  // namespace imsbox::sip::ua::test
