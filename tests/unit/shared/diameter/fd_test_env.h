#pragma once
// freeDiameter's dictionary for codec tests: the core is initialized once per
// test process from the configuration the stack would write (so the dict_*
// extensions load as in production), and never started.
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "diameter/cx_codec.h"
#include "diameter/cx_dictionary.h"
#include "diameter/fd_core.h"
#include "diameter/stack_config.h"

namespace imsbox::diameter::testing {

inline constexpr const char* kOwnIdentity = "scscf.ims.test";
inline constexpr const char* kOwnRealm = "ims.test";

inline const CxDictionary& dict() {
  static const CxDictionary d = [] {
    fd_g_debug_lvl = FD_LOG_ERROR;  // keep freeDiameter's notices out of the test output
    StackConfig c;
    c.identity = kOwnIdentity;
    c.realm = kOwnRealm;
    c.run_dir = std::filesystem::temp_directory_path();
    const auto path = std::filesystem::temp_directory_path() / ("imsbox-diameter-test-" + std::to_string(getpid()) + ".conf");
    std::ofstream(path) << freediameter_conf(c);
    CxDictionary loaded = initialize_freediameter(path);
    std::filesystem::remove(path);
    return loaded;
  }();
  return d;
}

// What a peer receives: the message rendered and parsed back.
inline MsgPtr over_the_wire(msg* m) { return from_wire(to_wire(m)); }

// The first AVP of a message or group with this code/vendor, or nullptr.
inline avp* find_child(msg_or_avp* parent, std::uint32_t code, std::uint32_t vendor = 0) {
  msg_or_avp* child = nullptr;
  fd_msg_browse_internal(parent, MSG_BRW_FIRST_CHILD, &child, nullptr);
  while (child) {
    avp_hdr* h = nullptr;
    fd_msg_avp_hdr(static_cast<avp*>(child), &h);
    const std::uint32_t v = (h->avp_flags & AVP_FLAG_VENDOR) ? h->avp_vendor : 0;
    if (h->avp_code == code && v == vendor) return static_cast<avp*>(child);
    fd_msg_browse_internal(child, MSG_BRW_NEXT, &child, nullptr);
  }
  return nullptr;
}

inline avp_hdr* hdr(avp* a) {
  avp_hdr* h = nullptr;
  fd_msg_avp_hdr(a, &h);
  return h;
}

}  // namespace imsbox::diameter::testing
