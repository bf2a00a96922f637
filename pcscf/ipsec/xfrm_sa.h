#pragma once
// One IPsec ESP security association of IMS sec-agree (TS 33.203 §7, RFC 3329),
// as the P-CSCF hands it to an ESP backend. Transport mode only (RFC 4303 §3.1.1):
// the outer addresses are the SIP endpoints' own, and the selector pins one UE
// port and one P-CSCF port with IP protocol 0, so that a single SA carries both
// the UDP and the TCP of that port pair (TS 33.203 §7.1).
//
// Deliberately light: no kernel, libmnl or Boost headers, so that the P-CSCF's
// sec-agree code can include it anywhere.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pcscf/ipsec/esp.h"  // IntegrityAlgorithm, EncryptionAlgorithm, key_length()
#include "runtime/secret.h"

namespace imsbox::pcscf::ipsec {

// An IPv4 or IPv6 address in network byte order. From Boost.Asio:
// IpAddress::v4(a.to_v4().to_bytes()) / IpAddress::v6(a.to_v6().to_bytes()).
class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);
  // Dotted quad or RFC 5952 text; nullopt for anything else.
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_v4() const { return v4_; }
  // 4 octets for IPv4, 16 for IPv6.
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), v4_ ? 4u : 16u}; }
  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  bool v4_ = true;
  std::array<std::uint8_t, 16> bytes_{};
};

// Which way an SA carries packets, seen from the P-CSCF. An inbound SA is the one
// the P-CSCF decrypts (its SPI is one the P-CSCF chose); an outbound SA is the one
// the P-CSCF encrypts with (its SPI is the UE's). Its policy is XFRM "dir in" or "dir out".
enum class Direction { inbound, outbound };

struct XfrmSa {
  // Transport mode: these are both the outer addresses and the selector's (/32 or /128).
  IpAddress src;
  IpAddress dst;
  std::uint16_t sport = 0;  // selector ports, host byte order
  std::uint16_t dport = 0;
  std::uint32_t spi = 0;  // the receiver's SPI (RFC 4303 §2.1), host byte order
  Direction direction = Direction::inbound;
  IntegrityAlgorithm auth = IntegrityAlgorithm::hmac_sha1_96;
  runtime::SecretBytes auth_key;  // key_length(auth) octets
  EncryptionAlgorithm enc = EncryptionAlgorithm::null;
  runtime::SecretBytes enc_key;  // key_length(enc) octets
  // Seconds after installation (XFRM add-expires); 0 means no limit. At the soft
  // lifetime the kernel announces the expiry, at the hard one it removes the SA.
  std::chrono::seconds soft_lifetime{0};
  std::chrono::seconds hard_lifetime{0};
  // XFRM request id: an outbound policy's template uses only SAs of the same reqid,
  // so the SA and its policy carry the same value. 0 is allowed.
  std::uint32_t reqid = 0;
};

// Why an SA cannot be installed (mixed address families, a key of the wrong length,
// SPI 0 or 1..255, which RFC 4303 §2.1 reserves), or nullopt when it can.
std::optional<std::string> invalid_reason(const XfrmSa& sa);

// Marks the XFRM states and policies this P-CSCF installs: the value goes into the
// selector's `user` field, which the kernel stores and dumps but never matches
// packets against (unlike a mark, which would change which packets an SA takes, or
// a reqid, which ties policies to SAs). Kamailio's ims_ipsec_pcscf uses the same
// field (its xfrm_user_selector). iproute2 and other IKE daemons leave it 0, so a
// non-zero tag tells ours from theirs at the cleanup at start; two P-CSCFs on one
// host keep apart with two tags.
struct XfrmTag {
  std::uint32_t value = 0x696d7362;  // "imsb"
};

}  // namespace imsbox::pcscf::ipsec
