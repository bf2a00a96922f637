#pragma once
// Building RTCP packets into a caller's buffer: SR and RR with report
// blocks, and the SDES CNAME and BYE a compound needs (RFC 3550 §6.1). A
// compound is these written one after the other (out.subspan(size so far)).
// Each returns the octets written, or 0 when `out` is too small or the
// values cannot be encoded. No allocation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtp/bytes.h"
#include "rtp/rtcp.h"

namespace imsbox::rtp {

// At most 31 blocks (max_report_blocks); a cumulative loss outside the
// 24-bit signed range is clamped to it.
std::size_t build_sender_report(MutableBytes out, std::uint32_t ssrc, const SenderInfo& sender,
                                std::span<const ReportBlock> reports);
std::size_t build_receiver_report(MutableBytes out, std::uint32_t ssrc, std::span<const ReportBlock> reports);
// One chunk with one CNAME item (at most 255 octets).
std::size_t build_sdes_cname(MutableBytes out, std::uint32_t ssrc, std::string_view cname);
// At most 31 SSRCs; a reason of at most 255 octets.
std::size_t build_bye(MutableBytes out, std::span<const std::uint32_t> ssrcs, std::string_view reason = {});

}  // namespace imsbox::rtp
