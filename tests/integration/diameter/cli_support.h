#pragma once
// Small helpers shared by cx-test-server and cx-client: peer specs, hex.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "diameter/stack_config.h"

namespace imsbox::diameter::cli {

// "[IDENTITY@]HOST:PORT"; without IDENTITY, default_identity.
inline DiameterPeer parse_peer(const std::string& spec, const std::string& default_identity) {
  DiameterPeer p;
  std::string rest = spec;
  if (const auto at = rest.find('@'); at != std::string::npos) {
    p.identity = rest.substr(0, at);
    rest = rest.substr(at + 1);
  } else {
    p.identity = default_identity;
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--peer " + spec + ": expected [IDENTITY@]HOST:PORT");
  p.address = rest.substr(0, colon);
  if (p.address.size() > 2 && p.address.front() == '[') p.address = p.address.substr(1, p.address.size() - 2);
  const int port = std::stoi(rest.substr(colon + 1));
  if (port <= 0 || port > 65535) throw std::invalid_argument("--peer " + spec + ": bad port");
  p.port = static_cast<std::uint16_t>(port);
  return p;
}

inline std::vector<std::uint8_t> from_hex(const std::string& hex) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not hex: " + hex);
  };
  if (hex.size() % 2) throw std::invalid_argument("odd number of hex digits: " + hex);
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}

inline std::string to_hex(const std::vector<std::uint8_t>& v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto b : v) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

}  // namespace imsbox::diameter::cli
