#include "pcscf/ipsec/xfrm_sa.h"

#include <arpa/inet.h>

#include <algorithm>

namespace imsbox::pcscf::ipsec {

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
  IpAddress a;
  a.v4_ = true;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress a;
  a.v4_ = false;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  std::array<std::uint8_t, 4> v4{};
  if (inet_pton(AF_INET, s.c_str(), v4.data()) == 1) return IpAddress::v4(v4);
  std::array<std::uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, s.c_str(), v6.data()) == 1) return IpAddress::v6(v6);
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v4_ ? AF_INET : AF_INET6, bytes_.data(), text, sizeof text);
  return text;
}

std::optional<std::string> invalid_reason(const XfrmSa& sa) {
  if (sa.src.is_v4() != sa.dst.is_v4()) return "source and destination are of different address families";
  if (sa.spi < 256) return "SPI " + std::to_string(sa.spi) + " is reserved (RFC 4303 2.1)";
  if (sa.auth_key.size() != key_length(sa.auth))
    return "integrity key of " + std::to_string(sa.auth_key.size()) + " octets, the algorithm takes " +
           std::to_string(key_length(sa.auth));
  if (sa.enc_key.size() != key_length(sa.enc))
    return "encryption key of " + std::to_string(sa.enc_key.size()) + " octets, the algorithm takes " +
           std::to_string(key_length(sa.enc));
  if (sa.soft_lifetime.count() < 0 || sa.hard_lifetime.count() < 0) return "negative lifetime";
  return std::nullopt;
}

}  // namespace imsbox::pcscf::ipsec
