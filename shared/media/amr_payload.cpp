#include "media/amr_payload.h"

#include <algorithm>
#include <cstring>

namespace imsbox::media {

namespace {

// Reads bits MSB first from a byte span.
class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t remaining() const { return bytes_.size() * 8 - pos_; }

  // n <= 8; caller checks remaining()
  std::uint8_t read(unsigned n) {
    unsigned v = 0;
    for (unsigned i = 0; i < n; ++i) {
      v = (v << 1) | ((bytes_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
      ++pos_;
    }
    return static_cast<std::uint8_t>(v);
  }

  // Copies `bits` bits into `out` MSB first, zero-padding the last octet.
  void read_into(std::size_t bits, std::uint8_t* out) {
    const std::size_t octets = amr_frame_octets(bits);
    if (pos_ % 8 == 0) {
      std::memcpy(out, bytes_.data() + pos_ / 8, octets);
    } else {
      const unsigned shift = pos_ % 8;
      const std::size_t first = pos_ / 8;
      for (std::size_t i = 0; i < octets; ++i) {
        const unsigned hi = bytes_[first + i];
        // the last octet of a frame may end exactly at the end of the payload
        const unsigned lo = first + i + 1 < bytes_.size() ? bytes_[first + i + 1] : 0u;
        out[i] = static_cast<std::uint8_t>((hi << shift) | (lo >> (8 - shift)));
      }
    }
    if (bits % 8 != 0) out[octets - 1] &= static_cast<std::uint8_t>(0xff << (8 - bits % 8));
    pos_ += bits;
  }

  void skip_to_octet() { pos_ = (pos_ + 7) / 8 * 8; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// Writes bits MSB first into a zeroed byte span (the caller checks the size).
class BitWriter {
 public:
  explicit BitWriter(std::uint8_t* out) : out_(out) {}

  void write(unsigned value, unsigned n) {
    for (unsigned i = n; i-- > 0;) put((value >> i) & 1u);
  }

  void write_bits(const std::uint8_t* in, std::size_t bits) {
    if (pos_ % 8 == 0) {
      const std::size_t whole = bits / 8;
      std::memcpy(out_ + pos_ / 8, in, whole);
      pos_ += whole * 8;
      for (std::size_t b = whole * 8; b < bits; ++b) put((in[b / 8] >> (7 - b % 8)) & 1u);
      return;
    }
    for (std::size_t b = 0; b < bits; ++b) put((in[b / 8] >> (7 - b % 8)) & 1u);
  }

  void pad_to_octet() { pos_ = (pos_ + 7) / 8 * 8; }
  std::size_t octets() const { return (pos_ + 7) / 8; }

 private:
  void put(unsigned bit) {
    if (bit) out_[pos_ / 8] |= static_cast<std::uint8_t>(0x80u >> (pos_ % 8));
    ++pos_;
  }

  std::uint8_t* out_;
  std::size_t pos_ = 0;
};

struct Toc {
  std::uint8_t ft;
  bool q;
};

// Reads the CMR and the table of contents; leaves the reader at the first
// speech bit. Fills `tocs`, returns the frame count or sets `error`.
std::size_t read_header(AmrKind kind, AmrPacking packing, BitReader& r, std::uint8_t& cmr,
                        std::array<Toc, kAmrMaxFramesPerPacket>& tocs, AmrPayloadError& error) {
  const bool oa = packing == AmrPacking::octet_aligned;
  if (r.remaining() == 0) {
    error = AmrPayloadError::empty;
    return 0;
  }
  if (r.remaining() < (oa ? 8u : 4u)) {
    error = AmrPayloadError::truncated;
    return 0;
  }
  cmr = r.read(4);
  if (oa) r.read(4);  // R: reserved, ignored on receipt
  std::size_t n = 0;
  for (bool more = true; more;) {
    if (r.remaining() < (oa ? 8u : 6u)) {
      error = AmrPayloadError::truncated;
      return 0;
    }
    if (n == kAmrMaxFramesPerPacket) {
      error = AmrPayloadError::too_many_frames;
      return 0;
    }
    more = r.read(1) != 0;
    const std::uint8_t ft = r.read(4);
    const bool q = r.read(1) != 0;
    if (oa) r.read(2);  // P: padding
    if (!amr_frame_bits(kind, ft)) {
      error = AmrPayloadError::reserved_frame_type;
      return 0;
    }
    tocs[n++] = Toc{ft, q};
  }
  return n;
}

// Checks that the speech data of the ToC fits the payload exactly (up to the
// final octet's padding).
AmrPayloadError check_body(AmrKind kind, AmrPacking packing, const BitReader& r,
                           std::span<const Toc> tocs) {
  std::size_t need = 0;
  for (const Toc& t : tocs) {
    const std::size_t bits = *amr_frame_bits(kind, t.ft);
    need += packing == AmrPacking::octet_aligned ? amr_frame_octets(bits) * 8 : bits;
  }
  const std::size_t have = r.remaining();
  if (have < need) return AmrPayloadError::truncated;
  if (have - need >= 8) return AmrPayloadError::trailing_data;
  return AmrPayloadError::none;
}

}  // namespace

std::string_view to_string(AmrPayloadError e) {
  switch (e) {
    case AmrPayloadError::none: return "ok";
    case AmrPayloadError::empty: return "empty payload";
    case AmrPayloadError::truncated: return "truncated payload";
    case AmrPayloadError::reserved_frame_type: return "reserved frame type";
    case AmrPayloadError::too_many_frames: return "too many frames";
    case AmrPayloadError::trailing_data: return "data after the last frame";
    case AmrPayloadError::bad_storage_frame: return "storage frame too short for its frame type";
    case AmrPayloadError::buffer_too_small: return "output buffer too small";
  }
  return "?";
}

AmrPayloadError unpack_amr_payload(AmrKind kind, AmrPacking packing, std::span<const std::uint8_t> payload,
                                   AmrPacket& out) {
  BitReader r(payload);
  std::array<Toc, kAmrMaxFramesPerPacket> tocs;
  AmrPayloadError error = AmrPayloadError::none;
  const std::size_t n = read_header(kind, packing, r, out.cmr, tocs, error);
  if (error != AmrPayloadError::none) return error;
  const std::span<const Toc> toc_span(tocs.data(), n);
  if (const auto e = check_body(kind, packing, r, toc_span); e != AmrPayloadError::none) return e;
  for (std::size_t i = 0; i < n; ++i) {
    AmrStorageFrame& f = out.frames[i];
    const std::size_t bits = *amr_frame_bits(kind, tocs[i].ft);
    f.bytes[0] = amr_storage_header(tocs[i].ft, tocs[i].q);
    f.size = static_cast<std::uint8_t>(1 + amr_frame_octets(bits));
    if (bits > 0) r.read_into(bits, f.bytes.data() + 1);
    if (packing == AmrPacking::octet_aligned) r.skip_to_octet();
  }
  out.frame_count = n;
  return AmrPayloadError::none;
}

std::size_t count_amr_frames(AmrKind kind, AmrPacking packing, std::span<const std::uint8_t> payload) {
  BitReader r(payload);
  std::array<Toc, kAmrMaxFramesPerPacket> tocs;
  std::uint8_t cmr = 0;
  AmrPayloadError error = AmrPayloadError::none;
  const std::size_t n = read_header(kind, packing, r, cmr, tocs, error);
  if (error != AmrPayloadError::none) return 0;
  if (check_body(kind, packing, r, std::span<const Toc>(tocs.data(), n)) != AmrPayloadError::none) return 0;
  return n;
}

std::size_t amr_payload_size(AmrKind kind, AmrPacking packing, std::span<const std::uint8_t> frame_types) {
  std::size_t bits = 0;
  for (const std::uint8_t ft : frame_types) {
    const std::size_t b = amr_frame_bits(kind, ft).value_or(0);
    bits += packing == AmrPacking::octet_aligned ? 8 + amr_frame_octets(b) * 8 : 6 + b;
  }
  bits += packing == AmrPacking::octet_aligned ? 8 : 4;
  return (bits + 7) / 8;
}

AmrPackResult pack_amr_payload(AmrKind kind, AmrPacking packing, std::uint8_t cmr,
                               std::span<const std::span<const std::uint8_t>> storage_frames,
                               std::span<std::uint8_t> out) {
  const std::size_t n = storage_frames.size();
  if (n == 0) return {0, AmrPayloadError::empty};
  if (n > kAmrMaxFramesPerPacket) return {0, AmrPayloadError::too_many_frames};
  std::array<std::uint8_t, kAmrMaxFramesPerPacket> fts{};
  for (std::size_t i = 0; i < n; ++i) {
    const auto& f = storage_frames[i];
    if (f.empty()) return {0, AmrPayloadError::bad_storage_frame};
    const std::uint8_t ft = amr_storage_ft(f[0]);
    const auto bits = amr_frame_bits(kind, ft);
    if (!bits) return {0, AmrPayloadError::reserved_frame_type};
    if (f.size() < 1 + amr_frame_octets(*bits)) return {0, AmrPayloadError::bad_storage_frame};
    fts[i] = ft;
  }
  const std::size_t size = amr_payload_size(kind, packing, std::span<const std::uint8_t>(fts.data(), n));
  if (out.size() < size) return {0, AmrPayloadError::buffer_too_small};
  std::fill_n(out.begin(), size, std::uint8_t{0});

  const bool oa = packing == AmrPacking::octet_aligned;
  BitWriter w(out.data());
  w.write(cmr & 0x0f, 4);
  if (oa) w.write(0, 4);
  for (std::size_t i = 0; i < n; ++i) {
    w.write(i + 1 < n ? 1 : 0, 1);  // F
    w.write(fts[i], 4);
    w.write(amr_storage_quality(storage_frames[i][0]) ? 1 : 0, 1);
    if (oa) w.write(0, 2);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t bits = *amr_frame_bits(kind, fts[i]);
    w.write_bits(storage_frames[i].data() + 1, bits);
    if (oa) w.pad_to_octet();
  }
  return {size, AmrPayloadError::none};
}

}  // namespace imsbox::media
