// MediaPath (agw/media_path.h) with fake legs: what reaches each leg.
#include "agw/media_path.h"

#include <gtest/gtest.h>

#include <vector>

#include "rtp/rtp_packet.h"
#include "rtp/telephone_event.h"

namespace imsbox::agw {
namespace {

// A leg that keeps what the path sends it.
class FakeLeg : public MediaLeg {
 public:
  explicit FakeLeg(LegKind kind) { local_.kind = kind; }
  LegKind kind() const override { return local_.kind; }
  const LocalEndpoint& local() const override { return local_; }
  void set_remote(const RemoteEndpoint&, bool) override {}
  bool send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept override {
    sent.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(length));
    return true;
  }
  bool send_rtcp(std::span<std::uint8_t>, std::size_t) noexcept override { return true; }
  bool ready() const override { return true; }
  std::uint64_t dropped() const override { return 0; }

  std::vector<std::vector<std::uint8_t>> sent;

 private:
  LocalEndpoint local_;
};

Codec codec(std::string encoding, std::uint32_t rate, std::uint8_t pt, std::optional<std::uint32_t> channels = {}) {
  Codec c;
  c.encoding = std::move(encoding);
  c.clock_rate = rate;
  c.payload_type = pt;
  c.channels = channels;
  return c;
}

// An RFC 4733 event packet: digit 5, `duration` units, on payload type `pt`.
std::vector<std::uint8_t> event_packet(std::uint8_t pt, std::uint32_t timestamp, std::uint16_t duration) {
  std::vector<std::uint8_t> payload(rtp::telephone_event_size);
  rtp::TelephoneEvent e;
  e.event = 5;
  e.volume = 10;
  e.duration = duration;
  EXPECT_TRUE(rtp::build_telephone_event(payload, e));
  rtp::RtpHeaderFields h;
  h.marker = true;
  h.payload_type = pt;
  h.sequence = 100;
  h.timestamp = timestamp;
  h.ssrc = 0x1234;
  std::vector<std::uint8_t> packet(64);
  packet.resize(rtp::build_rtp(packet, h, payload));
  return packet;
}

struct TranscodedPath : ::testing::Test {
  // a browser (Opus, telephone-event/48000 chosen, /8000 also offered) and a phone (PCMU, /8000)
  TranscodedPath() {
    MediaPlan plan;
    plan.active = true;
    plan.transcoding = true;
    plan.offerer_codec = codec("opus", 48000, 111, 2);
    plan.answerer_codec = codec("PCMU", 8000, 0);
    plan.offerer_telephone_event = codec("telephone-event", 48000, 110);
    plan.answerer_telephone_event = codec("telephone-event", 8000, 101);
    plan.offerer_other_events = {codec("telephone-event", 8000, 126)};
    browser.leg = &browser_leg;
    phone.leg = &phone_leg;
    EXPECT_EQ(path.configure(plan, browser, phone, now), "");
  }
  MediaPathConfig config;
  MediaPath path{config};
  FakeLeg browser_leg{LegKind::browser};
  FakeLeg phone_leg{LegKind::phone};
  PartyMedia browser{1, 1, 1};
  PartyMedia phone{2, 2, 2};
  MediaTime now = MediaTime::clock::now();
};

// The one packet the phone got: the phone's telephone-event payload type, digit 5, its duration.
void expect_phone_event(const FakeLeg& phone_leg, std::uint16_t duration) {
  ASSERT_EQ(phone_leg.sent.size(), 1u);
  const auto parsed = rtp::parse_rtp(phone_leg.sent[0]);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.packet.payload_type(), 101);
  const auto event = rtp::parse_telephone_event(parsed.packet.payload());
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event, 5);
  EXPECT_EQ(event->duration, duration);
}

TEST_F(TranscodedPath, TheChosenTelephoneEventIsRescaledToThePhone) {
  auto packet = event_packet(110, 96000, 4800);  // 100 ms at 48 kHz
  path.on_rtp(browser, packet, now);
  expect_phone_event(phone_leg, 800);  // 100 ms at 8 kHz
}

TEST_F(TranscodedPath, AnotherOfferedTelephoneEventIsTakenAtItsOwnClock) {
  // Chromium may send its DTMF on another telephone-event it offered (or was offered)
  auto packet = event_packet(126, 16000, 800);  // 100 ms at 8 kHz
  path.on_rtp(browser, packet, now);
  expect_phone_event(phone_leg, 800);
  EXPECT_EQ(browser.dropped, 0u);
}

TEST_F(TranscodedPath, AnUnknownPayloadTypeIsDropped) {
  auto packet = event_packet(99, 16000, 800);
  path.on_rtp(browser, packet, now);
  EXPECT_TRUE(phone_leg.sent.empty());
  EXPECT_EQ(browser.dropped, 1u);
}

}  // namespace
}  // namespace imsbox::agw
