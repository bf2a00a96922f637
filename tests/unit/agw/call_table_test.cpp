// The media sessions of one worker (CallTable, Call, MediaPath, PhoneLeg) on
// loopback: two "phones" (plain UDP sockets of the test) drive a call
// through ng requests as Kamailio would send them, and exchange RTP through
// the AGW's ports. Time is a ManualClock the test moves in 20 ms steps,
// calling the worker's tick as its loop would.
#include "agw/call_table.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cmath>
#include <optional>
#include <random>
#include <thread>

#include "agw/webrtc/dtls_context.h"
#include "media/codec_factory.h"
#include "media/tone_detector.h"
#include "media/wav.h"
#include "rtp/rtp_packet.h"
#include "rtp/telephone_event.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "sdp/formats.h"
#include "sdp/parser.h"
#include "unit/agw/empty_reads.h"

namespace imsbox::agw {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

// A phone: one UDP socket on loopback, RTP in and out.
struct Phone {
  explicit Phone(asio::io_context& io) : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    socket.non_blocking(true);
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }
  void send(const std::vector<std::uint8_t>& packet, std::uint16_t to) {
    socket.send_to(asio::buffer(packet), udp::endpoint(asio::ip::make_address("127.0.0.1"), to));
  }
  std::optional<std::vector<std::uint8_t>> try_receive() {
    std::vector<std::uint8_t> buf(2048);
    boost::system::error_code ec;
    const std::size_t n = socket.receive_from(asio::buffer(buf), from, 0, ec);
    if (ec) return std::nullopt;
    buf.resize(n);
    return buf;
  }
  udp::socket socket;
  udp::endpoint from;
};

std::vector<std::uint8_t> rtp_packet(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                                     const std::vector<std::uint8_t>& payload, bool marker = false) {
  std::vector<std::uint8_t> out(12 + payload.size());
  rtp::RtpHeaderFields h;
  h.payload_type = pt;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = ssrc;
  h.marker = marker;
  out.resize(rtp::build_rtp(out, h, payload));
  return out;
}

std::string phone_sdp(std::uint16_t port, const std::string& formats, const std::string& attributes) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP " + formats + "\r\n" + attributes;
}

// the port our SDP gives, and the payload type of a codec in it
struct SdpView {
  std::uint16_t port = 0;
  sdp::SessionDescription d;
  std::optional<std::uint8_t> pt(std::string_view encoding, std::uint32_t rate, std::string_view fmtp = {}) const {
    for (const auto& c : codecs_of(d.media.at(0))) {
      if (c.encoding == encoding && c.clock_rate == rate && (fmtp.empty() || c.fmtp == fmtp)) return c.payload_type;
    }
    return std::nullopt;
  }
};
SdpView view(const ng::NgReply& r) {
  EXPECT_EQ(r.result, ng::NgReply::Result::ok) << r.error_reason;
  EXPECT_TRUE(r.sdp);
  SdpView v;
  if (!r.sdp) return v;
  auto p = sdp::parse(*r.sdp);
  EXPECT_TRUE(p.ok()) << p.error();
  if (!p.ok()) return v;
  v.d = *p.description;
  v.port = v.d.media.at(0).port;
  return v;
}

class CallTableTest : public ::testing::Test {
 protected:
  CallTableTest() {
    // a range of our own for this process (2 workers' worth of ports are plenty)
    std::random_device rd;
    base_ = static_cast<std::uint16_t>(20000 + 2 * (rd() % 4000));
    ports_.emplace(base_, static_cast<std::uint16_t>(base_ + 199));
    ctx_.emplace(WorkerContext{io_, log_, clock_, *ports_, dtls_, "127.0.0.1", "127.0.0.1", "127.0.0.1",
                               MediaPathConfig{}, 60s, random_});
    table_.emplace(*ctx_);
  }

  ng::NgRequest request(ng::Command c, const std::string& from, const std::string& to = {},
                        const std::string& body = {}) {
    ng::NgRequest r;
    r.command = c;
    r.call_id = call_id_;
    r.from_tag = from;
    r.to_tag = to;
    r.sdp = body;
    return r;
  }

  // polls the loop until `phone` has a datagram (at most 2 s)
  std::optional<std::vector<std::uint8_t>> receive(Phone& phone) {
    for (int i = 0; i < 2000; ++i) {
      io_.poll();
      if (auto p = phone.try_receive()) return p;
      std::this_thread::sleep_for(1ms);
    }
    return std::nullopt;
  }
  // lets the loop deliver what was sent, for a while
  void settle() {
    for (int i = 0; i < 20; ++i) {
      io_.poll();
      std::this_thread::sleep_for(1ms);
    }
  }
  void step() {
    clock_.advance(20ms);
    table_->tick();
  }

  // a call between phone a (offer) and phone b (answer)
  struct Setup {
    SdpView to_b;  // the offer b got
    SdpView to_a;  // the answer a got
  };
  Setup call(Phone& a, const std::string& offer_formats, const std::string& offer_attributes,
             const std::function<std::string(const SdpView&)>& answer_of) {
    auto r = request(ng::Command::offer, "tag-a", "", phone_sdp(a.port(), offer_formats, offer_attributes));
    r.transport_protocol = "RTP/AVP";
    Setup s;
    s.to_b = view(table_->handle(r));
    s.to_a = view(table_->handle(request(ng::Command::answer, "tag-a", "tag-b", answer_of(s.to_b))));
    return s;
  }

