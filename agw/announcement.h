#pragma once
// An announcement played into an established call (ng `play media`): the
// audio of a file or prompt, at one leg's codec PCM rate, cut into 20 ms
// frames and paced by the clock. The frames carry the RTP timestamps of the
// party's outgoing stream (continuing what it received before), so the
// receiver's jitter buffer sees one stream whoever feeds it.
//
//   frame k is due at start + k * 20 ms, with timestamp first + k * frame_timestamp;
//   the last frame of the audio is padded with silence; `repeat_times` plays
//   (at least 1) follow each other without a gap; `start_frame` skips the
//   first frames of the first play (rtpengine's `start-pos`).
//   A caller that fell more than max_late_frames behind (a stalled loop)
//   skips the frames it missed instead of bursting them: the timestamps keep
//   following the clock.
//
// Pure: time is passed in; no I/O; no allocation after construction.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "agw/outgoing_stream.h"

namespace imsbox::agw {

struct AnnouncementFrame {
  std::span<const std::int16_t> pcm;  // exactly frame_samples samples
  std::uint32_t timestamp = 0;
  bool marker = false;  // the first frame: a new talkspurt (RFC 3551 §4.1)
  MediaTime due{};      // when it was due (anchors the stream's timeline)
};

class Announcement {
 public:
  struct Options {
    std::size_t frame_samples = 160;     // PCM samples per 20 ms at the codec's PCM rate
    std::uint32_t frame_timestamp = 160;  // RTP timestamp units per 20 ms
    std::int64_t repeat_times = 1;       // < 1 counts as 1
    std::size_t start_frame = 0;
    std::size_t max_late_frames = 5;
  };

  Announcement(std::vector<std::int16_t> pcm, const Options& options, MediaTime start, std::uint32_t first_timestamp);

  // The next frame due at `now`, or nothing (none due yet, or finished). The
  // frame's pcm stays valid until the next call.
  std::optional<AnnouncementFrame> next(MediaTime now);
  bool finished() const { return finished_; }
  // Frames of the audio in one play (the last one padded).
  std::size_t frames_per_play() const { return frames_per_play_; }
  // The position in the audio of the next frame (rtpengine's `last-frame-pos`).
  std::size_t position() const { return position_; }
  // How long one play of the audio lasts.
  std::chrono::milliseconds duration() const;
  std::size_t frames_sent() const { return sent_; }

 private:
  std::vector<std::int16_t> pcm_;  // padded to whole frames
  Options options_;
  MediaTime start_;
  std::uint32_t first_timestamp_;
  std::size_t samples_ = 0;  // of the audio, before padding
  std::size_t frames_per_play_ = 0;
  std::size_t total_frames_ = 0;  // over all plays, from the start frame
  std::size_t index_ = 0;         // frames since start (sent or skipped)
  std::size_t position_ = 0;
  std::size_t sent_ = 0;
  bool finished_ = false;
};

}  // namespace imsbox::agw
