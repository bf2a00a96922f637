#pragma once
// RTCP (RFC 3550 §6): walk the packets of a compound datagram and read SR,
// RR (report blocks), SDES, BYE and APP (kept opaque) and the common header
// of the RFC 4585 feedback messages (RTPFB, PSFB). Views into the datagram,
// no allocation, no exceptions, nothing kept between calls.
//
// Compound rules are checked where they decide the framing (version and
// length of every packet; padding only on the last one, RFC 3550 §6.4.1 and
// A.2). A datagram that does not start with SR or RR is still walked: reduced
// size RTCP (RFC 5506) sends feedback alone, and real stacks send BYE first
// (libre's BYE+SDES). Whether to insist is the caller's choice
// (starts_with_report).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "rtp/bytes.h"

namespace imsbox::rtp {

inline constexpr std::size_t rtcp_header_size = 4;

namespace rtcp_type {
inline constexpr std::uint8_t sr = 200;
inline constexpr std::uint8_t rr = 201;
inline constexpr std::uint8_t sdes = 202;
inline constexpr std::uint8_t bye = 203;
inline constexpr std::uint8_t app = 204;
inline constexpr std::uint8_t rtpfb = 205;  // RFC 4585 transport layer feedback
inline constexpr std::uint8_t psfb = 206;   // RFC 4585 payload-specific feedback
inline constexpr std::uint8_t xr = 207;     // RFC 3611, not read here
}  // namespace rtcp_type

// FMT values of RTPFB (RFC 4585 §6.2, RFC 5104 §4.2, draft-holmer-rmcat-transport-wide-cc) ...
namespace rtpfb_format {
inline constexpr std::uint8_t generic_nack = 1;
inline constexpr std::uint8_t tmmbr = 3;
inline constexpr std::uint8_t tmmbn = 4;
inline constexpr std::uint8_t transport_cc = 15;
}  // namespace rtpfb_format
// ... and of PSFB (RFC 4585 §6.3, RFC 5104 §4.3; 15 is application layer feedback, e.g. REMB).
namespace psfb_format {
inline constexpr std::uint8_t pli = 1;
inline constexpr std::uint8_t sli = 2;
inline constexpr std::uint8_t rpsi = 3;
inline constexpr std::uint8_t fir = 4;
inline constexpr std::uint8_t afb = 15;
}  // namespace psfb_format

enum class RtcpError : std::uint8_t {
  none,
  too_short,         // under 4 octets left for a header
  bad_version,       // V is not 2
  bad_length,        // the length field runs past the datagram
  bad_padding,       // padding count 0, or larger than the packet's body
  padding_not_last,  // P set on a packet that is not the last of the compound
};
std::string_view to_string(RtcpError error);

// One packet of a compound.
struct RtcpPacket {
  std::uint8_t count = 0;  // the 5 bits after P: RC, SC, FMT or APP subtype
  std::uint8_t type = 0;   // PT
  Bytes packet;            // header, body and padding: (length + 1) * 4 octets
  Bytes body;              // after the 4-octet header, padding removed
};

// Yields the packets of a compound datagram in order. next() is false at the
// end or at the first packet that does not frame; error() tells which.
class RtcpCompoundReader {
 public:
  explicit RtcpCompoundReader(Bytes datagram) : rest_(datagram) {}
  bool next(RtcpPacket& packet);
  RtcpError error() const { return error_; }

 private:
  Bytes rest_;
  RtcpError error_ = RtcpError::none;
};

// Walks the whole datagram: none when every packet frames.
RtcpError validate_rtcp(Bytes datagram);
// RFC 3550 §6.1: a compound packet starts with SR or RR.
bool starts_with_report(Bytes datagram);

// ---- SR and RR (RFC 3550 §6.4) ---------------------------------------------

struct SenderInfo {
  std::uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;  // payload octets
};

struct ReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;  // lost / expected since the last report, * 256
  std::int32_t cumulative_lost = 0;  // 24-bit signed on the wire (duplicates can make it negative)
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter = 0;               // timestamp units
  std::uint32_t last_sr = 0;              // middle 32 bits of the last SR's NTP timestamp
  std::uint32_t delay_since_last_sr = 0;  // 1/65536 s
  friend bool operator==(const ReportBlock&, const ReportBlock&) = default;
};
inline constexpr std::size_t report_block_size = 24;
inline constexpr std::size_t max_report_blocks = 31;

