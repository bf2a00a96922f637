#pragma once
// Building responses (RFC 3261 §8.2.6).
#include <string_view>

#include "sip/message.h"

namespace imsbox::sip {

// The reason phrase RFC 3261 §21 (and the extensions) give a status code.
std::string_view default_reason(int status);

// A response to `request`: its Via fields in order, From, To, Call-ID and
// CSeq copied; `to_tag` added to the To when it has no tag and to_tag is
// not empty (give one for every response but 100 from a UAS). Works on a
// malformed request that parse_message() still returned (status != 0).
Message make_response(const Message& request, int status, std::string_view reason = {},
                      std::string_view to_tag = {});

}  // namespace imsbox::sip
