#pragma once
// The SDP model (RFC 8866, which obsoletes RFC 4566): a session description
// as parse() (parser.h) returns it and write() (writer.h) writes it.
//
// Plain values that own their strings: a model outlives the body it came
// from, and code edits it (the AGW rewrites addresses, ports, formats and
// attributes) before writing it out again. SDP is per call, not per packet,
// so owning strings cost nothing that matters (bench/sdp_bench.cpp).
//
// What a caller may rely on for a model that parse() returned: every string
// obeys the grammar noted beside its field (tokens without spaces, no CR, LF
// or NUL anywhere), so write() of it parses back to an equal model. Code that
// builds or edits a model must keep to the same grammar; writable() checks.
//
// Attributes keep their order and unknown ones are kept byte for byte; the
// typed views of the attributes the AGW needs are in attributes.h,
// candidate.h, crypto.h and amr.h, the format helpers in formats.h.
//
// Threading: values, no shared state; use one from one thread at a time.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::sdp {

// a=<name>[:<value>] (RFC 8866 §5.13)
struct Attribute {
  std::string name;                  // token
  std::optional<std::string> value;  // absent for a property attribute (a=rtcp-mux); byte-string, may be empty
  bool operator==(const Attribute&) const = default;
};

// The a= lines of one level (session or media), in order. Lookups compare
// names case-insensitively and return the first match.
class Attributes {
 public:
  using const_iterator = std::vector<Attribute>::const_iterator;
  using iterator = std::vector<Attribute>::iterator;

  Attributes() = default;
  Attributes(std::initializer_list<Attribute> list) : items_(list) {}

  const Attribute* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // the first value of `name`: nullopt when there is no such attribute; an
  // empty view for a property attribute
  std::optional<std::string_view> value(std::string_view name) const;
  // the values of every `name` attribute, in order (property ones as "")
  std::vector<std::string_view> values(std::string_view name) const;
  std::size_t count(std::string_view name) const;

  // appends
  void add(std::string name, std::optional<std::string> value = std::nullopt);
  // inserts before position `pos` (clamped to the end)
  void insert(std::size_t pos, Attribute attribute);
  // the first `name` gets `value` in place and later ones go; appends when none
  void set(std::string_view name, std::optional<std::string> value = std::nullopt);
  // removes every `name`; returns how many went
  std::size_t remove(std::string_view name);
  // removes every attribute `pred` holds for; returns how many went
  template <typename Pred>
  std::size_t remove_if(Pred pred) {
    const auto before = items_.size();
    std::erase_if(items_, pred);
    return before - items_.size();
  }
  // index of the first `name` at or after `from`, or npos
  std::size_t index_of(std::string_view name, std::size_t from = 0) const;

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const Attribute& operator[](std::size_t i) const { return items_[i]; }
  Attribute& operator[](std::size_t i) { return items_[i]; }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  std::vector<Attribute>& items() { return items_; }
  const std::vector<Attribute>& items() const { return items_; }

  bool operator==(const Attributes&) const = default;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  std::vector<Attribute> items_;
};

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
  std::string username = "-";         // non-ws-string
  std::string session_id = "0";       // 1*DIGIT, kept as text (leading zeros and all)
  std::string session_version = "0";  // 1*DIGIT
  std::string nettype = "IN";         // token
  std::string addrtype = "IP4";       // token
  std::string address = "0.0.0.0";    // non-ws-string
  bool operator==(const Origin&) const = default;
};

// c=<nettype> <addrtype> <connection-address>. For IN IP4 the address may
// carry /ttl[/count], for IN IP6 /count (multicast, RFC 8866 §5.7); other
// network types keep the whole address text in `address`.
struct Connection {
  std::string nettype = "IN";
  std::string addrtype = "IP4";
  std::string address;                      // non-ws-string without the suffixes
  std::optional<std::uint32_t> ttl;         // IN IP4 only
  std::optional<std::uint32_t> count;       // number of addresses
  bool operator==(const Connection&) const = default;
};

// b=<bwtype>:<bandwidth>
struct Bandwidth {
  std::string type;  // token: AS, CT, TIAS, RS, RR, ...
  std::uint64_t value = 0;
  bool operator==(const Bandwidth&) const = default;
};

// t=<start-time> <stop-time>, its r= lines and the z= line that follows them
// (RFC 4566 puts z= after the last time description, RFC 8866 inside one:
// either way it is kept where it was). r= and z= are kept as text.
struct Timing {
  std::uint64_t start = 0;
  std::uint64_t stop = 0;
  std::vector<std::string> repeats;  // each non-empty text
  std::optional<std::string> zone;   // non-empty text
  bool operator==(const Timing&) const = default;
};

// m=<media> <port>[/<number of ports>] <proto> <fmt> ... and its section
struct MediaDescription {
  std::string media;                      // token: audio, video, application, ...
  std::uint16_t port = 0;
  std::optional<std::uint32_t> port_count;
  std::string proto;                      // token *("/" token): RTP/AVP, UDP/TLS/RTP/SAVPF, ...
  std::vector<std::string> formats;       // tokens: RTP payload types, webrtc-datachannel, ...
  std::optional<std::string> title;       // i=
  std::vector<Connection> connections;    // c= (several only for multicast)
  std::vector<Bandwidth> bandwidths;      // b=
  std::optional<std::string> key;         // k= (obsolete, kept)
  Attributes attributes;                  // a=
  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription {
  std::uint32_t version = 0;              // v= (always 0)
  Origin origin;                          // o=
  std::string session_name = "-";         // s= (text; empty accepted, as RFC 4317 writes it)
  std::optional<std::string> information; // i=
  std::optional<std::string> uri;         // u=
  std::vector<std::string> emails;        // e=
  std::vector<std::string> phones;        // p=
  std::optional<Connection> connection;   // c=
  std::vector<Bandwidth> bandwidths;      // b=
  std::vector<Timing> timings;            // t= r= z= (empty only when the body had no t=)
  std::optional<std::string> key;         // k= (obsolete, kept)
  Attributes attributes;                  // a=
  std::vector<MediaDescription> media;    // m= sections
  bool operator==(const SessionDescription&) const = default;
};

// Adds one to o=<sess-version> (RFC 3264 §8: each new offer or answer of a
// session has a higher version), as decimal text of any length: "9" -> "10".
void increment_version(Origin& origin);

// The connection that applies to a media section: its first c=, else the
// session's; nullptr when neither has one.
const Connection* connection_of(const SessionDescription& session, const MediaDescription& media);

// The value of `name` at media level, else at session level (ice-ufrag,
// ice-pwd, fingerprint and setup may be at either: Firefox puts its
// fingerprint at session level).
std::optional<std::string_view> attribute_value(const SessionDescription& session, const MediaDescription& media,
                                                std::string_view name);

// Whether write(d) parses back (with the default Limits) to a model equal
// to d: the check for a model that code built or edited.
bool writable(const SessionDescription& d);

}  // namespace imsbox::sdp
