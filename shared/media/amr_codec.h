#pragma once
// AMR (opencore-amrnb encode and decode) and AMR-WB (vo-amrwbenc encode,
// opencore-amrwb decode) behind FrameCodec, with RFC 4867 payloads in either
// packing (amr_payload.h) and the mode rules of amr_mode.h.
//
// Received payloads: every frame is decoded (speech, SID, NO_DATA, and
// frames with Q=0 as bad frames); the CMR steers our encoder. Sent payloads:
// one frame each, the mode the peer asked for within the mode-set, our own
// CMR (none by default). With DTX on, NO_DATA frames are not sent (encode()
// returns size 0) and SID frames are.
#include <cstdint>
#include <memory>
#include <string>

#include "media/amr_frame.h"
#include "media/amr_mode.h"
#include "media/amr_payload.h"
#include "media/frame_codec.h"

namespace imsbox::media {

struct AmrParams {
  AmrKind kind = AmrKind::wb;
  AmrPacking packing = AmrPacking::bandwidth_efficient;
  AmrModeRules modes;
  bool dtx = false;
};

class AmrCodec final : public FrameCodec {
 public:
  // nullptr (and `error` set) when a library refuses to start.
  static std::unique_ptr<AmrCodec> create(const AmrParams& params, std::string* error = nullptr);
  ~AmrCodec() override;
  AmrCodec(const AmrCodec&) = delete;
  AmrCodec& operator=(const AmrCodec&) = delete;

  const CodecInfo& info() const override { return info_; }
  EncodeResult encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;
  DecodeResult decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  DecodeResult conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t> next_payload) override;
  std::uint32_t payload_duration(std::span<const std::uint8_t> payload) const override;

  // The CMR we put in our payloads: a mode we ask the peer to send, or
  // kAmrNoModeRequest (the default).
  void request_mode(std::uint8_t cmr) { cmr_out_ = cmr & 0x0f; }
  // The mode of the last frame we encoded (before the first: the one we start with).
  std::uint8_t current_mode() const { return modes_.current_mode(); }
  // The last CMR the peer sent (kAmrNoModeRequest until it sends one).
  std::uint8_t peer_mode_request() const { return peer_cmr_; }
  const AmrParams& params() const { return params_; }

 private:
  AmrCodec(const AmrParams& params, void* encoder, void* decoder);
  void decode_storage(const std::uint8_t* storage, std::int16_t* pcm);

  AmrParams params_;
  CodecInfo info_;
  AmrModeControl modes_;
  void* encoder_;
  void* decoder_;
  std::uint8_t cmr_out_ = kAmrNoModeRequest;
  std::uint8_t peer_cmr_ = kAmrNoModeRequest;
  AmrPacket packet_;  // scratch for decode(), kept to stay off the stack
};

}  // namespace imsbox::media
