#include "agw/ng/encoder.h"

#include <cassert>

namespace imsbox::agw::ng {

void Encoder::before_value() {
  if (levels_.empty()) return;
  auto& l = levels_.back();
  if (l.dictionary) {
    assert(l.expect_value && "a dictionary value needs a key first");
    l.expect_value = false;
    return;
  }
  if (format_ == Format::json && !l.first) out_ += ',';
  l.first = false;
}

Encoder& Encoder::begin_dictionary() {
  before_value();
  out_ += format_ == Format::bencode ? 'd' : '{';
  levels_.push_back({true});
  return *this;
}

Encoder& Encoder::begin_list() {
  before_value();
  out_ += format_ == Format::bencode ? 'l' : '[';
  levels_.push_back({false});
  return *this;
}

Encoder& Encoder::end() {
  assert(!levels_.empty() && !levels_.back().expect_value);
  const bool dictionary = levels_.back().dictionary;
  levels_.pop_back();
  if (format_ == Format::bencode) {
    out_ += 'e';
  } else {
    out_ += dictionary ? '}' : ']';
  }
  return *this;
}

Encoder& Encoder::key(std::string_view k) {
  assert(!levels_.empty() && levels_.back().dictionary && !levels_.back().expect_value);
  auto& l = levels_.back();
  if (format_ == Format::bencode) {
    out_ += std::to_string(k.size());
    out_ += ':';
    out_ += k;
  } else {
    if (!l.first) out_ += ',';
    json_string(k);
    out_ += ':';
  }
  l.first = false;
  l.expect_value = true;
  return *this;
}

Encoder& Encoder::string(std::string_view s) {
  before_value();
  if (format_ == Format::bencode) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_ += s;
  } else {
    json_string(s);
  }
  return *this;
}

Encoder& Encoder::integer(std::int64_t i) {
  before_value();
  if (format_ == Format::bencode) out_ += 'i';
  out_ += std::to_string(i);
  if (format_ == Format::bencode) out_ += 'e';
  return *this;
}

Encoder& Encoder::null() {
  if (format_ == Format::bencode) return string({});
  before_value();
  out_ += "null";
  return *this;
}

Encoder& Encoder::value(const Value& v) {
  switch (v.type()) {
    case ValueType::string: return string(v.str());
    case ValueType::integer: return integer(v.integer());
    case ValueType::null: return null();
    case ValueType::list:
      begin_list();
      for (const Value item : v.items()) value(item);
      return end();
    case ValueType::dictionary:
      begin_dictionary();
      for (const auto& [k, item] : v.entries()) {
        key(k);
        value(item);
      }
      return end();
  }
  return *this;
}

namespace {

// The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) at the start of s; 0 when invalid.
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

// JSON strings are Unicode: a byte that is not part of valid UTF-8 (an ng
// string may be any bytes in bencode) is written as U+FFFD.
void Encoder::json_string(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out_ += '"';
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const auto n = utf8_sequence(s.substr(i));
      if (n == 0) {
        out_ += "\\ufffd";
        ++i;
      } else {
        out_ += s.substr(i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out_ += "\\u00";
          out_ += hex[u >> 4];
          out_ += hex[u & 15];
        } else {
          out_ += c;
        }
    }
    ++i;
  }
  out_ += '"';
}

std::string Encoder::take() {
  assert(levels_.empty() && "every container must be closed");
  return std::move(out_);
}

}  // namespace imsbox::agw::ng
