// The bencode decoder: a recursive descent whose depth the builder bounds.
#include <cstdint>
#include <limits>
#include <string>

#include "agw/ng/document_builder.h"
#include "agw/ng/value.h"

namespace imsbox::agw::ng {

namespace {

class BencodeParser {
 public:
  BencodeParser(std::string_view bytes, DocumentBuilder& out) : s_(bytes), out_(out) {}

  bool value() {
    if (at_end()) return fail("truncated");
    switch (s_[pos_]) {
      case 'd': return container(ValueType::dictionary);
      case 'l': return container(ValueType::list);
      case 'i': return integer();
      default:
        if (is_digit(s_[pos_])) return string();
        return fail(std::string("unexpected byte ") + describe(s_[pos_]));
    }
  }

  bool done() const { return at_end(); }
  std::size_t position() const { return pos_; }

  bool fail(std::string why) {
    return out_.fail("bencode: " + why + " at offset " + std::to_string(pos_));
  }

 private:
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static std::string describe(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
    static constexpr char hex[] = "0123456789abcdef";
    return std::string("0x") + hex[u >> 4] + hex[u & 15];
  }
  bool at_end() const { return pos_ >= s_.size(); }

  bool container(ValueType type) {
    if (!out_.open(type)) return false;
    ++pos_;  // 'd' or 'l'
    for (;;) {
      if (at_end()) return fail("truncated");
      if (s_[pos_] == 'e') break;
      if (type == ValueType::dictionary) {
        if (!is_digit(s_[pos_])) return fail("a dictionary key is not a string");
        if (!string()) return false;
        if (at_end()) return fail("truncated");
        if (s_[pos_] == 'e') return fail("a dictionary key has no value");
      }
      if (!value()) return false;
    }
    ++pos_;  // 'e'
    out_.close();
    return true;
  }

  bool integer() {
    ++pos_;  // 'i'
    bool negative = false;
    if (!at_end() && s_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    const std::size_t digits = pos_;
    std::uint64_t magnitude = 0;
    const std::uint64_t max = negative ? std::uint64_t{1} << 63
                                       : static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    while (!at_end() && is_digit(s_[pos_])) {
      const auto d = static_cast<std::uint64_t>(s_[pos_] - '0');
      if (magnitude > (max - d) / 10) return fail("integer out of range");
      magnitude = magnitude * 10 + d;
      ++pos_;
    }
    if (pos_ == digits) return fail("integer without digits");
    if (s_[digits] == '0' && pos_ - digits > 1) return fail("integer with a leading zero");
    if (negative && magnitude == 0) return fail("integer -0");
    if (at_end() || s_[pos_] != 'e') return fail("integer not ended by 'e'");
    ++pos_;
    const std::int64_t v = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
    return out_.add_integer(v);
  }

  bool string() {
    const std::size_t digits = pos_;
    std::size_t length = 0;
    while (!at_end() && is_digit(s_[pos_])) {
      // a length can never exceed what is left: stop counting beyond it
      if (length > s_.size()) return fail("string length beyond the message");
      length = length * 10 + static_cast<std::size_t>(s_[pos_] - '0');
      ++pos_;
    }
    if (s_[digits] == '0' && pos_ - digits > 1) return fail("string length with a leading zero");
    if (at_end() || s_[pos_] != ':') return fail("string length not followed by ':'");
    ++pos_;
    if (length > s_.size() - pos_) return fail("string length beyond the message");
    const std::string_view text = s_.substr(pos_, length);
    pos_ += length;
    return out_.add_string(text);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  DocumentBuilder& out_;
};

}  // namespace

DecodeResult decode_bencode(std::string_view bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return {std::nullopt, "message of " + std::to_string(bytes.size()) + " bytes, more than " +
                              std::to_string(limits.max_bytes)};
  }
  DocumentBuilder builder(limits);
  BencodeParser parser(bytes, builder);
  if (!parser.value()) return {std::nullopt, builder.error()};
  if (!parser.done()) {
    parser.fail("trailing bytes after the value");
    return {std::nullopt, builder.error()};
  }
  return {builder.finish(), {}};
}

}  // namespace imsbox::agw::ng
