#pragma once
// Bringing up freeDiameter's core in this process: fd_core_initialize, the
// generated configuration (which loads the dict_* extensions), the local
// endpoints and the Cx dictionary. freeDiameter keeps its core, dictionary
// and configuration in process globals and cannot be initialized twice, so
// neither can this: a second call throws std::logic_error. The stack calls
// it from start(); unit tests that only build and parse messages call it
// once and never start the core.
#include <filesystem>

#include "diameter/cx_dictionary.h"
#include "diameter/stack_config.h"

namespace imsbox::diameter {

// Throws std::runtime_error when freeDiameter refuses the configuration (its
// own log says why) and std::logic_error on a second call. `endpoints` go
// into freeDiameter's list of local endpoints as they are, loopback ones
// included (a ListenOn in the file loses those): `listen` ones are bound
// when the core starts, all are announced as Host-IP-Address.
CxDictionary initialize_freediameter(const std::filesystem::path& conf, const LocalEndpoints& endpoints = {});

}  // namespace imsbox::diameter
