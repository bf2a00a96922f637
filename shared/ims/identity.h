#pragma once
// The identities of a REGISTER (TS 24.229 §5.4.1.2.1, TS 23.003 §13).
#include <optional>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace imsbox::ims {

// A public identity as the CSCFs key it: the URI without its parameters and
// headers ("sip:alice@ims.example", "tel:+15550100"); nothing when `uri` is
// not a sip:, sips: or tel: URI. A telephone number is a tel: URI without
// visual separators (RFC 3966 §5.1.1: "tel:+1-555-0100" is tel:+15550100),
// also when written as a SIP URI with user=phone (RFC 3261 §19.1.6:
// "sip:+15550100@ims.example;user=phone" is tel:+15550100).
std::optional<std::string> public_identity(std::string_view uri);

// The public identity being registered: the URI of To, without parameters
// ("sip:alice@ims.example", "tel:+15550100"); nothing when To has no sip:,
// sips: or tel: URI.
std::optional<std::string> register_impu(const sip::Message& request);

// The private identity a REGISTER is for: the username of its Digest
// Authorization for realm `home_domain` (or of its only Digest Authorization),
// completed to the NAI form username@realm (TS 23.003 §13.3) with the
// Authorization's realm (or `home_domain` when it has none) when the username
// has no '@' ("alice" -> "alice@ims.example": softphones, and JsSIP without
// authorization_user, send the bare user name); when it carries none (a
// first REGISTER of a browser client such as JsSIP, or of a UE without
// ISIM) it is derived from the public identity as TS 23.003 §13.3 does from
// an IMSI: sip:user@host gives "user@host", tel:+15550100 gives
// "+15550100@<home_domain>". Nothing when neither works. The P-CSCF, the
// I-CSCF (UAR) and the S-CSCF all take the IMPI from here.
std::optional<std::string> register_impi(const sip::Message& request, std::string_view home_domain);

}  // namespace imsbox::ims
