// MediaPath (agw/media_path.h) with fake legs: what reaches each leg.
#include "agw/media_path.h"

#include <gtest/gtest.h>

#include <vector>

#include "media/codec_factory.h"
#include "media/tone_detector.h"
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

// play media toward the browser of a transcoded call: Opus at 48 kHz
// timestamps, 20 ms apart, on the browser's stream; the phone's audio (the
// transcoder's output) does not reach it meanwhile; afterwards it does again,
// on the same stream, after the announcement's last frame.
TEST_F(TranscodedPath, PlayMediaTowardTheBrowserIsOpusOnItsStream) {
  media::WavAudio tone;
  tone.sample_rate = 8000;
  tone.samples.resize(8000);  // 1 s
  media::generate_tone(tone.samples, 8000, 1000);
  const auto r = path.play_media(browser, tone, 1, 0, now);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.duration, std::chrono::milliseconds(1000));
  EXPECT_TRUE(path.needs_tick());
  auto dec = media::make_codec("opus", 48000, 2, {});
  ASSERT_TRUE(dec.codec);
  // the phone talks meanwhile (PCMU silence-ish)
  std::vector<std::uint8_t> talk(160, 0x55);
  std::vector<std::int16_t> heard;
  for (int i = 0; i < 60; ++i) {
    rtp::RtpHeaderFields h;
    h.payload_type = 0;
    h.sequence = static_cast<std::uint16_t>(i);
    h.timestamp = 160u * static_cast<std::uint32_t>(i);
    h.ssrc = 0x77;
    std::vector<std::uint8_t> packet(200);
    packet.resize(rtp::build_rtp(packet, h, talk));
    path.on_rtp(phone, packet, now);
    now += std::chrono::milliseconds(20);
    path.tick(now);
  }
  ASSERT_GE(browser_leg.sent.size(), 50u);
  std::optional<rtp::RtpPacket> last;
  std::size_t played = 0;
  for (const auto& bytes : browser_leg.sent) {
    const auto p = rtp::parse_rtp(bytes);
    ASSERT_TRUE(p);
    EXPECT_EQ(p.packet.payload_type(), 111);
    EXPECT_EQ(p.packet.ssrc(), 1u);
    if (last) {
      EXPECT_EQ(p.packet.sequence(), static_cast<std::uint16_t>(last->sequence() + 1));
      const auto step = p.packet.timestamp() - last->timestamp();
      EXPECT_GE(step, 960u);
      EXPECT_LE(step, 3 * 960u);
    }
    last = p.packet;
    if (played < 50) {
      std::vector<std::int16_t> out(960);
      const auto d = dec.codec->decode(p.packet.payload(), out);
      heard.insert(heard.end(), out.begin(), out.begin() + d.samples);
    }
    ++played;
  }
  EXPECT_FALSE(browser.playing);  // it ended after 50 frames
  // the announcement: 1 kHz (past the codec's start-up), at the decoder's PCM rate
  const auto rate = dec.codec->info().pcm_rate;
  ASSERT_GE(heard.size(), static_cast<std::size_t>(rate / 2));
  const auto m = media::measure_tone(std::span(heard).subspan(heard.size() / 2), rate);
  EXPECT_NEAR(m.frequency_hz, 1000, 20);
  EXPECT_GT(m.tone_fraction, 0.5);
  EXPECT_EQ(path.stop_media(browser), std::nullopt);
}

}  // namespace
}  // namespace imsbox::agw
