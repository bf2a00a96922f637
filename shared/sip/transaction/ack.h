#pragma once
// The ACK an INVITE client transaction sends for a non-2xx final response
// (RFC 3261 §17.1.1.3). The ACK of a 2xx is a new transaction and the TU's
// business (§13.2.2.4), not this.
#include "sip/message.h"

namespace imsbox::sip::transaction {

// Request-URI, Call-ID, From, top Via (only that one), Route fields and
// Max-Forwards of `invite`; the To of `response` (with the tag it added);
// CSeq "<number of the INVITE> ACK"; no body.
Message make_ack(const Message& invite, const Message& response);

}  // namespace imsbox::sip::transaction
