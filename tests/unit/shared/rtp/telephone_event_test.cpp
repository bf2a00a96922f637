// RFC 4733 telephone-events: the payload against tshark on the DTMF pcaps
// Debian's sipp ships (one digit each, 8000 Hz) and on Chromium's
// RTCDTMFSender output; the receiver turning those streams into digits;
// the sender's packet sequence; clock-rate rescaling 48000 <-> 16000 <-> 8000.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "capture.h"
#include "rtp/rtp_packet.h"
#include "rtp/telephone_event.h"

namespace imsbox::rtp {
namespace {

using test::Frame;

struct Packet {
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  bool marker = false;
  std::vector<std::uint8_t> payload;
};

// The packets of one payload type in a capture.
std::vector<Packet> packets_of(const std::string& file, std::uint8_t payload_type) {
  std::vector<Packet> out;
  for (const Frame& f : test::read_pcap(file)) {
    const auto r = parse_rtp(f.bytes());
    if (!r || r.packet.payload_type() != payload_type) continue;
    out.push_back({r.packet.sequence(), r.packet.timestamp(), r.packet.marker(),
                   {r.packet.payload().begin(), r.packet.payload().end()}});
  }
  return out;
}

std::string digits_of(const std::vector<Packet>& packets, std::vector<ReceivedEvent>* events = nullptr) {
  TelephoneEventReceiver receiver;
  std::string digits;
  for (const Packet& p : packets) {
    receiver.on_packet(p.timestamp, p.payload, [&](const ReceivedEvent& e) {
      digits += dtmf_char(e.event);
      if (events != nullptr) events->push_back(e);
    });
  }
  if (const auto last = receiver.flush()) {
    digits += dtmf_char(last->event);
    if (events != nullptr) events->push_back(*last);
  }
  return digits;
}

const std::vector<std::pair<std::string, char>> sipp_digits = {
    {"0", '0'}, {"1", '1'}, {"2", '2'}, {"3", '3'}, {"4", '4'}, {"5", '5'},
    {"6", '6'}, {"7", '7'}, {"8", '8'}, {"9", '9'}, {"star", '*'}, {"pound", '#'}};

TEST(TelephoneEvent, PayloadLayout) {
  // event 11 ('#'), E set, volume 10, duration 1600: RFC 4733 §2.3 figure 1
  const std::vector<std::uint8_t> p = {0x0b, 0x8a, 0x06, 0x40};
  const auto e = parse_telephone_event(p);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, 11);
  EXPECT_TRUE(e->end);
  EXPECT_EQ(e->volume, 10);
  EXPECT_EQ(e->duration, 1600);
  std::array<std::uint8_t, 4> out{};
  ASSERT_TRUE(build_telephone_event(out, *e));
  EXPECT_EQ(test::hex(out), "0b8a0640");
  // the R bit is ignored on reading and written 0
  const std::vector<std::uint8_t> r = {0x01, 0x4a, 0x00, 0xa0};
  EXPECT_EQ(parse_telephone_event(r)->volume, 10);
  EXPECT_FALSE(parse_telephone_event(r)->end);
  EXPECT_FALSE(parse_telephone_event(Bytes(p).first(3)));
  EXPECT_FALSE(parse_telephone_event(p, 1));
  EXPECT_FALSE(build_telephone_event(out, TelephoneEvent{1, false, 64, 0}));
  EXPECT_FALSE(build_telephone_event(MutableBytes(out).first(3), *e));
  EXPECT_EQ(dtmf_char(10), '*');
  EXPECT_EQ(dtmf_char(15), 'D');
  EXPECT_EQ(dtmf_char(16), '\0');
  EXPECT_EQ(dtmf_event('#'), 11);
  EXPECT_EQ(dtmf_event('b'), 13);
  EXPECT_FALSE(dtmf_event('x'));
}

// Field by field as tshark's rtpevent dissector reads the same packets.
void compare_with_tshark(const std::string& file, const std::string& options, std::uint8_t payload_type,
                         std::size_t expected_packets) {
  const auto dissected = test::tshark_fields(
      file, options + " -o rtpevent.event_payload_type_value:" + std::to_string(payload_type) + " -Y rtpevent",
      {"rtpevent.event_id", "rtpevent.end_of_event", "rtpevent.volume", "rtpevent.duration"});
  std::size_t compared = 0;
  for (const Frame& f : test::read_pcap(file)) {
    const auto r = parse_rtp(f.bytes());
    if (!r || r.packet.payload_type() != payload_type) continue;
    SCOPED_TRACE(file + " frame " + std::to_string(f.number));
    const auto e = parse_telephone_event(r.packet.payload());
    ASSERT_TRUE(e);
    const auto& t = dissected.at(f.number);
    EXPECT_EQ(t[0], std::to_string(e->event));
    EXPECT_EQ(t[1], e->end ? "1" : "0");
    EXPECT_EQ(t[2], std::to_string(e->volume));
    EXPECT_EQ(t[3], std::to_string(e->duration));
    ++compared;
  }
  EXPECT_EQ(compared, expected_packets) << file;
}

TEST(TelephoneEventAgainstTshark, SippDtmfPcaps) {
  for (const auto& [name, digit] : sipp_digits) {
    compare_with_tshark(test::sipp_pcap("dtmf_2833_" + name + ".pcap"), "-d udp.port==10000,rtp", 101, 10);
  }
}

TEST(TelephoneEventAgainstTshark, ChromiumDtmfSender) {
  compare_with_tshark(test::data_file("chromium_plain_rtp.pcap"), "-o rtp.heuristic_rtp:TRUE", 126, 12);
}

TEST(TelephoneEventReceiver, OneDigitPerSippPcapDespiteTheRepeatedEnds) {
  for (const auto& [name, digit] : sipp_digits) {
    SCOPED_TRACE(name);
    const auto packets = packets_of(test::sipp_pcap("dtmf_2833_" + name + ".pcap"), 101);
    ASSERT_EQ(packets.size(), 10u);  // start, 6 updates, the end three times
    std::vector<ReceivedEvent> events;
    EXPECT_EQ(digits_of(packets, &events), std::string(1, digit));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events[0].ended);
    EXPECT_EQ(events[0].timestamp, packets[0].timestamp);
    EXPECT_EQ(events[0].duration, 2240u);  // 280 ms at 8000 Hz
    EXPECT_EQ(events[0].volume, 10);
  }
}

