#pragma once
// ESP in transport mode (RFC 4303) for the P-CSCF's userspace IPsec backend:
// a pure codec, no I/O. It turns the payload of an IP packet (the UDP or TCP
// segment) into the ESP part that follows the IP header, and back.
//
// Algorithms of TS 33.203 §6.3 / Annex H: integrity HMAC-SHA-1-96 (RFC 2404)
// or HMAC-MD5-96 (RFC 2403), 12-byte ICV; encryption AES-128-CBC (RFC 3602,
// a random IV per packet) or NULL (RFC 2410). 32-bit sequence numbers (no ESN).
//
//   ESP packet = SPI(4) | sequence(4) | IV(16 for AES-CBC, none for NULL)
//              | E(payload | padding 1,2,3,... | pad length | next header) | ICV(12)
//
// The ICV covers everything before it; it is checked before decryption and
// compared in constant time (RFC 4303 §3.4.4), the anti-replay window moves
// only after a good ICV (§3.4.3). Keys live in the OpenSSL contexts made once
// per SA (and wiped by them when the SA goes); EspKeys wipes its own copies.
// An SA object is one direction of one SA and is not thread-safe.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "pcscf/ipsec/anti_replay.h"

namespace imsbox::pcscf::ipsec {

// TS 33.203 names: "hmac-sha-1-96", "hmac-md5-96" (the alg parameter of Security-Client).
enum class IntegrityAlgorithm { hmac_sha1_96, hmac_md5_96 };
// TS 33.203 names: "null", "aes-cbc" (128-bit key) (the ealg parameter).
enum class EncryptionAlgorithm { null, aes_cbc };

std::string_view to_string(IntegrityAlgorithm);
std::string_view to_string(EncryptionAlgorithm);
std::optional<IntegrityAlgorithm> integrity_algorithm(std::string_view name);    // case-insensitive
std::optional<EncryptionAlgorithm> encryption_algorithm(std::string_view name);  // case-insensitive

// Key lengths the algorithms need: 20 (HMAC-SHA-1-96), 16 (HMAC-MD5-96), 16 (AES-CBC), 0 (NULL).
std::size_t key_length(IntegrityAlgorithm);
std::size_t key_length(EncryptionAlgorithm);

struct EspKeys {
  IntegrityAlgorithm integrity = IntegrityAlgorithm::hmac_sha1_96;
  std::vector<std::uint8_t> integrity_key;
  EncryptionAlgorithm encryption = EncryptionAlgorithm::null;
  std::vector<std::uint8_t> encryption_key;
  ~EspKeys();  // wipes both keys
};

// The SA keys from the AKA run (TS 33.203 Annex I): HMAC-SHA-1-96 keys with IK
// followed by 32 zero bits (160 bits), HMAC-MD5-96 with IK; AES-CBC with CK.
EspKeys ims_aka_keys(IntegrityAlgorithm, EncryptionAlgorithm, std::span<const std::uint8_t, 16> ck,
                     std::span<const std::uint8_t, 16> ik);

enum class EspDrop {
  too_short,    // shorter than header, IV, trailer and ICV
  bad_spi,      // not this SA's SPI
  bad_icv,      // integrity check failed (tampered, or wrong key)
  replayed,     // a duplicate, or left of the anti-replay window (sequence number 0 included)
  bad_padding,  // the pad bytes are not 1, 2, 3, ... (RFC 4303 §2.4)
  bad_length,   // ciphertext not a whole number of blocks, or pad length beyond the plaintext
};
std::string_view to_string(EspDrop);  // the enumerator's name, e.g. "bad_icv" (a metrics label)

// The sender's side of an SA: SPI and next sequence number.
class EspOutbound {
 public:
  // Throws std::invalid_argument for a key of the wrong length, std::runtime_error when OpenSSL fails.
  // `sent` is how many packets the SA has already carried (the next gets sent + 1): 0 for a new SA.
  EspOutbound(std::uint32_t spi, const EspKeys& keys, std::uint32_t sent = 0);
  ~EspOutbound();
  EspOutbound(EspOutbound&&) noexcept;
  EspOutbound& operator=(EspOutbound&&) noexcept;

  // The ESP part of the packet (header, IV, encrypted payload | padding | pad
  // length | next header, ICV) into `out` (cleared first). `next_header` is the
  // payload's IP protocol (17 UDP, 6 TCP). False, `out` empty, when the
  // sequence number would wrap (RFC 4303 §3.3.3: the SA must be replaced) or
  // OpenSSL fails.
  bool seal(std::uint8_t next_header, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);

  std::uint32_t spi() const { return spi_; }
  std::uint64_t next_sequence() const { return next_sequence_; }  // 2^32 once exhausted

 private:
  struct Crypto;
  std::uint32_t spi_;
  std::uint64_t next_sequence_;
  std::unique_ptr<Crypto> crypto_;
};

// The receiver's side of an SA: SPI and anti-replay window.
class EspInbound {
 public:
  // What an accepted packet carries: the inner payload (a span into the
  // packet given to open(), decrypted in place) and its IP protocol. Next
  // header 59 is a dummy packet (RFC 4303 §2.6) that the caller discards.
  struct Opened {
    std::uint8_t next_header;
    std::span<const std::uint8_t> payload;
    std::uint32_t sequence;
  };
  using Result = std::variant<Opened, EspDrop>;

  // Throws like EspOutbound's.
  EspInbound(std::uint32_t spi, const EspKeys& keys);
  ~EspInbound();
  EspInbound(EspInbound&&) noexcept;
  EspInbound& operator=(EspInbound&&) noexcept;

  // `esp_packet`: what follows the IP header. Decrypts in place.
  Result open(std::span<std::uint8_t> esp_packet);

  std::uint32_t spi() const { return spi_; }
  const AntiReplayWindow& window() const { return window_; }

 private:
  struct Crypto;
  std::uint32_t spi_;
  AntiReplayWindow window_;
  std::unique_ptr<Crypto> crypto_;
};

// The SPI of an ESP packet (to find its SA); 0 (a reserved SPI) when too short.
std::uint32_t esp_spi(std::span<const std::uint8_t> esp_packet);

// Bytes ESP adds to a payload of n bytes (header, IV, padding, trailer, ICV):
// what the MTU / TCP MSS must leave room for.
std::size_t esp_overhead(const EspKeys&, std::size_t n);
// The same with only the algorithms.
std::size_t esp_overhead(EncryptionAlgorithm, std::size_t n);

}  // namespace imsbox::pcscf::ipsec
