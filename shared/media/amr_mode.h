#pragma once
// Which AMR/AMR-WB mode our encoder sends: the negotiated mode-set, the
// peer's codec mode request (CMR, RFC 4867 §4.3.1) and the fmtp rules on
// how modes may change (mode-change-period, mode-change-neighbor, §8.1).
// Pure; one per encoder.
//
// A CMR naming a mode outside the mode-set gets the closest lower mode of
// the set, or the lowest of the set when none is lower (3GPP TS 26.114
// §7.5.2.1.6 does the same). CMR=15 withdraws the request: we go back to our
// own choice, the highest mode of the set (or the configured initial one).
// Values that name no mode (AMR 8-14, AMR-WB 9-14) are ignored.
#include <cstdint>
#include <optional>

#include "media/amr_frame.h"

namespace imsbox::media {

struct AmrModeRules {
  std::uint16_t mode_set = 0;        // bit m allows mode m; 0 = every mode
  int mode_change_period = 1;        // changes only every N frames (1 or 2)
  bool mode_change_neighbor = false; // change only to a neighbouring mode of the set
  std::optional<std::uint8_t> initial_mode;  // our own choice; default the highest allowed
};

class AmrModeControl {
 public:
  AmrModeControl(AmrKind kind, const AmrModeRules& rules);

  // A CMR received from the peer (any 4-bit value).
  void on_mode_request(std::uint8_t cmr);

  // The mode of the next frame to encode; call once per frame.
  std::uint8_t next_frame_mode();

  std::uint8_t current_mode() const { return current_; }
  std::uint8_t target_mode() const { return target_; }
  std::uint16_t mode_set() const { return set_; }
  bool allowed(std::uint8_t mode) const { return mode < 16 && ((set_ >> mode) & 1u) != 0; }

 private:
  std::uint8_t closest_allowed_at_most(std::uint8_t mode) const;
  std::uint8_t step_toward(std::uint8_t target) const;

  AmrKind kind_;
  std::uint16_t set_;
  int period_;
  bool neighbor_;
  std::uint8_t own_choice_;
  std::uint8_t target_;
  std::uint8_t current_;
  unsigned frame_ = 0;
};

}  // namespace imsbox::media
