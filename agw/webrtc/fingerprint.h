#pragma once
// A certificate fingerprint as SDP carries it (RFC 8122 §5):
//   a=fingerprint:sha-256 4A:AD:B9:...:0E
// The DTLS peer's certificate must hash to the value its SDP announced
// (RFC 5763 §5): that check is the whole of WebRTC's authentication.
// Pure: no I/O, no OpenSSL here (dtls_context.h computes fingerprints).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace imsbox::agw::webrtc {

// The hash functions of the IANA "Hash Function Textual Names" registry that
// are still acceptable; md5 and md2 are refused.
enum class FingerprintAlgorithm { sha1, sha224, sha256, sha384, sha512 };

// "sha-256" etc., as written in SDP.
std::string_view to_string(FingerprintAlgorithm algorithm);
// The digest length in bytes (20, 28, 32, 48, 64).
std::size_t digest_length(FingerprintAlgorithm algorithm);

class Fingerprint {
 public:
  static constexpr std::size_t kMaxDigest = 64;

  // `digest` must be digest_length(algorithm) bytes (std::invalid_argument otherwise).
  Fingerprint(FingerprintAlgorithm algorithm, std::span<const std::uint8_t> digest);

  FingerprintAlgorithm algorithm() const { return algorithm_; }
  std::span<const std::uint8_t> digest() const { return {digest_.data(), digest_length(algorithm_)}; }

  // The SDP attribute value: "sha-256 AB:CD:...", upper-case hex (RFC 8122 §5).
  std::string to_sdp() const;

  friend bool operator==(const Fingerprint& a, const Fingerprint& b);

 private:
  FingerprintAlgorithm algorithm_;
  std::array<std::uint8_t, kMaxDigest> digest_{};
};

// Parses the value of an a=fingerprint attribute ("sha-256 AB:CD:..."): the
// hash name case-insensitively, hex digits in either case, pairs separated by
// ':', as many pairs as the hash has bytes; surrounding blanks are ignored.
// nullopt for anything else (unknown or insecure hash, wrong length, junk).
std::optional<Fingerprint> parse_fingerprint(std::string_view value);

}  // namespace imsbox::agw::webrtc
