#include "agw/webrtc/fingerprint.h"

#include <gtest/gtest.h>

#include <vector>

namespace imsbox::agw::webrtc {
namespace {

// Chromium's a=fingerprint of one of its certificates (from an offer).
constexpr const char* kChrome =
    "sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:70:A4:7B:87:7A:33:09:D3:E4:A3:0E";

TEST(Fingerprint, ParsesWhatChromeSendsAndWritesItBack) {
  const auto fp = parse_fingerprint(kChrome);
  ASSERT_TRUE(fp);
  EXPECT_EQ(fp->algorithm(), FingerprintAlgorithm::sha256);
  ASSERT_EQ(fp->digest().size(), 32u);
  EXPECT_EQ(fp->digest()[0], 0x4a);
  EXPECT_EQ(fp->digest()[31], 0x0e);
  EXPECT_EQ(fp->to_sdp(), kChrome);
}

TEST(Fingerprint, HashNameAndHexAreCaseInsensitiveBlanksIgnored) {
  const auto upper = parse_fingerprint(kChrome);
  std::string lower = "  SHA-256   ";
  for (const char* p = kChrome + 8; *p; ++p) lower += static_cast<char>(std::tolower(*p));
  lower += "\r\n";
  const auto fp = parse_fingerprint(lower);
  ASSERT_TRUE(fp);
  EXPECT_EQ(*fp, *upper);
}

TEST(Fingerprint, EveryAcceptedHashHasItsLength) {
  for (auto [name, length] : std::vector<std::pair<std::string, std::size_t>>{
           {"sha-1", 20}, {"sha-224", 28}, {"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64}}) {
    std::string value = name + " ";
    for (std::size_t i = 0; i < length; ++i) value += i == 0 ? "AB" : ":AB";
    const auto fp = parse_fingerprint(value);
    ASSERT_TRUE(fp) << value;
    EXPECT_EQ(fp->digest().size(), length);
    EXPECT_EQ(fp->to_sdp(), value);
    // one byte short, one byte long
    EXPECT_FALSE(parse_fingerprint(value.substr(0, value.size() - 3))) << name;
    EXPECT_FALSE(parse_fingerprint(value + ":AB")) << name;
  }
}

TEST(Fingerprint, RefusesInsecureUnknownAndMalformed) {
  const std::string hex16 = "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB";
  EXPECT_FALSE(parse_fingerprint("md5 " + hex16));
  EXPECT_FALSE(parse_fingerprint("md2 " + hex16));
  EXPECT_FALSE(parse_fingerprint("sha-257 " + std::string(kChrome + 8)));
  EXPECT_FALSE(parse_fingerprint(""));
  EXPECT_FALSE(parse_fingerprint("sha-256"));
  EXPECT_FALSE(parse_fingerprint("sha-256 "));
  std::string bad_hex = kChrome;
  bad_hex[10] = 'G';
  EXPECT_FALSE(parse_fingerprint(bad_hex));
  std::string bad_separator = kChrome;
  bad_separator[10] = '-';
  EXPECT_FALSE(parse_fingerprint(bad_separator));
}

TEST(Fingerprint, EqualityNeedsAlgorithmAndDigest) {
  std::vector<std::uint8_t> d(32, 7);
  const Fingerprint a(FingerprintAlgorithm::sha256, d);
  EXPECT_EQ(a, Fingerprint(FingerprintAlgorithm::sha256, d));
  d[31] = 8;
  EXPECT_FALSE(a == Fingerprint(FingerprintAlgorithm::sha256, d));
  EXPECT_THROW(Fingerprint(FingerprintAlgorithm::sha1, d), std::invalid_argument);
}

}  // namespace
}  // namespace imsbox::agw::webrtc