TEST(TelephoneEventReceiver, ChromiumSends159Pound) {
  // RTCDTMFSender.insertDTMF("159#", 100, 70): each digit in three packets, all
  // with M and E set, one timestamp per digit, on Opus's 48 kHz timeline
  std::vector<ReceivedEvent> events;
  EXPECT_EQ(digits_of(packets_of(test::data_file("chromium_plain_rtp.pcap"), 126), &events), "159#");
  for (const auto& e : events) EXPECT_TRUE(e.ended);
}

TEST(TelephoneEventReceiver, LostStartLostEndsReorderingAndLateDuplicates) {
  const auto pkt = [](std::uint32_t ts, std::uint8_t event, bool end, std::uint16_t duration) {
    Packet p;
    p.timestamp = ts;
    p.payload.resize(4);
    build_telephone_event(p.payload, TelephoneEvent{event, end, 10, duration});
    return p;
  };
  std::vector<ReceivedEvent> events;
  // '1': its M packet lost; an update arrives after the end (reordered): no second report
  // '2': all three ends lost: reported, not ended, when '3' begins
  // '3': ended; then a late update of '2' (older timestamp) is ignored
  const std::vector<Packet> stream = {
      pkt(1000, 1, false, 400), pkt(1000, 1, true, 800),  pkt(1000, 1, false, 600), pkt(1000, 1, true, 800),
      pkt(3000, 2, false, 0),   pkt(3000, 2, false, 400), pkt(5000, 3, false, 0),   pkt(5000, 3, true, 480),
      pkt(3000, 2, false, 800), pkt(5000, 3, true, 480)};
  EXPECT_EQ(digits_of(stream, &events), "123");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], (ReceivedEvent{1, 1000, 800, 10, true}));
  EXPECT_EQ(events[1], (ReceivedEvent{2, 3000, 400, 10, false}));
  EXPECT_EQ(events[2], (ReceivedEvent{3, 5000, 480, 10, true}));

  // the same digit twice in a row is two events (two timestamps)
  EXPECT_EQ(digits_of({pkt(100, 7, true, 400), pkt(100, 7, true, 400), pkt(900, 7, true, 400)}), "77");

  // began: true once per new event; in_progress and flush for an event whose end never comes
  TelephoneEventReceiver r;
  const auto ignore = [](const ReceivedEvent&) {};
  const Packet a = pkt(10, 5, false, 160);
  const Packet b = pkt(10, 5, false, 320);
  EXPECT_TRUE(r.on_packet(a.timestamp, a.payload, ignore));
  EXPECT_FALSE(r.on_packet(b.timestamp, b.payload, ignore));
  ASSERT_TRUE(r.in_progress());
  EXPECT_EQ(r.in_progress()->duration, 320u);
  EXPECT_EQ(r.flush(), (ReceivedEvent{5, 10, 320, 10, false}));
  EXPECT_FALSE(r.flush());
  EXPECT_FALSE(r.in_progress());
  // after reset() a new source's timestamps are not "older"
  r.reset();
  const Packet c = pkt(5, 6, true, 160);
  int reported = 0;
  EXPECT_TRUE(r.on_packet(c.timestamp, c.payload, [&](const ReceivedEvent&) { ++reported; }));
  EXPECT_EQ(reported, 1);
}

