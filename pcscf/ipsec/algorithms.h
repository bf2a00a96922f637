#pragma once
// The IPsec algorithms of IMS-AKA sec-agree (TS 33.203 §6.3, Annex H):
// integrity HMAC-SHA-1-96 (RFC 2404) or HMAC-MD5-96 (RFC 2403), encryption
// AES-CBC with a 128-bit key (RFC 3602) or NULL (RFC 2410), and their keys
// from the AKA CK and IK (TS 33.203 Annex I).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace imsbox::pcscf::ipsec {

enum class IntegrityAlgorithm : std::uint8_t { hmac_sha1_96, hmac_md5_96 };
enum class EncryptionAlgorithm : std::uint8_t { null, aes_cbc };

// The names of Security-Client/Server (TS 33.203 Annex H): "hmac-sha-1-96",
// "hmac-md5-96"; "null", "aes-cbc".
std::string_view to_string(IntegrityAlgorithm a);
std::string_view to_string(EncryptionAlgorithm e);
// Case-insensitive; nothing for another name (des-ede3-cbc, an extension).
std::optional<IntegrityAlgorithm> integrity_algorithm(std::string_view name);
std::optional<EncryptionAlgorithm> encryption_algorithm(std::string_view name);

// The keys one SA uses.
struct EspKeys {
  IntegrityAlgorithm integrity = IntegrityAlgorithm::hmac_sha1_96;
  std::vector<std::uint8_t> integrity_key;
  EncryptionAlgorithm encryption = EncryptionAlgorithm::null;
  std::vector<std::uint8_t> encryption_key;  // empty for null
};

// TS 33.203 Annex I: HMAC-SHA-1-96 keyed with IK followed by 32 zero bits,
// HMAC-MD5-96 with IK; AES-CBC with CK. All four SAs of a UE use the same keys.
EspKeys ims_aka_keys(IntegrityAlgorithm integrity, EncryptionAlgorithm encryption,
                     const std::array<std::uint8_t, 16>& ck, const std::array<std::uint8_t, 16>& ik);

}  // namespace imsbox::pcscf::ipsec
