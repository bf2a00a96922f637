#pragma once
// Framing of SIP over a byte stream (TCP, TLS): RFC 3261 §18.3 and the
// RFC 5626 §4.4.1 CRLF keep-alive. Pure: no I/O, no clock, no globals.
//
// Feed it the bytes of one connection as they arrive, in any split; it
// returns every complete message (start line to the end of the body, framed
// by Content-Length) and every keep-alive "ping" (CRLFCRLF between messages),
// which the connection answers with a CRLF "pong". A lone CRLF between
// messages is ignored (a pong, or a sloppy peer's trailing line end).
//
// A framing error (no Content-Length, a malformed one, a header section or a
// message beyond the size limit) ends the stream: the peer and we no longer
// agree where messages start, so the connection must be closed. Messages
// framed before the error in the same feed are still returned.
//
// Memory: the framer never buffers more than max_message_bytes; a message
// announced larger than that is refused as soon as its header section ends,
// before any of its body is stored.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::sip {

enum class FramingError {
  none,
  missing_content_length,  // RFC 3261 §18.3: required on a stream
  bad_content_length,      // not a number, negative, or several that disagree
  header_too_large,        // no empty line within max_message_bytes
  message_too_large,       // header section + Content-Length beyond max_message_bytes
};

std::string_view to_string(FramingError e);

struct FramedItem {
  enum class Kind { message, ping };
  Kind kind = Kind::message;
  std::string bytes;  // the whole message (for Kind::message); empty for a ping
};

class StreamFramer {
 public:
  explicit StreamFramer(std::size_t max_message_bytes = 65535);

  // Consumes all of `bytes`, appending what completes to `out` in stream
  // order. Returns the error that ends the stream, or none. After an error
  // every call returns that error and consumes nothing.
  FramingError feed(std::string_view bytes, std::vector<FramedItem>& out);

  FramingError error() const { return error_; }
  // Bytes of an unfinished message held so far (0 between messages): a
  // connection that ends while this is non-zero ended mid-message.
  std::size_t buffered_bytes() const { return buffer_.size(); }
  std::size_t max_message_bytes() const { return max_; }

 private:
  enum class State { between, headers, body };

  FramingError fail(FramingError e);
  // After the header section is complete: reads Content-Length, checks the limit.
  FramingError start_body();

  std::size_t max_;
  State state_ = State::between;
  FramingError error_ = FramingError::none;
  std::string buffer_;           // the message being framed
  std::size_t scan_from_ = 0;    // where to resume the search for the empty line
  std::size_t body_left_ = 0;    // body bytes still to come (State::body)
  int line_ends_ = 0;            // consecutive line ends seen between messages
};

}  // namespace imsbox::sip
