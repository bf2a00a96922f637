#pragma once
// The frame-level codec interface: one object per call leg, encoding what
// goes to that leg's peer and decoding what comes from it. Encoder and
// decoder share the object because the peer's payloads steer our encoder
// (AMR's codec mode request).
//
// Units: PCM is 16-bit mono at info().pcm_rate; one frame is 20 ms
// (info().frame_samples samples). RTP timestamps count info().rtp_clock_rate
// (Opus: always 48000, whatever pcm_rate is).
//
// Threading: an object is used by one thread at a time (the worker that owns
// the call); it may move between threads between calls. Objects share no
// state with each other. No method throws or allocates; errors are returned.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace imsbox::media {

inline constexpr int kFrameMs = 20;
// Largest payload any of our encoders writes (Opus caps a 20 ms frame at 1275).
inline constexpr std::size_t kMaxPayload = 1500;
// Longest audio one received payload may carry: 16 AMR frames (320 ms);
// Opus packets reach 120 ms.
inline constexpr int kMaxPayloadMs = 320;

enum class CodecError : std::uint8_t {
  none,
  malformed_payload,  // the payload does not parse (count it, conceal instead)
  buffer_too_small,   // the output span is shorter than the result
  bad_input,          // encode: not exactly one frame of PCM
  codec_failure,      // the library refused (should not happen)
};
std::string_view to_string(CodecError e);

struct CodecInfo {
  std::string_view encoding_name;  // as in an rtpmap: "opus", "AMR", "AMR-WB", "PCMU", "PCMA"
  int rtp_clock_rate = 0;
  int pcm_rate = 0;
  std::size_t frame_samples = 0;     // PCM samples per 20 ms at pcm_rate
  std::uint32_t frame_timestamp = 0;  // RTP timestamp units per 20 ms
};

struct EncodeResult {
  std::size_t size = 0;  // payload octets; 0 with no error: nothing to send (DTX)
  CodecError error = CodecError::none;
};

struct DecodeResult {
  std::size_t samples = 0;  // PCM samples written
  CodecError error = CodecError::none;
};

class FrameCodec {
 public:
  virtual ~FrameCodec() = default;

  virtual const CodecInfo& info() const = 0;

  // Encodes exactly one 20 ms frame (info().frame_samples samples) into one
  // RTP payload. `pcm` is not modified.
  virtual EncodeResult encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) = 0;

  // Decodes one RTP payload (which may hold several frames) into `pcm`.
  virtual DecodeResult decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) = 0;

  // Writes one 20 ms frame of concealment for a lost payload. When the
  // payload after the lost one is at hand, `next_payload` lets a codec with
  // in-band FEC (Opus) rebuild the lost frame from it; it is not consumed:
  // decode() it afterwards as usual.
  virtual DecodeResult conceal(std::span<std::int16_t> pcm, std::span<const std::uint8_t> next_payload) = 0;

  // How many RTP timestamp units a payload covers, without decoding it;
  // 0 when it does not parse.
  virtual std::uint32_t payload_duration(std::span<const std::uint8_t> payload) const = 0;
};

}  // namespace imsbox::media
