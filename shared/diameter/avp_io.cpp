#include "diameter/avp_io.h"

#include <cstring>
#include <stdexcept>

namespace imsbox::diameter::detail {

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(rc));
}

// ---- writing ----

avp* AvpWriter::add(dict_object* model) {
  if (!model) throw std::runtime_error("AVP model missing from the dictionary");
  avp* a = nullptr;
  check(fd_msg_avp_new(model, 0, &a), "fd_msg_avp_new");
  if (const int rc = fd_msg_avp_add(parent_, MSG_BRW_LAST_CHILD, a)) {
    fd_msg_free(a);
    check(rc, "fd_msg_avp_add");
  }
  return a;
}

void AvpWriter::u32(Avp a, std::uint32_t v) {
  union avp_value val {};
  val.u32 = v;
  check(fd_msg_avp_setvalue(add(dict_.avp(a)), &val), "fd_msg_avp_setvalue");
}

void AvpWriter::i32(Avp a, std::int32_t v) {
  union avp_value val {};
  val.i32 = v;
  check(fd_msg_avp_setvalue(add(dict_.avp(a)), &val), "fd_msg_avp_setvalue");
}

void AvpWriter::bytes(Avp a, const std::uint8_t* data, std::size_t len) {
  union avp_value val {};
  // setvalue copies the octets; freeDiameter's API is not const-correct.
  val.os.data = const_cast<std::uint8_t*>(data);
  val.os.len = len;
  check(fd_msg_avp_setvalue(add(dict_.avp(a)), &val), "fd_msg_avp_setvalue");
}

AvpWriter AvpWriter::group(Avp a) { return AvpWriter(dict_, add(dict_.avp(a))); }

void AvpWriter::raw(dict_object* model, const std::vector<std::uint8_t>& value) {
  dict_avp_data d{};
  check(fd_dict_getval(model, &d), "fd_dict_getval");
  avp* a = add(model);
  union avp_value val {};
  auto be32 = [&]() -> std::uint32_t {
    if (value.size() != 4) return 0;
    return (std::uint32_t{value[0]} << 24) | (std::uint32_t{value[1]} << 16) | (std::uint32_t{value[2]} << 8) |
           value[3];
  };
  switch (d.avp_basetype) {
    case AVP_TYPE_GROUPED: return;  // an empty group: "an example of the missing AVP"
    case AVP_TYPE_OCTETSTRING:
      val.os.data = const_cast<std::uint8_t*>(value.data());
      val.os.len = value.size();
      break;
    case AVP_TYPE_INTEGER32: val.i32 = static_cast<std::int32_t>(be32()); break;
    case AVP_TYPE_UNSIGNED32: val.u32 = be32(); break;
    default: break;  // 64-bit and float types: zero
  }
  check(fd_msg_avp_setvalue(a, &val), "fd_msg_avp_setvalue");
}

// ---- reading ----

