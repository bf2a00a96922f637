#include "sip/parser.h"

#include <array>

#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::sip {

using namespace text;

// Fills a Message's private parts; only the parser builds messages from bytes.
struct MessageBuilder {
  Message& m;
  std::string_view& method() { return m.method_; }
  std::string_view& request_uri() { return m.request_uri_; }
  std::string_view& reason() { return m.reason_; }
  std::string_view& version() { return m.version_; }
  int& status() { return m.status_; }
  std::vector<HeaderField>& headers() { return m.headers_; }
  std::string_view& body() { return m.body_; }
  std::unique_ptr<std::string>& bytes() { return m.bytes_; }
  std::string_view own(std::string s) { return m.own(std::move(s)); }
};

namespace {

// The first fault found and what to answer.
struct Fault {
  int status = 0;
  std::string reason;
  void set(int s, std::string r) {
    if (reason.empty()) {
      status = s;
      reason = std::move(r);
    }
  }
  explicit operator bool() const { return !reason.empty(); }
};

// Next line of buf starting at pos, without its CRLF (or bare LF). Returns
// false when no line terminator follows.
bool next_line(std::string_view buf, std::size_t& pos, std::string_view& line) {
  const auto lf = buf.find('\n', pos);
  if (lf == std::string_view::npos) return false;
  auto end = lf;
  if (end > pos && buf[end - 1] == '\r') --end;
  line = buf.substr(pos, end - pos);
  pos = lf + 1;
  return true;
}

// Replaces every line break and the whitespace after it by one space.
std::string unfold(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\r' || v[i] == '\n') {
      while (i + 1 < v.size() && (v[i + 1] == '\r' || v[i + 1] == '\n' || is_wsp(v[i + 1]))) ++i;
      out += ' ';
    } else {
      out += v[i];
    }
  }
  return out;
}

bool is_sip_version(std::string_view v) { return v.size() > 4 && iequals(v.substr(0, 4), "SIP/"); }

void parse_request_line(MessageBuilder& b, std::string_view line, Fault& fault) {
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    fault.set(400, "Malformed Request-Line (Method SP Request-URI SP SIP-Version)");
    // keep what can be kept so that a 400 can still be formed
    if (sp1 != std::string_view::npos) b.method() = line.substr(0, sp1);
    return;
  }
  b.method() = line.substr(0, sp1);
  b.request_uri() = line.substr(sp1 + 1, sp2 - sp1 - 1);
  b.version() = line.substr(sp2 + 1);
  if (!is_token(b.method())) fault.set(400, "Malformed method");
  if (!iequals(b.version(), "SIP/2.0")) {
    if (is_sip_version(b.version())) fault.set(505, "Version Not Supported");
    else fault.set(400, "Malformed SIP-Version");
  }
  const auto uri = b.request_uri();
  const auto colon = uri.find(':');
  const auto scheme = colon == std::string_view::npos ? std::string_view() : uri.substr(0, colon);
  if (iequals(scheme, "sip") || iequals(scheme, "sips") || iequals(scheme, "tel")) {
    const auto parsed = parse_uri(uri);
    if (!parsed.uri) fault.set(400, "Malformed Request-URI: " + parsed.error);
    else if (!parsed.uri->headers.empty()) fault.set(400, "Request-URI must not contain headers");
  } else if (!is_absolute_uri(uri)) {
    fault.set(400, "Malformed Request-URI");
  }
}

bool parse_status_line(MessageBuilder& b, std::string_view line) {
  // SIP-Version SP Status-Code SP Reason-Phrase (the phrase may be empty)
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || !iequals(line.substr(0, sp1), "SIP/2.0")) return false;
  const auto rest = line.substr(sp1 + 1);
  if (rest.size() < 4 || rest[3] != ' ') return false;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (!is_digit(rest[static_cast<std::size_t>(i)])) return false;
    code = code * 10 + (rest[static_cast<std::size_t>(i)] - '0');
  }
  if (code < 100 || code > 699) return false;
  b.status() = code;
  b.version() = line.substr(0, sp1);
  b.reason() = rest.substr(4);
  return true;
}

