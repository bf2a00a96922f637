#pragma once
// Writes an ng dictionary as bencode or as JSON, token by token, straight into
// one string (no tree in between): begin_dictionary(), key(), string(), ...,
// end(). Bencode dictionaries are written in the order given (rtpengine does
// not sort keys either, and readers must not rely on order).
//
// Misuse (a value without a key in a dictionary, end() with nothing open) is
// a programming error and asserts. Not thread-safe; one message per Encoder.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agw/ng/value.h"

namespace imsbox::agw::ng {

enum class Format { bencode, json };

class Encoder {
 public:
  explicit Encoder(Format format) : format_(format) {}

  Encoder& begin_dictionary();
  Encoder& begin_list();
  Encoder& end();
  Encoder& key(std::string_view k);
  Encoder& string(std::string_view s);
  Encoder& integer(std::int64_t i);
  Encoder& null();  // JSON null; bencode has none and writes an empty string
  // key + value shorthands
  Encoder& entry(std::string_view k, std::string_view s) { return key(k).string(s); }
  Encoder& entry(std::string_view k, const char* s) { return key(k).string(s); }
  Encoder& entry(std::string_view k, std::int64_t i) { return key(k).integer(i); }
  // A decoded value, whole (re-encoding for tests and the fuzz target).
  Encoder& value(const Value& v);

  // The text; every container must be closed.
  std::string take();
  const std::string& text() const { return out_; }

 private:
  struct Level {
    bool dictionary;
    bool first = true;
    bool expect_value = false;  // a key was written (dictionaries)
  };
  void before_value();
  void json_string(std::string_view s);

  Format format_;
  std::string out_;
  std::vector<Level> levels_;
};

}  // namespace imsbox::agw::ng
