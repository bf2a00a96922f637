// The MRF's RTP sessions on loopback (mrf/media/media_engine.h): a peer
// socket in the test plays the phone. What the MRF sends is decoded by
// libavcodec (an implementation that is not ours) and the tone measured;
// the RFC 4733 packets are written byte by byte here.
#include "mrf/media/media_engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cmath>

#include "media/tone_detector.h"
#include "rtp/rtcp.h"
#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "unit/shared/media/libav.h"

namespace imsbox::mrf::media {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

struct Packet {
  std::vector<std::uint8_t> bytes;
  std::chrono::steady_clock::time_point at;
  bool marker() const { return (bytes[1] & 0x80) != 0; }
  int pt() const { return bytes[1] & 0x7f; }
  std::uint16_t seq() const { return static_cast<std::uint16_t>(bytes[2] << 8 | bytes[3]); }
  std::uint32_t ts() const {
    return static_cast<std::uint32_t>(bytes[4]) << 24 | bytes[5] << 16 | bytes[6] << 8 | bytes[7];
  }
  std::uint32_t ssrc() const {
    return static_cast<std::uint32_t>(bytes[8]) << 24 | bytes[9] << 16 | bytes[10] << 8 | bytes[11];
  }
  std::span<const std::uint8_t> payload() const { return std::span(bytes).subspan(12); }
};

// A phone's RTP socket on 127.0.0.1 that keeps what it receives.
struct Peer {
  explicit Peer(asio::io_context& io) : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  void receive() {
    socket.async_receive_from(asio::buffer(buffer), from, [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;
      packets.push_back({std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)),
                         std::chrono::steady_clock::now()});
      receive();
    });
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }
  void send(const std::vector<std::uint8_t>& bytes, std::uint16_t to) {
    socket.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::make_address("127.0.0.1"), to));
  }
  udp::socket socket;
  std::array<std::uint8_t, 2048> buffer{};
  udp::endpoint from;
  std::vector<Packet> packets;
};

std::vector<std::uint8_t> rtp_packet(bool marker, int pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                                     std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> p = {0x80,
                                 static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt),
                                 static_cast<std::uint8_t>(seq >> 8),
                                 static_cast<std::uint8_t>(seq),
                                 static_cast<std::uint8_t>(ts >> 24),
                                 static_cast<std::uint8_t>(ts >> 16),
                                 static_cast<std::uint8_t>(ts >> 8),
                                 static_cast<std::uint8_t>(ts),
                                 static_cast<std::uint8_t>(ssrc >> 24),
                                 static_cast<std::uint8_t>(ssrc >> 16),
                                 static_cast<std::uint8_t>(ssrc >> 8),
                                 static_cast<std::uint8_t>(ssrc)};
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

std::vector<std::int16_t> tone(int rate, std::chrono::milliseconds length, double hz = 1000) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(rate * length.count() / 1000));
  imsbox::media::generate_tone(pcm, rate, hz, -6.0);
  return pcm;
}

std::string offer(std::uint16_t port, std::string_view formats, std::string_view attributes,
                  std::string_view direction = "sendrecv") {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP " + std::string(formats) + "\r\n" + std::string(attributes) + "a=" + std::string(direction) +
         "\r\n";
}

class MrfRtpSession : public ::testing::Test {
 protected:
  MrfRtpSession() {
    // a range of our own per test process (several test processes may run at once)
    const auto base = static_cast<std::uint16_t>(46000 + (::getpid() % 400) * 10);
    settings_.port_min = base;
    settings_.port_max = static_cast<std::uint16_t>(base + 9);
  }

  RtpMediaEngine& engine() {
    if (!engine_) engine_ = std::make_unique<RtpMediaEngine>(io_, settings_, log_);
    return *engine_;
  }

  MediaEngine::Answer answer(const std::string& sdp) {
    auto r = engine().answer(sdp);
    if (auto* e = std::get_if<std::string>(&r)) {
      ADD_FAILURE() << "refused: " << *e;
      return {};
    }
    return std::get<MediaEngine::Answer>(std::move(r));
  }

