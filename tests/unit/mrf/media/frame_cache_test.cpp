// The MRF's cache of encoded prompts (mrf/media/frame_cache.h): an entry is
// what a fresh encoder makes of the prompt (byte for byte, and libavcodec
// decodes both to the same audio), a second session playing the prompt
// encodes nothing (counted by the engine), and the bound holds.
#include "mrf/media/frame_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cmath>

#include "media/amr_codec.h"
#include "media/codec_factory.h"
#include "media/tone_detector.h"
#include "mrf/media/media_engine.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "unit/shared/media/libav.h"

namespace imsbox::mrf::media {
namespace {

namespace asio = boost::asio;
namespace m = imsbox::media;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

// Something with more in it than one tone: a sweep 300 -> 3000 Hz.
std::vector<std::int16_t> sweep(int rate, std::chrono::milliseconds length) {
  std::vector<std::int16_t> pcm(static_cast<std::size_t>(rate * length.count() / 1000));
  double phase = 0;
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    const double hz = 300 + 2700.0 * static_cast<double>(i) / static_cast<double>(pcm.size());
    phase += 2 * M_PI * hz / rate;
    pcm[i] = static_cast<std::int16_t>(std::lround(12000 * std::sin(phase)));
  }
  return pcm;
}

struct CodecCase {
  const char* name;
  int clock_rate;
  int channels;
  const char* fmtp;
};

std::unique_ptr<m::FrameCodec> make(const CodecCase& c) {
  const auto fmtp = m::parse_fmtp(c.fmtp);
  return m::make_codec(c.name, c.clock_rate, c.channels, fmtp).codec;
}

std::vector<std::vector<std::uint8_t>> fresh_encode(const CodecCase& c, const std::vector<std::int16_t>& pcm) {
  auto codec = make(c);
  const std::size_t fs = codec->info().frame_samples;
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t at = 0; at < pcm.size(); at += fs) {
    std::vector<std::int16_t> frame(fs, 0);
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(at), std::min(fs, pcm.size() - at), frame.begin());
    std::array<std::uint8_t, m::kMaxPayload> out{};
    const auto r = codec->encode(frame, out);
    EXPECT_EQ(r.error, m::CodecError::none);
    frames.emplace_back(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.size));
  }
  return frames;
}

std::vector<std::vector<std::uint8_t>> cached(FrameCache& cache, const CodecCase& c,
                                              const std::vector<std::int16_t>& pcm) {
  const std::size_t fs = make(c)->info().frame_samples;
  auto entry = cache.find_or_make(pcm, fs, c.name, [&] { return make(c); });
  EXPECT_TRUE(entry);
  std::vector<std::vector<std::uint8_t>> frames;
  if (!entry) return frames;
  for (std::size_t i = 0; i < entry->frame_count(); ++i) {
    std::span<const std::uint8_t> p;
    EXPECT_TRUE(entry->frame(i, p)) << i;
    frames.emplace_back(p.begin(), p.end());
  }
  return frames;
}

TEST(FrameCache, EntriesAreWhatAFreshEncoderMakes) {
  const CodecCase cases[] = {{"AMR-WB", 16000, 1, ""},
                             {"AMR-WB", 16000, 1, "octet-align=1"},
                             {"AMR", 8000, 1, "octet-align=1"},
                             {"PCMU", 8000, 1, ""},
                             {"PCMA", 8000, 1, ""},
                             {"G722", 8000, 1, ""},
                             {"opus", 48000, 2, "useinbandfec=1"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.name) + " " + c.fmtp);
    FrameCache cache(16u << 20);
    const auto pcm = sweep(make(c)->info().pcm_rate, 1010ms);  // 50.5 frames: the last filled with silence
    const auto fresh = fresh_encode(c, pcm);
    const auto from_cache = cached(cache, c, pcm);
    ASSERT_EQ(from_cache.size(), 51u);
    EXPECT_TRUE(from_cache == fresh) << "the cached frames are not what a fresh encoder makes";
  }
}

