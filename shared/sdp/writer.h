#pragma once
// write(): a SessionDescription as an SDP body, CRLF line ends, the fields
// in exactly RFC 8866's order (session v o s i u e p c b t r z k a, then
// each m i c b k a). For a model that parse() returned, parse(write(d)) == d,
// and a well-formed body written back keeps every line (LF line ends become
// CRLF). write() does not check the model: see writable() in
// session_description.h for models that code built.
#include <string>

#include "sdp/session_description.h"

namespace imsbox::sdp {

std::string write(const SessionDescription& d);
// appends to `out` (reuse one buffer for many bodies)
void write_to(const SessionDescription& d, std::string& out);

// one line's value, as written after "c=" / "b=" / "m="
std::string format(const Connection& c);
std::string format(const Bandwidth& b);
std::string format_media_line(const MediaDescription& m);

}  // namespace imsbox::sdp
