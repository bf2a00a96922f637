#pragma once
// What a proxy checks before it routes a request (RFC 3261 §16.3) and its
// loop detection (§16.3 step 4, with the branch of §16.6 step 8). Pure.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/message.h"

namespace imsbox::sip::proxy {

// A response the proxy gives instead of forwarding.
struct Rejection {
  int status = 0;
  std::string reason;
  std::vector<std::pair<HeaderId, std::string>> headers;  // e.g. Unsupported for a 420
};

// §16.3 steps 2, 3 and 5: a URI scheme the proxy does not route (416), a
// Max-Forwards of 0 (483; an OPTIONS the proxy may answer itself, which is
// the caller's choice), a Proxy-Require option it does not support (420 with
// Unsupported). Step 1 (syntax) is parse_message's; step 4 is loop_detected().
std::optional<Rejection> check_request(const Message& request, std::span<const std::string_view> supported_options);

// The part of a branch that identifies a request's routing state (§16.6
// step 8): a hash over the fields whose change would make a loop a spiral
// (Request-URI, From tag, To tag, Call-ID, CSeq number, Route,
// Proxy-Require, Proxy-Authorization). The same request seen again unchanged
// hashes the same.
std::string loop_hash(const Message& request);

// A branch for one forwarded copy: "z9hG4bK" + loop_hash + "." + `unique`,
// with the loop hash of the request as this proxy received it (§16.11: what
// loop_detected() compares when it comes back), not of the changed copy.
std::string make_branch(const Message& received, std::string_view unique);
std::string make_branch_with_hash(std::string_view received_hash, std::string_view unique);

// §16.3 step 4: the request already went through this proxy (a Via with one
// of `own_sent_by`) in the same routing state (its branch carries this
// request's loop hash). A Via of ours with another hash is a spiral, fine.
bool loop_detected(const Message& request, std::span<const std::string> own_sent_by);

}  // namespace imsbox::sip::proxy
