#pragma once
// Internal to agw/ng: how the decoders fill a Document, with the limits
// checked as they go (value count, nesting depth).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agw/ng/value.h"

namespace imsbox::agw::ng {

class DocumentBuilder {
 public:
  explicit DocumentBuilder(const DecodeLimits& limits) : limits_(limits) {}

  // Each returns false (and sets error()) when a limit is exceeded.
  bool add_string(std::string_view text) { return add({ValueType::string, 0, 0, 0, text}); }
  bool add_integer(std::int64_t v) { return add({ValueType::integer, 0, 0, v, {}}); }
  bool add_null() { return add({ValueType::null, 0, 0, 0, {}}); }
  bool open(ValueType container);
  void close();

  // The document; the builder is spent. storage is kept alive with it.
  Document finish(std::shared_ptr<const void> storage = {});

  const std::string& error() const { return error_; }
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

 private:
  bool add(const detail::Node& n);

  const DecodeLimits& limits_;
  std::vector<detail::Node> nodes_;
  std::vector<std::uint32_t> open_;  // indices of the containers being filled
  std::string error_;
};

}  // namespace imsbox::agw::ng