  static std::uint16_t port_of(const std::string& answer_sdp) {
    const auto at = answer_sdp.find("m=audio ");
    return static_cast<std::uint16_t>(std::stoi(answer_sdp.substr(at + 8)));
  }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < end) io_.run_for(5ms);
    return pred();
  }
  void run_for(std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) io_.run_for(5ms);
  }

  asio::io_context io_{1};
  runtime::SystemClock clock_;
  runtime::Logger log_{"mrf", runtime::LogLevel::warning, "", clock_};
  RtpEngineSettings settings_;
  std::unique_ptr<RtpMediaEngine> engine_;
};

// The sequence numbers, timestamps, SSRC and marker of a stream that was
// sent without a pause (RFC 3550 §5.1).
void expect_continuous(const std::vector<Packet>& p, std::uint32_t step) {
  ASSERT_FALSE(p.empty());
  EXPECT_TRUE(p[0].marker());
  for (std::size_t i = 1; i < p.size(); ++i) {
    EXPECT_EQ(p[i].seq(), static_cast<std::uint16_t>(p[0].seq() + i)) << i;
    EXPECT_EQ(p[i].ts(), p[0].ts() + step * i) << i;
    EXPECT_EQ(p[i].ssrc(), p[0].ssrc()) << i;
    EXPECT_FALSE(p[i].marker()) << i;
  }
}

TEST_F(MrfRtpSession, PlaysPcmuToneOnce) {
  Peer phone(io_);
  auto a = answer(offer(phone.port(), "0 101", "a=rtpmap:101 telephone-event/8000\r\n"));
  ASSERT_TRUE(a.session);
  EXPECT_EQ(a.session->pcm_rate(), 8000);
  int done = 0;
  a.session->play(PlayRequest{tone(8000, 1000ms), 1, 0ms, std::nullopt}, [&] { ++done; });
  ASSERT_TRUE(run_until([&] { return done > 0 && phone.packets.size() >= 50; }));
  run_for(200ms);  // nothing after the end
  EXPECT_EQ(done, 1);
  ASSERT_EQ(phone.packets.size(), 50u);
  expect_continuous(phone.packets, 160);
  // paced: 50 packets of 20 ms take about a second
  const auto span = phone.packets.back().at - phone.packets.front().at;
  EXPECT_GT(span, 900ms);
  EXPECT_LT(span, 3000ms);  // generous: a loaded CI machine

  imsbox::media::test::LibavDecoder decoder(AV_CODEC_ID_PCM_MULAW, 8000);
  ASSERT_TRUE(decoder.ok());
  std::vector<std::int16_t> heard;
  for (const auto& p : phone.packets) {
    EXPECT_EQ(p.pt(), 0);
    ASSERT_TRUE(decoder.decode(p.payload(), heard));
  }
  const auto m = imsbox::media::measure_tone(heard, 8000);
  EXPECT_NEAR(m.frequency_hz, 1000, 20);
  EXPECT_GT(m.tone_fraction, 0.9);
  const auto stats = a.session->stats();
  EXPECT_EQ(stats.packets_sent, 50u);
  EXPECT_EQ(stats.codec, "PCMU/8000");
}

