#pragma once
// AMR (3GPP TS 26.101) and AMR-WB (TS 26.201) frame types as RFC 4867 uses
// them: how many speech bits each frame type (FT) carries, which FTs a
// payload may hold, and the storage-format frame of RFC 4867 §5.3 (one header
// octet 0|FT|Q|00, then the speech bits MSB first, zero-padded to an octet),
// which is what opencore-amr and vo-amrwbenc read and write. Pure, constexpr.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace imsbox::media {

enum class AmrKind : std::uint8_t {
  nb,  // AMR, 8 kHz, "AMR/8000"
  wb,  // AMR-WB, 16 kHz, "AMR-WB/16000"
};

// Frame type indices (RFC 4867 §4.3.2, TS 26.101/26.201 Table 1a).
inline constexpr std::uint8_t kAmrNbSid = 8;
inline constexpr std::uint8_t kAmrWbSid = 9;
inline constexpr std::uint8_t kAmrWbSpeechLost = 14;  // AMR-WB only
inline constexpr std::uint8_t kAmrNoData = 15;
inline constexpr std::uint8_t kAmrNoModeRequest = 15;  // CMR=15

// Highest speech mode: 7 (12.2 kbit/s) for AMR, 8 (23.85 kbit/s) for AMR-WB.
constexpr std::uint8_t amr_max_mode(AmrKind kind) { return kind == AmrKind::nb ? 7 : 8; }
constexpr std::uint8_t amr_sid_type(AmrKind kind) { return kind == AmrKind::nb ? kAmrNbSid : kAmrWbSid; }
constexpr int amr_sample_rate(AmrKind kind) { return kind == AmrKind::nb ? 8000 : 16000; }
constexpr std::size_t amr_frame_samples(AmrKind kind) { return kind == AmrKind::nb ? 160 : 320; }

// Speech bits of a frame type; nullopt for a type a payload must not carry:
// AMR 9-14 and AMR-WB 10-13 make the whole packet discardable (RFC 4867
// §4.3.2). AMR's 9-11 (EFR SIDs of other systems) are refused with them.
constexpr std::optional<std::size_t> amr_frame_bits(AmrKind kind, std::uint8_t ft) {
  constexpr std::size_t nb[] = {95, 103, 118, 134, 148, 159, 204, 244, 39};
  constexpr std::size_t wb[] = {132, 177, 253, 285, 317, 365, 397, 461, 477, 40};
  if (ft == kAmrNoData) return 0;
  if (kind == AmrKind::nb) {
    if (ft <= kAmrNbSid) return nb[ft];
    return std::nullopt;
  }
  if (ft <= kAmrWbSid) return wb[ft];
  if (ft == kAmrWbSpeechLost) return 0;
  return std::nullopt;
}

constexpr bool amr_is_speech(AmrKind kind, std::uint8_t ft) { return ft <= amr_max_mode(kind); }

// Octets of speech data in a storage-format frame (after its header octet).
constexpr std::size_t amr_frame_octets(std::size_t bits) { return (bits + 7) / 8; }

// Largest storage-format frame: AMR-WB 23.85 (477 bits): 1 + 60 octets.
inline constexpr std::size_t kAmrMaxStorageFrame = 61;

// The header octet of a storage-format frame.
constexpr std::uint8_t amr_storage_header(std::uint8_t ft, bool quality) {
  return static_cast<std::uint8_t>(((ft & 0x0f) << 3) | (quality ? 0x04 : 0x00));
}
constexpr std::uint8_t amr_storage_ft(std::uint8_t header) { return (header >> 3) & 0x0f; }
constexpr bool amr_storage_quality(std::uint8_t header) { return (header & 0x04) != 0; }

// A mode request or mode-set entry that names a speech mode of this codec.
constexpr bool amr_is_mode(AmrKind kind, unsigned mode) { return mode <= amr_max_mode(kind); }

}  // namespace imsbox::media
