#pragma once
// What a PlayRequest (media_session.h) sends, frame by frame: the PCM cut
// into 20 ms frames (the last one filled up with silence), `repeat` times
// (0: without end), `delay` of silence between two plays, the whole capped
// at `duration` (RFC 4240 §3.2: repeat, delay, duration). Pure: one call
// per frame, no clock; the session calls it on its 20 ms tick.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "mrf/media_session.h"

namespace imsbox::mrf::media {

class PlaySchedule {
 public:
  // `frame_samples`: PCM samples per 20 ms at `pcm_rate` (the request's rate).
  PlaySchedule(PlayRequest request, std::size_t frame_samples, int pcm_rate);

  // Writes the next frame into `out` (frame_samples samples); false, and
  // `out` untouched, when everything was sent.
  bool next_frame(std::span<std::int16_t> out);

  // The next frame as a place rather than samples (for sessions that send
  // cached encoded frames, frame_cache.h): frame `index` of one play of the
  // PCM, or silence (the delay between two plays).
  struct Slot {
    bool silence = false;
    std::uint64_t index = 0;  // the frame within one play when !silence
  };
  std::optional<Slot> next_slot();
  // Samples in one play of the PCM (what the cached frames are made of).
  std::span<const std::int16_t> pcm() const { return request_.pcm; }
  // Whether every frame was handed out (the request is complete).
  bool done() const { return !endless_ && next_ >= total_; }
  // Frames handed out so far.
  std::uint64_t frames_sent() const { return next_; }
  // How many frames the whole request takes; meaningless when endless().
  std::uint64_t total_frames() const { return total_; }
  bool endless() const { return endless_; }

 private:
  PlayRequest request_;
  std::size_t frame_samples_;
  std::uint64_t play_frames_ = 0;  // one play of the PCM
  std::uint64_t gap_frames_ = 0;   // the delay between two plays
  std::uint64_t total_ = 0;
  bool endless_ = false;
  std::uint64_t next_ = 0;
};

}  // namespace imsbox::mrf::media