  std::uint16_t base_ = 0;
  asio::io_context io_;
  runtime::ManualClock clock_;
  runtime::Logger log_{"agw", runtime::LogLevel::warning, "", clock_};
  std::optional<PortPool> ports_;
  std::mt19937 random_{7};
  std::shared_ptr<const webrtc::DtlsContext> dtls_;
  std::optional<WorkerContext> ctx_;
  std::optional<CallTable> table_;
  std::string call_id_ = "call-1@test";
};

TEST_F(CallTableTest, RelaysPcmuBothWaysWithOurSsrcAndContinuousNumbers) {
  Phone a(io_), b(io_);
  const auto s = call(a, "0 101", "a=rtpmap:101 telephone-event/8000\r\n", [&](const SdpView&) {
    return phone_sdp(b.port(), "0 101", "a=rtpmap:101 telephone-event/8000\r\n");
  });
  ASSERT_NE(s.to_b.port, 0);
  ASSERT_NE(s.to_a.port, 0);
  EXPECT_NE(s.to_a.port, s.to_b.port);
  EXPECT_EQ(sdp::connection_of(s.to_b.d, s.to_b.d.media[0])->address, "127.0.0.1");
  EXPECT_EQ(s.to_a.d.media[0].formats, (std::vector<std::string>{"0", "101"}));

  const std::vector<std::uint8_t> payload(160, 0x55);
  std::optional<std::uint32_t> ssrc;
  std::optional<std::uint16_t> last_seq;
  for (int i = 0; i < 10; ++i) {
    a.send(rtp_packet(0, static_cast<std::uint16_t>(1000 + i), 5000 + 160 * i, 0xaaaa, payload), s.to_a.port);
    const auto got = receive(b);
    ASSERT_TRUE(got) << "packet " << i << " did not reach b";
    const auto p = rtp::parse_rtp(*got);
    ASSERT_TRUE(p);
    EXPECT_EQ(p.packet.payload_type(), 0);
    EXPECT_EQ(std::vector<std::uint8_t>(p.packet.payload().begin(), p.packet.payload().end()), payload);
    EXPECT_NE(p.packet.ssrc(), 0xaaaau);  // ours
    if (ssrc) {
      EXPECT_EQ(p.packet.ssrc(), *ssrc);
    }
    if (last_seq) {
      EXPECT_EQ(p.packet.sequence(), static_cast<std::uint16_t>(*last_seq + 1));
    }
    ssrc = p.packet.ssrc();
    last_seq = p.packet.sequence();
    step();
  }
  // b answers back: reaches a from the port a's answer named
  b.send(rtp_packet(0, 7, 90, 0xbbbb, payload), s.to_b.port);
  const auto back = receive(a);
  ASSERT_TRUE(back);
  EXPECT_EQ(a.from.port(), s.to_a.port);
  // a new source at a (a re-INVITE elsewhere): b's stream goes on without a jump
  a.send(rtp_packet(0, 40000, 123456789, 0xcccc, payload), s.to_a.port);
  const auto joined = receive(b);
  ASSERT_TRUE(joined);
  const auto j = rtp::parse_rtp(*joined);
  EXPECT_EQ(j.packet.ssrc(), *ssrc);
  EXPECT_EQ(j.packet.sequence(), static_cast<std::uint16_t>(*last_seq + 1));

  const auto q = table_->handle(request(ng::Command::query, "tag-a"));
  ASSERT_EQ(q.result, ng::NgReply::Result::ok) << q.error_reason;
  ASSERT_TRUE(q.stats);
  ASSERT_EQ(q.stats->tags.size(), 2u);
  for (const auto& t : q.stats->tags) {
    ASSERT_EQ(t.medias.size(), 1u);
    const auto& rtp = t.medias[0].streams.at(0);
    if (t.tag == "tag-a") {
      EXPECT_EQ(rtp.stats.packets, 11u);
      EXPECT_EQ(rtp.stats.bytes, 11u * 172);
      EXPECT_EQ(rtp.local_port, s.to_a.port);
      EXPECT_EQ(t.in_dialogue_with, "tag-b");
    } else {
      EXPECT_EQ(t.tag, "tag-b");
      EXPECT_EQ(rtp.stats.packets, 1u);
    }
    EXPECT_EQ(t.medias[0].protocol, "RTP/AVP");
    EXPECT_EQ(t.medias[0].streams.size(), 2u);  // RTP and RTCP (port + 1)
    EXPECT_TRUE(rtp.last_packet);
  }
  EXPECT_EQ(q.stats->totals_rtp.packets, 12u);
  EXPECT_FALSE(q.stats->media_timeout);
}

