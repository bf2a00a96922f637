#pragma once
// The formats of a media section (RTP payload types) with their rtpmap, fmtp
// and rtcp-fb attributes, as one unit: read a codec, add one, drop one.
// What the AGW does when it rewrites an offer for the other leg.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/attributes.h"
#include "sdp/session_description.h"

namespace imsbox::sdp {

// The static payload types of RFC 3551 §6 (0 PCMU/8000, 8 PCMA/8000,
// 9 G722/8000, 18 G729/8000, ...); nullopt for dynamic or unassigned ones.
std::optional<Rtpmap> static_rtpmap(std::uint8_t payload_type);

// The format an rtpmap, fmtp or rtcp-fb attribute is about (its value's
// first field); empty for other attributes.
std::string_view format_of(const Attribute& a);
// whether the attribute belongs to a format (rtpmap, fmtp, rtcp-fb)
bool is_format_attribute(const Attribute& a);

// The rtpmap of `format`: its a=rtpmap line, else RFC 3551's for a static
// payload type, else nullopt (also for a malformed rtpmap line).
std::optional<Rtpmap> rtpmap_for(const MediaDescription& m, std::string_view format);
// the format's first a=fmtp line, parsed
std::optional<Fmtp> fmtp_for(const MediaDescription& m, std::string_view format);
// the format's rtcp-fb lines (and the "*" ones, which apply to every format)
std::vector<RtcpFb> rtcp_fb_for(const MediaDescription& m, std::string_view format);

// The first format (m= line order: the sender's preference) whose rtpmap has
// this encoding (case-insensitive) and clock rate; nullopt if none.
std::optional<std::string> find_format(const MediaDescription& m, std::string_view encoding,
                                       std::uint32_t clock_rate);

// Removes `format` from the m= line with its rtpmap, fmtp and rtcp-fb
// attributes; returns whether the m= line had it. The m= line may be left
// with no format, which write() writes and parse() refuses: a caller that
// removes the last one must give the section another or port 0 and a format.
bool remove_format(MediaDescription& m, std::string_view format);

// Keeps only the formats `keep(format)` holds for (in their order), removing
// the others as remove_format() does; returns how many went.
template <typename Keep>
std::size_t retain_formats(MediaDescription& m, Keep keep) {
  std::vector<std::string> drop;
  for (const auto& f : m.formats) {
    if (!keep(std::string_view(f))) drop.push_back(f);
  }
  for (const auto& f : drop) remove_format(m, f);
  return drop.size();
}

// Appends a format to the m= line with its rtpmap (and fmtp) attributes,
// placed after the section's last rtpmap/fmtp/rtcp-fb attribute (at the end
// when there is none). Replaces a format of the same payload type.
void add_format(MediaDescription& m, const Rtpmap& rtpmap, const std::optional<Fmtp>& fmtp = std::nullopt);

// Moves `format` to the front of the m= line (the preferred one); false if absent.
bool prefer_format(MediaDescription& m, std::string_view format);

// The lowest dynamic payload type (96..127) the section does not use yet.
std::optional<std::uint8_t> free_dynamic_payload_type(const MediaDescription& m);

}  // namespace imsbox::sdp
