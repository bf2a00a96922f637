#pragma once
// SIP digest helpers (RFC 3261 §22.4, RFC 2617, RFC 7616 / RFC 8760), and
// Digest-AKAv1-MD5 (RFC 3310), which is the same digest with RES as the
// password.
#include <string>
#include <string_view>

namespace imsbox::aka {

enum class DigestAlgorithm { md5, sha256 };

// H(username ":" realm ":" password) as lower-case hex: what the HSS keeps
// for a password subscriber instead of the password. The password is taken
// as bytes: for Digest-AKAv1 it is the raw RES, which may contain NULs.
std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password);

// The request-digest of RFC 2617 §3.2.2.1 / RFC 7616 §3.4.1, lower-case hex,
// from H(A1) (`ha1`, as digest_ha1 gives it) and A2 = method ":" digest-uri:
//   qop "auth":  H(ha1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))
//   qop empty:   H(ha1 ":" nonce ":" H(A2))   (RFC 2069; nc and cnonce unused)
// "auth-int" needs the body and is not supported: any qop other than "" or
// "auth" throws std::invalid_argument, so check the qop a peer sent first.
std::string digest_response(DigestAlgorithm algorithm, std::string_view ha1, std::string_view nonce,
                            std::string_view nc, std::string_view cnonce, std::string_view qop,
                            std::string_view method, std::string_view digest_uri);

}  // namespace imsbox::aka
