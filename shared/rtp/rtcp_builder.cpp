#include "rtp/rtcp_builder.h"

#include <algorithm>
#include <cstring>

namespace imsbox::rtp {

namespace {

void write_header(std::uint8_t* p, std::uint8_t count, std::uint8_t type, std::size_t size) {
  p[0] = static_cast<std::uint8_t>(0x80 | count);
  p[1] = type;
  store16(p + 2, static_cast<std::uint16_t>(size / 4 - 1));
}

void write_block(std::uint8_t* p, const ReportBlock& b) {
  store32(p, b.ssrc);
  p[4] = b.fraction_lost;
  const std::int32_t lost = std::clamp<std::int32_t>(b.cumulative_lost, -0x800000, 0x7fffff);
  store24(p + 5, static_cast<std::uint32_t>(lost) & 0xffffff);
  store32(p + 8, b.extended_highest_sequence);
  store32(p + 12, b.jitter);
  store32(p + 16, b.last_sr);
  store32(p + 20, b.delay_since_last_sr);
}

std::size_t write_report(MutableBytes out, std::uint8_t type, std::uint32_t ssrc, const SenderInfo* sender,
                         std::span<const ReportBlock> reports) {
  if (reports.size() > max_report_blocks) return 0;
  const std::size_t fixed = rtcp_header_size + 4 + (sender != nullptr ? 20 : 0);
  const std::size_t size = fixed + report_block_size * reports.size();
  if (out.size() < size) return 0;
  std::uint8_t* p = out.data();
  write_header(p, static_cast<std::uint8_t>(reports.size()), type, size);
  store32(p + 4, ssrc);
  if (sender != nullptr) {
    store64(p + 8, sender->ntp_timestamp);
    store32(p + 16, sender->rtp_timestamp);
    store32(p + 20, sender->packet_count);
    store32(p + 24, sender->octet_count);
  }
  for (std::size_t i = 0; i < reports.size(); ++i) write_block(p + fixed + i * report_block_size, reports[i]);
  return size;
}

}  // namespace

std::size_t build_sender_report(MutableBytes out, std::uint32_t ssrc, const SenderInfo& sender,
                                std::span<const ReportBlock> reports) {
  return write_report(out, rtcp_type::sr, ssrc, &sender, reports);
}

std::size_t build_receiver_report(MutableBytes out, std::uint32_t ssrc, std::span<const ReportBlock> reports) {
  return write_report(out, rtcp_type::rr, ssrc, nullptr, reports);
}

std::size_t build_sdes_cname(MutableBytes out, std::uint32_t ssrc, std::string_view cname) {
  if (cname.size() > 255) return 0;
  // header, SSRC, CNAME item, END and null octets to the 32-bit boundary
  const std::size_t items = 2 + cname.size() + 1;
  const std::size_t size = rtcp_header_size + 4 + ((items + 3) & ~std::size_t{3});
  if (out.size() < size) return 0;
  std::uint8_t* p = out.data();
  write_header(p, 1, rtcp_type::sdes, size);
  store32(p + 4, ssrc);
  p[8] = sdes_item::cname;
  p[9] = static_cast<std::uint8_t>(cname.size());
  if (!cname.empty()) std::memcpy(p + 10, cname.data(), cname.size());
  std::memset(p + 10 + cname.size(), 0, size - 10 - cname.size());
  return size;
}

std::size_t build_bye(MutableBytes out, std::span<const std::uint32_t> ssrcs, std::string_view reason) {
  if (ssrcs.size() > 31 || reason.size() > 255) return 0;
  const std::size_t list = rtcp_header_size + 4 * ssrcs.size();
  const std::size_t size = reason.empty() ? list : list + ((1 + reason.size() + 3) & ~std::size_t{3});
  if (out.size() < size) return 0;
  std::uint8_t* p = out.data();
  write_header(p, static_cast<std::uint8_t>(ssrcs.size()), rtcp_type::bye, size);
  for (std::size_t i = 0; i < ssrcs.size(); ++i) store32(p + rtcp_header_size + 4 * i, ssrcs[i]);
  if (!reason.empty()) {
    p[list] = static_cast<std::uint8_t>(reason.size());
    std::memcpy(p + list + 1, reason.data(), reason.size());
    std::memset(p + list + 1 + reason.size(), 0, size - list - 1 - reason.size());
  }
  return size;
}

}  // namespace imsbox::rtp