// libavcodec (not our decoder) hears the same audio from the cached frames
// as from a fresh encode, and it is the prompt (the sweep's energy).
TEST(FrameCache, LibavcodecDecodesCachedFramesToTheFreshEncodesAudio) {
  struct Decodable {
    CodecCase codec;
    AVCodecID id;
    int rate;
  };
  const Decodable cases[] = {{{"AMR-WB", 16000, 1, "octet-align=1"}, AV_CODEC_ID_AMR_WB, 16000},
                             {{"PCMU", 8000, 1, ""}, AV_CODEC_ID_PCM_MULAW, 8000}};
  for (const auto& d : cases) {
    SCOPED_TRACE(d.codec.name);
    FrameCache cache(16u << 20);
    const auto pcm = sweep(d.rate, 1000ms);
    auto decode = [&](const std::vector<std::vector<std::uint8_t>>& frames) {
      m::test::LibavDecoder decoder(d.id, d.rate);
      EXPECT_TRUE(decoder.ok());
      std::vector<std::int16_t> out;
      for (const auto& f : frames) {
        if (d.id == AV_CODEC_ID_AMR_WB) {  // octet-aligned payload -> storage format: ToC without F, speech bits
          std::vector<std::uint8_t> storage{static_cast<std::uint8_t>(f.at(1) & 0x7c)};
          storage.insert(storage.end(), f.begin() + 2, f.end());
          EXPECT_TRUE(decoder.decode(storage, out));
        } else {
          EXPECT_TRUE(decoder.decode(f, out));
        }
      }
      return out;
    };
    const auto heard_cached = decode(cached(cache, d.codec, pcm));
    const auto heard_fresh = decode(fresh_encode(d.codec, pcm));
    ASSERT_EQ(heard_cached.size(), pcm.size());
    EXPECT_TRUE(heard_cached == heard_fresh) << "libavcodec hears other audio from the cached frames";
    double energy = 0;
    for (auto s : heard_cached) energy += static_cast<double>(s) * s;
    EXPECT_GT(std::sqrt(energy / static_cast<double>(heard_cached.size())), 3000.0);
  }
}

TEST(FrameCache, ASecondPlayEncodesNothingAndOtherPcmIsAnotherEntry) {
  const CodecCase c{"AMR-WB", 16000, 1, ""};
  FrameCache cache(16u << 20);
  const auto pcm = sweep(16000, 1000ms);
  cached(cache, c, pcm);
  EXPECT_EQ(cache.stats().frames_encoded, 50u);
  EXPECT_EQ(cache.stats().misses, 1u);
  const auto again = cached(cache, c, pcm);
  EXPECT_EQ(cache.stats().frames_encoded, 50u);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(again.size(), 50u);
  // a prompt replaced by `imsbox prompt add` is other samples: another entry
  auto changed = pcm;
  changed[100] ^= 1;
  cached(cache, c, changed);
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(cache.stats().entries, 2u);
  // the same PCM in another codec configuration: another entry too
  const auto fs = make(c)->info().frame_samples;
  cache.find_or_make(pcm, fs, "AMR-WB oa", [] { return make({"AMR-WB", 16000, 1, "octet-align=1"}); });
  EXPECT_EQ(cache.stats().misses, 3u);
}

// An entry from the middle of a play (a session that changed codec or AMR
// mode there) encodes nothing before that frame: what a fresh encoder makes
// of the rest of the PCM.
TEST(FrameCache, AnEntryFromTheMiddleEncodesOnlyFromThere) {
  const CodecCase c{"AMR-WB", 16000, 1, ""};
  FrameCache cache(16u << 20);
  const auto pcm = sweep(16000, 2000ms);  // 100 frames
  auto entry = cache.find_or_make(pcm, 320, "AMR-WB", [&] { return make(c); }, 60);
  ASSERT_TRUE(entry);
  std::span<const std::uint8_t> p;
  EXPECT_FALSE(entry->frame(59, p));
  ASSERT_TRUE(entry->frame(60, p));
  EXPECT_EQ(cache.stats().frames_encoded, 1u);
  const std::vector<std::int16_t> rest(pcm.begin() + 60 * 320, pcm.end());
  const auto fresh = fresh_encode(c, rest);
  for (std::size_t i = 60; i < 100; ++i) {
    ASSERT_TRUE(entry->frame(i, p)) << i;
    EXPECT_TRUE(std::vector<std::uint8_t>(p.begin(), p.end()) == fresh[i - 60]) << i;
  }
  EXPECT_EQ(cache.stats().frames_encoded, 40u);
  EXPECT_TRUE(entry->complete());
  // the whole play is another entry
  cache.find_or_make(pcm, 320, "AMR-WB", [&] { return make(c); });
  EXPECT_EQ(cache.stats().misses, 2u);
}

