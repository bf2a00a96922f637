#pragma once
// The STUN messages of a full, controlling ICE agent with one host candidate
// (RFC 8445 §7.2, RFC 5389): what a load generator needs to play a browser
// against an ICE-lite relay (our AGW) or a full one (rtpengine), without an
// ICE library per call. Pure: bytes in, bytes out.
//
//   binding_request():  USERNAME remote:local, PRIORITY, ICE-CONTROLLING,
//                       USE-CANDIDATE, MESSAGE-INTEGRITY (remote password),
//                       FINGERPRINT: a check that also nominates the pair
//                       (what a browser sends first, and for consent).
//   binding_success():  the answer to the relay's own checks (a full agent
//                       checks us too): XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY
//                       (our password), FINGERPRINT.
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace imsbox::bench {

using StunTransactionId = std::array<std::uint8_t, 12>;

struct IceCheck {
  std::string_view local_ufrag, remote_ufrag, remote_password;
  std::uint32_t priority = 0;
  std::uint64_t tie_breaker = 0;
};

std::vector<std::uint8_t> binding_request(const IceCheck& check, const StunTransactionId& transaction);

// `request` is a whole Binding request (its transaction id is echoed).
std::vector<std::uint8_t> binding_success(std::span<const std::uint8_t> request, const sockaddr_in& from,
                                          std::string_view local_password);

// Appends MESSAGE-INTEGRITY (HMAC-SHA1 with `key`) and FINGERPRINT to a
// message whose header length field is not yet set, and sets it.
void append_integrity_and_fingerprint(std::vector<std::uint8_t>& message, std::string_view key);

// RFC 5389 §15.5: CRC-32 of the message XOR 0x5354554e.
std::uint32_t stun_fingerprint(std::span<const std::uint8_t> bytes);

}  // namespace imsbox::bench