// Waiting for the next datagram costs a phone leg one read that finds the
// socket empty per wake-up (Asio's receive tries the socket before it waits),
// not two (a drain loop to EAGAIN, then Asio's try).
TEST_F(CallTableTest, APhoneLegReadsItsSocketEmptyOncePerWakeUp) {
  Phone a(io_), b(io_);
  const auto s = call(a, "0", "", [&](const SdpView&) { return phone_sdp(b.port(), "0", ""); });
  ASSERT_NE(s.to_a.port, 0);
  const std::vector<std::uint8_t> payload(160, 0x55);
  constexpr int kPackets = 20;
  test::count_empty_reads_on(base_, static_cast<std::uint16_t>(base_ + 199));  // the AGW's ports only
  for (int i = 0; i < kPackets; ++i) {
    a.send(rtp_packet(0, static_cast<std::uint16_t>(1000 + i), 5000 + 160 * i, 0xaaaa, payload), s.to_a.port);
    ASSERT_TRUE(receive(b)) << "packet " << i << " did not reach b";
  }
  const auto empty = test::empty_reads();
  test::count_empty_reads_on(0, 0);
  EXPECT_GE(empty, static_cast<std::uint64_t>(kPackets) / 2);  // (the count works)
  EXPECT_LE(empty, static_cast<std::uint64_t>(kPackets) * 3 / 2);
}

TEST_F(CallTableTest, LatchesToWhereThePhoneReallySendsFrom) {
  Phone a(io_), b(io_), b_real(io_);
  // b's SDP names one port, its RTP comes from another (NAT)
  const auto s = call(a, "0", "", [&](const SdpView&) { return phone_sdp(b.port(), "0", ""); });
  b_real.send(rtp_packet(0, 1, 160, 0xbbbb, std::vector<std::uint8_t>(160, 1)), s.to_b.port);
  ASSERT_TRUE(receive(a));
  a.send(rtp_packet(0, 1, 160, 0xaaaa, std::vector<std::uint8_t>(160, 2)), s.to_a.port);
  EXPECT_TRUE(receive(b_real));  // sent where b's packets came from
  EXPECT_FALSE(b.try_receive());
  // a third source is not let in
  Phone stranger(io_);
  stranger.send(rtp_packet(0, 2, 320, 0x5555, std::vector<std::uint8_t>(160, 3)), s.to_b.port);
  settle();
  EXPECT_FALSE(a.try_receive());
}

TEST_F(CallTableTest, TranscodesAmrWbToPcmuAndTheToneSurvives) {
  Phone a(io_), b(io_);
  // a (a VoLTE phone) offers AMR-WB octet-aligned only; b answers our PCMU
  const auto s = call(a, "96 100", "a=rtpmap:96 AMR-WB/16000/1\r\na=fmtp:96 octet-align=1\r\n"
                                      "a=rtpmap:100 telephone-event/16000\r\n",
                      [&](const SdpView& offer) {
                        EXPECT_TRUE(offer.pt("PCMU", 8000));
                        return phone_sdp(b.port(), "0 101", "a=rtpmap:101 telephone-event/8000\r\n");
                      });
  ASSERT_NE(s.to_a.port, 0);
  EXPECT_EQ(s.to_a.d.media[0].formats, (std::vector<std::string>{"96", "100"}));
  Call* c = table_->find(call_id_);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->path().transcoding());

  // 1.5 s of a 1 kHz tone encoded as a's phone would
  const std::string fmtp = "octet-align=1";
  auto enc = media::make_codec("AMR-WB", 16000, 1, media::parse_fmtp(fmtp));
  ASSERT_TRUE(enc.codec) << enc.error;
  auto dec = media::make_codec("PCMU", 8000, 1, {});
  ASSERT_TRUE(dec.codec);
  std::vector<std::int16_t> pcm(320);
  std::vector<std::int16_t> heard;
  std::vector<std::uint8_t> payload(media::kMaxPayload);
  std::optional<std::uint16_t> last_seq;
  int out_of_order = 0;
  for (int i = 0; i < 75; ++i) {
    for (std::size_t k = 0; k < pcm.size(); ++k) {
      pcm[k] = static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 1000 * (i * 320.0 + k) / 16000));
    }
    const auto e = enc.codec->encode(pcm, payload);
    ASSERT_EQ(e.error, media::CodecError::none);
    a.send(rtp_packet(96, static_cast<std::uint16_t>(i), 320u * i, 0xaaaa,
                      std::vector<std::uint8_t>(payload.begin(), payload.begin() + e.size)),
           s.to_a.port);
    settle();
    step();
    while (auto got = b.try_receive()) {
      const auto p = rtp::parse_rtp(*got);
      ASSERT_TRUE(p);
      EXPECT_EQ(p.packet.payload_type(), 0);
      if (last_seq && p.packet.sequence() != static_cast<std::uint16_t>(*last_seq + 1)) ++out_of_order;
      last_seq = p.packet.sequence();
      std::vector<std::int16_t> out(1920);
      const auto d = dec.codec->decode(p.packet.payload(), out);
      heard.insert(heard.end(), out.begin(), out.begin() + d.samples);
    }
  }
  EXPECT_EQ(out_of_order, 0);
  ASSERT_GE(heard.size(), 8000u);  // over a second of audio came out
  // the last second, past the codec's start-up
  const std::span<const std::int16_t> tail(heard.data() + heard.size() - 8000, 8000);
  const auto m = media::measure_tone(tail, 8000);
  EXPECT_NEAR(m.frequency_hz, 1000, 20) << "level " << m.level_dbfs;
  EXPECT_GT(m.tone_fraction, 0.5);
}

