#pragma once
// Bringing up freeDiameter's core in this process: fd_core_initialize, the
// generated configuration (which loads the dict_* extensions) and the Cx
// dictionary. freeDiameter keeps its core, dictionary and configuration in
// process globals and cannot be initialized twice, so neither can this: a
// second call throws std::logic_error. The stack calls it from start(); unit
// tests that only build and parse messages call it once and never start the
// core.
#include <filesystem>

#include "diameter/cx_dictionary.h"

namespace imsbox::diameter {

// Throws std::runtime_error when freeDiameter refuses the configuration (its
// own log says why) and std::logic_error on a second call.
CxDictionary initialize_freediameter(const std::filesystem::path& conf);

}  // namespace imsbox::diameter
