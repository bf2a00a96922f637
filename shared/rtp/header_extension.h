#pragma once
// The elements of an RTP header extension (RFC 8285): one-byte form (profile
// 0xBEDE: 4-bit ID, 1-16 octets) and two-byte form (profile 0x100X: 8-bit
// ID, 0-255 octets). Reading yields views into the packet; writing goes into
// a caller's buffer. Which ID means what is negotiated in SDP (a=extmap) and
// is the caller's business.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/bytes.h"
#include "rtp/rtp_packet.h"

namespace imsbox::rtp {

inline constexpr std::uint16_t one_byte_extension_profile = 0xBEDE;
inline constexpr std::uint16_t two_byte_extension_profile = 0x1000;  // low 4 bits: "appbits"

enum class ExtensionForm : std::uint8_t { one_byte, two_byte, other };
ExtensionForm extension_form(std::uint16_t profile);

struct HeaderExtensionElement {
  std::uint8_t id = 0;
  Bytes data;
};

// Walks the elements in order, skipping padding octets. In the one-byte form
// ID 15 ends the walk (RFC 8285 §4.2). An element running past the end
// stops the walk and sets malformed(). Other profiles yield no element.
class HeaderExtensionReader {
 public:
  explicit HeaderExtensionReader(const RtpHeaderExtension& extension)
      : data_(extension.data), form_(extension_form(extension.profile)) {}

  bool next(HeaderExtensionElement& element);
  bool malformed() const { return malformed_; }

 private:
  Bytes data_;
  std::size_t at_ = 0;
  ExtensionForm form_;
  bool malformed_ = false;
};

// The first element with this ID, if any.
std::optional<Bytes> find_header_extension_element(const RtpHeaderExtension& extension, std::uint8_t id);

// Writes elements into `buffer` (which must outlive the result of finish()).
class HeaderExtensionWriter {
 public:
  HeaderExtensionWriter(MutableBytes buffer, ExtensionForm form) : buffer_(buffer), form_(form) {}

  // False, and nothing written, when the ID or length cannot be encoded in
  // this form (one-byte: ID 1-14, 1-16 octets; two-byte: ID 1-255, 0-255
  // octets) or the buffer is full.
  bool add(std::uint8_t id, Bytes data);
  // Zero-pads to a 32-bit boundary; nullopt when the padding does not fit.
  std::optional<RtpHeaderExtension> finish();

 private:
  MutableBytes buffer_;
  ExtensionForm form_;
  std::size_t at_ = 0;
};

}  // namespace imsbox::rtp