// Counts the fields of each kind in one pass.
struct FieldCounts {
  std::array<std::uint16_t, 256> n{};
  explicit FieldCounts(const Message& m) {
    for (const auto& h : m.headers()) ++n[static_cast<std::size_t>(h.id)];
  }
  std::uint16_t operator[](HeaderId id) const { return n[static_cast<std::size_t>(id)]; }
};

// Checks the fields every element relies on; returns whether a response can
// be formed from them (RFC 3261 §8.2.6.2: sound Via, From, To and Call-ID,
// and one CSeq, copied as it is even when its number is out of range: RFC
// 4475 §3.1.2.4 wants a 400 for that).
bool validate_fields(const Message& m, Fault& fault) {
  const FieldCounts counts(m);
  bool answerable = counts[HeaderId::via] > 0;
  for (HeaderId id : {HeaderId::from, HeaderId::to, HeaderId::call_id, HeaderId::cseq}) {
    if (counts[id] != 1) {
      fault.set(400, std::string(counts[id] == 0 ? "missing " : "more than one ") + std::string(header_name(id)) + " header");
      answerable = false;
    }
  }
  for (HeaderId id : {HeaderId::max_forwards, HeaderId::content_length, HeaderId::date}) {
    if (counts[id] > 1) fault.set(400, "more than one " + std::string(header_name(id)) + " header");
  }
  if (counts[HeaderId::via] == 0) fault.set(400, "missing Via header");
  for (const auto& h : m.headers()) {
    switch (h.id) {
      case HeaderId::via: {
        const auto vias = parse_via_list(h.value);
        if (!vias) {
          fault.set(400, std::string("Malformed Via: ") + vias.error);
          answerable = false;
          break;
        }
        for (const auto& v : vias.value) {
          if (v.branch() == "z9hG4bK") fault.set(400, "Via branch holds only the magic cookie");
        }
        break;
      }
      case HeaderId::from:
      case HeaderId::to: {
        const auto na = parse_name_addr(h.value);
        if (!na) {
          fault.set(400, "Malformed " + std::string(header_name(h.id)) + ": " + na.error);
          answerable = false;
        }
        break;
      }
      case HeaderId::contact: {
        if (h.value == "*") break;
        const auto list = parse_name_addr_list(h.value);
        if (!list) fault.set(400, std::string("Malformed Contact: ") + list.error);
        break;
      }
      case HeaderId::call_id:
        if (!is_valid_call_id(h.value)) {
          fault.set(400, "Malformed Call-ID");
          answerable = false;
        }
        break;
      case HeaderId::cseq: {
        const auto cseq = parse_cseq(h.value);
        if (!cseq) fault.set(400, std::string("Malformed CSeq: ") + cseq.error);
        else if (m.is_request() && cseq.value.method != m.method()) fault.set(400, "CSeq method does not match the request");
        break;
      }
      case HeaderId::max_forwards:
        if (!parse_number(h.value, 255)) fault.set(400, "Malformed Max-Forwards (0-255)");
        break;
      case HeaderId::date:
        if (!is_valid_sip_date(h.value)) fault.set(400, "Malformed Date (RFC 1123, GMT)");
        break;
      default:
        break;
    }
  }
  return answerable;
}

}  // namespace

