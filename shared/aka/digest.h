#pragma once
// SIP digest helpers (RFC 3261 §22.4, RFC 2617, RFC 7616 / RFC 8760).
#include <string>
#include <string_view>

namespace imsbox::aka {

enum class DigestAlgorithm { md5, sha256 };

// H(username ":" realm ":" password) as lower-case hex: what the HSS keeps
// for a password subscriber instead of the password.
std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password);

}  // namespace imsbox::aka
