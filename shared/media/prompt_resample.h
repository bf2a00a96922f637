#pragma once
// Sample-rate conversion of whole recordings at any pair of rates (an MRF
// prompt recorded at 44.1 kHz played to an 8 kHz leg), on libswresample:
// the better tool off the packet path. Calls in a transcoded call use
// Resampler (resampler.h) instead.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace imsbox::media {

// The whole of `in`, flushed (no samples held back). Empty with `error` set
// when libswresample refuses the rates.
std::vector<std::int16_t> convert_sample_rate(std::span<const std::int16_t> in, int in_rate, int out_rate,
                                              std::string* error = nullptr);

}  // namespace imsbox::media
