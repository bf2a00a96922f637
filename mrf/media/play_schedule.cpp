#include "mrf/media/play_schedule.h"

#include <algorithm>

#include "media/frame_codec.h"

namespace imsbox::mrf::media {

namespace {

std::uint64_t frames_for(std::uint64_t samples, std::size_t frame_samples) {
  return (samples + frame_samples - 1) / frame_samples;
}

std::uint64_t samples_for(std::chrono::milliseconds d, int rate) {
  return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count()) * static_cast<std::uint64_t>(rate) / 1000;
}

}  // namespace

PlaySchedule::PlaySchedule(PlayRequest request, std::size_t frame_samples, int pcm_rate)
    : request_(std::move(request)), frame_samples_(std::max<std::size_t>(frame_samples, 1)) {
  play_frames_ = frames_for(request_.pcm.size(), frame_samples_);
  gap_frames_ = frames_for(samples_for(request_.delay, pcm_rate), frame_samples_);
  const std::uint64_t cycle = play_frames_ + gap_frames_;
  if (request_.repeat <= 0) {
    // without end: only a duration stops it; nothing to send at all is done at once
    endless_ = cycle != 0;
  } else {
    total_ = static_cast<std::uint64_t>(request_.repeat) * play_frames_ +
             static_cast<std::uint64_t>(request_.repeat - 1) * gap_frames_;
  }
  if (request_.duration) {
    const std::uint64_t cap = frames_for(samples_for(*request_.duration, pcm_rate), frame_samples_);
    if (endless_ || cap < total_) total_ = cap;
    endless_ = false;
  }
}

std::optional<PlaySchedule::Slot> PlaySchedule::next_slot() {
  if (done()) return std::nullopt;
  const std::uint64_t cycle = play_frames_ + gap_frames_;
  const std::uint64_t pos = cycle == 0 ? 0 : next_ % cycle;
  ++next_;
  if (pos < play_frames_) return Slot{false, pos};
  return Slot{true, 0};
}

bool PlaySchedule::next_frame(std::span<std::int16_t> out) {
  const auto slot = next_slot();
  if (!slot) return false;
  const auto n = std::min(out.size(), frame_samples_);
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), std::int16_t{0});
  if (!slot->silence) {
    const std::size_t from = static_cast<std::size_t>(slot->index) * frame_samples_;
    if (from < request_.pcm.size()) {
      const std::size_t count = std::min(n, request_.pcm.size() - from);
      std::copy_n(request_.pcm.begin() + static_cast<std::ptrdiff_t>(from), count, out.begin());
    }
  }
  return true;
}

}  // namespace imsbox::mrf::media