// AMR-WB octet-aligned (RFC 4867 §4.4): one frame per packet, CMR octet,
// ToC, then the speech bits; libavcodec's decoder takes the frame in the
// storage format (RFC 4867 §5.3), whose header octet is the ToC without F.
TEST_F(MrfRtpSession, PlaysAmrWbOctetAlignedThatLibavcodecDecodes) {
  Peer phone(io_);
  auto a = answer(offer(phone.port(), "97", "a=rtpmap:97 AMR-WB/16000\r\na=fmtp:97 octet-align=1\r\n"));
  ASSERT_TRUE(a.session);
  EXPECT_EQ(a.session->pcm_rate(), 16000);
  int done = 0;
  a.session->play(PlayRequest{tone(16000, 1000ms), 1, 0ms, std::nullopt}, [&] { ++done; });
  // the last packet may still be on its way to the phone when the play ends
  ASSERT_TRUE(run_until([&] { return done > 0 && phone.packets.size() >= 50; }));
  run_for(200ms);  // nothing after the end
  ASSERT_EQ(phone.packets.size(), 50u);
  expect_continuous(phone.packets, 320);
  imsbox::media::test::LibavDecoder decoder(AV_CODEC_ID_AMR_WB, 16000);
  ASSERT_TRUE(decoder.ok());
  constexpr std::array<std::size_t, 10> kFrameBytes = {17, 23, 32, 36, 40, 46, 50, 58, 60, 5};
  std::vector<std::int16_t> heard;
  for (const auto& p : phone.packets) {
    const auto payload = p.payload();
    ASSERT_GE(payload.size(), 2u);
    const std::uint8_t toc = payload[1];
    ASSERT_EQ(toc & 0x80, 0) << "one frame per packet";
    const std::size_t ft = (toc >> 3) & 0x0f;
    ASSERT_LT(ft, kFrameBytes.size());
    ASSERT_EQ(payload.size(), 2 + kFrameBytes[ft]);
    std::vector<std::uint8_t> storage{static_cast<std::uint8_t>(toc & 0x7c)};
    storage.insert(storage.end(), payload.begin() + 2, payload.end());
    ASSERT_TRUE(decoder.decode(storage, heard));
  }
  ASSERT_GT(heard.size(), 8000u);
  const auto m = imsbox::media::measure_tone(std::span(heard).subspan(3200), 16000);
  EXPECT_NEAR(m.frequency_hz, 1000, 20);
  EXPECT_GT(m.tone_fraction, 0.8);
}

TEST_F(MrfRtpSession, LatchesToWhereTheFirstPacketCameFrom) {
  Peer said(io_), real(io_);
  auto a = answer(offer(said.port(), "0", ""));
  ASSERT_TRUE(a.session);
  const std::uint16_t mrf = port_of(a.sdp);
  // before a packet: the SDP's address
  a.session->play(PlayRequest{tone(8000, 5000ms), 1, 0ms, std::nullopt}, nullptr);
  ASSERT_TRUE(run_until([&] { return said.packets.size() >= 3; }));
  const std::vector<std::uint8_t> silence(160, 0xff);
  real.send(rtp_packet(true, 0, 1, 0, 0x1234, silence), mrf);
  ASSERT_TRUE(run_until([&] { return real.packets.size() >= 5; }));
  const auto before = said.packets.size();
  run_for(100ms);
  EXPECT_LE(said.packets.size(), before + 1);  // one may have been on its way
  EXPECT_EQ(a.session->stats().packets_received, 1u);
  ASSERT_TRUE(a.session->stats().last_received);
}

// RFC 4733 §2.5: the start of an event, updates, the end packet three times;
// a digit reported once at its end.
TEST_F(MrfRtpSession, ReportsEachDigitOnce) {
  Peer phone(io_);
  auto a = answer(offer(phone.port(), "0 101", "a=rtpmap:101 telephone-event/8000\r\n"));
  ASSERT_TRUE(a.session);
  const std::uint16_t mrf = port_of(a.sdp);
  std::string digits;
  a.session->on_digit([&](char d) { digits += d; });
  std::uint16_t seq = 100;
  auto send_event = [&](std::uint8_t event, std::uint32_t ts) {
    for (int i = 0; i < 6; ++i) {
      const bool end = i >= 3;
      const std::uint16_t duration = static_cast<std::uint16_t>(end ? 800 : 400 * (i + 1) / 2);
      const std::array<std::uint8_t, 4> payload = {event, static_cast<std::uint8_t>((end ? 0x80 : 0) | 10),
                                                   static_cast<std::uint8_t>(duration >> 8),
                                                   static_cast<std::uint8_t>(duration)};
      phone.send(rtp_packet(i == 0, 101, end ? static_cast<std::uint16_t>(seq) : seq++, ts, 0xabcd, payload), mrf);
      run_for(10ms);
    }
    ++seq;
  };
  send_event(5, 8000);
  send_event(11, 16000);   // '#'
  send_event(11, 16000);   // the same event again (retransmitted): nothing new
  ASSERT_TRUE(run_until([&] { return digits.size() >= 2; }, 2s));
  run_for(100ms);
  EXPECT_EQ(digits, "5#");
  EXPECT_EQ(a.session->stats().digits_received, 2u);
}

