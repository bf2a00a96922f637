#pragma once
// The netlink (NETLINK_XFRM) messages of the kernel ESP backend, as pure functions:
// builders that write one request into a caller's buffer, and parsers for what the
// kernel answers. No I/O here (xfrm_kernel.h sends them). The layouts, attribute
// order and flags are iproute2's (`ip xfrm state add ...` etc.), checked byte for
// byte against its messages in tests/unit/pcscf/ipsec.
//
// Every builder returns the message's length, or 0 when the buffer is shorter
// than xfrm_message_max or the SA is not valid (invalid_reason()).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pcscf/ipsec/xfrm_sa.h"

namespace imsbox::pcscf::ipsec {

inline constexpr std::size_t xfrm_message_max = 512;

// XFRM_MSG_NEWSA: ESP, transport mode, replay window 32, the SA's selector
// (exact addresses and ports, protocol 0) tagged with `tag`, the integrity
// algorithm as XFRMA_ALG_AUTH_TRUNC (96 bits), then the cipher as XFRMA_ALG_CRYPT.
std::size_t build_new_sa(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag,
                         std::uint32_t seq);
// XFRM_MSG_UPDSA: the same state as build_new_sa, for an SA already in place
// (dst, SPI, ESP); the kernel takes the new lifetimes from it.
std::size_t build_update_sa(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag,
                            std::uint32_t seq);
// XFRM_MSG_DELSA by (destination, SPI, ESP) and XFRMA_SRCADDR.
std::size_t build_delete_sa(std::span<std::uint8_t> buf, const XfrmSa& sa, std::uint32_t seq);
// XFRM_MSG_NEWPOLICY: "dir in" for an inbound SA, "dir out" for an outbound one,
// the SA's selector tagged with `tag`, one ESP transport-mode template with the
// SA's addresses, SPI and reqid.
std::size_t build_new_policy(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag,
                             std::uint32_t seq);
// XFRM_MSG_UPDPOLICY: the same policy, replacing one with this selector and
// direction (or adding it): a re-registration's SA that keeps the UE's ports
// takes the old SA's policy over (`ip xfrm policy update`).
std::size_t build_update_policy(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag, std::uint32_t seq);
// XFRM_MSG_DELPOLICY by selector and direction. The kernel compares the whole
// selector, tag included, so this never removes a policy someone else installed.
std::size_t build_delete_policy(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag,
                                std::uint32_t seq);
// XFRM_MSG_DELPOLICY by the kernel's policy index and raw XFRM direction (from a dump).
std::size_t build_delete_policy_by_index(std::span<std::uint8_t> buf, std::uint32_t index,
                                         std::uint8_t xfrm_dir, std::uint32_t seq);
// XFRM_MSG_GETSA / XFRM_MSG_GETPOLICY with NLM_F_DUMP: every state / policy.
std::size_t build_dump_sa_request(std::span<std::uint8_t> buf, std::uint32_t seq);
std::size_t build_dump_policy_request(std::span<std::uint8_t> buf, std::uint32_t seq);

// One state or policy from a dump reply.
struct XfrmEntry {
  enum class Kind { sa, policy };
  Kind kind = Kind::sa;
  std::uint32_t seq = 0;  // of the dump it answers
  std::uint32_t tag = 0;  // selector.user
  // SA: its outer addresses, SPI and IPsec protocol (50 = ESP).
  IpAddress src;
  IpAddress dst;
  std::uint32_t spi = 0;
  std::uint8_t protocol = 0;
  // Policy: its selector's addresses (in src/dst) and ports, direction and index.
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint8_t xfrm_dir = 0;  // XFRM_POLICY_IN 0, OUT 1, FWD 2
  std::uint32_t index = 0;
};

// What one datagram of a dump reply held.
struct XfrmDumpChunk {
  std::vector<XfrmEntry> entries;
  bool done = false;        // NLMSG_DONE seen: the dump is complete
  int error = 0;            // a negative errno from an NLMSG_ERROR
  std::size_t skipped = 0;  // messages too short for their type, or of other types
};
XfrmDumpChunk parse_dump(std::span<const std::uint8_t> datagram);

// The kernel's answer to one request (NLMSG_ERROR: an error of 0 is the ACK).
struct XfrmAck {
  bool found = false;      // an NLMSG_ERROR for `seq` was in the datagram
  int error = 0;           // 0 or a negative errno
  std::string message;     // the extended ACK's text (NLMSGERR_ATTR_MSG), if any
};
XfrmAck parse_ack(std::span<const std::uint8_t> datagram, std::uint32_t seq);

}  // namespace imsbox::pcscf::ipsec
