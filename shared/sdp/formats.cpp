#include "sdp/formats.h"

#include <algorithm>
#include <array>

#include "sdp/grammar.h"

namespace imsbox::sdp {

namespace {

using grammar::iequals;

struct StaticType {
  std::uint8_t pt;
  std::string_view encoding;
  std::uint32_t clock_rate;
  std::uint8_t channels;  // 0: not written
};

// RFC 3551 Tables 4 and 5
constexpr std::array<StaticType, 24> kStatic{{
    {0, "PCMU", 8000, 0},   {3, "GSM", 8000, 0},      {4, "G723", 8000, 0},     {5, "DVI4", 8000, 0},
    {6, "DVI4", 16000, 0},  {7, "LPC", 8000, 0},      {8, "PCMA", 8000, 0},     {9, "G722", 8000, 0},
    {10, "L16", 44100, 2},  {11, "L16", 44100, 0},    {12, "QCELP", 8000, 0},   {13, "CN", 8000, 0},
    {14, "MPA", 90000, 0},  {15, "G728", 8000, 0},    {16, "DVI4", 11025, 0},   {17, "DVI4", 22050, 0},
    {18, "G729", 8000, 0},  {25, "CelB", 90000, 0},   {26, "JPEG", 90000, 0},   {28, "nv", 90000, 0},
    {31, "H261", 90000, 0}, {32, "MPV", 90000, 0},    {33, "MP2T", 90000, 0},   {34, "H263", 90000, 0},
}};

std::size_t last_format_attribute(const MediaDescription& m) {
  std::size_t last = Attributes::npos;
  for (std::size_t i = 0; i < m.attributes.size(); ++i) {
    if (is_format_attribute(m.attributes[i])) last = i;
  }
  return last;
}

}  // namespace

std::optional<Rtpmap> static_rtpmap(std::uint8_t payload_type) {
  for (const auto& s : kStatic) {
    if (s.pt == payload_type) {
      Rtpmap r{s.pt, std::string(s.encoding), s.clock_rate, std::nullopt};
      if (s.channels != 0) r.channels = s.channels;
      return r;
    }
  }
  return std::nullopt;
}

bool is_format_attribute(const Attribute& a) {
  return iequals(a.name, "rtpmap") || iequals(a.name, "fmtp") || iequals(a.name, "rtcp-fb");
}

std::string_view format_of(const Attribute& a) {
  if (!a.value || !is_format_attribute(a)) return {};
  const std::string_view v = *a.value;
  return v.substr(0, v.find_first_of(" \t"));
}

std::optional<Rtpmap> rtpmap_for(const MediaDescription& m, std::string_view format) {
  for (const auto& a : m.attributes) {
    if (iequals(a.name, "rtpmap") && format_of(a) == format) return parse_rtpmap(*a.value);
  }
  const auto pt = grammar::parse_uint<std::uint8_t>(format, 127);
  return pt ? static_rtpmap(*pt) : std::nullopt;
}

std::optional<Fmtp> fmtp_for(const MediaDescription& m, std::string_view format) {
  for (const auto& a : m.attributes) {
    if (iequals(a.name, "fmtp") && format_of(a) == format) return parse_fmtp(*a.value);
  }
  return std::nullopt;
}

std::vector<RtcpFb> rtcp_fb_for(const MediaDescription& m, std::string_view format) {
  std::vector<RtcpFb> out;
  for (const auto& a : m.attributes) {
    if (!iequals(a.name, "rtcp-fb")) continue;
    const auto f = format_of(a);
    if (f != format && f != "*") continue;
    if (auto fb = parse_rtcp_fb(*a.value)) out.push_back(std::move(*fb));
  }
  return out;
}

std::optional<std::string> find_format(const MediaDescription& m, std::string_view encoding,
                                       std::uint32_t clock_rate) {
  for (const auto& f : m.formats) {
    const auto r = rtpmap_for(m, f);
    if (r && iequals(r->encoding, encoding) && r->clock_rate == clock_rate) return f;
  }
  return std::nullopt;
}

bool remove_format(MediaDescription& m, std::string_view format) {
  const auto before = m.formats.size();
  std::erase(m.formats, format);
  m.attributes.remove_if([&](const Attribute& a) { return format_of(a) == format && !format.empty(); });
  return m.formats.size() != before;
}

void add_format(MediaDescription& m, const Rtpmap& rtpmap, const std::optional<Fmtp>& fmtp) {
  const std::string pt = std::to_string(rtpmap.payload_type);
  remove_format(m, pt);
  m.formats.push_back(pt);
  const std::size_t last = last_format_attribute(m);
  std::size_t at = last == Attributes::npos ? m.attributes.size() : last + 1;
  m.attributes.insert(at++, to_attribute(rtpmap));
  if (fmtp) {
    Fmtp f = *fmtp;
    f.format = pt;
    m.attributes.insert(at, to_attribute(f));
  }
}

bool prefer_format(MediaDescription& m, std::string_view format) {
  const auto it = std::find(m.formats.begin(), m.formats.end(), format);
  if (it == m.formats.end()) return false;
  std::rotate(m.formats.begin(), it, it + 1);
  return true;
}

std::optional<std::uint8_t> free_dynamic_payload_type(const MediaDescription& m) {
  for (unsigned pt = 96; pt <= 127; ++pt) {
    const std::string s = std::to_string(pt);
    const bool used = std::find(m.formats.begin(), m.formats.end(), s) != m.formats.end() ||
                      std::any_of(m.attributes.begin(), m.attributes.end(),
                                  [&](const Attribute& a) { return format_of(a) == s; });
    if (!used) return static_cast<std::uint8_t>(pt);
  }
  return std::nullopt;
}

}  // namespace imsbox::sdp