// All three end packets lost: the digit still counts once its packets stop,
// and end packets that come late add nothing.
TEST_F(MrfRtpSession, ReportsADigitWhoseEndWasLost) {
  Peer phone(io_);
  auto a = answer(offer(phone.port(), "0 101", "a=rtpmap:101 telephone-event/8000\r\n"));
  ASSERT_TRUE(a.session);
  const std::uint16_t mrf = port_of(a.sdp);
  std::string digits;
  a.session->on_digit([&](char d) { digits += d; });
  auto packet = [&](std::uint16_t seq, bool end, std::uint16_t duration) {
    const std::array<std::uint8_t, 4> payload = {7, static_cast<std::uint8_t>((end ? 0x80 : 0) | 10),
                                                 static_cast<std::uint8_t>(duration >> 8),
                                                 static_cast<std::uint8_t>(duration)};
    phone.send(rtp_packet(seq == 1, 101, seq, 4000, 0x99, payload), mrf);
  };
  packet(1, false, 160);
  run_for(40ms);
  packet(2, false, 400);
  run_for(200ms);
  EXPECT_EQ(digits, "");  // not yet: the event may go on
  ASSERT_TRUE(run_until([&] { return !digits.empty(); }, 2s));
  EXPECT_EQ(digits, "7");
  packet(3, true, 800);
  packet(3, true, 800);
  run_for(700ms);
  EXPECT_EQ(digits, "7");
}

