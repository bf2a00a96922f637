#pragma once
// Security mechanism agreement (RFC 3329) for IMS-AKA IPsec (TS 33.203 §7,
// TS 24.229 §5.2.2): the ipsec-3gpp mechanisms of Security-Client,
// Security-Server and Security-Verify, the P-CSCF's choice among a UE's
// offers, and the values it writes. Pure functions of header text.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pcscf/ipsec/esp.h"
#include "sip/message.h"

namespace imsbox::pcscf {

// One ipsec-3gpp mechanism (TS 33.203 Annex H, TS 24.229 §7.2A.7):
// `spi_c`/`spi_s`/`port_c`/`port_s` are the sender's (the UE's in
// Security-Client, ours in Security-Server and Security-Verify).
struct IpsecMechanism {
  ipsec::IntegrityAlgorithm alg = ipsec::IntegrityAlgorithm::hmac_sha1_96;
  ipsec::EncryptionAlgorithm ealg = ipsec::EncryptionAlgorithm::null;  // absent ealg: null
  std::uint32_t spi_c = 0;
  std::uint32_t spi_s = 0;
  std::uint16_t port_c = 0;
  std::uint16_t port_s = 0;
  friend bool operator==(const IpsecMechanism&, const IpsecMechanism&) = default;
};

// An integrity + encryption pair, for the preference list (pcscf.ipsec_algorithms).
struct AlgorithmPair {
  ipsec::IntegrityAlgorithm alg;
  ipsec::EncryptionAlgorithm ealg;
  friend bool operator==(const AlgorithmPair&, const AlgorithmPair&) = default;
};

// "hmac-sha-1-96+aes-cbc, hmac-sha-1-96+null, ..." (the option's syntax);
// nothing when an element is not one of the four pairs or the list is empty.
std::optional<std::vector<AlgorithmPair>> parse_algorithm_pairs(std::string_view text);
std::string to_string(AlgorithmPair p);
// The default preference (issue 17): SHA-1 before MD5, AES-CBC before null.
std::vector<AlgorithmPair> default_algorithm_pairs();

// The mechanisms of every value of every `id` field (Security-Client,
// Security-Server or Security-Verify) of a message.
struct SecurityMechanisms {
  std::vector<IpsecMechanism> ipsec;  // the usable ipsec-3gpp ones, in order
  std::size_t offered = 0;            // every mechanism listed (digest, tls, ipsec-3gpp we cannot use ...)
  // Why the field is malformed (a static text fit for a reason phrase), or null.
  const char* error = nullptr;
};
// An ipsec-3gpp value without spi-c, spi-s, port-c and port-s, or with a
// malformed one, or with prot other than esp, is malformed; one with mod
// other than trans, or algorithms we do not have, is skipped (not usable).
SecurityMechanisms security_mechanisms(const sip::Message& m, sip::HeaderId id);

// The UE's offer our preference ranks first (never simply the last offer);
// nothing when no offer uses a pair of `preference`.
std::optional<IpsecMechanism> choose_mechanism(std::span<const IpsecMechanism> offered,
                                               std::span<const AlgorithmPair> preference);

// "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=..;spi-s=..;port-c=..;port-s=..;alg=..;ealg=.."
std::string security_server_value(const IpsecMechanism& ours);
// The same list of mechanisms in the same order (what Security-Verify must
// repeat of our Security-Server, and the protected REGISTER's Security-Client
// of the first one's, RFC 3329 §2.3.1, TS 33.203 §7.4).
bool same_mechanisms(std::span<const IpsecMechanism> a, std::span<const IpsecMechanism> b);

// Takes sec-agree out of Require and Proxy-Require (an emptied field goes)
// and removes Security-Client and Security-Verify: what the P-CSCF forwards
// of a REGISTER (TS 24.229 §5.2.2.1).
void strip_sec_agree(sip::Message& request);

// The Authorization of a REGISTER with integrity-protected set (TS 24.229
// §5.2.2.1): "yes" when it came over the SAs, "no" else; replaces one the UE put.
void set_integrity_protected(sip::Message& request, bool protected_);
// The same parameter taken out (a P-CSCF without sec-agree: a UE's own
// claim is never passed on).
void strip_integrity_protected(sip::Message& request);

}  // namespace imsbox::pcscf
