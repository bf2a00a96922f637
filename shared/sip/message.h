#pragma once
// A SIP message (RFC 3261 §7): start line, header fields in their order, body.
//
// The message owns its bytes; names, values and the body are views into them
// (or into strings the message owns for values it made itself, such as an
// unfolded header or one a proxy added). Header fields nobody asks about are
// never parsed beyond their name and are written back byte for byte.
//
// Built by parse_message() (parser.h); changed through the few mutators a
// proxy or user agent needs. Moving a Message keeps every view valid.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/header_id.h"
#include "sip/header_values.h"

namespace imsbox::sip {

struct HeaderField {
  HeaderId id = HeaderId::other;
  std::string_view name;   // as written ("v", "TO ", ...): the canonical one is header_name(id)
  std::string_view value;  // unfolded, without surrounding whitespace
  std::string_view raw;    // the whole field as received (name to end of its last line, no CRLF); empty if made here
};

class Message {
 public:
  // A new request or response with no header fields yet.
  static Message request(std::string method, std::string request_uri);
  static Message response(int status, std::string reason);

  // A deep copy (a proxy forwards one copy per target, RFC 3261 §16.6 step 1).
  Message clone() const;

  bool is_request() const { return status_ == 0; }
  // Request line
  std::string_view method() const { return method_; }
  std::string_view request_uri() const { return request_uri_; }
  // Status line
  int status() const { return status_; }
  std::string_view reason() const { return reason_; }

  const std::vector<HeaderField>& headers() const { return headers_; }
  std::string_view body() const { return body_; }

  // The first field with that id, or null.
  const HeaderField* find(HeaderId id) const;
  // The first field with that name (case-insensitive; for HeaderId::other fields).
  const HeaderField* find(std::string_view name) const;
  std::size_t count(HeaderId id) const;

  // The typed core fields. Every message that parse_message() accepted has
  // valid ones (Max-Forwards may be absent: RFC 2543 peers).
  std::vector<Via> vias() const;
  // The first value of the first Via field (what matching and response
  // routing need), parsed once and kept until a Via changes; null when there
  // is none or it is malformed. Valid until the message is changed or moved.
  const Via* top_via() const;
  NameAddr from() const;
  NameAddr to() const;
  std::string_view call_id() const;
  CSeq cseq() const;
  std::optional<std::uint32_t> max_forwards() const;

  // ---- changes (a proxy's or a UA's) ----
  void set_request_uri(std::string uri);
  // Adds a field before every other field of its kind (or at the top when
  // there is none yet), as a proxy does with Via and Record-Route.
  void prepend(HeaderId id, std::string value);
  void append(HeaderId id, std::string value);
  void append(std::string name, std::string value);
  // Removes the first value of a field; a field holding several values
  // ("Route: <a>, <b>") keeps the others. Returns false when there is none.
  bool remove_first_value(HeaderId id);
  // Removes the last value of the last field with that id.
  bool remove_last_value(HeaderId id);
  // Removes every field with that id; returns how many.
  std::size_t remove_all(HeaderId id);
  // Removes every field with that name (case-insensitive; for HeaderId::other
  // fields, as find(name)); returns how many.
  std::size_t remove_all(std::string_view name);
  // Replaces the value of the first field with that id (appending one if absent).
  void set(HeaderId id, std::string value);
  // Replaces the body and its Content-Type / Content-Length.
  void set_body(std::string body, std::string_view content_type);

  // The message as bytes, Content-Length always present and right.
  std::string serialize() const;

 private:
  friend struct MessageBuilder;
  std::string_view own(std::string s);

  std::unique_ptr<std::string> bytes_;                 // the message as received
  std::vector<std::unique_ptr<std::string>> owned_;    // values made after parsing
  std::string_view method_, request_uri_, reason_, version_;
  int status_ = 0;
  std::vector<HeaderField> headers_;
  std::string_view body_;
  // top_via()'s cache: the message is used from one thread only.
  mutable std::optional<Via> top_via_;
  mutable bool top_via_known_ = false;
  void touched(HeaderId id) {
    if (id == HeaderId::via) top_via_known_ = false;
  }
};

}  // namespace imsbox::sip
