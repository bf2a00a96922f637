#pragma once
// HMAC-SHA1 (RFC 2104) with a 160-bit key for SRTP's authentication tag
// (RFC 3711 §4.2.1), keyed once: the SHA-1 states after the inner and the
// outer key pad are kept, and each tag starts from copies of them. No
// allocation and no provider dispatch per packet: OpenSSL 3.0's EVP_MAC and
// EVP_MD re-init allocate a new digest context each time (dupctx/newctx).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace imsbox::agw::webrtc {

class HmacSha1 {
 public:
  explicit HmacSha1(std::span<const std::uint8_t> key);  // at most 64 bytes (SRTP: 20)
  ~HmacSha1();                                           // wipes the keyed states
  HmacSha1(const HmacSha1&) = delete;
  HmacSha1& operator=(const HmacSha1&) = delete;

  // HMAC-SHA1(key, data || suffix), all 20 bytes.
  void tag(std::span<const std::uint8_t> data, std::span<const std::uint8_t> suffix,
           std::uint8_t (&out)[20]) const noexcept;

 private:
  struct Pads;  // the SHA-1 states after key XOR ipad and key XOR opad
  std::unique_ptr<Pads> pads_;
};

}  // namespace imsbox::agw::webrtc
