#pragma once
// PCMU and PCMA (RFC 3551 §4.5.14) behind FrameCodec: 8 kHz, one octet per
// sample, any payload length decodes. Loss: FadeConcealment.
#include "media/fade_concealment.h"
#include "media/frame_codec.h"

namespace imsbox::media {

enum class G711Law : std::uint8_t { ulaw, alaw };

class G711Codec final : public FrameCodec {
 public:
  explicit G711Codec(G711Law law);

  const CodecInfo& info() const override { return info_; }
  EncodeResult encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;
  DecodeResult decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  DecodeResult conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t> next_payload) override;
  std::uint32_t payload_duration(std::span<const std::uint8_t> payload) const override;

 private:
  G711Law law_;
  CodecInfo info_;
  FadeConcealment<160> plc_;
};

}  // namespace imsbox::media