TEST(FrameCache, KeepsItsBoundLeastRecentlyUsedFirstOut) {
  const CodecCase c{"PCMU", 8000, 1, ""};
  constexpr std::size_t kBound = 64 * 1024;
  FrameCache cache(kBound);
  // one second of PCMU: 8000 octets of payload (+ the PCM while it fills)
  std::vector<std::vector<std::int16_t>> prompts;
  for (int i = 0; i < 20; ++i) prompts.push_back(sweep(8000 + 10 * i, 1000ms));
  std::shared_ptr<EncodedPrompt> first;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    auto entry = cache.find_or_make(prompts[i], 160, "PCMU", [&] { return make(c); });
    ASSERT_TRUE(entry);
    if (i == 0) first = entry;
    std::span<const std::uint8_t> p;
    for (std::size_t f = 0; f < entry->frame_count(); ++f) ASSERT_TRUE(entry->frame(f, p));
    EXPECT_LE(cache.stats().bytes, kBound) << i;
  }
  const auto s = cache.stats();
  EXPECT_GT(s.evictions, 0u);
  EXPECT_LT(s.entries, prompts.size());
  EXPECT_GT(s.entries, 1u);
  // an evicted entry still plays for whoever holds it
  std::span<const std::uint8_t> p;
  EXPECT_TRUE(first->frame(10, p));
  EXPECT_EQ(p.size(), 160u);
  // the most recent prompt is still there; the first was evicted (a miss)
  const auto before = cache.stats();
  cache.find_or_make(prompts.back(), 160, "PCMU", [&] { return make(c); });
  EXPECT_EQ(cache.stats().hits, before.hits + 1);
  cache.find_or_make(prompts.front(), 160, "PCMU", [&] { return make(c); });
  EXPECT_EQ(cache.stats().misses, before.misses + 1);
}

// ---- through the engine: two sessions on loopback ----

struct Phone {
  explicit Phone(asio::io_context& io) : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  void receive() {
    socket.async_receive_from(asio::buffer(buffer), from, [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;
      if (n > 12 && (buffer[1] < 200 || buffer[1] > 204)) payloads.emplace_back(buffer.begin() + 12, buffer.begin() + n);
      receive();
    });
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }
  void send(std::vector<std::uint8_t> bytes, std::uint16_t to) {
    socket.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::make_address("127.0.0.1"), to));
  }
  udp::socket socket;
  std::array<std::uint8_t, 2048> buffer{};
  udp::endpoint from;
  std::vector<std::vector<std::uint8_t>> payloads;
};

std::string offer(std::uint16_t port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP 97\r\na=rtpmap:97 AMR-WB/16000\r\na=fmtp:97 octet-align=1\r\na=sendrecv\r\n";
}

class EngineFrameCache : public ::testing::Test {
 protected:
  EngineFrameCache() {
    const auto base = static_cast<std::uint16_t>(50000 + (::getpid() % 400) * 10);
    settings_.port_min = base;
    settings_.port_max = static_cast<std::uint16_t>(base + 9);
  }
  std::vector<std::vector<std::uint8_t>> play_once(RtpMediaEngine& engine, const std::vector<std::int16_t>& pcm) {
    Phone phone(io_);
    auto r = engine.answer(offer(phone.port()));
    EXPECT_TRUE(std::holds_alternative<MediaEngine::Answer>(r));
    if (!std::holds_alternative<MediaEngine::Answer>(r)) return {};
    auto a = std::get<MediaEngine::Answer>(std::move(r));
    bool done = false;
    a.session->play(PlayRequest{pcm, 1, 0ms, std::nullopt}, [&] { done = true; });
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!(done && phone.payloads.size() >= 50) && std::chrono::steady_clock::now() < end) io_.run_for(5ms);
    EXPECT_TRUE(done);
    return phone.payloads;
  }
  asio::io_context io_{1};
  runtime::SystemClock clock_;
  runtime::Logger log_{"mrf", runtime::LogLevel::warning, "", clock_};
  RtpEngineSettings settings_;
};

