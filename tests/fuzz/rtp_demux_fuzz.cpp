// libFuzzer target for what arrives on a media port: the RFC 7983
// demultiplexer, then the parser of the class it names (STUN header, RTP
// with its header extensions and telephone-events, the RTCP compound).
//
// Besides "never crash, never hang, never read out of bounds" it checks
// properties that hold for any input:
// * an accepted RTP packet's parts add up to the datagram, and build_rtp
//   from the parsed fields writes the same bytes back (padding content aside);
// * an in-place rewrite changes the header fields it names and nothing else;
// * an SR/RR rebuilt from its parsed values parses to the same values;
// * a STUN header's length matches the datagram.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rtp/demux.h"
#include "rtp/header_extension.h"
#include "rtp/reception_stats.h"
#include "rtp/rtcp.h"
#include "rtp/rtcp_builder.h"
#include "rtp/rtp_packet.h"
#include "rtp/stun_header.h"
#include "rtp/telephone_event.h"

namespace {

using namespace imsbox::rtp;

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_stun(Bytes in) {
  const auto r = parse_stun_header(in);
  if (!r) return;
  check(r.header.length + stun_header_size == in.size());
  check(r.header.transaction_id.size() == 12);
  check(static_cast<int>(r.header.stun_class) <= 3 && r.header.method <= 0x0fff);
}

void fuzz_rtp(Bytes in) {
  const auto r = parse_rtp(in);
  if (!r) return;
  const RtpPacket& p = r.packet;
  check(p.header_size() + p.payload().size() + p.padding_size() == in.size());
  check(p.payload().data() == in.data() + p.header_size());

  std::array<std::uint32_t, 15> csrcs{};
  for (std::size_t i = 0; i < p.csrc_count(); ++i) csrcs[i] = p.csrc(i);
  std::size_t elements = 0;
  if (const auto ext = p.extension()) {
    check(ext->data.data() >= in.data() && ext->data.data() + ext->data.size() <= in.data() + in.size());
    HeaderExtensionReader reader(*ext);
    HeaderExtensionElement e;
    while (reader.next(e)) {
      check(e.data.data() >= ext->data.data() && e.data.data() + e.data.size() <= ext->data.data() + ext->data.size());
      ++elements;
    }
  }
  (void)elements;

  // build from the parsed fields: the same bytes, but for the padding's content
  RtpHeaderFields f;
  f.marker = p.marker();
  f.payload_type = p.payload_type();
  f.sequence = p.sequence();
  f.timestamp = p.timestamp();
  f.ssrc = p.ssrc();
  f.csrcs = std::span<const std::uint32_t>(csrcs.data(), p.csrc_count());
  f.extension = p.extension();
  std::vector<std::uint8_t> rebuilt(in.size());
  check(build_rtp(rebuilt, f, p.payload(), static_cast<std::uint8_t>(p.padding_size())) == in.size());
  const std::size_t unpadded = in.size() - p.padding_size();
  check(std::memcmp(rebuilt.data(), in.data(), unpadded) == 0);
  check(p.padding_size() == 0 || rebuilt.back() == in.back());

  // a relay's rewrite
  std::vector<std::uint8_t> copy(in.begin(), in.end());
  RtpRewrite rw;
  rw.ssrc = ~p.ssrc();
  rw.sequence_offset = 7;
  rw.timestamp_offset = 960;
  rw.payload_types.set(p.payload_type(), static_cast<std::uint8_t>((p.payload_type() + 1) & 0x7f));
  check(rw.apply(copy));
  const auto again = parse_rtp(copy);
  check(static_cast<bool>(again));
  check(again.packet.ssrc() == ~p.ssrc() && again.packet.sequence() == static_cast<std::uint16_t>(p.sequence() + 7) &&
        again.packet.timestamp() == p.timestamp() + 960 && again.packet.marker() == p.marker() &&
        again.packet.payload_type() == ((p.payload_type() + 1) & 0x7f));
  check(std::memcmp(copy.data() + rtp_fixed_header_size, in.data() + rtp_fixed_header_size,
                    in.size() - rtp_fixed_header_size) == 0);

  // as a telephone-event: received, rescaled, received again
  if (telephone_event_count(p.payload()) > 0) {
    TelephoneEventReceiver receiver;
    std::size_t reported = 0;
    const auto count = [&](const ReceivedEvent&) { ++reported; };
    receiver.on_packet(p.timestamp(), p.payload(), count);
    receiver.on_packet(p.timestamp(), p.payload(), count);
    receiver.on_packet(p.timestamp() + 0xffff, p.payload(), count);
    (void)receiver.flush();
    TimestampRescaler timestamps(48000, 8000, p.timestamp(), 0);
    TelephoneEventRescaler rescaler;
    std::vector<std::uint8_t> event(in.begin(), in.end());
    check(rescaler.apply(event, timestamps));
    check(rescaler.apply(event, timestamps));
    check(static_cast<bool>(parse_rtp(event)));
  }

  ReceptionStatistics stats(8000);
  stats.on_packet(p.sequence(), p.timestamp(), std::chrono::milliseconds(0));
  stats.on_packet(static_cast<std::uint16_t>(p.sequence() + 1), p.timestamp() + 160, std::chrono::milliseconds(20));
  (void)stats.make_report_block(p.ssrc(), std::chrono::milliseconds(40));
}

void check_blocks_rebuild(const ReportBlocks& blocks, bool sender, const SenderReport* sr, std::uint32_t ssrc) {
  std::array<ReportBlock, max_report_blocks> copy{};
  const std::size_t n = blocks.size() < copy.size() ? blocks.size() : copy.size();
  for (std::size_t i = 0; i < n; ++i) copy[i] = blocks[i];
  std::array<std::uint8_t, 1024> buffer{};
  const std::span<const ReportBlock> list(copy.data(), n);
  const std::size_t size = sender ? build_sender_report(buffer, ssrc, sr->sender, list)
                                  : build_receiver_report(buffer, ssrc, list);
  check(size > 0);
  RtcpCompoundReader reader(Bytes(buffer.data(), size));
  RtcpPacket packet;
  check(reader.next(packet));
  if (sender) {
    const auto again = parse_sender_report(packet);
    check(again && again->ssrc == ssrc && again->sender.ntp_timestamp == sr->sender.ntp_timestamp &&
          again->sender.octet_count == sr->sender.octet_count && again->reports.size() == n);
    for (std::size_t i = 0; i < n; ++i) check(again->reports[i] == copy[i]);
  } else {
    const auto again = parse_receiver_report(packet);
    check(again && again->ssrc == ssrc && again->reports.size() == n);
    for (std::size_t i = 0; i < n; ++i) check(again->reports[i] == copy[i]);
  }
}

void fuzz_rtcp(Bytes in) {
  RtcpCompoundReader reader(in);
  RtcpPacket p;
  std::size_t total = 0;
  while (reader.next(p)) {
    total += p.packet.size();
    check(p.body.size() + rtcp_header_size <= p.packet.size());
    if (const auto sr = parse_sender_report(p)) {
      check_blocks_rebuild(sr->reports, true, &*sr, sr->ssrc);
    } else if (const auto rr = parse_receiver_report(p)) {
      check_blocks_rebuild(rr->reports, false, nullptr, rr->ssrc);
    } else if (p.type == rtcp_type::sdes) {
      SdesReader sdes(p);
      std::uint32_t ssrc = 0;
      while (sdes.next_chunk(ssrc)) {
        SdesItem item;
        while (sdes.next_item(item)) {
          if (item.type != sdes_item::cname) continue;
          std::array<std::uint8_t, 300> buffer{};
          const std::size_t n = build_sdes_cname(buffer, ssrc, item.text);
          check(n > 0);
          RtcpCompoundReader r2(Bytes(buffer.data(), n));
          RtcpPacket built;
          check(r2.next(built) && find_cname(built, ssrc) == item.text);
        }
      }
    } else if (const auto bye = parse_bye(p)) {
      for (std::size_t i = 0; i < bye->size(); ++i) (void)bye->ssrc(i);
    } else if (const auto app = parse_app(p)) {
      check(app->name.size() == 4);
    } else if (const auto fb = parse_feedback(p)) {
      check(fb->fci.size() + 8 == p.body.size());
    }
  }
  check(reader.error() == RtcpError::none ? total == in.size() : total < in.size());
  check((validate_rtcp(in) == RtcpError::none) == (reader.error() == RtcpError::none && !in.empty()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes in(data, size);
  switch (classify_packet(in)) {
    case PacketClass::stun: fuzz_stun(in); break;
    case PacketClass::rtp: fuzz_rtp(in); break;
    case PacketClass::rtcp:
      fuzz_rtcp(in);
      fuzz_rtp(in);  // on a port without rtcp-mux the same octets go to the RTP parser
      break;
    default: break;  // DTLS is the DTLS layer's; ZRTP, TURN channel data and the rest are dropped
  }
  return 0;
}
