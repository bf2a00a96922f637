#pragma once
// SIP messages for unit tests: written as lines, parsed or the test fails.
#include <gtest/gtest.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sip/message.h"
#include "sip/parser.h"

namespace imsbox::sip::testing {

// Lines joined with CRLF, then Content-Length, the blank line and the body.
inline std::string sip_text(std::initializer_list<std::string_view> lines, std::string_view body = {}) {
  std::string out;
  for (auto l : lines) out.append(l).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  return out;
}

// The message, which must be well formed.
inline Message parse(const std::string& text) {
  auto r = parse_message(text);
  EXPECT_TRUE(r.well_formed()) << r.reason << "\n" << text;
  if (!r.message || !r.well_formed()) throw std::runtime_error("test message does not parse: " + r.reason + "\n" + text);
  return std::move(*r.message);
}

}  // namespace imsbox::sip::testing