TEST(TelephoneEventReceiver, SeveralEventsInOnePacket) {
  // RFC 4733 §2.5.1.5: '1' (ended, 800) and '2' (begun, 160) in one packet at
  // timestamp 8000; '2' then continues alone at its own start, 8000 + 800
  std::vector<std::uint8_t> two(8);
  build_telephone_event(MutableBytes(two).first(4), TelephoneEvent{1, true, 10, 800});
  build_telephone_event(MutableBytes(two).subspan(4), TelephoneEvent{2, false, 10, 160});
  std::vector<std::uint8_t> alone(4);
  build_telephone_event(alone, TelephoneEvent{2, true, 10, 480});
  std::vector<ReceivedEvent> events;
  EXPECT_EQ(digits_of({{1, 8000, true, two}, {2, 8000, false, two}, {3, 8800, false, alone}, {4, 8800, false, alone}},
                      &events),
            "12");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1], (ReceivedEvent{2, 8800, 480, 10, true}));
}

// ---- Sender ---------------------------------------------------------------------

std::vector<std::pair<std::uint32_t, TelephoneEventPacket>> run_sender(TelephoneEventSender& s, std::uint32_t from,
                                                                       std::uint32_t step, int ticks) {
  std::vector<std::pair<std::uint32_t, TelephoneEventPacket>> out;
  for (int i = 0; i < ticks; ++i) {
    const std::uint32_t now = from + static_cast<std::uint32_t>(i) * step;
    if (const auto p = s.poll(now)) out.emplace_back(now, *p);
  }
  return out;
}

