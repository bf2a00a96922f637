#pragma once
// Message builders shared by the UA core's tests.
#include <gtest/gtest.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"
#include "unit/shared/sip/sip_test_text.h"
#include "sip/parser.h"

namespace imsbox::sip::ua::test {

using imsbox::sip::testing::parse;
using imsbox::sip::testing::sip_text;

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
