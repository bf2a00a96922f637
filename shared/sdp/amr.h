#pragma once
// The fmtp parameters of AMR and AMR-WB (RFC 4867 §8.1, TS 26.114 §6.2.2):
// what the AGW needs to pack frames the way the phone expects
// (bandwidth-efficient or octet-aligned) and to obey its mode-set.
//
//   a=rtpmap:97 AMR-WB/16000/1
//   a=fmtp:97 mode-set=0,2,5,7; octet-align=1; mode-change-capability=2; max-red=220
#include <cstdint>
#include <optional>
#include <vector>

#include "sdp/attributes.h"

namespace imsbox::sdp {

enum class AmrKind { amr, amr_wb };

// encoding "AMR" or "AMR-WB" (case-insensitive); nullopt for other codecs
std::optional<AmrKind> amr_kind(const Rtpmap& rtpmap);

struct AmrParameters {
  bool octet_align = false;                          // absent = bandwidth-efficient
  std::optional<std::vector<std::uint8_t>> mode_set; // absent = every mode (AMR 0..7, AMR-WB 0..8)
  std::uint32_t mode_change_period = 1;
  bool mode_change_neighbor = false;
  std::uint32_t mode_change_capability = 1;
  std::optional<std::uint32_t> max_red;              // ms
  bool crc = false;
  bool robust_sorting = false;
  std::optional<std::uint32_t> interleaving;         // frame-blocks per interleaving group

  // crc, robust-sorting and interleaving imply the octet-aligned format (RFC 4867 §8.1)
  bool octet_aligned() const { return octet_align || crc || robust_sorting || interleaving.has_value(); }
  bool operator==(const AmrParameters&) const = default;
};

// nullopt when a parameter RFC 4867 defines has a value outside its range
// (octet-align=2, mode-set=9 for AMR, ...); parameters it does not define
// (max-red is TS 26.114's) are ignored or read as noted above.
std::optional<AmrParameters> parse_amr_parameters(const Fmtp& fmtp, AmrKind kind);
// the parameters of a format with no fmtp line: all defaults
inline AmrParameters default_amr_parameters() { return {}; }

}  // namespace imsbox::sdp
