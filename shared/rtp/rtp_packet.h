#pragma once
// RTP data packets (RFC 3550 §5.1): parse into a view, rewrite the header in
// place, build into a caller's buffer.
//
// Pure functions of bytes: no I/O, no allocation, no exceptions, nothing kept
// between calls; safe on any thread. An RtpPacket is a view into the bytes
// it was parsed from and is valid exactly as long as they are.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtp/bytes.h"

namespace imsbox::rtp {

inline constexpr std::size_t rtp_fixed_header_size = 12;
inline constexpr std::uint8_t rtp_version = 2;

enum class RtpError : std::uint8_t {
  none,
  too_short,      // under 12 octets, or the CSRC list or extension header does not fit
  bad_version,    // V is not 2
  bad_extension,  // the header extension's length runs past the packet
  bad_padding,    // P set, but the padding count is 0 or larger than what follows the header
};
std::string_view to_string(RtpError error);

// The header extension of RFC 3550 §5.3.1. RFC 8285 gives `profile` its
// meaning: 0xBEDE one-byte elements, 0x100X two-byte elements (see
// header_extension.h); anything else is opaque.
struct RtpHeaderExtension {
  std::uint16_t profile = 0;
  Bytes data;  // the extension's words, after its 4-octet header (length * 4 octets)
};

class RtpPacket {
 public:
  RtpPacket() = default;

  Bytes bytes() const { return bytes_; }  // the whole packet, padding included
  std::uint8_t version() const { return bytes_[0] >> 6; }
  bool has_padding() const { return (bytes_[0] & 0x20) != 0; }
  bool has_extension() const { return (bytes_[0] & 0x10) != 0; }
  std::uint8_t csrc_count() const { return bytes_[0] & 0x0f; }
  bool marker() const { return (bytes_[1] & 0x80) != 0; }
  std::uint8_t payload_type() const { return bytes_[1] & 0x7f; }
  std::uint16_t sequence() const { return load16(bytes_.data() + 2); }
  std::uint32_t timestamp() const { return load32(bytes_.data() + 4); }
  std::uint32_t ssrc() const { return load32(bytes_.data() + 8); }
  // i < csrc_count()
  std::uint32_t csrc(std::size_t i) const { return load32(bytes_.data() + rtp_fixed_header_size + 4 * i); }
  std::optional<RtpHeaderExtension> extension() const;

  std::size_t header_size() const { return header_size_; }  // fixed header, CSRCs and extension
  std::size_t padding_size() const { return padding_size_; }
  Bytes payload() const { return bytes_.subspan(header_size_, payload_size_); }  // padding removed

 private:
  friend struct RtpParser;
  Bytes bytes_;
  std::uint32_t header_size_ = 0;
  std::uint32_t payload_size_ = 0;
  std::uint8_t padding_size_ = 0;
};

struct RtpParseResult {
  RtpPacket packet;  // meaningful only when error == none
  RtpError error = RtpError::none;
  explicit operator bool() const { return error == RtpError::none; }
};

// Validates the framing of RFC 3550 §5.1 (version, CSRC count, extension
// length, padding) and returns a view. The payload type is not judged:
// whether 64-95 means RTCP is the demultiplexer's call (demux.h).
RtpParseResult parse_rtp(Bytes bytes) noexcept;

// ---- In-place rewrite -------------------------------------------------------
// `packet` holds a packet parse_rtp accepted (at least the fixed header).

inline void set_marker(MutableBytes packet, bool marker) {
  packet[1] = static_cast<std::uint8_t>((packet[1] & 0x7f) | (marker ? 0x80 : 0));
}
inline void set_payload_type(MutableBytes packet, std::uint8_t payload_type) {  // 0-127; keeps the marker
  packet[1] = static_cast<std::uint8_t>((packet[1] & 0x80) | (payload_type & 0x7f));
}
inline void set_sequence(MutableBytes packet, std::uint16_t sequence) { store16(packet.data() + 2, sequence); }
inline void set_timestamp(MutableBytes packet, std::uint32_t timestamp) { store32(packet.data() + 4, timestamp); }
inline void set_ssrc(MutableBytes packet, std::uint32_t ssrc) { store32(packet.data() + 8, ssrc); }

// Payload type numbers of one leg -> those of the other (the two SDPs may
// number one codec differently). Unmapped numbers are dropped.
class PayloadTypeMap {
 public:
  PayloadTypeMap() { to_.fill(unmapped); }
  static PayloadTypeMap identity();
  void set(std::uint8_t from, std::uint8_t to) { to_[from & 0x7f] = static_cast<std::uint8_t>(to & 0x7f); }
  void clear(std::uint8_t from) { to_[from & 0x7f] = unmapped; }
  std::optional<std::uint8_t> map(std::uint8_t from) const {
    const std::uint8_t to = to_[from & 0x7f];
    return to == unmapped ? std::nullopt : std::optional<std::uint8_t>(to);
  }

 private:
  static constexpr std::uint8_t unmapped = 0xff;
  std::array<std::uint8_t, 128> to_{};
};

// What a relay changes in each packet between two legs: payload type
// numbers, the SSRC (one of its own per outgoing stream, so a new source
// upstream - a re-INVITE, another early-media fork - need not show), and
// offsets on sequence number and timestamp (modulo 2^16 and 2^32) that keep
// the outgoing stream continuous across such a change.
struct RtpRewrite {
  PayloadTypeMap payload_types = PayloadTypeMap::identity();
  std::optional<std::uint32_t> ssrc;  // nullopt: keep the sender's
  std::uint16_t sequence_offset = 0;
  std::uint32_t timestamp_offset = 0;

  // Rewrites the header in place. False, and the packet untouched, when its
  // payload type has no mapping (the caller drops it).
  bool apply(MutableBytes packet) const;
};

// ---- Building ---------------------------------------------------------------

struct RtpHeaderFields {
  bool marker = false;
  std::uint8_t payload_type = 0;  // 0-127
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::span<const std::uint32_t> csrcs;          // at most 15
  std::optional<RtpHeaderExtension> extension;  // data: a multiple of 4 octets
};

// Writes header, payload and `padding` octets of padding (0: none; else P is
// set and the last octet holds the count) into `out`. `payload` may already
// sit inside `out` (an encoder writing at out[header size]): it is moved, not
// copied. Returns the packet's size, or 0 when the fields cannot be encoded
// or `out` is too small.
std::size_t build_rtp(MutableBytes out, const RtpHeaderFields& fields, Bytes payload, std::uint8_t padding = 0) noexcept;

// The header size build_rtp will use for these fields (where to encode a payload in place).
std::size_t rtp_header_size(const RtpHeaderFields& fields) noexcept;

}  // namespace imsbox::rtp
