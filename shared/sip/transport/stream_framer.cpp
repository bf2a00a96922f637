#include "sip/transport/stream_framer.h"

#include <algorithm>
#include <optional>

#include "sip/text.h"

namespace imsbox::sip {

using namespace text;

std::string_view to_string(FramingError e) {
  switch (e) {
    case FramingError::none: return "none";
    case FramingError::missing_content_length: return "missing Content-Length on a stream transport";
    case FramingError::bad_content_length: return "malformed Content-Length";
    case FramingError::header_too_large: return "header section larger than the message size limit";
    case FramingError::message_too_large: return "message larger than the size limit";
  }
  return "?";
}

namespace {

// The Content-Length of a complete header section (start line included, the
// empty line too). Folded values are joined; several fields must agree (the
// parser answers the duplicate itself, but the framing must be unambiguous).
struct ContentLength {
  FramingError error = FramingError::none;
  std::size_t value = 0;
};

ContentLength find_content_length(std::string_view head, std::size_t max) {
  ContentLength out;
  std::optional<std::size_t> found;
  std::size_t pos = head.find('\n');  // skip the start line
  if (pos == std::string_view::npos) return {FramingError::missing_content_length, 0};
  ++pos;
  while (pos < head.size()) {
    auto lf = head.find('\n', pos);
    if (lf == std::string_view::npos) lf = head.size();
    auto line = head.substr(pos, lf - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = lf + 1;
    if (line.empty()) break;
    if (is_wsp(line.front())) continue;  // a continuation of some other field, or of a CL handled below
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the parser reports it
    const auto name = trim(line.substr(0, colon));
    if (!iequals(name, "Content-Length") && !iequals(name, "l")) continue;
    std::string value(line.substr(colon + 1));
    // folded continuation lines belong to this value
    while (pos < head.size() && is_wsp(head[pos])) {
      auto next_lf = head.find('\n', pos);
      if (next_lf == std::string_view::npos) next_lf = head.size();
      auto more = head.substr(pos, next_lf - pos);
      if (!more.empty() && more.back() == '\r') more.remove_suffix(1);
      value += ' ';
      value += more;
      pos = next_lf + 1;
    }
    const auto digits = trim(value);
    if (digits.empty() || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return is_digit(c); })) {
      return {FramingError::bad_content_length, 0};
    }
    std::size_t n = 0;
    for (char c : digits) n = n * 10 + static_cast<std::size_t>(c - '0');
    if (found && *found != n) return {FramingError::bad_content_length, 0};
    found = n;
  }
  if (!found) return {FramingError::missing_content_length, 0};
  out.value = std::min(*found, max + 1);  // anything above max is "too large" alike
  return out;
}

}  // namespace

StreamFramer::StreamFramer(std::size_t max_message_bytes) : max_(std::max<std::size_t>(max_message_bytes, 1)) {}

FramingError StreamFramer::fail(FramingError e) {
  error_ = e;
  buffer_.clear();
  buffer_.shrink_to_fit();
  return e;
}

FramingError StreamFramer::start_body() {
  const auto cl = find_content_length(buffer_, max_);
  if (cl.error != FramingError::none) return fail(cl.error);
  if (cl.value > max_ - buffer_.size()) return fail(FramingError::message_too_large);
  body_left_ = cl.value;
  state_ = State::body;
  return FramingError::none;
}

FramingError StreamFramer::feed(std::string_view in, std::vector<FramedItem>& out) {
  if (error_ != FramingError::none) return error_;
  while (true) {
    if (state_ == State::body && body_left_ == 0) {
      out.push_back(FramedItem{FramedItem::Kind::message, std::move(buffer_)});
      buffer_ = std::string();
      scan_from_ = 0;
      line_ends_ = 0;
      state_ = State::between;
    }
    if (in.empty()) return FramingError::none;
    switch (state_) {
      case State::between: {
        const char c = in.front();
        if (c == '\n') {
          if (++line_ends_ == 2) {  // CRLFCRLF: an RFC 5626 ping
            out.push_back(FramedItem{FramedItem::Kind::ping, {}});
            line_ends_ = 0;
          }
          in.remove_prefix(1);
        } else if (c == '\r') {
          in.remove_prefix(1);
        } else {
          line_ends_ = 0;
          state_ = State::headers;
        }
        break;
      }
      case State::headers: {
        const std::size_t old_size = buffer_.size();
        const std::size_t take = std::min(max_ - old_size, in.size());
        buffer_.append(in.substr(0, take));
        // The header section ends at the first empty line: LF (CR) LF.
        std::size_t end = 0;
        std::size_t i = scan_from_;
        for (; i < buffer_.size(); ++i) {
          if (buffer_[i] != '\n') continue;
          if (i + 1 >= buffer_.size()) break;
          if (buffer_[i + 1] == '\n') {
            end = i + 2;
            break;
          }
          if (buffer_[i + 1] == '\r') {
            if (i + 2 >= buffer_.size()) break;
            if (buffer_[i + 2] == '\n') {
              end = i + 3;
              break;
            }
          }
        }
        scan_from_ = i;
        if (end != 0) {
          in.remove_prefix(end - old_size);
          buffer_.resize(end);
          if (const auto e = start_body(); e != FramingError::none) return e;
          break;
        }
        in.remove_prefix(take);
        if (buffer_.size() >= max_) return fail(FramingError::header_too_large);
        break;
      }
      case State::body: {
        const std::size_t take = std::min(body_left_, in.size());
        buffer_.append(in.substr(0, take));
        body_left_ -= take;
        in.remove_prefix(take);
        break;
      }
    }
  }
}

}  // namespace imsbox::sip
