#pragma once
// a=crypto (SDES, RFC 4568 §9.1), parsed only: the AGW reads what a phone
// offering RTP/SAVP proposes; it never writes SDES.
//
//   crypto = tag SP crypto-suite SP key-params *(SP session-param)
//   key-params = key-param *(";" key-param);  key-param = key-method ":" key-info
//   inline key-info = key-salt ["|" lifetime] ["|" mki-value ":" mki-length]
//
// The key material is a secret: never log a Crypto or its key_salt.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::sdp {

struct CryptoKey {
  std::string method;                   // "inline" (the only method RFC 4568 defines)
  std::string info;                     // everything after "inline:", as written
  // for "inline": the parts of `info`
  std::string key_salt;                 // base64 master key || salt
  std::optional<std::string> lifetime;  // "2^20" or a number
  std::optional<std::uint32_t> mki_value;
  std::optional<std::uint32_t> mki_length;
  bool operator==(const CryptoKey&) const = default;
};

struct Crypto {
  std::uint32_t tag = 0;                    // 1..9 digits
  std::string suite;                        // AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, ...
  std::vector<CryptoKey> keys;              // at least one
  std::vector<std::string> session_params;  // KDR=1, UNENCRYPTED_SRTCP, ...
  bool operator==(const Crypto&) const = default;
};

std::optional<Crypto> parse_crypto(std::string_view value);

}  // namespace imsbox::sdp