TEST_F(CallTableTest, ReoffersWithTheSameCodecsKeepTheTranscoder) {
  Phone a(io_), b(io_);
  const auto s = call(a, "96", "a=rtpmap:96 AMR-WB/16000/1\r\n", [&](const SdpView&) {
    return phone_sdp(b.port(), "0", "");
  });
  Call* c = table_->find(call_id_);
  ASSERT_TRUE(c && c->path().transcoding());
  const auto* transcoder = c->path().transcoder();
  // hold from the callee (an SDP-less re-INVITE's offer would look the same), then resume from the caller
  view(table_->handle(request(ng::Command::offer, "tag-b", "tag-a", phone_sdp(b.port(), "0", "a=sendonly\r\n"))));
  view(table_->handle(
      request(ng::Command::answer, "tag-b", "tag-a", phone_sdp(a.port(), "96", "a=rtpmap:96 AMR-WB/16000/1\r\na=recvonly\r\n"))));
  EXPECT_TRUE(c->path().transcoding());
  EXPECT_EQ(c->path().transcoder(), transcoder);
  view(table_->handle(request(ng::Command::offer, "tag-a", "tag-b", phone_sdp(a.port(), "96", "a=rtpmap:96 AMR-WB/16000/1\r\n"))));
  view(table_->handle(request(ng::Command::answer, "tag-a", "tag-b", phone_sdp(b.port(), "0", ""))));
  EXPECT_EQ(c->path().transcoder(), transcoder);
  // a codec change makes a new one
  view(table_->handle(request(ng::Command::offer, "tag-a", "tag-b", phone_sdp(a.port(), "96", "a=rtpmap:96 AMR-WB/16000/1\r\n"))));
  view(table_->handle(request(ng::Command::answer, "tag-a", "tag-b", phone_sdp(b.port(), "8", ""))));
  EXPECT_TRUE(c->path().transcoding());
  EXPECT_NE(c->path().transcoder(), nullptr);
  EXPECT_EQ(c->path().plan().answerer_codec.encoding, "PCMA");
  // and media still flows after all that: a's AMR-WB reaches b as PCMA
  auto enc = media::make_codec("AMR-WB", 16000, 1, {});
  std::vector<std::int16_t> pcm(320, 0);
  std::vector<std::uint8_t> payload(media::kMaxPayload);
  std::optional<std::vector<std::uint8_t>> got;
  for (int i = 0; i < 20 && !got; ++i) {
    const auto e = enc.codec->encode(pcm, payload);
    a.send(rtp_packet(96, static_cast<std::uint16_t>(i), 320u * i, 0xaaaa,
                      std::vector<std::uint8_t>(payload.begin(), payload.begin() + e.size)),
           s.to_a.port);
    settle();
    step();
    got = b.try_receive();
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(rtp::parse_rtp(*got).packet.payload_type(), 8);
}

TEST_F(CallTableTest, TelephoneEventsAreRescaledWhenTranscoding) {
  Phone a(io_), b(io_);
  const auto s = call(a, "96 100", "a=rtpmap:96 AMR-WB/16000/1\r\na=rtpmap:100 telephone-event/16000\r\n",
                      [&](const SdpView&) {
                        return phone_sdp(b.port(), "0 101", "a=rtpmap:101 telephone-event/8000\r\n");
                      });
  // digit 5 at 16 kHz: duration 1600 = 100 ms, end packet
  std::vector<std::uint8_t> event(4);
  rtp::build_telephone_event(event, rtp::TelephoneEvent{5, true, 10, 1600});
  a.send(rtp_packet(100, 1, 32000, 0xaaaa, event, true), s.to_a.port);
  const auto got = receive(b);
  ASSERT_TRUE(got);
  const auto p = rtp::parse_rtp(*got);
  ASSERT_TRUE(p);
  EXPECT_EQ(p.packet.payload_type(), 101);
  const auto e = rtp::parse_telephone_event(p.packet.payload());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, 5);
  EXPECT_TRUE(e->end);
  EXPECT_EQ(e->duration, 800);  // 100 ms at 8 kHz
}

TEST_F(CallTableTest, PlayDtmfInjectsRfc4733TowardTheOtherParty) {
  Phone a(io_), b(io_);
  const auto s = call(a, "0 101", "a=rtpmap:101 telephone-event/8000\r\n", [&](const SdpView&) {
    return phone_sdp(b.port(), "0 102", "a=rtpmap:102 telephone-event/8000\r\n");
  });
  // as a SIP INFO from a would ask: digit '#' pressed by a, heard by b
  auto r = request(ng::Command::play_dtmf, "tag-a");
  r.code = 11;
  r.duration_ms = 100;
  ASSERT_EQ(table_->handle(r).result, ng::NgReply::Result::ok);
  std::vector<rtp::TelephoneEvent> seen;
  for (int i = 0; i < 20; ++i) {
    step();
    settle();
    while (auto got = b.try_receive()) {
      const auto p = rtp::parse_rtp(*got);
      ASSERT_TRUE(p);
      EXPECT_EQ(p.packet.payload_type(), 102);
      seen.push_back(*rtp::parse_telephone_event(p.packet.payload()));
    }
  }
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.front().event, 11);
  EXPECT_FALSE(seen.front().end);
  EXPECT_TRUE(seen.back().end);
  EXPECT_EQ(seen.back().duration, 800);
  // no code, unknown tag: refused
  auto bad = request(ng::Command::play_dtmf, "tag-a");
  EXPECT_EQ(table_->handle(bad).error_reason, "play DTMF needs a code (0-9, *, #, A-D)");
  bad = request(ng::Command::play_dtmf, "tag-x");
  bad.code = 1;
  EXPECT_EQ(table_->handle(bad).result, ng::NgReply::Result::error);
}

