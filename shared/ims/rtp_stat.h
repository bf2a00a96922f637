#pragma once
// P-RTP-Stat (a header field several vendors put on BYE and on the 2xx of a
// BYE: Cisco, Asterisk's chan_sip, Sipura/Linksys): the media figures of the
// party on whose behalf the message is sent, "PS=1,OS=160,PR=2,OR=320,PL=0,JI=3".
//
//   PS / OS  packets / octets the party sent
//   PR / OR  packets / octets sent toward the party (what it received)
//   PL       packets lost on the way toward the party
//   JI       interarrival jitter of that stream, ms
//
// imsbox's P-CSCF writes it for its UE from the AGW's counts (a BYE from the
// UE or on its behalf: the UE is the BYE's sender; a BYE toward the UE: it is
// on the 2xx, the UE is the BYE's recipient); the S-CSCF reads it into the
// call record. Fields are optional; unknown ones (LA, DU, EN, DE, ...) are
// skipped. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imsbox::ims {

struct RtpStat {
  std::optional<std::uint64_t> packets_sent;      // PS
  std::optional<std::uint64_t> octets_sent;       // OS
  std::optional<std::uint64_t> packets_received;  // PR
  std::optional<std::uint64_t> octets_received;   // OR
  std::optional<std::uint64_t> packets_lost;      // PL
  std::optional<std::uint64_t> jitter_ms;         // JI
  friend bool operator==(const RtpStat&, const RtpStat&) = default;
};

inline constexpr std::string_view kRtpStatHeader = "P-RTP-Stat";

std::string format_rtp_stat(const RtpStat& s);
// Nothing when no known field has a number.
std::optional<RtpStat> parse_rtp_stat(std::string_view value);

}  // namespace imsbox::ims
