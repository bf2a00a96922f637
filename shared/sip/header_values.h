#pragma once
// Typed views of header field values (RFC 3261 §20, §25.1 and the IMS
// extensions). Every parser is a pure function of the value text and returns
// views into it: the text must outlive the result. Values are expected
// unfolded (the message parser does that); LWS around separators is allowed
// wherever the grammar allows it.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace imsbox::sip {

// A parse result: the value, or the reason it is malformed (a static text,
// fit for a reason phrase).
template <typename T>
struct Parsed {
  T value{};
  const char* error = nullptr;
  explicit operator bool() const { return error == nullptr; }
};

// generic-param = token [ EQUAL gen-value ]; value as written (a
// quoted-string keeps its quotes; use unquote()). An absent value is empty
// with has_value false.
struct Param {
  std::string_view name;
  std::string_view value;
  bool has_value = false;
};
using Params = std::vector<Param>;

// First parameter with that name (case-insensitive).
const Param* find_param(const Params& params, std::string_view name);
// The text between the quotes of a quoted-string (escapes left as written),
// or the text itself when it is not quoted.
std::string_view unquote(std::string_view s);

// Splits a header value at the commas that separate its elements (not the
// ones inside quoted strings or <>). An empty element is an error.
Parsed<std::vector<std::string_view>> split_list(std::string_view value);

// From, To, Contact, Route, Record-Route, Path, Service-Route,
// P-Asserted-Identity, P-Preferred-Identity, P-Associated-URI, Refer-To, ...
struct NameAddr {
  std::string_view display_name;  // as written, quotes included; empty when none
  std::string_view uri;           // without the <>
  bool bracketed = false;         // name-addr form (with <>) rather than addr-spec
  Params params;                  // header parameters (after the URI)
  std::string_view tag() const;
};
Parsed<NameAddr> parse_name_addr(std::string_view element);
Parsed<std::vector<NameAddr>> parse_name_addr_list(std::string_view value);

// Via (RFC 3261 §20.42): one via-parm.
struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport;         // "UDP", "TCP", "TLS", "WS", "WSS", or an extension
  std::string_view host;
  std::optional<std::uint16_t> port;
  Params params;
  std::string_view sent_by;  // host[:port] as written
  std::string_view branch() const;
};
Parsed<Via> parse_via(std::string_view element);
Parsed<std::vector<Via>> parse_via_list(std::string_view value);

struct CSeq {
  std::uint32_t number = 0;
  std::string_view method;
};
Parsed<CSeq> parse_cseq(std::string_view value);

// 1*DIGIT no greater than max (Max-Forwards, Content-Length, Expires, RSeq, Min-SE ...).
Parsed<std::uint64_t> parse_number(std::string_view value, std::uint64_t max);

// Call-ID = word [ "@" word ]
bool is_valid_call_id(std::string_view value);

// Supported, Require, Proxy-Require, Unsupported, Allow, Privacy (';' separated too).
Parsed<std::vector<std::string_view>> parse_token_list(std::string_view value);

// A token (or "*", a type/subtype, a delta-seconds ...) followed by
// parameters: Event, Subscription-State, Session-Expires, Min-SE, Content-Type,
// Reason, P-Access-Network-Info, P-Charging-Vector, Accept-Contact, Security-*.
struct ValueWithParams {
  std::string_view value;
  Params params;
};
Parsed<ValueWithParams> parse_value_with_params(std::string_view element);
Parsed<std::vector<ValueWithParams>> parse_value_with_params_list(std::string_view value);

// Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate:
// scheme then comma-separated auth-params. Authentication-Info has no scheme:
// parse it with parse_auth_params.
struct AuthField {
  std::string_view scheme;  // "Digest"
  Params params;
};
Parsed<AuthField> parse_auth(std::string_view value);
Parsed<Params> parse_auth_params(std::string_view value);

// RAck (RFC 3262): response-num CSeq-num Method
struct RAck {
  std::uint32_t rseq = 0;
  std::uint32_t cseq = 0;
  std::string_view method;
};
Parsed<RAck> parse_rack(std::string_view value);

// Date (RFC 3261 §20.17): rfc1123-date, always "GMT".
bool is_valid_sip_date(std::string_view value);

}  // namespace imsbox::sip
