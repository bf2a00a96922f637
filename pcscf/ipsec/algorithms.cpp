#include "pcscf/ipsec/algorithms.h"

#include "sip/text.h"

namespace imsbox::pcscf::ipsec {

std::string_view to_string(IntegrityAlgorithm a) {
  return a == IntegrityAlgorithm::hmac_sha1_96 ? "hmac-sha-1-96" : "hmac-md5-96";
}

std::string_view to_string(EncryptionAlgorithm e) { return e == EncryptionAlgorithm::aes_cbc ? "aes-cbc" : "null"; }

std::optional<IntegrityAlgorithm> integrity_algorithm(std::string_view name) {
  if (sip::text::iequals(name, "hmac-sha-1-96")) return IntegrityAlgorithm::hmac_sha1_96;
  if (sip::text::iequals(name, "hmac-md5-96")) return IntegrityAlgorithm::hmac_md5_96;
  return std::nullopt;
}

std::optional<EncryptionAlgorithm> encryption_algorithm(std::string_view name) {
  if (sip::text::iequals(name, "aes-cbc")) return EncryptionAlgorithm::aes_cbc;
  if (sip::text::iequals(name, "null")) return EncryptionAlgorithm::null;
  return std::nullopt;
}

EspKeys ims_aka_keys(IntegrityAlgorithm integrity, EncryptionAlgorithm encryption,
                     const std::array<std::uint8_t, 16>& ck, const std::array<std::uint8_t, 16>& ik) {
  EspKeys k;
  k.integrity = integrity;
  k.integrity_key.assign(ik.begin(), ik.end());
  if (integrity == IntegrityAlgorithm::hmac_sha1_96) k.integrity_key.resize(20, 0);
  k.encryption = encryption;
  if (encryption == EncryptionAlgorithm::aes_cbc) k.encryption_key.assign(ck.begin(), ck.end());
  return k;
}

}  // namespace imsbox::pcscf::ipsec