TEST_F(EngineFrameCache, ASecondSessionPlaysTheCachedFramesWithoutEncoding) {
  RtpMediaEngine engine(io_, settings_, log_);
  const auto pcm = sweep(16000, 1000ms);
  const auto first = play_once(engine, pcm);
  const auto after_first = engine.frame_cache_stats();
  EXPECT_EQ(after_first.frames_encoded, 50u);
  EXPECT_GE(after_first.misses, 1u);
  const auto second = play_once(engine, pcm);
  const auto after_second = engine.frame_cache_stats();
  EXPECT_EQ(after_second.frames_encoded, 50u) << "the second session encoded";
  EXPECT_EQ(after_second.misses, after_first.misses);
  EXPECT_GT(after_second.hits, after_first.hits);
  ASSERT_EQ(first.size(), 50u);
  EXPECT_TRUE(second == first) << "the second session sent other payloads";
  EXPECT_TRUE(first == fresh_encode({"AMR-WB", 16000, 1, "octet-align=1"}, pcm)) << "not what a fresh encoder makes";
}

// The peer's codec mode request (RFC 4867 §4.3.1) still steers what a
// session sends from the cache: frames of the requested mode (an entry of
// its own), while another session goes on at the highest mode.
TEST_F(EngineFrameCache, FollowsThePeersModeRequest) {
  RtpMediaEngine engine(io_, settings_, log_);
  const auto pcm = sweep(16000, 2000ms);
  Phone asking(io_), other(io_);
  auto ra = engine.answer(offer(asking.port()));
  auto ro = engine.answer(offer(other.port()));
  ASSERT_TRUE(std::holds_alternative<MediaEngine::Answer>(ra));
  ASSERT_TRUE(std::holds_alternative<MediaEngine::Answer>(ro));
  auto a = std::get<MediaEngine::Answer>(std::move(ra));
  auto o = std::get<MediaEngine::Answer>(std::move(ro));
  const auto port = static_cast<std::uint16_t>(std::stoi(a.sdp.substr(a.sdp.find("m=audio ") + 8)));
  a.session->play(PlayRequest{pcm, 1, 0ms, std::nullopt}, [] {});
  o.session->play(PlayRequest{pcm, 1, 0ms, std::nullopt}, [] {});
  auto run = [&](std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) io_.run_for(5ms);
  };
  run(300ms);
  // a payload of ours with CMR = 2 (AMR-WB 12.65 kbit/s), octet-aligned
  m::AmrParams params;
  params.packing = m::AmrPacking::octet_aligned;
  auto peer_codec = m::AmrCodec::create(params);
  ASSERT_TRUE(peer_codec);
  peer_codec->request_mode(2);
  std::vector<std::int16_t> frame(320, 0);
  std::array<std::uint8_t, m::kMaxPayload> payload{};
  const auto r = peer_codec->encode(frame, payload);
  ASSERT_GT(r.size, 2u);
  ASSERT_EQ(payload[0] >> 4, 2);
  std::vector<std::uint8_t> packet = {0x80, 97, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7};
  packet.insert(packet.end(), payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(r.size));
  asking.send(packet, port);
  const std::size_t before = asking.payloads.size();
  run(500ms);
  ASSERT_GT(asking.payloads.size(), before + 10);
  auto mode_of = [](const std::vector<std::uint8_t>& p) { return (p.at(1) >> 3) & 0x0f; };
  EXPECT_EQ(mode_of(asking.payloads.front()), 8);
  EXPECT_EQ(mode_of(asking.payloads.back()), 2) << "the session did not follow CMR=2";
  EXPECT_EQ(mode_of(other.payloads.back()), 8);
  const auto stats = engine.frame_cache_stats();
  EXPECT_GE(stats.misses, 3u);  // the prompt at mode 8, its silence, the prompt at mode 2 from where it was
  // mode 8 up to where the furthest session is, mode 2 only from the CMR on: not the frames before it again
  EXPECT_LE(stats.frames_encoded,
            std::max(asking.payloads.size(), other.payloads.size()) + (asking.payloads.size() - before) + 3);
}

TEST_F(EngineFrameCache, WithoutACacheEachSessionEncodesTheSameFrames) {
  settings_.frame_cache_bytes = 0;
  RtpMediaEngine engine(io_, settings_, log_);
  const auto pcm = sweep(16000, 1000ms);
  const auto first = play_once(engine, pcm);
  EXPECT_EQ(engine.frame_cache_stats().frames_encoded, 0u);
  ASSERT_EQ(first.size(), 50u);
  EXPECT_TRUE(first == fresh_encode({"AMR-WB", 16000, 1, "octet-align=1"}, pcm)) << "not what a fresh encoder makes";
}

}  // namespace
}  // namespace imsbox::mrf::media