TEST_F(MrfRtpSession, EchoesWhatItHearsAfterTheDelay) {
  Peer phone(io_);
  auto a = answer(offer(phone.port(), "0", ""));
  ASSERT_TRUE(a.session);
  const std::uint16_t mrf = port_of(a.sdp);
  a.session->echo(300ms);
  run_for(200ms);
  phone.packets.clear();  // the silence before

  imsbox::media::test::LibavEncoder encoder(AV_CODEC_ID_PCM_MULAW, 8000);
  ASSERT_TRUE(encoder.ok());
  const auto pcm = tone(8000, 1000ms, 1000);
  const auto first_sent = std::chrono::steady_clock::now();
  auto next = first_sent;
  for (std::size_t f = 0; f < 50; ++f) {
    const auto payload = encoder.encode(std::span(pcm).subspan(f * 160, 160));
    phone.send(rtp_packet(f == 0, 0, static_cast<std::uint16_t>(f), static_cast<std::uint32_t>(f * 160), 0x77,
                          payload),
               mrf);
    next += 20ms;
    while (std::chrono::steady_clock::now() < next) io_.run_for(2ms);
  }
  run_for(600ms);

  imsbox::media::test::LibavDecoder decoder(AV_CODEC_ID_PCM_MULAW, 8000);
  std::vector<std::int16_t> heard;
  std::optional<std::chrono::steady_clock::time_point> first_loud;
  for (const auto& p : phone.packets) {
    std::vector<std::int16_t> frame;
    ASSERT_TRUE(decoder.decode(p.payload(), frame));
    double energy = 0;
    for (auto s : frame) energy += double(s) * s;
    if (!first_loud && energy / double(frame.size()) > 1e6) first_loud = p.at;
    heard.insert(heard.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(first_loud) << "no tone came back";
  // `delay` later (the jitter buffer's 40 ms are part of it), give or take a tick or two
  EXPECT_GT(*first_loud - first_sent, 260ms);
  EXPECT_LT(*first_loud - first_sent, 1500ms);
  const auto scan = imsbox::media::scan_tone(heard, 8000, imsbox::media::ToneCriteria{}, 100);
  EXPECT_GE(scan.with_tone, 8u);  // of the second sent, ~1 s heard back
  EXPECT_EQ(a.session->stats().packets_received, 50u);
}

// RFC 3550 §6: SR + SDES CNAME to the a=rtcp port, with a report block on
// the peer's stream once it sent some RTP.
TEST_F(MrfRtpSession, SendsSenderReportsToTheRtcpPort) {
  settings_.rtcp_interval = 200ms;
  Peer phone(io_), phone_rtcp(io_);
  auto a = answer(offer(phone.port(), "0", "a=rtcp:" + std::to_string(phone_rtcp.port()) + "\r\n"));
  ASSERT_TRUE(a.session);
  const std::uint16_t mrf = port_of(a.sdp);
  a.session->play(PlayRequest{tone(8000, 5000ms), 1, 0ms, std::nullopt}, nullptr);
  const std::vector<std::uint8_t> silence(160, 0xff);
  for (std::uint16_t i = 0; i < 20; ++i) {
    phone.send(rtp_packet(i == 0, 0, i, i * 160u, 0xfeed, silence), mrf);
    run_for(20ms);
  }
  ASSERT_TRUE(run_until([&] { return phone_rtcp.packets.size() >= 2; }, 3s));
  const auto& last = phone_rtcp.packets.back().bytes;
  ASSERT_TRUE(rtp::starts_with_report(last));
  rtp::RtcpCompoundReader reader(last);
  rtp::RtcpPacket p;
  bool sr = false, sdes = false;
  while (reader.next(p)) {
    if (p.type == rtp::rtcp_type::sr) {
      const auto report = rtp::parse_sender_report(p);
      ASSERT_TRUE(report);
      EXPECT_EQ(report->ssrc, phone.packets.back().ssrc());
      EXPECT_GT(report->sender.packet_count, 0u);
      ASSERT_EQ(report->reports.size(), 1u);
      EXPECT_EQ(report->reports[0].ssrc, 0xfeedu);
      sr = true;
    }
    if (p.type == rtp::rtcp_type::sdes) sdes = true;
  }
  EXPECT_TRUE(sr);
  EXPECT_TRUE(sdes);
}

TEST_F(MrfRtpSession, HoldStopsSendingAndResumeMarksTheTalkspurt) {
  Peer phone(io_);
  auto a = answer(offer(phone.port(), "8", ""));
  ASSERT_TRUE(a.session);
  a.session->play(PlayRequest{tone(8000, 1000ms), 0, 0ms, std::nullopt}, nullptr);  // endless
  ASSERT_TRUE(run_until([&] { return phone.packets.size() >= 5; }));

  auto held = a.session->update(offer(phone.port(), "8", "", "sendonly"));
  ASSERT_EQ(held.index(), 0u) << std::get<1>(held);
  EXPECT_NE(std::get<0>(held).find("a=recvonly"), std::string::npos);
  EXPECT_NE(std::get<0>(held).find("o=imsbox-mrf "), std::string::npos);
  run_for(60ms);
  const auto during = phone.packets.size();
  run_for(300ms);
  EXPECT_EQ(phone.packets.size(), during);

  auto resumed = a.session->update(offer(phone.port(), "8", ""));
  ASSERT_EQ(resumed.index(), 0u);
  EXPECT_NE(std::get<0>(resumed).find("a=sendrecv"), std::string::npos);
  ASSERT_TRUE(run_until([&] { return phone.packets.size() >= during + 3; }));
  const auto& first = phone.packets[during];
  const auto& last = phone.packets[during - 1];
  EXPECT_TRUE(first.marker());
  EXPECT_EQ(first.seq(), static_cast<std::uint16_t>(last.seq() + 1));
  // the timestamp went on through the hold (about 17 frames of 160)
  EXPECT_GT(first.ts() - last.ts(), 160u * 10);

  // a refused re-offer leaves the session as it was
  auto bad = a.session->update(offer(phone.port(), "18", ""));
  ASSERT_EQ(bad.index(), 1u);
  EXPECT_NE(std::get<1>(bad).find("no common codec"), std::string::npos);
  const auto now = phone.packets.size();
  ASSERT_TRUE(run_until([&] { return phone.packets.size() >= now + 3; }));
  EXPECT_EQ(phone.packets.back().pt(), 8);
}

TEST_F(MrfRtpSession, ReofferChangesCodec) {
  Peer phone(io_);
  auto a = answer(offer(phone.port(), "0", ""));
  ASSERT_TRUE(a.session);
  a.session->play(PlayRequest{tone(8000, 1000ms), 0, 0ms, std::nullopt}, nullptr);
  ASSERT_TRUE(run_until([&] { return phone.packets.size() >= 3; }));
  auto changed = a.session->update(offer(phone.port(), "8", ""));
  ASSERT_EQ(changed.index(), 0u);
  EXPECT_EQ(a.session->stats().codec, "PCMA/8000");
  const auto now = phone.packets.size();
  ASSERT_TRUE(run_until([&] { return phone.packets.size() >= now + 3; }));
  EXPECT_EQ(phone.packets.back().pt(), 8);
}

TEST_F(MrfRtpSession, RunsOutOfPortsAndGetsThemBack) {
  settings_.port_max = static_cast<std::uint16_t>(settings_.port_min + 3);  // two pairs
  Peer phone(io_);
  auto first = answer(offer(phone.port(), "0", ""));
  auto second = answer(offer(phone.port(), "0", ""));
  ASSERT_TRUE(first.session && second.session);
  EXPECT_NE(port_of(first.sdp), port_of(second.sdp));
  EXPECT_EQ(port_of(first.sdp) % 2, 0);
  auto third = engine().answer(offer(phone.port(), "0", ""));
  ASSERT_TRUE(std::holds_alternative<std::string>(third));
  EXPECT_NE(std::get<std::string>(third).find("no free media port"), std::string::npos);
  EXPECT_EQ(engine().pairs_in_use(), 2u);
  const auto freed = port_of(first.sdp);
  first.session.reset();
  EXPECT_EQ(engine().pairs_in_use(), 1u);
  auto again = answer(offer(phone.port(), "0", ""));
  ASSERT_TRUE(again.session);
  EXPECT_EQ(port_of(again.sdp), freed);
}

TEST_F(MrfRtpSession, RefusesWhatItCannotAnswer) {
  auto r = engine().answer(offer(5004, "18", ""));
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("no common codec"), std::string::npos);
  EXPECT_EQ(engine().pairs_in_use(), 0u);
}

}  // namespace
}  // namespace imsbox::mrf::media

