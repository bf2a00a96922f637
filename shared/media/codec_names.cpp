// to_string of the media library's error enums.
#include "media/frame_codec.h"

namespace imsbox::media {

std::string_view to_string(CodecError e) {
  switch (e) {
    case CodecError::none: return "ok";
    case CodecError::malformed_payload: return "malformed payload";
    case CodecError::buffer_too_small: return "buffer too small";
    case CodecError::bad_input: return "not one frame of PCM";
    case CodecError::codec_failure: return "codec failure";
  }
  return "?";
}

}  // namespace imsbox::media
