#pragma once
// ASCII case folding for protocol tokens (SIP, SDP, HTTP, codec names): never
// the locale's. Header-only, constexpr, usable by every library of the tree.
#include <string_view>

namespace imsbox::ascii {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace imsbox::ascii