// A prompt store of one prompt, "hello": 100 ms of 1 kHz at 16 kHz.
class OnePrompt : public PromptSource {
 public:
  std::optional<media::WavAudio> find(std::string_view name) const override {
    if (name != "hello") return std::nullopt;
    media::WavAudio w;
    w.sample_rate = 16000;
    w.samples.resize(1600);
    media::generate_tone(w.samples, 16000, 1000);
    return w;
  }
};

TEST_F(CallTableTest, PlayMediaReplacesWhatThePartyHearsThenTheRelayResumes) {
  Phone a(io_), b(io_);
  const auto s = call(a, "0", "", [&](const SdpView&) { return phone_sdp(b.port(), "0", ""); });
  // 300 ms of a 1 kHz tone at 16 kHz in a WAV file: converted to PCMU's 8 kHz
  std::vector<std::int16_t> tone(4800);
  media::generate_tone(tone, 16000, 1000);
  const std::string wav = ::testing::TempDir() + "/agw_play_tone.wav";
  ASSERT_TRUE(media::write_wav_file(wav, tone, 16000));
  auto dec = media::make_codec("PCMU", 8000, 1, {});
  ASSERT_TRUE(dec.codec);

  const std::vector<std::uint8_t> talk(160, 0x55);  // what a says (not a tone)
  std::uint16_t a_seq = 100;
  std::uint32_t a_ts = 9000;
  std::vector<std::vector<std::uint8_t>> got;  // what b received, in order
  const auto run = [&](int steps) {
    for (int i = 0; i < steps; ++i) {
      a.send(rtp_packet(0, a_seq++, a_ts, 0xaaaa, talk), s.to_a.port);
      a_ts += 160;
      settle();
      step();
      settle();
      while (auto p = b.try_receive()) got.push_back(*p);
    }
  };
  run(5);
  const std::size_t relayed_before = got.size();
  ASSERT_GE(relayed_before, 4u);

  // b hears the file (from-tag names the party that hears it, as in rtpengine)
  auto play = request(ng::Command::play_media, "tag-b");
  play.file = wav;
  const auto reply = table_->handle(play);
  ASSERT_EQ(reply.result, ng::NgReply::Result::ok) << reply.error_reason;
  EXPECT_EQ(reply.duration_ms, 300);
  run(25);  // 15 frames of announcement, then a's talk again
  run(1);

  std::vector<std::int16_t> heard;
  std::size_t talk_during = 0, played = 0, talk_after = 0;
  bool in_play = false, after_play = false;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto p = rtp::parse_rtp(got[i]);
    ASSERT_TRUE(p);
    const std::vector<std::uint8_t> payload(p.packet.payload().begin(), p.packet.payload().end());
    const bool is_talk = payload == talk;
    if (i >= relayed_before) {
      if (!is_talk) {
        EXPECT_FALSE(after_play) << "announcement audio after the relay resumed, packet " << i;
        in_play = true;
        ++played;
        std::vector<std::int16_t> out(160);
        const auto d = dec.codec->decode(p.packet.payload(), out);
        heard.insert(heard.end(), out.begin(), out.begin() + d.samples);
        if (played == 1) {
          EXPECT_TRUE(p.packet.marker());
        }
      } else if (in_play) {
        after_play = true;
        ++talk_after;
      } else {
        ++talk_during;  // relayed before the first tick of the announcement
      }
    }
    if (i > 0) {
      // one stream: same SSRC, sequence +1, timestamp +160 per 20 ms packet
      const auto q = rtp::parse_rtp(got[i - 1]);
      EXPECT_EQ(p.packet.ssrc(), q.packet.ssrc()) << "packet " << i;
      EXPECT_EQ(p.packet.sequence(), static_cast<std::uint16_t>(q.packet.sequence() + 1)) << "packet " << i;
      const auto dts = static_cast<std::int32_t>(p.packet.timestamp() - q.packet.timestamp());
      EXPECT_GE(dts, 160) << "packet " << i;
      EXPECT_LE(dts, 320) << "packet " << i;
    }
  }
  EXPECT_EQ(played, 15u);
  EXPECT_LE(talk_during, 1u);
  EXPECT_GE(talk_after, 8u);
  const auto m = media::measure_tone(heard, 8000);
  EXPECT_NEAR(m.frequency_hz, 1000, 20);
  EXPECT_GT(m.tone_fraction, 0.8);

  // nothing playing now: stop media is refused as rtpengine does
  auto stop = request(ng::Command::stop_media, "tag-b");
  EXPECT_EQ(table_->handle(stop).error_reason, "Not currently playing media");
  // a prompt by name, repeated, stopped early: the relay resumes at once
  OnePrompt prompts;
  ctx_->prompts = &prompts;
  play.file = "hello";
  play.repeat_times = 10;
  const auto again = table_->handle(play);
  ASSERT_EQ(again.result, ng::NgReply::Result::ok) << again.error_reason;
  EXPECT_EQ(again.duration_ms, 100);
  got.clear();
  run(8);
  const auto stopped = table_->handle(stop);
  ASSERT_EQ(stopped.result, ng::NgReply::Result::ok) << stopped.error_reason;
  ASSERT_TRUE(stopped.last_frame_pos);
  EXPECT_EQ(*stopped.last_frame_pos, 9 % 5);  // the first frame at once, then one per tick
  const std::size_t at_stop = got.size();
  run(4);
  ASSERT_GT(got.size(), at_stop);
  for (std::size_t i = at_stop; i < got.size(); ++i) {
    const auto p = rtp::parse_rtp(got[i]);
    EXPECT_EQ(std::vector<std::uint8_t>(p.packet.payload().begin(), p.packet.payload().end()), talk);
  }
  ctx_->prompts = nullptr;
}

