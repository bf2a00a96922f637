#pragma once
// The shape shared by the ACK of a non-2xx (RFC 3261 §17.1.1.3) and a CANCEL
// (§9.1): hop-by-hop requests that copy most of the request they refer to.
// Internal to this folder; use make_ack() or make_cancel().
#include <string_view>

#include "sip/message.h"

namespace imsbox::sip::transaction::detail {

// A `method` request with the Request-URI, the top Via (only that one), the
// Route fields, Max-Forwards, From and Call-ID of `request`, the given To
// value, and CSeq "<number of request> <method>". No body.
Message hop_request(const Message& request, std::string_view method, std::string_view to);

}  // namespace imsbox::sip::transaction::detail
