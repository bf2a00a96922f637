#include "stun_check.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace imsbox::bench {

namespace {

constexpr std::uint32_t kMagicCookie = 0x2112A442;
enum : std::uint16_t {
  kBindingRequest = 0x0001,
  kBindingSuccess = 0x0101,
  kUsername = 0x0006,
  kMessageIntegrity = 0x0008,
  kXorMappedAddress = 0x0020,
  kPriority = 0x0024,
  kUseCandidate = 0x0025,
  kFingerprint = 0x8028,
  kIceControlling = 0x802A,
};

void put16(std::vector<std::uint8_t>& m, std::uint16_t v) {
  m.push_back(static_cast<std::uint8_t>(v >> 8));
  m.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t>& m, std::uint32_t v) {
  put16(m, static_cast<std::uint16_t>(v >> 16));
  put16(m, static_cast<std::uint16_t>(v));
}

void set16(std::vector<std::uint8_t>& m, std::size_t at, std::uint16_t v) {
  m[at] = static_cast<std::uint8_t>(v >> 8);
  m[at + 1] = static_cast<std::uint8_t>(v);
}

void header(std::vector<std::uint8_t>& m, std::uint16_t type, std::span<const std::uint8_t> transaction) {
  put16(m, type);
  put16(m, 0);  // length, set at the end
  put32(m, kMagicCookie);
  m.insert(m.end(), transaction.begin(), transaction.end());
}

void attribute(std::vector<std::uint8_t>& m, std::uint16_t type, std::span<const std::uint8_t> value) {
  put16(m, type);
  put16(m, static_cast<std::uint16_t>(value.size()));
  m.insert(m.end(), value.begin(), value.end());
  while (m.size() % 4 != 0) m.push_back(0);
}

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::uint32_t stun_fingerprint(std::span<const std::uint8_t> data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t b : data) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return (crc ^ 0xFFFFFFFFu) ^ 0x5354554eu;
}

void append_integrity_and_fingerprint(std::vector<std::uint8_t>& m, std::string_view key) {
  // The length covers MESSAGE-INTEGRITY when the HMAC is computed (RFC 5389 §15.4) ...
  set16(m, 2, static_cast<std::uint16_t>(m.size() - 20 + 24));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), m.data(), m.size(), mac, &mac_len) == nullptr ||
      mac_len != 20)
    throw std::runtime_error("HMAC-SHA1 failed");
  attribute(m, kMessageIntegrity, std::span<const std::uint8_t>(mac, 20));
  // ... and FINGERPRINT when the CRC is (§15.5).
  set16(m, 2, static_cast<std::uint16_t>(m.size() - 20 + 8));
  const std::uint32_t crc = stun_fingerprint(m);
  put16(m, kFingerprint);
  put16(m, 4);
  put32(m, crc);
}

std::vector<std::uint8_t> binding_request(const IceCheck& check, const StunTransactionId& transaction) {
  std::vector<std::uint8_t> m;
  m.reserve(128);
  header(m, kBindingRequest, transaction);
  std::string username;
  username.reserve(check.remote_ufrag.size() + 1 + check.local_ufrag.size());
  username.append(check.remote_ufrag).append(":").append(check.local_ufrag);
  attribute(m, kUsername, bytes(username));
  const std::uint8_t priority[4] = {static_cast<std::uint8_t>(check.priority >> 24),
                                    static_cast<std::uint8_t>(check.priority >> 16),
                                    static_cast<std::uint8_t>(check.priority >> 8),
                                    static_cast<std::uint8_t>(check.priority)};
  attribute(m, kPriority, priority);
  std::uint8_t tie[8];
  for (int i = 0; i < 8; ++i) tie[i] = static_cast<std::uint8_t>(check.tie_breaker >> (56 - 8 * i));
  attribute(m, kIceControlling, tie);
  attribute(m, kUseCandidate, {});
  append_integrity_and_fingerprint(m, check.remote_password);
  return m;
}

std::vector<std::uint8_t> binding_success(std::span<const std::uint8_t> request, const sockaddr_in& from,
                                          std::string_view local_password) {
  if (request.size() < 20) throw std::invalid_argument("not a STUN message");
  std::vector<std::uint8_t> m;
  m.reserve(80);
  header(m, kBindingSuccess, request.subspan(8, 12));
  // XOR-MAPPED-ADDRESS, IPv4 (RFC 5389 §15.2): port and address XORed with the cookie.
  const std::uint16_t port = ntohs(from.sin_port) ^ static_cast<std::uint16_t>(kMagicCookie >> 16);
  const std::uint32_t address = ntohl(from.sin_addr.s_addr) ^ kMagicCookie;
  const std::uint8_t value[8] = {0, 0x01, static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port),
                                 static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
                                 static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
  attribute(m, kXorMappedAddress, value);
  append_integrity_and_fingerprint(m, local_password);
  return m;
}

}  // namespace imsbox::bench
