#pragma once
// Encoded prompts, shared by every session of one RtpMediaEngine (one event
// loop): a prompt is encoded once per codec configuration and each session
// that plays it only packetises the cached payloads (RTP header, sequence
// number, timestamp, marker). No encoder runs per session for a play.
//
// Key: the PCM's content (a 64-bit hash of the samples, with their count)
// and a codec key (FrameCache::codec_key: what determines the payloads, e.g.
// "AMR-WB be dtx0 mode 8"). Keying on content rather than on a prompt's name
// is what keeps the cache right when `imsbox prompt add/del` replaces a
// prompt: the SIP side reads the prompt's file for every play, a changed
// prompt is other samples and so another entry, and the old entry is evicted
// by the LRU once nobody plays it. Frames are 20 ms (the only ptime the
// engine sends), one payload per RTP packet.
//
// Entries fill lazily: frame i is encoded (with every frame before it) the
// first time a session asks for it, so the first session of a prompt pays
// one encode per 20 ms tick as it did before and nobody stalls the loop for
// a whole prompt. A session that needs an entry in the middle of a play (a
// re-offer changed the codec, the peer's CMR another AMR mode) takes one that
// starts at that frame (its own key), for the same reason. An entry keeps the
// PCM and its encoder only until its last frame is made.
//
// Why caching is right for stateful codecs (AMR, AMR-WB, G.722, Opus): an
// entry is exactly what a fresh encoder makes of that PCM, so a session's
// first play sends the same bytes as a per-session encoder did. A repeat
// starts again from the encoder's initial state where a per-session encoder
// would have carried its state over; AMR/AMR-WB and Opus frames are decodable
// whatever the decoder's state (the decoder's predictors converge within a
// few frames) and G.722's ADPCM adapts backwards likewise, and the delay
// between repeats is silence anyway. The peer's AMR codec mode request is
// followed by keying on the mode (each mode its own entry): the session reads
// the CMR of every AMR payload it receives, also while it plays (before the
// cache a play decoded nothing, so a CMR only steered the echo).
//
// Bound: the bytes of the entries in the index (payloads, offsets, the PCM
// of an entry still filling) stay at most max_bytes; the least recently used
// entries go first. An evicted entry that a session still plays lives on
// with that session (shared_ptr) and is freed with it.
//
// Threading: one event loop; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "media/frame_codec.h"

namespace imsbox::mrf::media {

class FrameCache;

// One play of one PCM in one codec configuration.
class EncodedPrompt {
 public:
  // The payload of frame `index` (encoding the frames up to it first when
  // they are not made yet); an empty span: nothing to send for that frame
  // (DTX). false when index >= frame_count() or the encoder failed.
  // false too for an index before first_frame().
  bool frame(std::size_t index, std::span<const std::uint8_t>& payload);
  std::size_t frame_count() const { return frame_count_; }
  std::size_t first_frame() const { return first_; }
  std::size_t frames_made() const { return ends_.size(); }
  bool complete() const { return first_ + ends_.size() == frame_count_; }
  // Heap bytes this entry holds now.
  std::size_t bytes() const;

 private:
  friend class FrameCache;
  EncodedPrompt(std::vector<std::int16_t> pcm, std::size_t frame_samples, std::size_t first_frame,
                std::size_t frame_count, std::unique_ptr<imsbox::media::FrameCodec> encoder);
  bool make_next();

  std::vector<std::int16_t> pcm_;  // from first_ on, until complete
  std::unique_ptr<imsbox::media::FrameCodec> encoder_;  // until complete
  std::size_t frame_samples_;
  std::size_t first_;
  std::size_t frame_count_;
  std::vector<std::uint8_t> payloads_;
  std::vector<std::uint32_t> ends_;  // end offset of frame first_ + i in payloads_
  bool failed_ = false;
  FrameCache* owner_ = nullptr;  // null once evicted
  std::string key_;
};

struct FrameCacheStats {
  std::uint64_t hits = 0;       // a play found its entry
  std::uint64_t misses = 0;     // a play made a new entry
  std::uint64_t evictions = 0;
  std::uint64_t frames_encoded = 0;  // encoder calls made by all entries
  std::size_t entries = 0;
  std::size_t bytes = 0;
};

class FrameCache {
 public:
  explicit FrameCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  ~FrameCache();
  FrameCache(const FrameCache&) = delete;
  FrameCache& operator=(const FrameCache&) = delete;

  using EncoderFactory = std::function<std::unique_ptr<imsbox::media::FrameCodec>()>;

  // The entry of `pcm` (one play, cut into frames of `frame_samples`, the
  // last filled up with silence) for `codec_key`, from frame `first_frame`
  // on (0: the whole play); made (with an encoder from `make_encoder`, called
  // only then) when there is none. nullptr when the factory gives no encoder.
  std::shared_ptr<EncodedPrompt> find_or_make(std::span<const std::int16_t> pcm, std::size_t frame_samples,
                                              std::string_view codec_key, const EncoderFactory& make_encoder,
                                              std::size_t first_frame = 0);

  // The content part of a key: a hash of the samples and their count.
  static std::string content_key(std::span<const std::int16_t> pcm);

  FrameCacheStats stats() const;
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  friend class EncodedPrompt;
  void grew(EncodedPrompt& entry, std::ptrdiff_t delta);
  void evict_to(std::size_t limit);

  struct Slot {
    std::shared_ptr<EncodedPrompt> entry;
    std::list<std::string>::iterator lru;
  };
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, Slot> index_;
  std::list<std::string> lru_;  // front: most recently used
  FrameCacheStats stats_;
};

}  // namespace imsbox::mrf::media