namespace imsbox::mrf::media {
namespace {

TEST(MrfRtpEngineSettings, FromTheConfiguration) {
  const auto defaults = rtp_engine_settings(runtime::Config::defaults());
  EXPECT_EQ(defaults.port_min, 40000);
  EXPECT_EQ(defaults.port_max, 44999);
  EXPECT_EQ(defaults.bind_address, "127.0.0.1");
  EXPECT_EQ(defaults.advertised_address, "127.0.0.1");
  // apart from the AGW's range
  const auto c = runtime::Config::defaults();
  EXPECT_TRUE(defaults.port_min > c.port("agw.rtp_port_max") || defaults.port_max < c.port("agw.rtp_port_min"));

  const auto set = rtp_engine_settings(
      runtime::Config::parse("[mrf]\nrtp_port_min = 50000\nrtp_port_max = 50001\n", "test.conf"));
  EXPECT_EQ(set.port_min, 50000);
  EXPECT_EQ(set.port_max, 50001);
  EXPECT_THROW(rtp_engine_settings(runtime::Config::parse("[mrf]\nrtp_port_min = 50000\nrtp_port_max = 50000\n", "t")),
               runtime::ConfigError);
  EXPECT_THROW(rtp_engine_settings(runtime::Config::parse("[mrf]\nrtp_port_min = 50001\nrtp_port_max = 50002\n", "t")),
               runtime::ConfigError);  // no even port with its odd neighbour
}

}  // namespace
}  // namespace imsbox::mrf::media
