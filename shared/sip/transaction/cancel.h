#pragma once
// CANCEL (RFC 3261 §9.1): what a UAC or a proxy sends to stop a pending
// INVITE. It is a client transaction of its own (layer.send_request) with the
// INVITE's branch, and per §9.1 is sent only once a provisional response has
// arrived (the INVITE client transaction is in Proceeding).
#include "sip/message.h"

namespace imsbox::sip::transaction {

// Request-URI, Call-ID, From, To, top Via (only that one, same branch), Route
// fields and Max-Forwards of `request`; CSeq "<number of the request> CANCEL".
Message make_cancel(const Message& request);

}  // namespace imsbox::sip::transaction