ParseResult parse_message(std::string bytes, Framing framing, const ParseLimits& limits) {
  ParseResult result;
  if (bytes.size() > limits.max_message_bytes) {
    result.reason = "message larger than " + std::to_string(limits.max_message_bytes) + " bytes";
    return result;
  }
  Message m;
  MessageBuilder b{m};
  b.bytes() = std::make_unique<std::string>(std::move(bytes));
  const std::string_view buf = *b.bytes();
  Fault fault;

  std::size_t pos = 0;
  while (pos < buf.size() && (buf[pos] == '\r' || buf[pos] == '\n')) ++pos;  // keep-alives before the start line
  std::string_view line;
  if (!next_line(buf, pos, line) || line.empty()) {
    result.reason = "no start line";
    return result;
  }
  const bool response = line.size() >= 4 && iequals(line.substr(0, 4), "SIP/") && line.find(' ') != std::string_view::npos &&
                        line.find(' ') < 12 && line.size() > line.find(' ') + 1 && is_digit(line[line.find(' ') + 1]);
  if (response) {
    if (!parse_status_line(b, line)) {
      result.reason = "Malformed Status-Line";
      return result;
    }
  } else {
    parse_request_line(b, line, fault);
  }
  result.is_request = m.is_request();

  // header fields, with folding (a line starting with whitespace continues the field)
  bool headers_ended = false;
  while (pos < buf.size()) {
    const auto field_start = pos;
    if (!next_line(buf, pos, line)) break;
    if (line.empty()) {
      headers_ended = true;
      break;
    }
    if (is_wsp(line.front())) {
      fault.set(400, "header continuation line without a header");
      continue;
    }
    auto field_end = pos;  // just after this line's terminator
    bool folded = false;
    std::string_view more;
    std::size_t peek = pos;
    while (peek < buf.size() && is_wsp(buf[peek]) && next_line(buf, peek, more)) {
      folded = true;
      field_end = peek;
      pos = peek;
    }
    // raw: the field without its final line terminator
    auto raw_end = field_end;
    if (raw_end > field_start && buf[raw_end - 1] == '\n') --raw_end;
    if (raw_end > field_start && buf[raw_end - 1] == '\r') --raw_end;
    const auto raw = buf.substr(field_start, raw_end - field_start);
    const auto colon = raw.find(':');
    if (colon == std::string_view::npos) {
      fault.set(400, "header line without ':'");
      continue;
    }
    const auto name = raw.substr(0, colon);
    const auto bare_name = trim(name);
    if (!is_token(bare_name) || (!name.empty() && is_wsp(name.front()))) {
      fault.set(400, "Malformed header name");
      continue;
    }
    auto value = raw.substr(colon + 1);
    if (folded) value = b.own(unfold(value));
    value = trim(value);
    if (b.headers().size() >= limits.max_header_fields) {
      result.reason = "more than " + std::to_string(limits.max_header_fields) + " header fields";
      return result;
    }
    b.headers().push_back(HeaderField{header_id(bare_name), name, value, raw});
  }
  if (!headers_ended) {
    result.reason = "message ends before the empty line that closes the headers";
    return result;
  }

  // body, framed by Content-Length
  const auto available = buf.size() - pos;
  if (const auto* cl = m.find(HeaderId::content_length)) {
    const auto n = parse_number(cl->value, limits.max_message_bytes);
    if (!n) {
      fault.set(400, "Malformed Content-Length");
      b.body() = buf.substr(pos);
    } else if (n.value > available) {
      fault.set(400, "Content-Length larger than the message");
      b.body() = buf.substr(pos);
    } else {
      b.body() = buf.substr(pos, n.value);
      if (framing == Framing::stream && n.value != available) fault.set(400, "Content-Length does not frame the message");
    }
  } else {
    if (framing == Framing::stream && available > 0) fault.set(400, "missing Content-Length on a stream transport");
    b.body() = buf.substr(pos);
  }

  const bool answerable = validate_fields(m, fault);
  if (fault) {
    result.reason = fault.reason;
    // Answer a request only when the fields a response copies are sound.
    if (m.is_request() && answerable) {
      result.status = fault.status;
      result.message = std::move(m);
    }
    return result;
  }
  result.message = std::move(m);
  return result;
}

}  // namespace imsbox::sip
