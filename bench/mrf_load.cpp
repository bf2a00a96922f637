// `imsbox bench mrf`: how many concurrent sessions one core of the MRF's media
// engine (mrf/media: RtpMediaEngine, the sessions the MRF really runs) keeps
// at 20 ms pacing, on real UDP sockets on 127.0.0.1:
//   * announcements in AMR-WB (bandwidth-efficient; cached encoded frames,
//     mrf/media/frame_cache.h) and in PCMU: a built-in prompt played without
//     end;
//   * the same AMR-WB announcements with the cache off (each session encodes);
//   * echo sessions in AMR-WB: the peer sends AMR-WB every 20 ms to each
//     session, which decodes and re-encodes it (the engine transcodes: jitter
//     buffer, decode, delay, encode).
// The engine runs on one thread (its io_context, as in the MRF); the load peer
// (one socket that receives every session's RTP, and for echo sends to each)
// on another. Per step: N sessions started over 100 ms, 0.5 s warm-up, then
// a window in which the engine thread's CPU time (pthread_getcpuclockid) and
// what the peer received are measured: loss (packets missing from N x 50/s)
// and lateness (each packet's arrival against its RTP timestamp, relative to
// the earliest of its session in the window). A step holds when loss < 1 % and the 99th
// percentile of lateness < 10 ms. N grows (x4, capped at 85 % of the core the
// last step's CPU share predicts) until a step fails, the prediction is
// reached, or the kind's time is up. Figures: the largest N that held
// ("sustained"), and sessions per core = N / (engine CPU share) at that step.
// Then the same PCMU announcements from Debian's rtpengine (ng `play media`),
// when installed, and the ratio of the two.
//
// Options: --smoke (5 sessions, 1 s per kind: for ctest, nothing asserted on
// time), --seconds S (the whole budget; default 45), --only KIND (annc_amrwb,
// annc_pcmu, echo_amrwb, annc_amrwb_nocache), --quiet (no step lines on stderr).
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <future>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/codec_factory.h"
#include "media/tone_detector.h"
#include "media/wav.h"
#include "mrf/media/media_engine.h"
#include "runtime/clock.h"
#include "runtime/log.h"

