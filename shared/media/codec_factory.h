#pragma once
// Builds a FrameCodec from what an SDP rtpmap/fmtp says (encoding name,
// clock rate, channels, fmtp parameters as key/value pairs), so the AGW can
// make one per leg without this library knowing the SDP library.
//
//   opus/48000/2          maxplaybackrate, maxaveragebitrate, cbr, useinbandfec, usedtx
//                         (stereo and sprop-* accepted: we send mono)
//   AMR/8000, AMR-WB/16000  octet-align, mode-set, mode-change-period,
//                         mode-change-neighbor, mode-change-capability, max-red,
//                         maxptime/ptime; refused: crc=1, robust-sorting=1,
//                         interleaving, channels other than 1
//   PCMU/8000, PCMA/8000, G722/8000 (16 kHz audio; libavcodec)
// Names compare case-insensitively (RFC 4855 §3). Unknown fmtp parameters
// are ignored (RFC 4566 §6). Pass the fmtp the PEER of that leg sent: Opus's
// parameters describe what its sender can receive (maxplaybackrate,
// useinbandfec, usedtx), and AMR's mode-set, packing and mode-change rules
// are the negotiated ones either side states. Not on the packet path: it may
// allocate.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/frame_codec.h"

namespace imsbox::media {

struct FmtpParameter {
  std::string_view name;
  std::string_view value;
};

// "mode-set=0,2,4,7; octet-align=1" -> {{"mode-set","0,2,4,7"},{"octet-align","1"}}:
// views into `fmtp` (the part of an a=fmtp line after the payload type).
// A parameter without '=' gets an empty value.
std::vector<FmtpParameter> parse_fmtp(std::string_view fmtp);

// Our side's choices, from the AGW's configuration.
struct CodecOptions {
  int opus_pcm_rate = 16000;  // 8000, 16000 or 48000; 16000 matches AMR-WB
  int opus_complexity = 5;
  bool opus_fec = true;       // send in-band FEC when the peer's fmtp says useinbandfec=1
  bool amr_dtx = false;       // send SID/NO_DATA during silence
};

struct MakeCodecResult {
  std::unique_ptr<FrameCodec> codec;
  std::string error;  // why there is no codec (unknown codec, unsupported parameter)
};

MakeCodecResult make_codec(std::string_view encoding_name, int clock_rate, int channels,
                           std::span<const FmtpParameter> fmtp, const CodecOptions& options = {});

// Whether make_codec knows the encoding at that clock rate (before looking
// at any fmtp): what the AGW may offer or accept.
bool is_supported_codec(std::string_view encoding_name, int clock_rate);

}  // namespace imsbox::media
