#include "media/amr_mode.h"

namespace imsbox::media {

namespace {

std::uint16_t all_modes(AmrKind kind) { return static_cast<std::uint16_t>((1u << (amr_max_mode(kind) + 1)) - 1); }

}  // namespace

AmrModeControl::AmrModeControl(AmrKind kind, const AmrModeRules& rules)
    : kind_(kind),
      set_(static_cast<std::uint16_t>(rules.mode_set & all_modes(kind))),
      period_(rules.mode_change_period > 1 ? rules.mode_change_period : 1),
      neighbor_(rules.mode_change_neighbor) {
  if (set_ == 0) set_ = all_modes(kind);
  std::uint8_t highest = 0;
  for (std::uint8_t m = 0; m <= amr_max_mode(kind); ++m) {
    if (allowed(m)) highest = m;
  }
  own_choice_ = rules.initial_mode && allowed(*rules.initial_mode) ? *rules.initial_mode : highest;
  target_ = own_choice_;
  current_ = own_choice_;
}

std::uint8_t AmrModeControl::closest_allowed_at_most(std::uint8_t mode) const {
  for (int m = mode; m >= 0; --m) {
    if (allowed(static_cast<std::uint8_t>(m))) return static_cast<std::uint8_t>(m);
  }
  for (std::uint8_t m = 0; m <= amr_max_mode(kind_); ++m) {
    if (allowed(m)) return m;
  }
  return own_choice_;  // unreachable: the set is never empty
}

void AmrModeControl::on_mode_request(std::uint8_t cmr) {
  if (cmr == kAmrNoModeRequest) {
    target_ = own_choice_;
  } else if (amr_is_mode(kind_, cmr)) {
    target_ = closest_allowed_at_most(cmr);
  }
}

std::uint8_t AmrModeControl::step_toward(std::uint8_t target) const {
  if (!neighbor_) return target;
  if (target > current_) {
    for (int m = current_ + 1; m <= target; ++m) {
      if (allowed(static_cast<std::uint8_t>(m))) return static_cast<std::uint8_t>(m);
    }
  } else {
    for (int m = current_ - 1; m >= target; --m) {
      if (allowed(static_cast<std::uint8_t>(m))) return static_cast<std::uint8_t>(m);
    }
  }
  return target;
}

std::uint8_t AmrModeControl::next_frame_mode() {
  if (current_ != target_ && frame_ % static_cast<unsigned>(period_) == 0) current_ = step_toward(target_);
  ++frame_;
  return current_;
}

}  // namespace imsbox::media
