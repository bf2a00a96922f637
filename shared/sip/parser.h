#pragma once
// parse_message: bytes in, a Message or the reason it is malformed out. Pure:
// no I/O, no globals, nothing kept between calls.
//
// What it checks beyond the grammar of the start line and the header
// framing: the fields every element relies on (RFC 3261 §8.1.1) are present,
// single and valid: Via, From, To, Call-ID, CSeq (method equal to the
// request's), Max-Forwards (when present), Content-Length, Date. Other fields
// are checked only when someone parses them.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace imsbox::sip {

struct ParseLimits {
  std::size_t max_message_bytes = 65535;
  std::size_t max_header_fields = 256;
};

enum class Framing {
  datagram,  // UDP, a WebSocket message: one message per buffer; octets after
             // Content-Length are ignored (RFC 3261 §18.3), an absent
             // Content-Length means "the rest"
  stream,    // TCP, TLS: the buffer is exactly one framed message
};

struct ParseResult {
  // The message when it is well formed; also set, with status != 0, for a
  // malformed request that can still be answered.
  std::optional<Message> message;
  // For a malformed request: what to answer (400, 505). 0 when no response
  // can be formed (a malformed response, a request without sound
  // Via/From/To/Call-ID/CSeq): drop the message and count it.
  int status = 0;
  std::string reason;  // empty when well formed; else names the fault (fit for a reason phrase)
  bool is_request = false;

  bool well_formed() const { return reason.empty(); }
};

ParseResult parse_message(std::string bytes, Framing framing = Framing::datagram, const ParseLimits& limits = {});

}  // namespace imsbox::sip
