#pragma once
// Internal to shared/diameter (include from .cpp files only: it pulls in
// freeDiameter's headers). Writing AVPs into a freeDiameter message or
// grouped AVP, and reading them back with the first problem remembered as
// the DecodeError a Cx server answers with.
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diameter/cx_codec.h"
#include "diameter/cx_dictionary.h"

namespace imsbox::diameter::detail {

// Throws std::runtime_error("<what>: <strerror>") when rc != 0.
void check(int rc, const char* what);

// Appends AVPs (as last children) to a message or a grouped AVP.
class AvpWriter {
 public:
  AvpWriter(const CxDictionary& dict, msg_or_avp* parent) : dict_(dict), parent_(parent) {}

  void u32(Avp a, std::uint32_t v);
  void i32(Avp a, std::int32_t v);
  void bytes(Avp a, const std::uint8_t* data, std::size_t len);
  void bytes(Avp a, const std::vector<std::uint8_t>& v) { bytes(a, v.data(), v.size()); }
  void str(Avp a, std::string_view s) { bytes(a, reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }
  // Skips an empty value (the structs' "absent").
  void str_if(Avp a, std::string_view s) {
    if (!s.empty()) str(a, s);
  }
  void bytes_if(Avp a, const std::vector<std::uint8_t>& v) {
    if (!v.empty()) bytes(a, v);
  }
  // Adds an empty grouped AVP and returns a writer for its children.
  AvpWriter group(Avp a);
  // An AVP of any model with a raw value (Failed-AVP content).
  void raw(dict_object* model, const std::vector<std::uint8_t>& value);

 private:
  avp* add(dict_object* model);
  const CxDictionary& dict_;
  msg_or_avp* parent_;
};

enum class Need { optional, required };

// Reads the children of a message or grouped AVP. Every getter returns a
// value (or nullopt/empty) and, on the first missing required AVP or bad
// value, records the DecodeError in the shared slot; later problems are not
// recorded, so the error names the first one in reading order.
class AvpReader {
 public:
  AvpReader(msg_or_avp* parent, std::optional<DecodeError>& error);

  bool has(Avp a) const { return find(a) != nullptr; }
  bool failed() const { return error_.has_value(); }

  std::string str(Avp a, Need need);  // UTF8String/DiameterIdentity: checked UTF-8, non-empty if required
  std::vector<std::uint8_t> bytes(Avp a, Need need);
  std::optional<std::uint32_t> u32(Avp a, Need need);
  std::optional<std::int32_t> i32(Avp a, Need need, std::int32_t min, std::int32_t max);
  std::vector<std::string> strs(Avp a);
  std::vector<std::uint32_t> u32s(Avp a);
  std::optional<AvpReader> group(Avp a, Need need);
  std::vector<AvpReader> groups(Avp a);
  // The first child of this list, if any (for Failed-AVP).
  std::optional<AvpId> first_id() const;

  // Records a bad value for an AVP of this list (5004 unless told otherwise).
  void invalid(Avp a, std::string why, std::uint32_t code = 5004);

 private:
  struct Item {
    AvpId id;
    avp* a;
    avp_hdr* hdr;
  };
  const Item* find(Avp a) const;
  std::vector<const Item*> find_all(Avp a) const;
  void missing(Avp a);
  void bad_value(const Item& it, Avp a, std::string why, std::uint32_t code = 5004);
  std::vector<Item> items_;
  std::optional<DecodeError>& error_;
};

bool valid_utf8(std::string_view s);

}  // namespace imsbox::diameter::detail