// The report blocks of an SR or RR, decoded on access.
class ReportBlocks {
 public:
  ReportBlocks() = default;
  explicit ReportBlocks(Bytes blocks) : blocks_(blocks) {}
  std::size_t size() const { return blocks_.size() / report_block_size; }
  ReportBlock operator[](std::size_t i) const;

 private:
  Bytes blocks_;
};

struct SenderReport {
  std::uint32_t ssrc = 0;
  SenderInfo sender;
  ReportBlocks reports;
  Bytes profile_extension;  // what follows the report blocks
};

struct ReceiverReport {
  std::uint32_t ssrc = 0;
  ReportBlocks reports;
  Bytes profile_extension;
};

// nullopt when the packet is not of that type or its body is shorter than RC says.
std::optional<SenderReport> parse_sender_report(const RtcpPacket& packet);
std::optional<ReceiverReport> parse_receiver_report(const RtcpPacket& packet);

// ---- SDES (RFC 3550 §6.5) --------------------------------------------------

namespace sdes_item {
inline constexpr std::uint8_t end = 0;
inline constexpr std::uint8_t cname = 1;
inline constexpr std::uint8_t name = 2;
inline constexpr std::uint8_t email = 3;
inline constexpr std::uint8_t phone = 4;
inline constexpr std::uint8_t loc = 5;
inline constexpr std::uint8_t tool = 6;
inline constexpr std::uint8_t note = 7;
inline constexpr std::uint8_t priv = 8;
}  // namespace sdes_item

struct SdesItem {
  std::uint8_t type = 0;
  std::string_view text;  // not NUL-terminated, not necessarily UTF-8
};

// next_chunk() moves to the next chunk (skipping what is left of the current
// one); next_item() yields its items until the END item.
class SdesReader {
 public:
  explicit SdesReader(const RtcpPacket& packet);
  bool next_chunk(std::uint32_t& ssrc);
  bool next_item(SdesItem& item);
  bool malformed() const { return malformed_; }

 private:
  Bytes body_;
  std::size_t at_ = 0;
  std::size_t chunks_left_ = 0;
  bool in_chunk_ = false;
  bool malformed_ = false;
};

// The CNAME of `ssrc` in an SDES packet.
std::optional<std::string_view> find_cname(const RtcpPacket& sdes, std::uint32_t ssrc);

// ---- BYE (§6.6) and APP (§6.7) ---------------------------------------------

struct Bye {
  Bytes ssrc_list;  // count * 4 octets
  std::string_view reason;
  std::size_t size() const { return ssrc_list.size() / 4; }
  std::uint32_t ssrc(std::size_t i) const { return load32(ssrc_list.data() + 4 * i); }
};
std::optional<Bye> parse_bye(const RtcpPacket& packet);

struct App {
  std::uint8_t subtype = 0;
  std::uint32_t ssrc = 0;
  std::string_view name;  // 4 ASCII characters
  Bytes data;             // application-dependent, kept opaque
};
std::optional<App> parse_app(const RtcpPacket& packet);

// ---- RFC 4585 feedback (RTPFB, PSFB) ---------------------------------------

struct Feedback {
  std::uint8_t type = 0;    // rtcp_type::rtpfb or rtcp_type::psfb
  std::uint8_t format = 0;  // FMT
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;
  Bytes fci;  // feedback control information, kept opaque
};
std::optional<Feedback> parse_feedback(const RtcpPacket& packet);

// ---- NTP timestamps --------------------------------------------------------

// The 32.32 NTP format of a wall-clock time (RFC 3550 §4). The caller reads
// the clock; this only converts.
std::uint64_t to_ntp(std::chrono::system_clock::time_point time);
// The middle 32 bits, as LSR carries them (RFC 3550 §6.4.1).
inline std::uint32_t ntp_middle32(std::uint64_t ntp) { return static_cast<std::uint32_t>(ntp >> 16); }

}  // namespace imsbox::rtp