TEST(TelephoneEventSender, StartUpdatesEvery50msThreeEndsOneTimestamp) {
  TelephoneEventSender s({8000, 50, 10, 3});
  s.start(5, 1000, 800);  // '5' for 100 ms at stream time 1000
  ASSERT_TRUE(s.active());
  const auto out = run_sender(s, 1000, 160, 20);  // a 20 ms packetization tick
  ASSERT_EQ(out.size(), 5u);
  const auto expect = [&](std::size_t i, std::uint32_t now, bool marker, bool end, std::uint16_t duration) {
    EXPECT_EQ(out[i].first, now) << i;
    EXPECT_EQ(out[i].second, (TelephoneEventPacket{marker, 1000, TelephoneEvent{5, end, 10, duration}})) << i;
  };
  expect(0, 1000, true, false, 0);     // at once, M set
  expect(1, 1480, false, false, 480);  // the first tick 50 ms (400 units) or more after
  expect(2, 1800, false, true, 800);   // the end at the planned duration
  expect(3, 2280, false, true, 800);   // repeated at the update interval
  expect(4, 2760, false, true, 800);
  EXPECT_FALSE(s.active());
  // its packets, through our RTP builder, are one digit to the receiver
  std::string digits;
  TelephoneEventReceiver r;
  std::uint16_t seq = 100;
  for (const auto& [now, p] : out) {
    std::array<std::uint8_t, 32> buffer{};
    const std::size_t n = build_telephone_event_rtp(buffer, p, 101, seq++, 0x1234);
    ASSERT_EQ(n, 16u);
    const auto rtp = parse_rtp(Bytes(buffer.data(), n));
    ASSERT_TRUE(rtp);
    EXPECT_EQ(rtp.packet.marker(), p.marker);
    r.on_packet(rtp.packet.timestamp(), rtp.packet.payload(), [&](const ReceivedEvent& e) { digits += dtmf_char(e.event); });
  }
  EXPECT_EQ(digits, "5");
}

TEST(TelephoneEventSender, StopEarlyAndReplace) {
  TelephoneEventSender s({16000, 50, 7, 3});
  s.start(1, 0, 16000);  // a second, released after 120 ms
  ASSERT_TRUE(s.poll(0));
  s.stop(1920);
  const auto end = s.poll(1920);
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->event.end);
  EXPECT_EQ(end->event.duration, 1920);
  EXPECT_EQ(end->event.volume, 7);
  // a new event replaces one still being sent
  s.start(2, 5000, 1600);
  const auto first = s.poll(5000);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->marker);
  EXPECT_EQ(first->event.event, 2);
  EXPECT_EQ(first->timestamp, 5000u);
}

TEST(TelephoneEventSender, LongEventsInSegmentsWithTimestampsAcrossTheWrap) {
  // 4 s at 48 kHz: 192000 units, three segments of at most 0xFFFF; starting
  // just before the 32-bit wrap of the timestamp
  TelephoneEventSender s({48000, 50, 10, 3});
  const std::uint32_t start = 0xffffff00u;
  s.start(9, start, 192000);
  const auto out = run_sender(s, start, 960, 220);
  EXPECT_FALSE(s.active());
  std::vector<std::uint32_t> segment_starts;
  for (const auto& [now, p] : out) {
    if (segment_starts.empty() || segment_starts.back() != p.timestamp) segment_starts.push_back(p.timestamp);
    EXPECT_EQ(p.marker, &p == &out.front().second);
  }
  EXPECT_EQ(segment_starts, (std::vector<std::uint32_t>{start, start + 0xffff, start + 2 * 0xffff}));
  // the packet closing a segment reports 0xFFFF and no E (§2.5.1.3)
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i].second.timestamp != out[i + 1].second.timestamp) {
      EXPECT_EQ(out[i].second.event.duration, 0xffff);
      EXPECT_FALSE(out[i].second.event.end);
    }
  }
  EXPECT_EQ(out.back().second.event.duration, 192000 - 2 * 0xffff);
  EXPECT_TRUE(out.back().second.event.end);
  // the receiver joins the segments into one event
  TelephoneEventReceiver r;
  std::vector<ReceivedEvent> events;
  for (const auto& [now, p] : out) {
    std::array<std::uint8_t, 4> payload{};
    build_telephone_event(payload, p.event);
    r.on_packet(p.timestamp, payload, [&](const ReceivedEvent& e) { events.push_back(e); });
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], (ReceivedEvent{9, start, 192000, 10, true}));
}

