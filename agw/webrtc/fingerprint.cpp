#include "agw/webrtc/fingerprint.h"
#include "runtime/ascii.h"

#include <algorithm>
#include <stdexcept>

namespace imsbox::agw::webrtc {

namespace {

struct AlgorithmName {
  FingerprintAlgorithm algorithm;
  std::string_view name;
  std::size_t length;
};

constexpr std::array<AlgorithmName, 5> kAlgorithms{{
    {FingerprintAlgorithm::sha1, "sha-1", 20},
    {FingerprintAlgorithm::sha224, "sha-224", 28},
    {FingerprintAlgorithm::sha256, "sha-256", 32},
    {FingerprintAlgorithm::sha384, "sha-384", 48},
    {FingerprintAlgorithm::sha512, "sha-512", 64},
}};

const AlgorithmName& entry(FingerprintAlgorithm algorithm) {
  for (const auto& a : kAlgorithms)
    if (a.algorithm == algorithm) return a;
  return kAlgorithms[2];  // unreachable: every enumerator is in the table
}

using ascii::iequals;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(FingerprintAlgorithm algorithm) { return entry(algorithm).name; }

std::size_t digest_length(FingerprintAlgorithm algorithm) { return entry(algorithm).length; }

Fingerprint::Fingerprint(FingerprintAlgorithm algorithm, std::span<const std::uint8_t> digest) : algorithm_(algorithm) {
  if (digest.size() != digest_length(algorithm))
    throw std::invalid_argument("a " + std::string(to_string(algorithm)) + " fingerprint has " +
                                std::to_string(digest_length(algorithm)) + " bytes, not " +
                                std::to_string(digest.size()));
  std::copy(digest.begin(), digest.end(), digest_.begin());
}

std::string Fingerprint::to_sdp() const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(to_string(algorithm_));
  out += ' ';
  bool first = true;
  for (std::uint8_t b : digest()) {
    if (!first) out += ':';
    first = false;
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

bool operator==(const Fingerprint& a, const Fingerprint& b) {
  return a.algorithm_ == b.algorithm_ && std::ranges::equal(a.digest(), b.digest());
}

std::optional<Fingerprint> parse_fingerprint(std::string_view value) {
  value = trim(value);
  const auto space = value.find_first_of(" \t");
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view name = value.substr(0, space);
  const std::string_view hex = trim(value.substr(space + 1));
  const AlgorithmName* algorithm = nullptr;
  for (const auto& a : kAlgorithms)
    if (iequals(a.name, name)) algorithm = &a;
  if (algorithm == nullptr) return std::nullopt;
  // "AB:CD:...:EF": 3 characters per byte but the last.
  if (hex.size() != algorithm->length * 3 - 1) return std::nullopt;
  std::array<std::uint8_t, Fingerprint::kMaxDigest> digest{};
  for (std::size_t i = 0; i < algorithm->length; ++i) {
    const int hi = hex_value(hex[i * 3]);
    const int lo = hex_value(hex[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i + 1 < algorithm->length && hex[i * 3 + 2] != ':') return std::nullopt;
    digest[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return Fingerprint(algorithm->algorithm, std::span(digest.data(), algorithm->length));
}

}  // namespace imsbox::agw::webrtc