namespace {

std::vector<std::uint8_t> be_bytes(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

// RFC 4740 AVPs: dict_dcca_3gpp (wrongly) also declares them under 10415;
// accept either so that a peer using that dictionary still interoperates.
bool same_avp(AvpId seen, AvpId want) {
  if (seen == want) return true;
  return want.vendor_id == 0 && seen.vendor_id == kVendor3gpp && seen.code == want.code &&
         (want.code == 104 || want.code == 110 || want.code == 111 || want.code == 121);
}

}  // namespace

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

AvpReader::AvpReader(msg_or_avp* parent, std::optional<DecodeError>& error) : error_(error) {
  msg_or_avp* child = nullptr;
  if (fd_msg_browse_internal(parent, MSG_BRW_FIRST_CHILD, &child, nullptr) != 0) return;
  while (child) {
    avp_hdr* h = nullptr;
    if (fd_msg_avp_hdr(static_cast<avp*>(child), &h) == 0 && h) {
      const std::uint32_t vendor = (h->avp_flags & AVP_FLAG_VENDOR) ? h->avp_vendor : 0;
      items_.push_back({AvpId{h->avp_code, vendor}, static_cast<avp*>(child), h});
    }
    if (fd_msg_browse_internal(child, MSG_BRW_NEXT, &child, nullptr) != 0) break;
  }
}

const AvpReader::Item* AvpReader::find(Avp a) const {
  const AvpId want = avp_id(a);
  for (const auto& it : items_)
    if (same_avp(it.id, want)) return &it;
  return nullptr;
}

std::vector<const AvpReader::Item*> AvpReader::find_all(Avp a) const {
  std::vector<const Item*> out;
  const AvpId want = avp_id(a);
  for (const auto& it : items_)
    if (same_avp(it.id, want)) out.push_back(&it);
  return out;
}

void AvpReader::missing(Avp a) {
  if (error_) return;
  error_ = DecodeError{result_code::missing_avp, avp_id(a), {}, "missing " + std::string(avp_name(a))};
}

void AvpReader::bad_value(const Item& it, Avp a, std::string why, std::uint32_t code) {
  if (error_) return;
  std::vector<std::uint8_t> value;
  if (it.hdr->avp_value) {
    switch (avp_info(a).type) {
      case AvpType::unsigned32: value = be_bytes(it.hdr->avp_value->u32); break;
      case AvpType::enumerated: value = be_bytes(static_cast<std::uint32_t>(it.hdr->avp_value->i32)); break;
      case AvpType::grouped: break;
      default: value.assign(it.hdr->avp_value->os.data, it.hdr->avp_value->os.data + it.hdr->avp_value->os.len);
    }
  }
  error_ = DecodeError{code, it.id, std::move(value), std::string(avp_name(a)) + ": " + why};
}

void AvpReader::invalid(Avp a, std::string why, std::uint32_t code) {
  if (const Item* it = find(a)) {
    bad_value(*it, a, std::move(why), code);
  } else if (!error_) {
    error_ = DecodeError{code, avp_id(a), {}, std::string(avp_name(a)) + ": " + why};
  }
}

std::string AvpReader::str(Avp a, Need need) {
  const Item* it = find(a);
  if (!it) {
    if (need == Need::required) missing(a);
    return {};
  }
  if (!it->hdr->avp_value) {
    bad_value(*it, a, "value not understood");
    return {};
  }
  std::string s(reinterpret_cast<const char*>(it->hdr->avp_value->os.data), it->hdr->avp_value->os.len);
  const AvpType t = avp_info(a).type;
  if (t != AvpType::octet_string && !valid_utf8(s)) {
    bad_value(*it, a, "not valid UTF-8");
    return {};
  }
  if (need == Need::required && s.empty()) {
    bad_value(*it, a, "empty");
    return {};
  }
  return s;
}

std::vector<std::uint8_t> AvpReader::bytes(Avp a, Need need) {
  const Item* it = find(a);
  if (!it) {
    if (need == Need::required) missing(a);
    return {};
  }
  if (!it->hdr->avp_value) {
    bad_value(*it, a, "value not understood");
    return {};
  }
  return {it->hdr->avp_value->os.data, it->hdr->avp_value->os.data + it->hdr->avp_value->os.len};
}

std::optional<std::uint32_t> AvpReader::u32(Avp a, Need need) {
  const Item* it = find(a);
  if (!it) {
    if (need == Need::required) missing(a);
    return std::nullopt;
  }
  if (!it->hdr->avp_value) {
    bad_value(*it, a, "value not understood");
    return std::nullopt;
  }
  return it->hdr->avp_value->u32;
}

std::optional<std::int32_t> AvpReader::i32(Avp a, Need need, std::int32_t min, std::int32_t max) {
  const Item* it = find(a);
  if (!it) {
    if (need == Need::required) missing(a);
    return std::nullopt;
  }
  if (!it->hdr->avp_value) {
    bad_value(*it, a, "value not understood");
    return std::nullopt;
  }
  const std::int32_t v = it->hdr->avp_value->i32;
  if (v < min || v > max) {
    bad_value(*it, a, "value " + std::to_string(v) + " out of range");
    return std::nullopt;
  }
  return v;
}

std::vector<std::string> AvpReader::strs(Avp a) {
  std::vector<std::string> out;
  for (const Item* it : find_all(a)) {
    if (!it->hdr->avp_value) {
      bad_value(*it, a, "value not understood");
      continue;
    }
    std::string s(reinterpret_cast<const char*>(it->hdr->avp_value->os.data), it->hdr->avp_value->os.len);
    if (!valid_utf8(s) || s.empty()) {
      bad_value(*it, a, s.empty() ? "empty" : "not valid UTF-8");
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::uint32_t> AvpReader::u32s(Avp a) {
  std::vector<std::uint32_t> out;
  for (const Item* it : find_all(a))
    if (it->hdr->avp_value) out.push_back(it->hdr->avp_value->u32);
  return out;
}

std::optional<AvpReader> AvpReader::group(Avp a, Need need) {
  const Item* it = find(a);
  if (!it) {
    if (need == Need::required) missing(a);
    return std::nullopt;
  }
  return AvpReader(it->a, error_);
}

std::vector<AvpReader> AvpReader::groups(Avp a) {
  std::vector<AvpReader> out;
  for (const Item* it : find_all(a)) out.emplace_back(it->a, error_);
  return out;
}

std::optional<AvpId> AvpReader::first_id() const {
  if (items_.empty()) return std::nullopt;
  return items_.front().id;
}

}  // namespace imsbox::diameter::detail
