#pragma once
// parse(): an SDP body in, a SessionDescription or the line and reason it is
// malformed out. Pure: no I/O, no globals, nothing kept between calls, no
// exception for any input (only std::bad_alloc, which the limits below keep
// out of reach). Safe on network input: the P-CSCF answers 488 with
// `reason`, the AGW refuses the offer.
//
// What it accepts (RFC 8866 §5 and §9, the subset phones and browsers send):
//   * lines end in CRLF or a bare LF; the last one may lack its line end;
//     empty lines are allowed only at the end. CR inside a line and NUL
//     anywhere are errors.
//   * every line is <type>=<value> with one lowercase letter of
//     v o s i u e p c b t r z k a m; no space around '='. Another letter is
//     an error (RFC 8866 §5: such a description must be ignored as a whole).
//   * the fields come in exactly RFC 8866's order: session v o s i* u* e* p*
//     c? b* (t r* z?)* k? a*, then media sections m i? c* b* k? a*. Lenient
//     only where real senders differ and nothing is lost: an empty s= (RFC
//     4317's examples), no t= at all, z= after any time description.
//   * v is 0; o, c, b, t and m have their RFC 8866 fields separated by one
//     SP, numbers are digits within range (port 0..65535); attribute names
//     are tokens, attribute values any bytes but NUL/CR/LF, kept as they are.
//   * typed attributes (rtpmap, candidate, ...) are NOT checked here: that is
//     attributes.h & co, on demand, so an odd attribute nobody reads never
//     makes a body fail.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sdp/session_description.h"

namespace imsbox::sdp {

// Bounds on what one body may hold; exceeding one is a parse error that
// names it. The defaults fit the largest real SDPs seen (Chromium's
// audio+video+data offer: 8 KiB, 3 sections, ~110 attributes in one).
struct Limits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_media = 64;             // m= sections
  std::size_t max_attributes = 1024;      // a= lines in one section (session or media)
  std::size_t max_formats = 128;          // formats on one m= line
  std::size_t max_repeated_lines = 32;    // e=, p=, c=, b=, t=, r= lines in one section
};

struct ParseResult {
  std::optional<SessionDescription> description;  // set exactly when the body is well formed
  std::size_t line = 0;  // 1-based line of the fault (0: the body as a whole, e.g. too big)
  std::string reason;    // empty when well formed; else what is wrong, fit for a log or a Warning

  bool ok() const { return description.has_value(); }
  // "line 7: m= line: port is not a number" (or just the reason when line is 0)
  std::string error() const;
};

ParseResult parse(std::string_view body, const Limits& limits = {});

}  // namespace imsbox::sdp