TEST_F(CallTableTest, PlayMediaErrorsNameTheProblem) {
  Phone a(io_), b(io_);
  call(a, "0", "", [&](const SdpView&) { return phone_sdp(b.port(), "0", ""); });
  auto r = request(ng::Command::play_media, "tag-x");
  r.file = "/nonexistent/x.wav";
  EXPECT_EQ(table_->handle(r).error_reason, "From-tag given, but no such tag exists");
  r.from_tag.clear();
  EXPECT_EQ(table_->handle(r).error_reason, "No participant party specified");
  r.from_tag = "tag-a";
  const auto unreadable = table_->handle(r);
  EXPECT_EQ(unreadable.result, ng::NgReply::Result::error);
  EXPECT_NE(unreadable.error_reason.find("cannot play '/nonexistent/x.wav'"), std::string::npos)
      << unreadable.error_reason;
  r.file = "no-such-prompt";
  EXPECT_NE(table_->handle(r).error_reason.find("no such prompt"), std::string::npos);
  r.file.clear();
  r.blob = "RIFF junk";
  EXPECT_NE(table_->handle(r).error_reason.find("the blob is not a WAV file"), std::string::npos);
  // a WAV file's bytes as the blob
  std::vector<std::int16_t> tone(800);
  media::generate_tone(tone, 8000, 1000);
  const auto bytes = media::serialize_wav(tone, 8000);
  r.blob.assign(bytes.begin(), bytes.end());
  const auto ok = table_->handle(r);
  EXPECT_EQ(ok.result, ng::NgReply::Result::ok) << ok.error_reason;
  EXPECT_EQ(ok.duration_ms, 100);
  auto unknown = request(ng::Command::stop_media, "tag-a");
  unknown.call_id = "other";
  EXPECT_EQ(table_->handle(unknown).error_reason, "Unknown call-id");
}

TEST_F(CallTableTest, JunkOnTheMediaPortsIsDroppedAndCounted) {
  Phone a(io_), b(io_);
  const auto s = call(a, "0", "", [&](const SdpView&) { return phone_sdp(b.port(), "0", ""); });
  std::mt19937 junk(3);
  for (int i = 0; i < 200; ++i) {
    std::vector<std::uint8_t> d(junk() % 300);
    for (auto& x : d) x = static_cast<std::uint8_t>(junk());
    if (i % 4 == 0 && !d.empty()) d[0] = 0x80;                  // RTP-looking, truncated or padded wrong
    if (i % 4 == 1 && d.size() > 1) { d[0] = 0x80; d[1] = 200; }  // RTCP-looking
    if (i % 4 == 2 && !d.empty()) d[0] = 0x00;                    // STUN-looking
    a.send(d, s.to_a.port);
    a.send(d, static_cast<std::uint16_t>(s.to_a.port + 1));
  }
  a.send({}, s.to_a.port);
  settle();
  while (b.try_receive()) {  // junk that happened to be RTP of payload type 0 was relayed
  }
  // the call still works
  const std::vector<std::uint8_t> voice(160, 1);
  a.send(rtp_packet(0, 1, 160, 0xaaaa, voice), s.to_a.port);
  const auto got = receive(b);
  ASSERT_TRUE(got);
  const auto p = rtp::parse_rtp(*got);
  ASSERT_TRUE(p);
  EXPECT_EQ(std::vector<std::uint8_t>(p.packet.payload().begin(), p.packet.payload().end()), voice);
  const auto q = table_->handle(request(ng::Command::query, "tag-a"));
  ASSERT_TRUE(q.stats);
  EXPECT_GT(q.stats->totals_rtp.errors, 0u);
}

TEST_F(CallTableTest, MediaTimeoutIsReportedThenTheCallIsFreed) {
  ctx_->media_timeout = 5s;
  Phone a(io_), b(io_);
  const auto s = call(a, "0", "", [&](const SdpView&) { return phone_sdp(b.port(), "0", ""); });
  a.send(rtp_packet(0, 1, 160, 0xaaaa, std::vector<std::uint8_t>(160, 1)), s.to_a.port);
  ASSERT_TRUE(receive(b));
  for (int i = 0; i < 4; ++i) {
    clock_.advance(1s);
    table_->housekeeping();
  }
  EXPECT_FALSE(table_->handle(request(ng::Command::query, "tag-a")).stats->media_timeout);
  clock_.advance(1s);
  table_->housekeeping();
  const auto q = table_->handle(request(ng::Command::query, "tag-a"));
  ASSERT_TRUE(q.stats);
  EXPECT_TRUE(q.stats->media_timeout);
  // nobody asks any more: freed after another media_timeout
  for (int i = 0; i < 6; ++i) {
    clock_.advance(1s);
    table_->housekeeping();
  }
  EXPECT_EQ(table_->size(), 0u);
  EXPECT_EQ(table_->handle(request(ng::Command::query, "tag-a")).error_reason, "Unknown call-id");
}

