#pragma once
// G.722 (RFC 3551 §4.5.2) behind FrameCodec, on libavcodec's adpcm_g722:
// the better tool here (an ITU ADPCM codec nobody needs a second copy of).
// 16 kHz PCM, 64 kbit/s, but an RTP clock of 8000 (RFC 3551's historical
// error): 160 octets and 160 timestamp units per 20 ms. Loss:
// FadeConcealment. libavcodec's headers stay in the .cpp.
#include <memory>
#include <string>
#include <vector>

#include "media/fade_concealment.h"
#include "media/frame_codec.h"

struct AVCodecContext;
struct AVFrame;
struct AVPacket;

namespace imsbox::media {

class G722Codec final : public FrameCodec {
 public:
  static std::unique_ptr<G722Codec> create(std::string* error = nullptr);
  ~G722Codec() override;
  G722Codec(const G722Codec&) = delete;
  G722Codec& operator=(const G722Codec&) = delete;

  const CodecInfo& info() const override { return info_; }
  EncodeResult encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;
  DecodeResult decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  DecodeResult conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t> next_payload) override;
  std::uint32_t payload_duration(std::span<const std::uint8_t> payload) const override;

 private:
  G722Codec() = default;

  CodecInfo info_;
  AVCodecContext* encoder_ = nullptr;
  AVCodecContext* decoder_ = nullptr;
  AVFrame* in_frame_ = nullptr;   // encoder input: its buffer allocated once
  AVFrame* out_frame_ = nullptr;  // decoder output
  AVPacket* packet_ = nullptr;
  std::vector<std::uint8_t> padded_;  // a payload with libavcodec's input padding
  FadeConcealment<320> plc_;
};

}  // namespace imsbox::media
