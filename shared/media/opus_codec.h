#pragma once
// Opus (RFC 6716, RTP payload RFC 7587) behind FrameCodec, on libopus
// directly, mono. The encoder and decoder run at pcm_rate (8, 16 or 48 kHz:
// libopus resamples nothing at those rates, so no resampler sits in the
// path); RTP timestamps count 48 kHz whatever pcm_rate is (RFC 7587 §4.1).
// The decoder takes mono and stereo packets of any duration up to 120 ms.
// Loss: Opus PLC, or in-band FEC from the next packet when it carries some.
#include <memory>
#include <string>

#include "media/frame_codec.h"

struct OpusEncoder;
struct OpusDecoder;

namespace imsbox::media {

struct OpusParams {
  int pcm_rate = 16000;           // 8000, 16000 or 48000
  int complexity = 5;             // 0..10
  int max_average_bitrate = 0;    // fmtp maxaveragebitrate; 0 = the library's choice
  int max_playback_rate = 48000;  // fmtp maxplaybackrate: caps the coded bandwidth
  bool cbr = false;               // fmtp cbr=1
  bool inband_fec = false;        // fmtp useinbandfec=1 (the peer decodes FEC): we send it
  bool dtx = false;               // fmtp usedtx=1: we may stop sending in silence
};

class OpusCodec final : public FrameCodec {
 public:
  static std::unique_ptr<OpusCodec> create(const OpusParams& params, std::string* error = nullptr);
  ~OpusCodec() override;
  OpusCodec(const OpusCodec&) = delete;
  OpusCodec& operator=(const OpusCodec&) = delete;

  const CodecInfo& info() const override { return info_; }
  EncodeResult encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;
  DecodeResult decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  DecodeResult conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t> next_payload) override;
  std::uint32_t payload_duration(std::span<const std::uint8_t> payload) const override;

  const OpusParams& params() const { return params_; }

 private:
  OpusCodec(const OpusParams& params, OpusEncoder* encoder, OpusDecoder* decoder);

  OpusParams params_;
  CodecInfo info_;
  OpusEncoder* encoder_;
  OpusDecoder* decoder_;
};

}  // namespace imsbox::media