TEST_F(CallTableTest, HoldSuspendsTheMediaTimeout) {
  ctx_->media_timeout = 3s;
  Phone a(io_), b(io_);
  call(a, "0", "a=sendonly\r\n", [&](const SdpView&) { return phone_sdp(b.port(), "0", "a=recvonly\r\n"); });
  for (int i = 0; i < 10; ++i) {
    clock_.advance(1s);
    table_->housekeeping();
  }
  EXPECT_FALSE(table_->handle(request(ng::Command::query, "tag-a")).stats->media_timeout);
}

TEST_F(CallTableTest, ReofferKeepsThePortsAndLateOfferFromTheCalleeWorks) {
  Phone a(io_), b(io_);
  const auto s = call(a, "0 8", "", [&](const SdpView&) { return phone_sdp(b.port(), "8", ""); });
  // hold from a: same ports, direction carried
  auto r = request(ng::Command::offer, "tag-a", "tag-b", phone_sdp(a.port(), "0 8", "a=sendonly\r\n"));
  const auto hold = view(table_->handle(r));
  EXPECT_EQ(hold.port, s.to_b.port);
  EXPECT_EQ(sdp::direction(hold.d, hold.d.media[0]), sdp::Direction::sendonly);
  // the callee re-offers (a re-INVITE without SDP answered by it: rtpengine's tags swapped)
  r = request(ng::Command::offer, "tag-b", "tag-a", phone_sdp(b.port(), "0", ""));
  const auto to_a = view(table_->handle(r));
  EXPECT_EQ(to_a.port, s.to_a.port);
  const auto to_b = view(table_->handle(request(ng::Command::answer, "tag-b", "tag-a", phone_sdp(a.port(), "0", ""))));
  EXPECT_EQ(to_b.port, s.to_b.port);
  // media still flows, now PCMU
  a.send(rtp_packet(0, 1, 160, 0xaaaa, std::vector<std::uint8_t>(160, 1)), s.to_a.port);
  const auto got = receive(b);
  ASSERT_TRUE(got);
  EXPECT_EQ(rtp::parse_rtp(*got).packet.payload_type(), 0);
}

// One offer answered from two early dialogs (the S-CSCF forked it to two
// contacts: two 183s with SDP, each with its To tag, as rtpengine keys
// them), then the first one's 200 answers again with its tag: that phone's
// media flows both ways, the other's is dropped, also when its early media
// (it sends until its CANCEL) reaches the AGW's port first.
TEST_F(CallTableTest, ForkedEarlyDialogsTheFinalAnswersToTagKeepsTheMedia) {
  Phone a(io_), b1(io_), b2(io_);
  const auto to_b = view(table_->handle(request(ng::Command::offer, "tag-a", "", phone_sdp(a.port(), "0", ""))));
  const auto answer = [&](const std::string& tag, Phone& phone) {
    return view(table_->handle(request(ng::Command::answer, "tag-a", tag, phone_sdp(phone.port(), "0", ""))));
  };
  const auto payload_of = [](const std::vector<std::uint8_t>& packet) {
    const auto p = rtp::parse_rtp(packet);
    return std::vector<std::uint8_t>(p.packet.payload().begin(), p.packet.payload().end());
  };
  // everything `phone` gets within a while
  const auto all = [&](Phone& phone) {
    settle();
    std::vector<std::vector<std::uint8_t>> got;
    while (auto p = phone.try_receive()) got.push_back(payload_of(*p));
    return got;
  };
  const std::vector<std::uint8_t> from_a(160, 0x0a), from_b1(160, 0xb1), from_b2(160, 0xb2);
  std::uint16_t seq1 = 1, seq2 = 1;
  const auto send_b1 = [&] { b1.send(rtp_packet(0, seq1, 160u * seq1, 0xb1b1, from_b1), to_b.port), ++seq1; };
  const auto send_b2 = [&] { b2.send(rtp_packet(0, seq2, 160u * seq2, 0xb2b2, from_b2), to_b.port), ++seq2; };

  // early dialog 1, then early dialog 2: the last answer's phone is heard
  const auto to_a = answer("tag-b1", b1);
  send_b1();
  auto got = receive(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(payload_of(*got), from_b1);
  EXPECT_EQ(answer("tag-b2", b2).port, to_a.port);  // the offerer's side is the same whichever answers
  send_b2();
  got = receive(a);
  ASSERT_TRUE(got);
  EXPECT_EQ(payload_of(*got), from_b2);

  // dialog 1's 200: its answer again. b2's early media still comes, first
  EXPECT_EQ(answer("tag-b1", b1).port, to_a.port);
  send_b2();
  settle();
  send_b1();
  auto heard = all(a);
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard.back(), from_b1);
  // both ways with b1; b2's packets go nowhere
  a.send(rtp_packet(0, 1, 160, 0xaaaa, from_a), to_a.port);
  got = receive(b1);
  ASSERT_TRUE(got);
  EXPECT_EQ(payload_of(*got), from_a);
  EXPECT_TRUE(all(b2).empty());
  send_b2();
  send_b1();
  heard = all(a);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0], from_b1);
  // the call has two parties: a and the dialog that answered last
  const Call* call = table_->find(call_id_);
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->parties(), 2u);
  const auto stats = call->stats();
  ASSERT_EQ(stats.tags.size(), 2u);
  EXPECT_EQ(stats.tags[1].tag, "tag-b1");
}

