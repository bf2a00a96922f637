// The JSON decoder: Boost.JSON parses (no exceptions: the error_code
// overload), then the value is walked into the flat model; strings stay in
// Boost's value, which the Document keeps alive.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "agw/ng/document_builder.h"
#include "agw/ng/value.h"

namespace imsbox::agw::ng {

namespace {

bool convert(const boost::json::value& v, DocumentBuilder& out) {
  switch (v.kind()) {
    case boost::json::kind::string: {
      const auto& s = v.get_string();
      return out.add_string(std::string_view(s.data(), s.size()));
    }
    case boost::json::kind::int64: return out.add_integer(v.get_int64());
    case boost::json::kind::uint64:
      if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return out.fail("JSON: integer out of range");
      }
      return out.add_integer(static_cast<std::int64_t>(v.get_uint64()));
    case boost::json::kind::double_: return out.fail("JSON: a number that is not an integer");
    case boost::json::kind::bool_: return out.add_integer(v.get_bool() ? 1 : 0);
    case boost::json::kind::null: return out.add_null();
    case boost::json::kind::array:
      if (!out.open(ValueType::list)) return false;
      for (const auto& item : v.get_array()) {
        if (!convert(item, out)) return false;
      }
      out.close();
      return true;
    case boost::json::kind::object:
      if (!out.open(ValueType::dictionary)) return false;
      for (const auto& kv : v.get_object()) {
        const auto key = kv.key();
        if (!out.add_string(std::string_view(key.data(), key.size()))) return false;
        if (!convert(kv.value(), out)) return false;
      }
      out.close();
      return true;
  }
  return out.fail("JSON: unknown value kind");
}

}  // namespace

DecodeResult decode_json(std::string_view text, const DecodeLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return {std::nullopt, "message of " + std::to_string(text.size()) + " bytes, more than " +
                              std::to_string(limits.max_bytes)};
  }
  boost::json::parse_options options;
  // one more than ours, so that our own limit (and message) applies first
  options.max_depth = limits.max_depth + 1;
  boost::system::error_code ec;
  auto parsed = std::make_shared<boost::json::value>(
      boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, {}, options));
  if (ec) return {std::nullopt, "JSON: " + ec.message()};
  DocumentBuilder builder(limits);
  if (!convert(*parsed, builder)) return {std::nullopt, builder.error()};
  return {builder.finish(std::move(parsed)), {}};
}

}  // namespace imsbox::agw::ng
