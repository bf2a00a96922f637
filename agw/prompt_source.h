#pragma once
// Where `play media` finds a prompt by name (the MRF's prompt store, wired in
// by agw.cpp), so that the media library does not depend on the MRF.
// Implementations are called from any worker thread and must be safe so.
#include <optional>
#include <string_view>

#include "media/wav.h"

namespace imsbox::agw {

class PromptSource {
 public:
  virtual ~PromptSource() = default;
  // The prompt `name` (any rate, mono), or nothing when there is none.
  virtual std::optional<media::WavAudio> find(std::string_view name) const = 0;
};

}  // namespace imsbox::agw