TEST_F(CallTableTest, DeleteFreesThePortsAndUnknownCallsAreRefused) {
  Phone a(io_), b(io_);
  const auto s = call(a, "0", "", [&](const SdpView&) { return phone_sdp(b.port(), "0", ""); });
  const auto d = table_->handle(request(ng::Command::delete_, "tag-a"));
  EXPECT_EQ(d.result, ng::NgReply::Result::ok);
  EXPECT_TRUE(d.stats);
  EXPECT_EQ(table_->size(), 0u);
  settle();
  // the port can be bound again
  udp::socket again(io_);
  again.open(udp::v4());
  boost::system::error_code ec;
  again.bind(udp::endpoint(asio::ip::make_address("127.0.0.1"), s.to_a.port), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(ports_->available(), ports_->capacity());
  EXPECT_EQ(table_->handle(request(ng::Command::delete_, "tag-a")).error_reason, "Unknown call-id");
  EXPECT_EQ(table_->handle(request(ng::Command::answer, "tag-a", "tag-b", "v=0")).error_reason, "Unknown call-id");
}

TEST_F(CallTableTest, BadInputIsRefusedWithAReason) {
  auto r = request(ng::Command::offer, "tag-a", "", "v=0\r\nthis is not SDP\r\n");
  auto reply = table_->handle(r);
  EXPECT_EQ(reply.result, ng::NgReply::Result::error);
  EXPECT_EQ(reply.error_reason.rfind("malformed SDP: line 2", 0), 0u) << reply.error_reason;
  EXPECT_EQ(table_->size(), 0u);  // nothing left behind
  r.sdp.clear();
  EXPECT_EQ(table_->handle(r).error_reason, "no SDP in the offer");
  Phone a(io_);
  r = request(ng::Command::offer, "tag-a", "", phone_sdp(a.port(), "0", ""));
  r.transport_protocol = "UDP/TLS/RTP/SAVPF";
  EXPECT_EQ(table_->handle(r).error_reason, "no browser legs here (no DTLS context)");
  r.transport_protocol.clear();
  ASSERT_EQ(table_->handle(r).result, ng::NgReply::Result::ok);
  EXPECT_NE(table_->handle(request(ng::Command::answer, "tag-z", "tag-b", phone_sdp(1234, "0", "")))
                .error_reason.find("no offer from tag tag-z"),
            std::string::npos);
  EXPECT_EQ(table_->handle(request(ng::Command::answer, "tag-a", "tag-b", phone_sdp(1234, "18", "a=rtpmap:18 G729/8000\r\n")))
                .error_reason,
            "the answer's codec G729/8000 (pt 18) was not offered");
  auto media = request(ng::Command::play_media, "tag-a");
  media.file = "/nonexistent/x.wav";
  EXPECT_EQ(table_->handle(media).error_reason, "no media flows in this call yet");
  EXPECT_EQ(table_->handle(request(ng::Command::ping, "")).result, ng::NgReply::Result::pong);
}

TEST_F(CallTableTest, ABrowserOfferGetsAnIceLiteDtlsLeg) {
  dtls_ = std::make_shared<const webrtc::DtlsContext>(webrtc::DtlsCertificate::generate());
  ctx_->dtls = dtls_;
  auto r = request(ng::Command::offer, "tag-a", "",
                   "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
                   "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtcp-mux\r\n"
                   "a=ice-ufrag:GCHm\r\na=ice-pwd:tvbZ8G955vvxI3/Jqqfgdpj7\r\n"
                   "a=fingerprint:sha-256 84:BB:E7:EE:01:E9:6D:33:6C:31:7C:01:62:4B:76:91:3D:64:7E:03:52:FF:E2:35:"
                   "9F:2A:4B:63:BE:7F:FD:AD\r\na=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n");
  r.transport_protocol = "RTP/AVP";
  const auto to_b = view(table_->handle(r));
  EXPECT_EQ(to_b.d.media[0].proto, "RTP/AVP");
  Phone b(io_);
  const auto to_a = view(table_->handle(request(ng::Command::answer, "tag-a", "tag-b", phone_sdp(b.port(), "0", ""))));
  const auto& m = to_a.d.media.at(0);
  EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_TRUE(to_a.d.attributes.has("ice-lite"));
  EXPECT_EQ(m.attributes.value("fingerprint"), dtls_->fingerprint().to_sdp());
  const auto candidate = m.attributes.value("candidate");
  ASSERT_TRUE(candidate);
  EXPECT_NE(candidate->find("127.0.0.1 " + std::to_string(m.port) + " typ host"), std::string::npos) << *candidate;
  // a bad fingerprint is refused
  auto bad = r;
  bad.call_id = "call-2@test";
  bad.sdp.replace(bad.sdp.find("sha-256 84"), 10, "md5 84");
  EXPECT_NE(table_->handle(bad).error_reason.find("is not usable"), std::string::npos);
}

}  // namespace
}  // namespace imsbox::agw
