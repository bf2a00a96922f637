#include "rtp/rtcp.h"

namespace imsbox::rtp {

namespace {

std::string_view as_text(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::int32_t sign_extend24(std::uint32_t v) {
  return (v & 0x800000) != 0 ? static_cast<std::int32_t>(v | 0xff000000u) : static_cast<std::int32_t>(v);
}

}  // namespace

std::string_view to_string(RtcpError error) {
  switch (error) {
    case RtcpError::none: return "none";
    case RtcpError::too_short: return "too short for an RTCP header";
    case RtcpError::bad_version: return "version is not 2";
    case RtcpError::bad_length: return "length runs past the datagram";
    case RtcpError::bad_padding: return "bad padding count";
    case RtcpError::padding_not_last: return "padding on a packet that is not the last";
  }
  return "unknown";
}

bool RtcpCompoundReader::next(RtcpPacket& packet) {
  if (error_ != RtcpError::none || rest_.empty()) return false;
  if (rest_.size() < rtcp_header_size) {
    error_ = RtcpError::too_short;
    return false;
  }
  const std::uint8_t* p = rest_.data();
  if ((p[0] >> 6) != 2) {
    error_ = RtcpError::bad_version;
    return false;
  }
  const std::size_t size = (std::size_t{load16(p + 2)} + 1) * 4;
  if (size > rest_.size()) {
    error_ = RtcpError::bad_length;
    return false;
  }
  std::size_t padding = 0;
  if ((p[0] & 0x20) != 0) {
    if (size != rest_.size()) {
      error_ = RtcpError::padding_not_last;
      return false;
    }
    padding = p[size - 1];
    if (padding == 0 || padding > size - rtcp_header_size) {
      error_ = RtcpError::bad_padding;
      return false;
    }
  }
  packet.count = p[0] & 0x1f;
  packet.type = p[1];
  packet.packet = rest_.first(size);
  packet.body = rest_.subspan(rtcp_header_size, size - rtcp_header_size - padding);
  rest_ = rest_.subspan(size);
  return true;
}

RtcpError validate_rtcp(Bytes datagram) {
  if (datagram.empty()) return RtcpError::too_short;
  RtcpCompoundReader reader(datagram);
  RtcpPacket p;
  while (reader.next(p)) {
  }
  return reader.error();
}

bool starts_with_report(Bytes datagram) {
  return datagram.size() >= 2 && (datagram[1] == rtcp_type::sr || datagram[1] == rtcp_type::rr);
}

ReportBlock ReportBlocks::operator[](std::size_t i) const {
  const std::uint8_t* p = blocks_.data() + i * report_block_size;
  ReportBlock b;
  b.ssrc = load32(p);
  b.fraction_lost = p[4];
  b.cumulative_lost = sign_extend24(load24(p + 5));
  b.extended_highest_sequence = load32(p + 8);
  b.jitter = load32(p + 12);
  b.last_sr = load32(p + 16);
  b.delay_since_last_sr = load32(p + 20);
  return b;
}

std::optional<SenderReport> parse_sender_report(const RtcpPacket& packet) {
  constexpr std::size_t fixed = 4 + 20;  // SSRC + sender info
  const std::size_t blocks = report_block_size * packet.count;
  if (packet.type != rtcp_type::sr || packet.body.size() < fixed + blocks) return std::nullopt;
  const std::uint8_t* p = packet.body.data();
  SenderReport sr;
  sr.ssrc = load32(p);
  sr.sender.ntp_timestamp = load64(p + 4);
  sr.sender.rtp_timestamp = load32(p + 12);
  sr.sender.packet_count = load32(p + 16);
  sr.sender.octet_count = load32(p + 20);
  sr.reports = ReportBlocks(packet.body.subspan(fixed, blocks));
  sr.profile_extension = packet.body.subspan(fixed + blocks);
  return sr;
}

std::optional<ReceiverReport> parse_receiver_report(const RtcpPacket& packet) {
  constexpr std::size_t fixed = 4;
  const std::size_t blocks = report_block_size * packet.count;
  if (packet.type != rtcp_type::rr || packet.body.size() < fixed + blocks) return std::nullopt;
  ReceiverReport rr;
  rr.ssrc = load32(packet.body.data());
  rr.reports = ReportBlocks(packet.body.subspan(fixed, blocks));
  rr.profile_extension = packet.body.subspan(fixed + blocks);
  return rr;
}

SdesReader::SdesReader(const RtcpPacket& packet) {
  if (packet.type != rtcp_type::sdes) return;
  body_ = packet.body;
  chunks_left_ = packet.count;
}

bool SdesReader::next_chunk(std::uint32_t& ssrc) {
  if (malformed_) return false;
  // skip what is left of the current chunk
  SdesItem ignored;
  while (in_chunk_ && next_item(ignored)) {
  }
  if (malformed_ || chunks_left_ == 0) return false;
  if (body_.size() - at_ < 4) {
    malformed_ = true;
    return false;
  }
  ssrc = load32(body_.data() + at_);
  at_ += 4;
  --chunks_left_;
  in_chunk_ = true;
  return true;
}

bool SdesReader::next_item(SdesItem& item) {
  if (!in_chunk_ || malformed_) return false;
  if (at_ >= body_.size()) {
    malformed_ = true;  // a chunk ends with an END item
    in_chunk_ = false;
    return false;
  }
  const std::uint8_t type = body_[at_];
  if (type == sdes_item::end) {
    // END, then null octets up to the next 32-bit boundary (the body starts on one)
    const std::size_t next = (at_ + 4) & ~std::size_t{3};
    at_ = next <= body_.size() ? next : body_.size();
    in_chunk_ = false;
    return false;
  }
  if (body_.size() - at_ < 2 || body_.size() - at_ - 2 < body_[at_ + 1]) {
    malformed_ = true;
    in_chunk_ = false;
    return false;
  }
  item.type = type;
  item.text = as_text(body_.subspan(at_ + 2, body_[at_ + 1]));
  at_ += 2u + body_[at_ + 1];
  return true;
}

std::optional<std::string_view> find_cname(const RtcpPacket& sdes, std::uint32_t ssrc) {
  SdesReader reader(sdes);
  std::uint32_t chunk_ssrc = 0;
  while (reader.next_chunk(chunk_ssrc)) {
    if (chunk_ssrc != ssrc) continue;
    SdesItem item;
    while (reader.next_item(item)) {
      if (item.type == sdes_item::cname) return item.text;
    }
  }
  return std::nullopt;
}

std::optional<Bye> parse_bye(const RtcpPacket& packet) {
  const std::size_t list = 4u * packet.count;
  if (packet.type != rtcp_type::bye || packet.body.size() < list) return std::nullopt;
  Bye bye;
  bye.ssrc_list = packet.body.first(list);
  const Bytes rest = packet.body.subspan(list);
  if (!rest.empty()) {
    if (rest.size() - 1 < rest[0]) return std::nullopt;
    bye.reason = as_text(rest.subspan(1, rest[0]));
  }
  return bye;
}

std::optional<App> parse_app(const RtcpPacket& packet) {
  if (packet.type != rtcp_type::app || packet.body.size() < 8) return std::nullopt;
  App app;
  app.subtype = packet.count;
  app.ssrc = load32(packet.body.data());
  app.name = as_text(packet.body.subspan(4, 4));
  app.data = packet.body.subspan(8);
  return app;
}

std::optional<Feedback> parse_feedback(const RtcpPacket& packet) {
  if ((packet.type != rtcp_type::rtpfb && packet.type != rtcp_type::psfb) || packet.body.size() < 8) {
    return std::nullopt;
  }
  Feedback fb;
  fb.type = packet.type;
  fb.format = packet.count;
  fb.sender_ssrc = load32(packet.body.data());
  fb.media_ssrc = load32(packet.body.data() + 4);
  fb.fci = packet.body.subspan(8);
  return fb;
}

std::uint64_t to_ntp(std::chrono::system_clock::time_point time) {
  // NTP counts from 1900-01-01, the system clock from 1970-01-01: 70 years, 17 of them leap
  constexpr std::uint64_t ntp_unix_offset = 2208988800ULL;
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  const auto seconds = static_cast<std::uint64_t>(since_epoch / 1000000000);
  const auto nanos = static_cast<std::uint64_t>(since_epoch % 1000000000);
  return ((seconds + ntp_unix_offset) << 32) | ((nanos << 32) / 1000000000);
}

}  // namespace imsbox::rtp