// Our sender's packets through our RTP builder, dissected by tshark.
TEST(TelephoneEventAgainstTshark, SenderOutputDissectsAsIntended) {
  TelephoneEventSender s({8000, 50, 12, 3});
  std::vector<Frame> frames;
  std::uint16_t seq = 1;
  std::vector<TelephoneEventPacket> sent;
  std::uint32_t now = 160000;
  for (const char digit : std::string("*0#")) {
    s.start(*dtmf_event(digit), now, 1200);
    for (int i = 0; i < 30; ++i, now += 160) {
      if (const auto p = s.poll(now)) {
        Frame f;
        f.src_port = 20000;
        f.dst_port = 20002;
        f.payload.resize(16);
        ASSERT_EQ(build_telephone_event_rtp(f.payload, *p, 101, seq++, 0xabcdabcd), 16u);
        frames.push_back(f);
        sent.push_back(*p);
      }
    }
  }
  const test::TempFile temp("rtpevent_built.pcap");
  const std::string& file = temp.path;
  test::write_pcap(file, frames);
  const auto t = test::tshark_fields(file, "-d udp.port==20002,rtp -o rtpevent.event_payload_type_value:101",
                                     {"rtp.marker", "rtp.timestamp", "rtpevent.event_id", "rtpevent.end_of_event",
                                      "rtpevent.volume", "rtpevent.duration"});
  ASSERT_EQ(t.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& row = t.at(i + 1);
    EXPECT_EQ(row[0], sent[i].marker ? "1" : "0");
    EXPECT_EQ(row[1], std::to_string(sent[i].timestamp));
    EXPECT_EQ(row[2], std::to_string(sent[i].event.event));
    EXPECT_EQ(row[3], sent[i].event.end ? "1" : "0");
    EXPECT_EQ(row[4], "12");
    EXPECT_EQ(row[5], std::to_string(sent[i].event.duration));
  }
}

// ---- Rescaling ---------------------------------------------------------------------

TEST(TimestampRescaler, RatiosWrapAndReordering) {
  TimestampRescaler down(48000, 8000, 1000, 50);
  EXPECT_EQ(down.map(1000), 50u);
  EXPECT_EQ(down.map(1960), 210u);  // 20 ms: 960 -> 160
  EXPECT_EQ(down.map(1000 + 48000), 8050u);
  EXPECT_EQ(down.map(1000 - 960), 50u - 160);  // earlier than the origin (reordered): earlier out
  EXPECT_EQ(down.map(1001), 50u);              // floor, never later than a later input
  EXPECT_EQ(down.map(999), 49u);               // floor before the origin too (not toward zero)
  TimestampRescaler up(8000, 48000, 0xfffffff0u, 0);
  EXPECT_EQ(up.map(0xfffffff0u + 160), 960u);
  EXPECT_EQ(up.map(0x10u), 32u * 6);  // across the input's wrap
  // hours of a call: the offset keeps growing past 2^32 input units
  TimestampRescaler mid(16000, 8000, 0, 0);
  std::uint32_t in = 0;
  std::uint32_t out = 0;
  for (int i = 0; i < 300; ++i) {  // 300 x 2^24 units: more than one wrap of the input
    in += 1u << 24;
    out = mid.map(in);
  }
  EXPECT_EQ(out, static_cast<std::uint32_t>((300ULL << 24) / 2));
  EXPECT_EQ(rescale_duration(960, 48000, 8000), 160u);
  EXPECT_EQ(rescale_duration(1000, 48000, 8000), 167u);  // 166.7, rounded
  EXPECT_EQ(rescale_duration(320, 16000, 48000), 960u);
}

