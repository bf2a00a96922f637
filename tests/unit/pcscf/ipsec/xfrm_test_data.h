#pragma once
// The SAs of testdata/capture.sh (one UE's four SAs in IPv4 and in IPv6), and a
// reader for the messages iproute2 sent for them.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pcscf/ipsec/xfrm_sa.h"

namespace imsbox::pcscf::ipsec::testing {

// One captured message: the `ip xfrm` command and the bytes it sent.
struct Capture {
  std::string command;
  std::vector<std::uint8_t> bytes;
};

inline Capture read_capture(const std::string& name) {
  Capture c;
  std::ifstream in(std::string(IMSBOX_XFRM_TESTDATA) + "/" + name + ".txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# command: ", 0) == 0) c.command = line.substr(11);
    if (line.empty() || line[0] == '#') continue;
    std::istringstream hex(line);
    std::string octet;
    while (hex >> octet) c.bytes.push_back(static_cast<std::uint8_t>(std::stoul(octet, nullptr, 16)));
  }
  return c;
}

inline runtime::SecretBytes bytes_from(std::initializer_list<std::uint8_t> b) {
  return runtime::SecretBytes(std::vector<std::uint8_t>(b));
}

// capture.sh's keys: IK 0x0102...10 (+ 32 zero bits for SHA-1), CK 0xa0a1...af.
inline runtime::SecretBytes sha1_key() {
  return bytes_from({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0});
}
inline runtime::SecretBytes md5_key() { return bytes_from({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}); }
inline runtime::SecretBytes aes_key() {
  return bytes_from({0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf});
}

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }

inline XfrmSa make_sa(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
                                   std::uint32_t spi, Direction dir, IntegrityAlgorithm auth, EncryptionAlgorithm enc,
                                   int soft, int hard, std::uint32_t reqid) {
  XfrmSa sa;
  sa.src = ip(src);
  sa.dst = ip(dst);
  sa.sport = sport;
  sa.dport = dport;
  sa.spi = spi;
  sa.direction = dir;
  sa.auth = auth;
  sa.auth_key = auth == IntegrityAlgorithm::hmac_sha1_96 ? sha1_key() : md5_key();
  sa.enc = enc;
  sa.enc_key = enc == EncryptionAlgorithm::aes_cbc ? aes_key() : runtime::SecretBytes();
  sa.soft_lifetime = std::chrono::seconds(soft);
  sa.hard_lifetime = std::chrono::seconds(hard);
  sa.reqid = reqid;
  return sa;
}

// UE 192.0.2.2 (port_uc 49152, port_us 49153) -> P-CSCF 192.0.2.1 (port_ps 5064): our SPI.
inline XfrmSa v4_sha1_aes_inbound() {
  return make_sa("192.0.2.2", 49152, "192.0.2.1", 5064, 0x10000001, Direction::inbound,
                 IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, 90, 120, 7);
}
// P-CSCF port_pc 5066 -> UE port_us 49153: the UE's SPI.
inline XfrmSa v4_md5_null_outbound() {
  return make_sa("192.0.2.1", 5066, "192.0.2.2", 49153, 0x0000beef, Direction::outbound,
                 IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null, 3570, 3630, 8);
}
inline XfrmSa v6_sha1_aes_outbound() {
  return make_sa("2001:db8::1", 5066, "2001:db8::2", 49153, 0x0000beef, Direction::outbound,
                 IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, 90, 120, 9);
}
inline XfrmSa v6_md5_null_inbound() {
  return make_sa("2001:db8::2", 49153, "2001:db8::1", 5066, 0x10000002, Direction::inbound,
                 IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null, 90, 120, 10);
}

}  // namespace imsbox::pcscf::ipsec::testing
