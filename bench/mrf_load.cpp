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
// the earliest of its session). A step holds when loss < 1 % and the 99th
// percentile of lateness < 10 ms. N grows (x4, capped at 85 % of the core the
// last step's CPU share predicts) until a step fails, the prediction is
// reached, or the kind's time is up. Figures: the largest N that held
// ("sustained"), and sessions per core = N / (engine CPU share) at that step.
//
// Options: --smoke (5 sessions, 1 s per kind: for ctest, nothing asserted on
// time), --seconds S (the whole budget; default 50).
#include <pthread.h>
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
#include <fstream>
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
  std::vector<float> lateness_ms() { return lateness_; }  // after stop()

 private:
  struct Track {
    bool known = false;
    std::uint32_t ts0 = 0;
    double min_offset = 0;  // min over packets of arrival - media time (s)
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
      t.min_offset = now;
    }
    const double media = static_cast<double>(static_cast<std::int32_t>(ts - t.ts0)) / clock_rate_;
    const double offset = now - media;
    if (offset < t.min_offset) t.min_offset = offset;
    if (!measuring_) return;
    ++received_;
    lateness_.push_back(static_cast<float>((offset - t.min_offset) * 1000));
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
  std::vector<float> lateness_;
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

struct Prompts {
  std::vector<std::int16_t> wideband, narrowband;
  std::string name;
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
    const double expected = static_cast<double>(n) * wall * 50;
    step.loss = std::max(0.0, 1.0 - static_cast<double>(peer.received()) / expected);
    auto late = peer.lateness_ms();
    if (!late.empty()) {
      std::sort(late.begin(), late.end());
      step.late_p99_ms = late[static_cast<std::size_t>(0.99 * static_cast<double>(late.size() - 1))];
      step.late_max_ms = late.back();
    }
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

// ---- a kind: ramp up ----

struct Result {
  Step best;      // the largest step that held
  Step last;      // the last step run
  int steps = 0;
};

Result ramp(Kind kind, std::size_t first, double budget_s, double window_s, const Prompts& prompt,
            std::uint16_t port_min, bool verbose) {
  Result r;
  const auto end = Clock::now() + std::chrono::duration<double>(budget_s);
  std::size_t n = first;
  constexpr std::size_t kMaxSessions = 3000;
  while (true) {
    Step s = run_step(kind, n, window_s, prompt, port_min);
    ++r.steps;
    r.last = s;
    if (verbose) {
      std::fprintf(stderr, "  %s: %zu sessions: engine %.1f %% of a core, loss %.2f %%, lateness p99 %.1f ms max %.1f ms%s%s\n",
                   info_of(kind).name, n, 100 * s.engine_cpu_share, 100 * s.loss, s.late_p99_ms, s.late_max_ms,
                   s.held ? "" : "  (not held)", s.error.empty() ? "" : (" " + s.error).c_str());
    }
    if (!s.held) break;
    r.best = s;
    const double predicted = s.per_core();
    const auto next = static_cast<std::size_t>(std::min(4.0 * static_cast<double>(n), 0.85 * predicted));
    const double step_cost = 1.0 + window_s + 0.3;
    if (next <= n + n / 10 || next > kMaxSessions || Clock::now() + std::chrono::duration<double>(step_cost) > end) break;
    n = next;
  }
  return r;
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
  double budget = 50;
  bool verbose = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      smoke = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      budget = std::stod(argv[++i]);
    } else if (a == "--quiet") {
      verbose = false;
    } else {
      std::fprintf(stderr, "usage: bench_mrf [--smoke] [--seconds S] [--quiet]\n");
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
  const Plan plans[] = {{Kind::annc_amrwb, 100, 0.35},
                        {Kind::annc_pcmu, 100, 0.25},
                        {Kind::echo_amrwb, 25, 0.25},
                        {Kind::annc_amrwb_nocache, 50, 0.15}};
  bool failed = false;
  for (const auto& p : plans) {
    const KindInfo k = info_of(p.kind);
    const Result r = smoke ? Result{run_step(p.kind, 5, 1.0, prompt, port_min), {}, 1}
                           : ramp(p.kind, p.first, budget * p.share, 1.5, prompt, port_min, verbose);
    const Step& s = smoke ? r.best : (r.best.sessions ? r.best : r.last);
    if (!s.error.empty()) {
      std::printf("mrf/%s: error %s\n", k.name, s.error.c_str());
      failed = true;
      continue;
    }
    std::printf("mrf/%s/sessions_per_core: %.0f sessions\n", k.name, s.per_core());
    std::printf("mrf/%s/sustained: %zu sessions\n", k.name, r.best.sessions);
    std::printf("mrf/%s/engine_cpu_per_session: %.1f us per second\n", k.name,
                s.sessions ? 1e6 * s.engine_cpu_share / static_cast<double>(s.sessions) : 0.0);
    std::printf("mrf/%s/at_sessions: %zu sessions\n", k.name, s.sessions);
    std::printf("mrf/%s/loss: %.2f %%\n", k.name, 100 * s.loss);
    std::printf("mrf/%s/lateness_p99: %.1f ms\n", k.name, s.late_p99_ms);
    std::printf("mrf/%s/frames_encoded: %.0f per second\n", k.name,
                s.window_s > 0 ? static_cast<double>(s.frames_encoded) / s.window_s : 0.0);
    if (smoke && s.loss > 0.5) {  // not a time limit: the packets must flow at all
      std::printf("mrf/%s: error most packets never arrived\n", k.name);
      failed = true;
    }
    if (p.kind == Kind::annc_amrwb) {
      std::printf("mrf/annc_amrwb/aim_500_per_core: %s\n", s.per_core() >= 500 ? "met" : "NOT met");
    }
    std::fflush(stdout);
  }
  return failed ? 1 : 0;
}
