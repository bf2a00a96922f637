#include "agw/announcement.h"

#include <algorithm>

namespace imsbox::agw {

namespace {
constexpr std::chrono::milliseconds kFrame{20};
}

Announcement::Announcement(std::vector<std::int16_t> pcm, const Options& options, MediaTime start,
                           std::uint32_t first_timestamp)
    : pcm_(std::move(pcm)), options_(options), start_(start), first_timestamp_(first_timestamp) {
  if (options_.frame_samples == 0) options_.frame_samples = 160;
  samples_ = pcm_.size();
  frames_per_play_ = (samples_ + options_.frame_samples - 1) / options_.frame_samples;
  pcm_.resize(frames_per_play_ * options_.frame_samples, 0);
  const std::size_t plays = static_cast<std::size_t>(std::max<std::int64_t>(options_.repeat_times, 1));
  const std::size_t skip = std::min(options_.start_frame, frames_per_play_);
  total_frames_ = frames_per_play_ * plays - skip;
  position_ = skip;
  finished_ = total_frames_ == 0;
}

std::chrono::milliseconds Announcement::duration() const {
  return std::chrono::milliseconds(frames_per_play_ * kFrame.count());
}

std::optional<AnnouncementFrame> Announcement::next(MediaTime now) {
  if (finished_ || now < start_) return std::nullopt;
  const auto elapsed = now - start_;
  // frames due by now: index_ .. due_count - 1
  const auto due_count = static_cast<std::size_t>(elapsed / kFrame) + 1;
  if (due_count <= index_) return std::nullopt;
  if (due_count - index_ > options_.max_late_frames + 1) {
    // stalled: skip what was missed, keep the clock
    const std::size_t skipped = std::min(due_count - 1 - index_, total_frames_ - index_);
    index_ += skipped;
    position_ = (position_ + skipped) % frames_per_play_;
    if (index_ >= total_frames_) {
      finished_ = true;
      return std::nullopt;
    }
  }
  AnnouncementFrame f;
  f.pcm = std::span<const std::int16_t>(pcm_).subspan(position_ * options_.frame_samples, options_.frame_samples);
  f.timestamp = first_timestamp_ + static_cast<std::uint32_t>(index_ * options_.frame_timestamp);
  f.marker = sent_ == 0;
  f.due = start_ + index_ * kFrame;
  ++index_;
  ++sent_;
  position_ = (position_ + 1) % frames_per_play_;
  if (index_ >= total_frames_) finished_ = true;
  return f;
}

}  // namespace imsbox::agw
