#include "rtp/rtp_packet.h"

#include <cstring>

namespace imsbox::rtp {

std::string_view to_string(RtpError error) {
  switch (error) {
    case RtpError::none: return "none";
    case RtpError::too_short: return "too short for its header";
    case RtpError::bad_version: return "version is not 2";
    case RtpError::bad_extension: return "header extension longer than the packet";
    case RtpError::bad_padding: return "bad padding count";
  }
  return "unknown";
}

// The one place that fills an RtpPacket's private fields.
struct RtpParser {
  static RtpParseResult parse(Bytes bytes) noexcept {
    RtpParseResult r;
    const std::size_t size = bytes.size();
    if (size < rtp_fixed_header_size) {
      r.error = RtpError::too_short;
      return r;
    }
    const std::uint8_t* p = bytes.data();
    if ((p[0] >> 6) != rtp_version) {
      r.error = RtpError::bad_version;
      return r;
    }
    std::size_t header = rtp_fixed_header_size + 4u * (p[0] & 0x0f);
    if (size < header) {
      r.error = RtpError::too_short;
      return r;
    }
    if ((p[0] & 0x10) != 0) {
      if (size < header + 4) {
        r.error = RtpError::too_short;
        return r;
      }
      const std::size_t words = load16(p + header + 2);
      if (size - header - 4 < 4 * words) {
        r.error = RtpError::bad_extension;
        return r;
      }
      header += 4 + 4 * words;
    }
    std::size_t padding = 0;
    if ((p[0] & 0x20) != 0) {
      padding = size > header ? p[size - 1] : 0;
      if (padding == 0 || padding > size - header) {
        r.error = RtpError::bad_padding;
        return r;
      }
    }
    r.packet.bytes_ = bytes;
    r.packet.header_size_ = static_cast<std::uint32_t>(header);
    r.packet.payload_size_ = static_cast<std::uint32_t>(size - header - padding);
    r.packet.padding_size_ = static_cast<std::uint8_t>(padding);
    return r;
  }
};

RtpParseResult parse_rtp(Bytes bytes) noexcept { return RtpParser::parse(bytes); }

std::optional<RtpHeaderExtension> RtpPacket::extension() const {
  if (!has_extension()) return std::nullopt;
  const std::size_t at = rtp_fixed_header_size + 4u * csrc_count();
  const std::uint8_t* p = bytes_.data() + at;
  return RtpHeaderExtension{load16(p), bytes_.subspan(at + 4, 4u * load16(p + 2))};
}

PayloadTypeMap PayloadTypeMap::identity() {
  PayloadTypeMap m;
  for (std::uint8_t pt = 0; pt < 128; ++pt) m.set(pt, pt);
  return m;
}

bool RtpRewrite::apply(MutableBytes packet) const {
  const auto pt = payload_types.map(packet[1] & 0x7f);
  if (!pt) return false;
  set_payload_type(packet, *pt);
  if (ssrc) set_ssrc(packet, *ssrc);
  if (sequence_offset != 0) set_sequence(packet, static_cast<std::uint16_t>(load16(packet.data() + 2) + sequence_offset));
  if (timestamp_offset != 0) set_timestamp(packet, load32(packet.data() + 4) + timestamp_offset);
  return true;
}

std::size_t rtp_header_size(const RtpHeaderFields& f) noexcept {
  return rtp_fixed_header_size + 4 * f.csrcs.size() + (f.extension ? 4 + f.extension->data.size() : 0);
}

std::size_t build_rtp(MutableBytes out, const RtpHeaderFields& f, Bytes payload, std::uint8_t padding) noexcept {
  if (f.csrcs.size() > 15 || f.payload_type > 127) return 0;
  if (f.extension && (f.extension->data.size() % 4 != 0 || f.extension->data.size() / 4 > 0xffff)) return 0;
  const std::size_t header = rtp_header_size(f);
  const std::size_t total = header + payload.size() + padding;
  if (out.size() < total) return 0;
  std::uint8_t* p = out.data();
  // the payload first: it may sit where the header goes (memmove handles the overlap)
  if (!payload.empty() && p + header != payload.data()) std::memmove(p + header, payload.data(), payload.size());
  p[0] = static_cast<std::uint8_t>((rtp_version << 6) | (padding != 0 ? 0x20 : 0) | (f.extension ? 0x10 : 0) |
                                   f.csrcs.size());
  p[1] = static_cast<std::uint8_t>((f.marker ? 0x80 : 0) | f.payload_type);
  store16(p + 2, f.sequence);
  store32(p + 4, f.timestamp);
  store32(p + 8, f.ssrc);
  std::size_t at = rtp_fixed_header_size;
  for (const std::uint32_t csrc : f.csrcs) {
    store32(p + at, csrc);
    at += 4;
  }
  if (f.extension) {
    store16(p + at, f.extension->profile);
    store16(p + at + 2, static_cast<std::uint16_t>(f.extension->data.size() / 4));
    if (!f.extension->data.empty()) std::memmove(p + at + 4, f.extension->data.data(), f.extension->data.size());
  }
  if (padding != 0) {
    std::memset(p + header + payload.size(), 0, padding - 1u);
    p[total - 1] = padding;
  }
  return total;
}

}  // namespace imsbox::rtp
