#pragma once
// Transaction states (RFC 3261 §17 figures 5-8, RFC 6026 figures 5 and 7).
// One enum for the four machines; each uses the subset its figure shows.
#include <cstdint>
#include <string_view>

namespace imsbox::sip::transaction {

enum class State : std::uint8_t {
  calling,     // INVITE client
  trying,      // non-INVITE client, non-INVITE server
  proceeding,  // all four
  completed,   // all four
  confirmed,   // INVITE server
  accepted,    // INVITE client and server (RFC 6026)
  terminated,  // all four
};

std::string_view to_string(State s);

}  // namespace imsbox::sip::transaction