std::vector<Packet> rescale_stream(const std::vector<Packet>& in, std::uint32_t from_rate, std::uint32_t to_rate,
                                   std::uint32_t to_origin) {
  TimestampRescaler timestamps(from_rate, to_rate, in.front().timestamp, to_origin);
  TelephoneEventRescaler events;
  std::vector<Packet> out;
  for (const Packet& p : in) {
    RtpHeaderFields h;
    h.marker = p.marker;
    h.payload_type = 101;
    h.sequence = p.sequence;
    h.timestamp = p.timestamp;
    std::vector<std::uint8_t> buffer(64);
    buffer.resize(build_rtp(buffer, h, p.payload));
    EXPECT_TRUE(events.apply(buffer, timestamps));
    const auto r = parse_rtp(buffer);
    out.push_back({r.packet.sequence(), r.packet.timestamp(), r.packet.marker(),
                   {r.packet.payload().begin(), r.packet.payload().end()}});
  }
  return out;
}

TEST(TelephoneEventRescaler, PhoneDigitsAt8000BecomeBrowserDigitsAt48000AndBack) {
  for (const auto& [name, digit] : sipp_digits) {
    SCOPED_TRACE(name);
    const auto phone = packets_of(test::sipp_pcap("dtmf_2833_" + name + ".pcap"), 101);
    const auto browser = rescale_stream(phone, 8000, 48000, 777);
    std::vector<ReceivedEvent> events;
    EXPECT_EQ(digits_of(browser, &events), std::string(1, digit));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].timestamp, 777u);
    EXPECT_EQ(events[0].duration, 2240u * 6);
    for (std::size_t i = 0; i < phone.size(); ++i) {
      EXPECT_EQ(parse_telephone_event(browser[i].payload)->duration, parse_telephone_event(phone[i].payload)->duration * 6);
    }
    // and back to 16000 (AMR-WB's telephone-event/16000): a third of the 48 kHz figures
    const auto wideband = rescale_stream(browser, 48000, 16000, 0);
    events.clear();
    EXPECT_EQ(digits_of(wideband, &events), std::string(1, digit));
    EXPECT_EQ(events[0].duration, 2240u * 2);
  }
}

TEST(TelephoneEventRescaler, ChromiumDigitsTo8000) {
  const auto browser = packets_of(test::data_file("chromium_plain_rtp.pcap"), 126);
  const auto phone = rescale_stream(browser, 48000, 8000, 0);
  std::vector<ReceivedEvent> events;
  EXPECT_EQ(digits_of(phone, &events), "159#");
  // the digits keep their spacing: 240 ms at 48 kHz between starts is 1920 at 8 kHz
  ASSERT_EQ(events.size(), 4u);
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].timestamp - events[i - 1].timestamp,
              (browser[3 * i].timestamp - browser[3 * (i - 1)].timestamp) / 6);
  }
}

TEST(TelephoneEventRescaler, LongEventIsResegmentedForTheFasterClock) {
  // 2.5 s at 8000 Hz = 20000 units; at 48000 Hz 120000, more than 0xFFFF: the
  // rescaled stream carries two segments, which the receiver joins again
  std::vector<Packet> phone;
  for (std::uint32_t d = 0; d <= 20000; d += 400) {
    Packet p;
    p.timestamp = 8000;
    p.payload.resize(4);
    build_telephone_event(p.payload, TelephoneEvent{4, d == 20000, 10, static_cast<std::uint16_t>(d)});
    phone.push_back(p);
  }
  const auto browser = rescale_stream(phone, 8000, 48000, 0);
  EXPECT_EQ(browser.front().timestamp, 0u);
  EXPECT_EQ(browser.back().timestamp, 0xffffu);
  EXPECT_EQ(parse_telephone_event(browser.back().payload)->duration, 120000 - 0xffff);
  std::vector<ReceivedEvent> events;
  EXPECT_EQ(digits_of(browser, &events), "4");
  EXPECT_EQ(events[0].duration, 120000u);
  // and a segmented 48 kHz event is one event at 8 kHz, not two
  const auto back = rescale_stream(browser, 48000, 8000, 0);
  events.clear();
  EXPECT_EQ(digits_of(back, &events), "4");
  EXPECT_EQ(events[0].duration, 20000u);
  EXPECT_EQ(back.back().timestamp, 0u);
}

}  // namespace
}  // namespace imsbox::rtp
