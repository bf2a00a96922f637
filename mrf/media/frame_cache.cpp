#include "mrf/media/frame_cache.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>

namespace imsbox::mrf::media {

namespace m = imsbox::media;

// What one index entry costs beyond its own bytes (key, list node, map node).
constexpr std::size_t kEntryOverhead = 256;

EncodedPrompt::EncodedPrompt(std::vector<std::int16_t> pcm, std::size_t frame_samples, std::size_t first_frame,
                             std::size_t frame_count, std::unique_ptr<m::FrameCodec> encoder)
    : pcm_(std::move(pcm)),
      encoder_(std::move(encoder)),
      frame_samples_(std::max<std::size_t>(frame_samples, 1)),
      first_(std::min(first_frame, frame_count)),
      frame_count_(frame_count) {
  ends_.reserve(frame_count_ - first_);
  if (complete()) {
    pcm_ = {};
    encoder_.reset();
  }
}

std::size_t EncodedPrompt::bytes() const {
  return payloads_.capacity() + ends_.capacity() * sizeof(std::uint32_t) + pcm_.capacity() * sizeof(std::int16_t) +
         kEntryOverhead;
}

bool EncodedPrompt::make_next() {
  if (failed_ || !encoder_) return false;
  const std::size_t i = ends_.size();  // within pcm_, which starts at frame first_
  std::array<std::int16_t, 48 * m::kFrameMs> frame{};  // 20 ms at up to 48 kHz
  if (frame_samples_ > frame.size()) return failed_ = true, false;
  const std::size_t from = i * frame_samples_;
  const std::size_t n = std::min(frame_samples_, pcm_.size() - from);
  std::copy_n(pcm_.begin() + static_cast<std::ptrdiff_t>(from), n, frame.begin());
  std::array<std::uint8_t, m::kMaxPayload> out{};
  const auto r = encoder_->encode(std::span(frame.data(), frame_samples_), out);
  if (owner_) ++owner_->stats_.frames_encoded;
  if (r.error != m::CodecError::none) return failed_ = true, false;
  const std::size_t before = bytes();
  payloads_.insert(payloads_.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.size));
  ends_.push_back(static_cast<std::uint32_t>(payloads_.size()));
  if (complete()) {  // the PCM and the encoder are not needed any more
    pcm_ = {};
    encoder_.reset();
    payloads_.shrink_to_fit();
  }
  if (owner_) owner_->grew(*this, static_cast<std::ptrdiff_t>(bytes()) - static_cast<std::ptrdiff_t>(before));
  return true;
}

bool EncodedPrompt::frame(std::size_t index, std::span<const std::uint8_t>& payload) {
  if (index >= frame_count_ || index < first_) return false;
  const std::size_t i = index - first_;
  while (ends_.size() <= i) {
    if (!make_next()) return false;
  }
  const std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
  payload = std::span<const std::uint8_t>(payloads_.data() + begin, ends_[i] - begin);
  return true;
}

FrameCache::~FrameCache() {
  for (auto& [key, slot] : index_) slot.entry->owner_ = nullptr;
}

std::string FrameCache::content_key(std::span<const std::int16_t> pcm) {
  const std::string_view bytes(reinterpret_cast<const char*>(pcm.data()), pcm.size_bytes());
  char text[48];
  std::snprintf(text, sizeof text, "%016zx/%zu", std::hash<std::string_view>{}(bytes), pcm.size());
  return text;
}

std::shared_ptr<EncodedPrompt> FrameCache::find_or_make(std::span<const std::int16_t> pcm, std::size_t frame_samples,
                                                         std::string_view codec_key,
                                                         const EncoderFactory& make_encoder,
                                                         std::size_t first_frame) {
  frame_samples = std::max<std::size_t>(frame_samples, 1);
  const std::size_t frame_count = (pcm.size() + frame_samples - 1) / frame_samples;
  first_frame = std::min(first_frame, frame_count);
  std::string key = content_key(pcm) + "/" + std::to_string(frame_samples) + "/" + std::string(codec_key) + "@" +
                    std::to_string(first_frame);
  if (auto it = index_.find(key); it != index_.end()) {
    ++stats_.hits;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.entry;
  }
  auto encoder = make_encoder();
  if (!encoder) return nullptr;
  ++stats_.misses;
  const auto from = pcm.begin() + static_cast<std::ptrdiff_t>(std::min(pcm.size(), first_frame * frame_samples));
  std::shared_ptr<EncodedPrompt> entry(new EncodedPrompt(std::vector<std::int16_t>(from, pcm.end()), frame_samples,
                                                         first_frame, frame_count, std::move(encoder)));
  entry->owner_ = this;
  entry->key_ = key;
  lru_.push_front(key);
  index_.emplace(std::move(key), Slot{entry, lru_.begin()});
  grew(*entry, static_cast<std::ptrdiff_t>(entry->bytes()));
  return entry;
}

void FrameCache::grew(EncodedPrompt& entry, std::ptrdiff_t delta) {
  (void)entry;
  bytes_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(bytes_) + delta);
  if (bytes_ > max_bytes_) evict_to(max_bytes_);
}

void FrameCache::evict_to(std::size_t limit) {
  while (bytes_ > limit && !lru_.empty()) {
    auto it = index_.find(lru_.back());
    lru_.pop_back();
    if (it == index_.end()) continue;
    bytes_ -= std::min(bytes_, it->second.entry->bytes());
    it->second.entry->owner_ = nullptr;
    index_.erase(it);
    ++stats_.evictions;
  }
}

FrameCacheStats FrameCache::stats() const {
  FrameCacheStats s = stats_;
  s.entries = index_.size();
  s.bytes = bytes_;
  return s;
}

}  // namespace imsbox::mrf::media