namespace {

namespace asio = boost::asio;
namespace m = imsbox::media;
namespace mm = imsbox::mrf::media;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

enum class Kind { annc_amrwb, annc_amrwb_nocache, annc_pcmu, echo_amrwb };

struct KindInfo {
  const char* name;
  const char* rtpmap;  // "PT encoding/rate"
  int clock_rate;
  bool echo;
  bool cache;
};

KindInfo info_of(Kind k) {
  switch (k) {
    case Kind::annc_amrwb: return {"annc_amrwb", "97 AMR-WB/16000", 16000, false, true};
    case Kind::annc_amrwb_nocache: return {"annc_amrwb_nocache", "97 AMR-WB/16000", 16000, false, false};
    case Kind::annc_pcmu: return {"annc_pcmu", "0 PCMU/8000", 8000, false, true};
    case Kind::echo_amrwb: return {"echo_amrwb", "97 AMR-WB/16000", 16000, true, true};
  }
  return {};
}

double thread_cpu_seconds(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- the load peer: one socket, its own thread ----

class LoadPeer {
 public:
  LoadPeer(int clock_rate, std::vector<std::vector<std::uint8_t>> echo_payloads)
      : clock_rate_(clock_rate), echo_payloads_(std::move(echo_payloads)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int size = 16 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~LoadPeer() {
    stop();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

  // Echo: where to send (the sessions' RTP ports); before start().
  void targets(std::vector<std::uint16_t> ports) { targets_ = std::move(ports); }
  void start() { thread_ = std::thread([this] { run(); }); }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }
  // From now on, count and time what arrives.
  void measure(bool on) { measuring_ = on; }

  std::uint64_t received() const { return received_; }
  // After stop(): each packet of the window against the earliest of its
  // session in the window (so that a burst before it does not count).
  std::vector<float> lateness_ms() const {
    std::unordered_map<std::uint16_t, double> earliest;
    for (const auto& [port, offset] : window_) {
      auto [it, fresh] = earliest.try_emplace(port, offset);
      if (!fresh && offset < it->second) it->second = offset;
    }
    std::vector<float> late;
    late.reserve(window_.size());
    for (const auto& [port, offset] : window_) late.push_back(static_cast<float>((offset - earliest[port]) * 1000));
    return late;
  }

 private:
  struct Track {
    bool known = false;
    std::uint32_t ts0 = 0;
  };

  void run() {
    constexpr int kBatch = 64;
    std::array<std::array<std::uint8_t, 256>, kBatch> bufs{};
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    std::array<sockaddr_in, kBatch> from{};
    const auto t0 = Clock::now();
    auto next_send = t0;
    std::uint32_t frame = 0;
    std::uint16_t seq = 1;
    while (running_) {
      if (!targets_.empty() && Clock::now() >= next_send) {
        send_echo_frame(frame++, seq++);
        next_send += 20ms;
      }
      for (int i = 0; i < kBatch; ++i) {
        iov[i] = {bufs[i].data(), bufs[i].size()};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      }
      const int n = ::recvmmsg(fd_, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) {
        std::this_thread::sleep_for(200us);
        continue;
      }
      const double now = std::chrono::duration<double>(Clock::now() - t0).count();
      for (int i = 0; i < n; ++i) on_packet(bufs[i].data(), msgs[i].msg_len, ntohs(from[i].sin_port), now);
    }
  }

  void on_packet(const std::uint8_t* p, unsigned len, std::uint16_t from_port, double now) {
    if (len < 12 || (p[1] >= 200 && p[1] <= 204)) return;  // RTCP (rtcp-mux) and junk
    const std::uint32_t ts = static_cast<std::uint32_t>(p[4]) << 24 | p[5] << 16 | p[6] << 8 | p[7];
    auto& t = tracks_[from_port];
    if (!t.known) {
      t.known = true;
      t.ts0 = ts;
    }
    const double media = static_cast<double>(static_cast<std::int32_t>(ts - t.ts0)) / clock_rate_;
    const double offset = now - media;
    if (!measuring_) return;
    ++received_;
    window_.push_back({from_port, offset});
  }

  void send_echo_frame(std::uint32_t frame, std::uint16_t seq) {
    const auto& payload = echo_payloads_[frame % echo_payloads_.size()];
    std::array<std::uint8_t, 512> packet{};
    packet[0] = 0x80;
    packet[1] = static_cast<std::uint8_t>(97 | (frame == 0 ? 0x80 : 0));
    packet[2] = static_cast<std::uint8_t>(seq >> 8);
    packet[3] = static_cast<std::uint8_t>(seq);
    const std::uint32_t ts = frame * 320;
    packet[4] = static_cast<std::uint8_t>(ts >> 24);
    packet[5] = static_cast<std::uint8_t>(ts >> 16);
    packet[6] = static_cast<std::uint8_t>(ts >> 8);
    packet[7] = static_cast<std::uint8_t>(ts);
    packet[11] = 0x42;
    std::memcpy(packet.data() + 12, payload.data(), payload.size());
    const std::size_t len = 12 + payload.size();
    constexpr std::size_t kBatch = 64;
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    std::array<sockaddr_in, kBatch> to{};
    for (std::size_t at = 0; at < targets_.size(); at += kBatch) {
      const std::size_t n = std::min(kBatch, targets_.size() - at);
      for (std::size_t i = 0; i < n; ++i) {
        to[i] = {};
        to[i].sin_family = AF_INET;
        to[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to[i].sin_port = htons(targets_[at + i]);
        iov[i] = {packet.data(), len};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to[i];
        msgs[i].msg_hdr.msg_namelen = sizeof to[i];
      }
      ::sendmmsg(fd_, msgs.data(), static_cast<unsigned>(n), 0);
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  int clock_rate_;
  std::vector<std::vector<std::uint8_t>> echo_payloads_;
  std::vector<std::uint16_t> targets_;
  std::thread thread_;
  std::atomic<bool> running_{true};
  std::atomic<bool> measuring_{false};
  std::atomic<std::uint64_t> received_{0};
  std::unordered_map<std::uint16_t, Track> tracks_;
  std::vector<std::pair<std::uint16_t, double>> window_;  // (session's port, arrival - media time)
};

// ---- one step: N sessions of a kind ----

struct Step {
  std::size_t sessions = 0;
  double window_s = 0;
  double engine_cpu_share = 0;  // of one core
  double loss = 0;
  double late_p99_ms = 0, late_max_ms = 0;
  std::uint64_t frames_encoded = 0;  // by the frame cache, in the window
  bool held = false;
  std::string error;
  double per_core() const { return engine_cpu_share > 0 ? static_cast<double>(sessions) / engine_cpu_share : 0; }
};

// What the peer got of N sessions' 50 packets a second over `wall` seconds:
// the loss, and the lateness of what came (p99, max).
void score_delivery(Step& step, const LoadPeer& peer, std::size_t n, double wall) {
  const double expected = static_cast<double>(n) * wall * 50;
  step.loss = std::max(0.0, 1.0 - static_cast<double>(peer.received()) / expected);
  auto late = peer.lateness_ms();
  if (!late.empty()) {
    std::sort(late.begin(), late.end());
    step.late_p99_ms = late[static_cast<std::size_t>(0.99 * static_cast<double>(late.size() - 1))];
    step.late_max_ms = late.back();
  }
}

struct Prompts {
  std::vector<std::int16_t> wideband, narrowband;
  std::string name;
  std::string narrowband_file;  // the 8 kHz WAV (for rtpengine's play media); empty for the tone
};

Prompts load_prompt() {
  Prompts p;
  for (const char* name : {"not-reachable", "welcome", "barred"}) {
    const std::string dir = IMSBOX_PROMPT_DIR;
    auto w = m::read_wav_file(dir + "/" + name + ".16k.wav");
    auto n = m::read_wav_file(dir + "/" + name + ".8k.wav");
    if (w && n && !w->samples.empty()) {
      p.wideband = std::move(w->samples);
      p.narrowband = std::move(n->samples);
      p.name = name;
      p.narrowband_file = dir + "/" + name + ".8k.wav";
      return p;
    }
  }
  // no built prompts: 3 s of a 440 Hz tone
  p.wideband.resize(48000);
  p.narrowband.resize(24000);
  m::generate_tone(p.wideband, 16000, 440, -12);
  m::generate_tone(p.narrowband, 8000, 440, -12);
  p.name = "tone";
  return p;
}

std::vector<std::vector<std::uint8_t>> amrwb_tone_payloads() {
  const std::vector<m::FmtpParameter> none;
  auto codec = m::make_codec("AMR-WB", 16000, 1, none).codec;
  std::vector<std::int16_t> pcm(16000);
  m::generate_tone(pcm, 16000, 1000, -12);
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t at = 0; at + 320 <= pcm.size(); at += 320) {
    std::array<std::uint8_t, m::kMaxPayload> p{};
    const auto r = codec->encode(std::span(pcm).subspan(at, 320), p);
    out.emplace_back(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(r.size));
  }
  return out;
}

std::string offer_for(const KindInfo& k, std::uint16_t port) {
  const std::string pt(k.rtpmap, std::strchr(k.rtpmap, ' '));
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " RTP/AVP " + pt + "\r\na=rtpmap:" + k.rtpmap + "\r\na=rtcp-mux\r\na=sendrecv\r\n";
}

Step run_step(Kind kind, std::size_t n, double window_s, const Prompts& prompt, std::uint16_t port_min) {
  const KindInfo k = info_of(kind);
  Step step;
  step.sessions = n;
  step.window_s = window_s;
  imsbox::runtime::SystemClock clock;
  imsbox::runtime::Logger log("mrf-bench", imsbox::runtime::LogLevel::error, "", clock);
  asio::io_context io(1);
  mm::RtpEngineSettings settings;
  settings.port_min = port_min;
  settings.port_max = static_cast<std::uint16_t>(std::min<std::size_t>(65534, port_min + 2 * n + 400));
  settings.frame_cache_bytes = k.cache ? (32u << 20) : 0;
  mm::RtpMediaEngine engine(io, settings, log);
  LoadPeer peer(k.clock_rate, k.echo ? amrwb_tone_payloads() : std::vector<std::vector<std::uint8_t>>{});

  // the engine's thread
  auto guard = asio::make_work_guard(io);
  std::thread engine_thread([&] { io.run(); });
  clockid_t engine_cpu{};
  pthread_getcpuclockid(engine_thread.native_handle(), &engine_cpu);

  // sessions started on the engine's thread, over 100 ms (calls do not all come in one tick)
  std::vector<std::unique_ptr<imsbox::mrf::MediaSession>> sessions;
  std::vector<std::uint16_t> ports;
  std::promise<std::string> started;
  asio::steady_timer pace(io);
  const std::size_t batches = 10;
  std::function<void(std::size_t)> start_batch = [&](std::size_t b) {
    for (std::size_t i = b * n / batches; i < (b + 1) * n / batches; ++i) {
      auto r = engine.answer(offer_for(k, peer.port()));
      if (auto* e = std::get_if<std::string>(&r)) {
        started.set_value("session " + std::to_string(i) + ": " + *e);
        return;
      }
      auto a = std::get<imsbox::mrf::MediaEngine::Answer>(std::move(r));
      const auto at = a.sdp.find("m=audio ");
      ports.push_back(static_cast<std::uint16_t>(std::stoi(a.sdp.substr(at + 8))));
      if (k.echo) {
        a.session->echo(100ms);
      } else {
        imsbox::mrf::PlayRequest play;
        play.pcm = a.session->pcm_rate() == 16000 ? prompt.wideband : prompt.narrowband;
        play.repeat = 0;  // until stopped
        play.delay = 500ms;
        a.session->play(std::move(play), [] {});
      }
      sessions.push_back(std::move(a.session));
    }
    if (b + 1 == batches) {
      started.set_value("");
      return;
    }
    pace.expires_after(10ms);
    pace.async_wait([&, b](const boost::system::error_code& ec) {
      if (!ec) start_batch(b + 1);
    });
  };
  auto started_future = started.get_future();
  asio::post(io, [&] { start_batch(0); });
  step.error = started_future.get();

  if (step.error.empty()) {
    peer.targets(k.echo ? ports : std::vector<std::uint16_t>{});
    peer.start();
    std::this_thread::sleep_for(500ms);  // warm-up: latches, jitter buffers, cache entries
    std::promise<std::uint64_t> encoded0;
    asio::post(io, [&] { encoded0.set_value(engine.frame_cache_stats().frames_encoded); });
    const auto frames0 = encoded0.get_future().get();
    peer.measure(true);
    const double cpu0 = thread_cpu_seconds(engine_cpu);
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(window_s));
    const double cpu1 = thread_cpu_seconds(engine_cpu);
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    peer.measure(false);
    std::promise<std::uint64_t> encoded1;
    asio::post(io, [&] { encoded1.set_value(engine.frame_cache_stats().frames_encoded); });
    step.frames_encoded = encoded1.get_future().get() - frames0;
    peer.stop();
    step.engine_cpu_share = (cpu1 - cpu0) / wall;
    score_delivery(step, peer, n, wall);
    step.held = step.loss < 0.01 && step.late_p99_ms < 10;
  }
  std::promise<void> closed;
  asio::post(io, [&] {
    sessions.clear();
    closed.set_value();
  });
  closed.get_future().get();
  guard.reset();
  io.stop();
  engine_thread.join();
  return step;
}


// ---- the peer: Debian's rtpengine playing the same prompt (ng `play media`) ----
//
// rtpengine (userspace, its own media player) cannot encode AMR (stock
// libavcodec), so the comparison is on PCMU announcements: N calls (offer
// from tag-a, answer from tag-b, both pointing at the load peer), then
// `play media` of the prompt's 8 kHz file to tag-b; the load peer counts and
// times what arrives as for ours. CPU: all of rtpengine's threads
// (/proc/PID/stat utime + stime).

std::string find_rtpengine() {
  for (const char* p : {"/usr/bin/rtpengine", "/usr/sbin/rtpengine"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(f);
    if (i == 15) {
      stime = std::stod(f);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

class NgClient {
 public:
  explicit NgClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{0, 500000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    to_.sin_family = AF_INET;
    to_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to_.sin_port = htons(port);
  }
  ~NgClient() { ::close(fd_); }
  // The reply's text, "" when none came (three tries).
  std::string call(const std::string& json) {
    const std::string cookie = "c" + std::to_string(++cookie_);
    const std::string request = cookie + " " + json;
    std::array<char, 65536> buf{};
    for (int attempt = 0; attempt < 3; ++attempt) {
      ::sendto(fd_, request.data(), request.size(), 0, reinterpret_cast<const sockaddr*>(&to_), sizeof to_);
      while (true) {
        const auto n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n <= 0) break;
        const std::string reply(buf.data(), static_cast<std::size_t>(n));
        if (reply.rfind(cookie + " ", 0) == 0) return reply.substr(cookie.size() + 1);
      }
    }
    return "";
  }

 private:
  int fd_ = -1;
  sockaddr_in to_{};
  unsigned cookie_ = 0;
};

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\r') { out += "\\r"; continue; }
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

bool reply_ok(const std::string& r) {
  return r.find("\"result\":\"ok\"") != std::string::npos || r.find("6:result2:ok") != std::string::npos ||
         r.find("\"result\": \"ok\"") != std::string::npos;
}

Step run_rtpengine_step(const std::string& binary, std::size_t n, double window_s, const std::string& prompt_file,
                        std::uint16_t port_min) {
  Step step;
  step.sessions = n;
  step.window_s = window_s;
  const auto ng_port = static_cast<std::uint16_t>(port_min - 2);
  const std::string args[] = {binary,
                              "--config-file=none",
                              "--table=-1",
                              "--interface=127.0.0.1",
                              "--listen-ng=127.0.0.1:" + std::to_string(ng_port),
                              "--port-min=" + std::to_string(port_min),
                              "--port-max=" + std::to_string(std::min<std::size_t>(65534, port_min + 4 * n + 400)),
                              "--foreground",
                              "--log-level=2",
                              "--delete-delay=0"};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  auto finish = [&] {
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 40; ++i) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  };
  NgClient ng(ng_port);
  bool up = false;
  for (int i = 0; i < 20 && !up; ++i) up = reply_ok(ng.call("{\"command\":\"ping\"}")) ||
                                       ng.call("{\"command\":\"ping\"}").find("pong") != std::string::npos;
  if (!up) {
    step.error = "rtpengine did not answer ng ping";
    finish();
    return step;
  }
  LoadPeer peer(8000, {});
  auto sdp = [&](int version) {
    return "v=0\r\no=- 1 " + std::to_string(version) + " IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio " + std::to_string(peer.port()) + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
  };
  peer.start();
  for (std::size_t i = 0; i < n && step.error.empty(); ++i) {
    const std::string id = "\"call-id\":\"bench-" + std::to_string(i) + "\"";
    const std::string flags = ",\"flags\":[\"trust-address\"],\"replace\":[\"origin\"]";
    auto r = ng.call("{\"command\":\"offer\"," + id + ",\"from-tag\":\"a\",\"sdp\":\"" + json_escape(sdp(1)) + "\"" +
                     flags + "}");
    if (!reply_ok(r)) step.error = "offer " + std::to_string(i) + ": " + r.substr(0, 120);
    r = ng.call("{\"command\":\"answer\"," + id + ",\"from-tag\":\"a\",\"to-tag\":\"b\",\"sdp\":\"" +
                json_escape(sdp(2)) + "\"" + flags + "}");
    if (step.error.empty() && !reply_ok(r)) step.error = "answer " + std::to_string(i) + ": " + r.substr(0, 120);
    r = ng.call("{\"command\":\"play media\"," + id + ",\"from-tag\":\"b\",\"file\":\"" + json_escape(prompt_file) +
                "\",\"repeat-times\":100}");
    if (step.error.empty() && !reply_ok(r)) step.error = "play media " + std::to_string(i) + ": " + r.substr(0, 120);
  }
  if (step.error.empty()) {
    std::this_thread::sleep_for(500ms);
    peer.measure(true);
    const double cpu0 = process_cpu_seconds(pid);
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(window_s));
    const double cpu1 = process_cpu_seconds(pid);
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    peer.measure(false);
    peer.stop();
    step.engine_cpu_share = (cpu1 - cpu0) / wall;
    score_delivery(step, peer, n, wall);
    // its media player sends in bursts (each packet up to ~100 ms early, at
    // any load: seen here), so only loss decides; its lateness is printed
    step.held = step.loss < 0.01;
  }
  peer.stop();
  finish();
  return step;
}

// ---- a kind: ramp up ----

struct Result {
  Step best;      // the largest step that held
  Step last;      // the last step run
  int steps = 0;
};

// A step that fails while the engine used less than half a core is run
// again once: on a shared machine another process may have held the CPU.
Result ramp(const char* name, const std::function<Step(std::size_t)>& run, std::size_t first, double budget_s,
            double step_s, bool verbose) {
  Result r;
  const auto end = Clock::now() + std::chrono::duration<double>(budget_s);
  std::size_t n = first;
  constexpr std::size_t kMaxSessions = 3000;
  bool retried = false;
  while (true) {
    Step s = run(n);
    ++r.steps;
    r.last = s;
    if (verbose) {
      std::fprintf(stderr, "  %s: %zu sessions: %.1f %% of a core, loss %.2f %%, lateness p99 %.1f ms max %.1f ms%s%s\n",
                   name, n, 100 * s.engine_cpu_share, 100 * s.loss, s.late_p99_ms, s.late_max_ms,
                   s.held ? "" : "  (not held)", s.error.empty() ? "" : (" " + s.error).c_str());
    }
    if (!s.error.empty()) break;
    if (!s.held) {
      if (retried || s.engine_cpu_share >= 0.5 || Clock::now() + std::chrono::duration<double>(step_s) > end) break;
      retried = true;
      continue;
    }
    r.best = s;
    const double predicted = s.per_core();
    const auto next = static_cast<std::size_t>(std::min(4.0 * static_cast<double>(n), 0.85 * predicted));
    if (next <= n + n / 10 || next > kMaxSessions || Clock::now() + std::chrono::duration<double>(step_s) > end) break;
    n = next;
  }
  return r;
}

void print_result(const char* name, const Result& r, bool smoke) {
  const Step& s = smoke ? r.best : (r.best.sessions ? r.best : r.last);
  std::printf("mrf/%s/sessions_per_core: %.0f sessions\n", name, s.per_core());
  std::printf("mrf/%s/sustained: %zu sessions\n", name, r.best.sessions);
  std::printf("mrf/%s/cpu_per_session: %.1f us per second\n", name,
              s.sessions ? 1e6 * s.engine_cpu_share / static_cast<double>(s.sessions) : 0.0);
  std::printf("mrf/%s/at_sessions: %zu sessions\n", name, s.sessions);
  std::printf("mrf/%s/loss: %.2f %%\n", name, 100 * s.loss);
  std::printf("mrf/%s/lateness_p99: %.1f ms\n", name, s.late_p99_ms);
}

std::string machine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown cpu";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname u{};
  uname(&u);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  char text[512];
  std::snprintf(text, sizeof text, "%s, %u cores, %s %s, load average %.2f", model.c_str(),
                std::thread::hardware_concurrency(), u.sysname, u.release, load[0]);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  double budget = 45;
  bool verbose = true;
  std::string only;  // one kind by name
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      smoke = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      budget = std::stod(argv[++i]);
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--quiet") {
      verbose = false;
    } else {
      std::fprintf(stderr, "usage: bench_mrf [--smoke] [--seconds S] [--only KIND] [--quiet]\n");
      return 2;
    }
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  const Prompts prompt = load_prompt();
  std::printf("machine: %s\n", machine().c_str());
  std::printf("mrf/prompt: %s %.1f s\n", prompt.name.c_str(), static_cast<double>(prompt.wideband.size()) / 16000);
  std::fflush(stdout);
  // a port range of this process's own (a few benches or tests may run at once)
  const auto port_min = static_cast<std::uint16_t>(20000 + (::getpid() % 8) * 4000);

  struct Plan {
    Kind kind;
    std::size_t first;
    double share;  // of the budget
  };
  const Plan plans[] = {{Kind::annc_amrwb, 100, 0.3},
                        {Kind::annc_pcmu, 100, 0.2},
                        {Kind::echo_amrwb, 25, 0.2},
                        {Kind::annc_amrwb_nocache, 50, 0.1}};
  bool failed = false;
  constexpr double kWindow = 1.5;
  const double step_s = 0.7 + kWindow + 0.3;
  double ours_pcmu = 0;
  for (const auto& p : plans) {
    const KindInfo k = info_of(p.kind);
    if (!only.empty() && only != k.name) continue;
    auto run = [&](std::size_t n) { return run_step(p.kind, n, smoke ? 1.0 : kWindow, prompt, port_min); };
    const double share = only.empty() ? p.share : 1.0;
    const Result r = smoke ? Result{run(5), {}, 1} : ramp(k.name, run, p.first, budget * share, step_s, verbose);
    const Step& s = smoke ? r.best : (r.best.sessions ? r.best : r.last);
    if (!s.error.empty()) {
      std::printf("mrf/%s: error %s\n", k.name, s.error.c_str());
      failed = true;
      continue;
    }
    print_result(k.name, r, smoke);
    std::printf("mrf/%s/frames_encoded: %.0f per second\n", k.name,
                s.window_s > 0 ? static_cast<double>(s.frames_encoded) / s.window_s : 0.0);
    if (smoke && s.loss > 0.5) {  // not a time limit: the packets must flow at all
      std::printf("mrf/%s: error most packets never arrived\n", k.name);
      failed = true;
    }
    if (p.kind == Kind::annc_amrwb) {
      std::printf("mrf/annc_amrwb/aim_500_per_core: %s\n", s.per_core() >= 500 ? "met" : "NOT met");
    }
    if (p.kind == Kind::annc_pcmu) ours_pcmu = s.per_core();
    std::fflush(stdout);
  }
  // the peer doing the same work: Debian's rtpengine, PCMU announcements (it cannot encode AMR)
  if (!smoke && (only.empty() || only == "rtpengine_annc_pcmu")) {
    const std::string binary = find_rtpengine();
    if (binary.empty()) {
      std::printf("mrf/rtpengine_annc_pcmu: skipped (rtpengine not installed: Debian rtpengine-daemon)\n");
    } else if (prompt.narrowband_file.empty()) {
      std::printf("mrf/rtpengine_annc_pcmu: skipped (no built prompt file to play)\n");
    } else {
      auto run = [&](std::size_t n) {
        return run_rtpengine_step(binary, n, kWindow, prompt.narrowband_file, static_cast<std::uint16_t>(port_min + 2));
      };
      const Result r = ramp("rtpengine_annc_pcmu", run, 100, budget * (only.empty() ? 0.2 : 1.0), step_s + 0.5, verbose);
      if (!r.last.error.empty() && r.best.sessions == 0) {
        std::printf("mrf/rtpengine_annc_pcmu: error %s\n", r.last.error.c_str());
      } else {
        print_result("rtpengine_annc_pcmu", r, false);
        const Step& s = r.best.sessions ? r.best : r.last;
        if (ours_pcmu > 0 && s.per_core() > 0) {
          std::printf("mrf/annc_pcmu/vs_rtpengine_ratio: %.2f ratio\n", ours_pcmu / s.per_core());
        }
      }
    }
  }
  return failed ? 1 : 0;
}
