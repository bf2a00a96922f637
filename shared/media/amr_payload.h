#pragma once
// RFC 4867 RTP payload packing and unpacking for AMR and AMR-WB, single
// channel, in both modes:
//   bandwidth-efficient (§4.3): CMR(4) then per frame F(1) FT(4) Q(1), then
//     the speech bits of every frame back to back, zero-padded to an octet;
//   octet-aligned (§4.4): CMR(4) R(4), per frame F FT Q P P, then each
//     frame's speech bits zero-padded to an octet.
// Interleaving, CRCs and robust sorting (octet-aligned options) are not
// supported: the codec factory refuses an fmtp that asks for them.
//
// Frames go in and come out as storage-format frames (amr_frame.h), what
// opencore-amr and vo-amrwbenc read and write. Pure functions: no I/O, no
// allocation, nothing kept between calls; safe on any thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "media/amr_frame.h"

namespace imsbox::media {

enum class AmrPacking : std::uint8_t { bandwidth_efficient, octet_aligned };

enum class AmrPayloadError : std::uint8_t {
  none,
  empty,                // no octets at all
  truncated,            // the ToC or a frame runs past the end
  reserved_frame_type,  // an FT the payload must not carry: discard the packet (§4.3.2)
  too_many_frames,      // more ToC entries than kAmrMaxFramesPerPacket
  trailing_data,        // octets left after the last frame (a mode mismatch, usually)
  bad_storage_frame,    // pack: a storage frame shorter than its FT needs
  buffer_too_small,     // pack: the output does not hold the payload
};
std::string_view to_string(AmrPayloadError e);

// 16 frames = 320 ms, more than any maxptime seen in IMS (the default is 200).
inline constexpr std::size_t kAmrMaxFramesPerPacket = 16;

// One frame of a received payload, as a storage-format frame.
struct AmrStorageFrame {
  std::array<std::uint8_t, kAmrMaxStorageFrame> bytes{};
  std::uint8_t size = 0;  // header octet + speech octets

  std::uint8_t frame_type() const { return amr_storage_ft(bytes[0]); }
  bool quality() const { return amr_storage_quality(bytes[0]); }
  std::span<const std::uint8_t> storage() const { return {bytes.data(), size}; }
};

// A received payload, unpacked. Fixed size (about 1 KiB): keep one per stream
// or on the stack, no allocation per packet.
struct AmrPacket {
  std::uint8_t cmr = kAmrNoModeRequest;  // as received (values that name no mode included)
  std::size_t frame_count = 0;
  std::array<AmrStorageFrame, kAmrMaxFramesPerPacket> frames;

  std::span<const AmrStorageFrame> frame_span() const { return {frames.data(), frame_count}; }
};

// Unpacks `payload` into `out`. On an error `out` is unspecified and the
// packet should be dropped (counted, not decoded).
AmrPayloadError unpack_amr_payload(AmrKind kind, AmrPacking packing, std::span<const std::uint8_t> payload,
                                   AmrPacket& out);

// Counts the frames of a payload without copying them (for its duration);
// 0 when the payload does not unpack.
std::size_t count_amr_frames(AmrKind kind, AmrPacking packing, std::span<const std::uint8_t> payload);

struct AmrPackResult {
  std::size_t size = 0;  // octets written to `out`
  AmrPayloadError error = AmrPayloadError::none;
};

// Packs storage-format frames (each at least its header octet and the speech
// octets its FT needs; octets past those are ignored) behind the mode request
// `cmr` (0..15; 15 = none). Speech bits past a frame's bit count (padding)
// are not copied, padding in the payload is zero.
AmrPackResult pack_amr_payload(AmrKind kind, AmrPacking packing, std::uint8_t cmr,
                               std::span<const std::span<const std::uint8_t>> storage_frames,
                               std::span<std::uint8_t> out);

// The payload size of `frames` frames of type `ft` (no error checking of ft
// beyond amr_frame_bits); for sizing buffers and for tests.
std::size_t amr_payload_size(AmrKind kind, AmrPacking packing, std::span<const std::uint8_t> frame_types);

}  // namespace imsbox::media
