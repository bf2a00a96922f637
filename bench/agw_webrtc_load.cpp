// agw-webrtc-load: drives an ng media relay (our AGW, or Debian's rtpengine
// for comparison) with N browser<->phone calls over loopback, for
// bench/media_webrtc_load.sh. Each call's browser side is played by this
// tool (webrtc_client_leg.h: ICE controlling, DTLS client, SRTP), its phone
// side is plain RTP/AVP; both send PCMU, so the relay relays (no
// transcoding: SRTP <-> RTP only).
//   1. N calls, started at --rate per second: the browser's offer
//      (UDP/TLS/RTP/SAVPF, ICE, a=fingerprint, setup:actpass, rtcp-mux)
//      with ng offer (toward the phone: RTP/AVP), the phone's answer with ng
//      answer (toward the browser: ICE force, DTLS passive). From the answer
//      reply on, the phone sends 50 packets/s and the browser runs ICE and
//      DTLS; "answer to first audio" is the time from the ng answer reply
//      (the 200 OK's moment) to the first SRTP packet the browser decrypts.
//   2. Once every call is up (or failed, 10 s at most), both sides of every
//      connected call send 50 packets/s for --seconds: what came through
//      each way, and the relay process's CPU time over that time.
//   3. ng delete for each call.
// Every payload carries its call's index and the 20 ms tick it was sent in:
// a packet delivered to the wrong call is counted, and only packets sent in
// the measuring window count. Prints "name: value unit" lines prefixed with
// --label. The relay should run one media thread so that its CPU share is
// one core's.
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agw/ng/encoder.h"
#include "agw/webrtc/dtls_context.h"
#include "bench/relay_load.h"
#include "bench/webrtc_client_leg.h"

namespace {

namespace po = boost::program_options;
namespace webrtc = imsbox::agw::webrtc;
using namespace imsbox::bench;
using imsbox::agw::ng::Encoder;
using imsbox::agw::ng::Format;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kPayload = 160;  // PCMU, 20 ms
constexpr auto kPacketInterval = 20ms;

std::string browser_offer(const WebrtcClientLeg& leg, std::uint16_t port, int session) {
  const std::string p = std::to_string(port);
  return "v=0\r\no=- " + std::to_string(session) + " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
         "m=audio " + p + " UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n" + leg.offer_attributes(port) +
         "a=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n";
}

// RTCP to the RTP port (RFC 3605), not port + 1: that may be another call's socket.
std::string phone_answer(std::uint16_t port, int session) {
  const std::string p = std::to_string(port);
  return "v=0\r\no=- " + std::to_string(session) + " 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " + p + " RTP/AVP 0\r\na=rtcp:" + p + "\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
}

// The ng flags a P-CSCF sends for a browser -> phone call (pcscf/ng_commands.cpp),
// without "inject DTMF" (with it rtpengine decodes and encodes every packet).
void toward_phone(Encoder& e) {
  e.entry("DTLS-reverse", "passive").entry("transport-protocol", "RTP/AVP").entry("ICE", "remove");
  e.entry("DTLS", "off").key("rtcp-mux").begin_list().string("demux").end();
  e.key("SDES").begin_list().string("off").end();
  e.key("replace").begin_list().string("origin").string("session-connection").end();
}

void toward_browser(Encoder& e) {
  e.entry("transport-protocol", "UDP/TLS/RTP/SAVPF").entry("ICE", "force").entry("DTLS", "passive");
  e.key("rtcp-mux").begin_list().string("require").end();
  e.key("SDES").begin_list().string("off").end();
  e.key("replace").begin_list().string("origin").string("session-connection").end();
}

void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

// Offset of the payload of an RTP packet (RFC 3550 §5.1), or nullopt.
std::optional<std::size_t> payload_offset(const std::uint8_t* p, std::size_t n) {
  if (n < 12 || (p[0] >> 6) != 2) return std::nullopt;
  std::size_t off = 12 + 4u * (p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (n < off + 4) return std::nullopt;
    off += 4 + 4u * (static_cast<std::size_t>(p[off + 2]) << 8 | p[off + 3]);
  }
  return off <= n ? std::optional(off) : std::nullopt;
}

struct Direction {
  std::uint16_t seq = 0;
  std::uint64_t sent = 0, received = 0;  // in the measuring window
};

struct Call {
  int browser_fd = -1, phone_fd = -1;
  std::uint16_t browser_port = 0, phone_port = 0;
  std::unique_ptr<WebrtcClientLeg> leg;
  sockaddr_in relay_for_phone{};
  bool answered = false, measured = false;
  Clock::time_point answered_at{};
  std::optional<double> first_audio_ms;
  Direction to_phone, to_browser;  // browser -> phone, phone -> browser
};

class Load {
 public:
  Load(std::size_t n, std::shared_ptr<const webrtc::DtlsContext> dtls, std::uint16_t local_ports)
      : calls_(n), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    for (std::size_t i = 0; i < n; ++i) {
      Call& c = calls_[i];
      c.browser_fd = udp_socket(&c.browser_port, &local_ports);
      c.phone_fd = udp_socket(&c.phone_port, &local_ports);
      const int fd = c.browser_fd;
      c.leg = std::make_unique<WebrtcClientLeg>(
          dtls,
          [fd](std::span<const std::uint8_t> d, const sockaddr_in& to) {
            sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
          },
          0x9e3779b97f4a7c15ull * (i + 1) ^ static_cast<std::uint64_t>(getpid()));
      watch(c.browser_fd, 2 * i);
      watch(c.phone_fd, 2 * i + 1);
    }
  }
  ~Load() {
    for (auto& c : calls_) {
      close(c.browser_fd);
      close(c.phone_fd);
    }
    close(epoll_);
  }

  std::vector<Call>& calls() { return calls_; }
  std::uint32_t tick() const { return tick_; }
  double max_lag_ms() const { return max_lag_ms_; }
  std::uint64_t misdelivered() const { return misdelivered_; }

  void set_window(std::uint32_t first, std::uint32_t end) {
    window_first_ = first;
    window_end_ = end;
  }
  void stop_sending() { sending_ = false; }

  // Serves the sockets, sends each 20 ms tick's packets and runs the legs'
  // timers until `deadline` (once, without waiting, when it has passed).
  void run_until(Clock::time_point deadline) {
    for (;;) {
      const auto now = Clock::now();
      if (now >= next_tick_) send_tick(now);
      if (now >= next_timers_) {
        for (auto& c : calls_)
          if (c.answered) c.leg->tick(now);
        next_timers_ = now + 10ms;
      }
      const auto wake = std::min({deadline, next_tick_, next_timers_});
      const int timeout = now >= wake ? 0
                                      : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - now).count());
      epoll_event events[128];
      const int n = epoll_wait(epoll_, events, 128, timeout);
      for (int k = 0; k < n; ++k) drain(events[k].data.u64);
      if (Clock::now() >= deadline && n < 128) return;
    }
  }

  void answered(std::size_t i, sockaddr_in relay_for_phone, RemoteWebrtc remote) {
    Call& c = calls_[i];
    c.relay_for_phone = relay_for_phone;
    c.answered = true;
    c.answered_at = Clock::now();
    c.leg->start(std::move(remote), c.answered_at);
  }

 private:
  void watch(int fd, std::uint64_t key) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = key;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e) != 0) throw std::runtime_error("epoll_ctl");
  }

  bool in_window(std::uint32_t t) const { return t >= window_first_ && t < window_end_; }

  void send_tick(Clock::time_point now) {
    if (in_window(tick_))  // how late this tick is: the load client's own health while measuring
      max_lag_ms_ = std::max(max_lag_ms_, std::chrono::duration<double, std::milli>(now - next_tick_).count());
    next_tick_ += kPacketInterval;
    if (now - next_tick_ > 200ms) next_tick_ = now;  // far behind: do not burst to catch up
    const std::uint32_t t = tick_++;
    if (!sending_) return;
    std::uint8_t packet[12 + kPayload + webrtc::kSrtpMaxOverhead];
    std::fill(packet, packet + sizeof packet, 0xff);
    for (std::size_t i = 0; i < calls_.size(); ++i) {
      Call& c = calls_[i];
      if (!c.answered) continue;
      const bool counted = c.measured && in_window(t);
      const auto header = [&](Direction& d, std::uint32_t ssrc) {
        packet[0] = 0x80;
        packet[1] = 0;  // PCMU
        packet[2] = static_cast<std::uint8_t>(d.seq >> 8);
        packet[3] = static_cast<std::uint8_t>(d.seq);
        put32(packet + 4, 160u * d.seq);
        put32(packet + 8, ssrc);
        put32(packet + 12, static_cast<std::uint32_t>(i));
        put32(packet + 16, t);
        ++d.seq;
      };
      // the phone sends from the answer on, as after a 200 OK
      header(c.to_browser, 0x20000000u + static_cast<std::uint32_t>(i));
      sendto(c.phone_fd, packet, 12 + kPayload, 0, reinterpret_cast<const sockaddr*>(&c.relay_for_phone),
             sizeof c.relay_for_phone);
      if (counted) ++c.to_browser.sent;
      // the browser once DTLS is up
      if (c.leg->state() != WebrtcClientLeg::State::connected) continue;
      header(c.to_phone, 0x10000000u + static_cast<std::uint32_t>(i));
      if (c.leg->send_rtp(std::span(packet, sizeof packet), 12 + kPayload) && counted) ++c.to_phone.sent;
    }
  }

  void drain(std::uint64_t key) {
    Call& c = calls_[key / 2];
    const bool browser = key % 2 == 0;
    std::uint8_t buf[2048];
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t r = recvfrom(browser ? c.browser_fd : c.phone_fd, buf, sizeof buf, 0,
                                 reinterpret_cast<sockaddr*>(&from), &len);
      if (r <= 0) return;
      std::size_t n = static_cast<std::size_t>(r);
      if (browser) {
        const auto now = Clock::now();
        std::size_t rtp = 0;
        if (!c.leg->receive(std::span(buf, n), from, now, rtp)) continue;
        n = rtp;
        if (!c.first_audio_ms)
          c.first_audio_ms = std::chrono::duration<double, std::milli>(now - c.answered_at).count();
      }
      if (n >= 2 && (buf[1] & 0x7f) >= 64 && (buf[1] & 0x7f) <= 95) continue;  // RTCP (RFC 5761 §4)
      const auto off = payload_offset(buf, n);
      if (!off || n - *off < 8) continue;
      if (get32(buf + *off) != key / 2) {
        ++misdelivered_;
        continue;
      }
      if (c.measured && in_window(get32(buf + *off + 4))) ++(browser ? c.to_browser : c.to_phone).received;
    }
  }

  std::vector<Call> calls_;
  int epoll_;
  Clock::time_point next_tick_ = Clock::now(), next_timers_ = Clock::now();
  std::uint32_t tick_ = 0, window_first_ = UINT32_MAX, window_end_ = UINT32_MAX;
  bool sending_ = true;
  double max_lag_ms_ = 0;
  std::uint64_t misdelivered_ = 0;
};

std::vector<webrtc::SrtpProfile> profiles_from(const std::string& names) {
  std::vector<webrtc::SrtpProfile> out;
  std::size_t start = 0;
  while (start <= names.size()) {
    const auto end = std::min(names.find(',', start), names.size());
    const auto p = webrtc::parse_srtp_profile(names.substr(start, end - start));
    if (!p) throw std::runtime_error("unknown SRTP profile '" + names.substr(start, end - start) + "'");
    out.push_back(*p);
    start = end + 1;
  }
  return out;
}

double loss_percent(std::uint64_t sent, std::uint64_t received) {
  return sent ? 100.0 * static_cast<double>(sent - std::min(sent, received)) / static_cast<double>(sent) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t ng_port = 0;
  int calls_n = 100, seconds = 10, pid = 0;
  std::uint16_t local_ports = 0;
  double rate = 100;
  std::string label = "agw", srtp = "AEAD_AES_128_GCM,AES_CM_128_HMAC_SHA1_80";  // as Chrome offers them
  po::options_description opts("agw-webrtc-load");
  opts.add_options()("ng-port", po::value(&ng_port)->required(), "the relay's ng port")(
      "calls", po::value(&calls_n), "concurrent calls")("seconds", po::value(&seconds), "measured RTP phase length")(
      "rate", po::value(&rate), "calls started per second")("pid", po::value(&pid), "the relay's process id (CPU time)")(
      "srtp", po::value(&srtp), "SRTP profiles offered, comma-separated, preferred first")(
      "label", po::value(&label), "prefix of the figures")(
      "local-ports", po::value(&local_ports), "our sockets' ports from here up, outside the relay's (default: ephemeral)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
    if (calls_n < 1 || seconds < 1 || rate <= 0) throw std::runtime_error("calls, seconds and rate must be positive");
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << opts;
    return 2;
  }
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  try {
    auto dtls = std::make_shared<const webrtc::DtlsContext>(webrtc::DtlsCertificate::generate("agw-webrtc-load"),
                                                            webrtc::DtlsContextOptions{profiles_from(srtp)});
    NgClient ng(ng_port);
    Load load(static_cast<std::size_t>(calls_n), dtls, local_ports);
    auto& calls = load.calls();
    const std::string prefix = "webrtc-load-" + std::to_string(getpid()) + "-";
    const auto idle = [&] { load.run_until(Clock::now()); };
    std::map<std::string, int> setup_errors;
    std::vector<double> offer_ms, answer_ms;
    const auto t_setup = Clock::now();
    for (int i = 0; i < calls_n; ++i) {
      Call& c = calls[static_cast<std::size_t>(i)];
      const std::string id = prefix + std::to_string(i), from = "a" + std::to_string(i), to = "b" + std::to_string(i);
      try {
        double ms = 0;
        Encoder o(Format::bencode);
        o.begin_dictionary().entry("command", "offer").entry("call-id", id).entry("from-tag", from);
        toward_phone(o);
        o.entry("sdp", browser_offer(*c.leg, c.browser_port, i)).end();
        const auto toward_phone_port = audio_port(reply_sdp(ng.call(o.take(), ms, idle), "offer"), "offer");
        offer_ms.push_back(ms);
        Encoder a(Format::bencode);
        a.begin_dictionary().entry("command", "answer").entry("call-id", id).entry("from-tag", from);
        a.entry("to-tag", to);
        toward_browser(a);
        a.entry("sdp", phone_answer(c.phone_port, i)).end();
        const std::string browser_sdp = reply_sdp(ng.call(a.take(), ms, idle), "answer");
        answer_ms.push_back(ms);
        load.answered(static_cast<std::size_t>(i), loopback(toward_phone_port), parse_remote_webrtc(browser_sdp));
      } catch (const std::exception& e) {
        ++setup_errors[e.what()];
      }
      load.run_until(t_setup + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>((i + 1) / rate)));
    }
    // until every call has its first audio, or has failed, or 11 s passed (the legs give up after 10 s)
    const auto settle_deadline = Clock::now() + 11s;
    while (Clock::now() < settle_deadline) {
      const bool settled = std::all_of(calls.begin(), calls.end(), [](const Call& c) {
        return !c.answered || c.leg->state() == WebrtcClientLeg::State::failed || c.first_audio_ms;
      });
      if (settled) break;
      load.run_until(Clock::now() + 50ms);
    }
    int set_up = 0, connected = 0;
    std::vector<double> first_audio, ice_done, dtls_done;
    const auto ms_since = [](Clock::time_point from, Clock::time_point to) {
      return std::chrono::duration<double, std::milli>(to - from).count();
    };
    std::map<std::string, int> failures;
    std::optional<webrtc::SrtpProfile> profile;
    for (auto& c : calls) {
      if (!c.answered) continue;
      ++set_up;
      if (c.leg->state() == WebrtcClientLeg::State::connected) {
        ++connected;
        c.measured = true;
        if (!profile) profile = c.leg->profile();
      } else {
        ++failures[c.leg->state() == WebrtcClientLeg::State::failed ? c.leg->failure() : "not connected in 11 s"];
      }
      if (c.first_audio_ms) first_audio.push_back(*c.first_audio_ms);
      if (const auto t = c.leg->ice_done_at()) ice_done.push_back(ms_since(c.answered_at, *t));
      if (const auto t = c.leg->dtls_done_at()) dtls_done.push_back(ms_since(c.answered_at, *t));
    }
    for (const auto& [what, n] : setup_errors) std::cerr << "agw-webrtc-load: " << n << " calls not set up: " << what << "\n";
    for (const auto& [what, n] : failures) std::cerr << "agw-webrtc-load: " << n << " calls not connected: " << what << "\n";

    // the measuring window: whole ticks from the next one on
    const std::uint32_t first_tick = load.tick() + 1, end_tick = first_tick + static_cast<std::uint32_t>(seconds * 50);
    load.set_window(first_tick, end_tick);
    while (load.tick() < first_tick) load.run_until(Clock::now() + 1ms);
    const double cpu0 = pid ? cpu_seconds(pid) : 0, own0 = cpu_seconds(getpid());
    const auto t0 = Clock::now();
    while (load.tick() < end_tick) load.run_until(Clock::now() + 5ms);
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = pid ? cpu_seconds(pid) - cpu0 : 0, own = cpu_seconds(getpid()) - own0;
    load.stop_sending();
    // what is still on its way: until everything came, 2 s at most (a relay
    // descheduled on a busy machine is late, not lossy)
    const auto all_came = [&] {
      return std::all_of(calls.begin(), calls.end(), [](const Call& c) {
        return c.to_phone.received >= c.to_phone.sent && c.to_browser.received >= c.to_browser.sent;
      });
    };
    for (const auto drain_end = Clock::now() + 2s; Clock::now() < drain_end && !all_came();)
      load.run_until(Clock::now() + 20ms);

    std::uint64_t sent_tp = 0, recv_tp = 0, sent_tb = 0, recv_tb = 0, srtp_errors = 0;
    for (const auto& c : calls) {
      sent_tp += c.to_phone.sent;
      recv_tp += c.to_phone.received;
      sent_tb += c.to_browser.sent;
      recv_tb += c.to_browser.received;
      srtp_errors += c.leg->srtp_errors();
    }
    const char* l = label.c_str();
    std::printf("%s_webrtc_calls_set_up: %d of %d calls\n", l, set_up, calls_n);
    std::printf("%s_webrtc_dtls_handshakes: %d of %d calls\n", l, connected, set_up);
    if (profile) std::printf("%s_webrtc_srtp_profile: %s\n", l, std::string(webrtc::to_string(*profile)).c_str());
    std::printf("%s_webrtc_ng_offer_p50: %.3f ms\n%s_webrtc_ng_answer_p50: %.3f ms\n", l, percentile(offer_ms, 0.5), l,
                percentile(answer_ms, 0.5));
    // made while the calls before them run ICE, DTLS and media
    std::printf("%s_webrtc_ng_offer_p99: %.3f ms\n%s_webrtc_ng_answer_p99: %.3f ms\n", l, percentile(offer_ms, 0.99), l,
                percentile(answer_ms, 0.99));
    std::printf("%s_answer_to_first_audio_p50: %.1f ms\n%s_answer_to_first_audio_p99: %.1f ms\n", l,
                percentile(first_audio, 0.5), l, percentile(first_audio, 0.99));
    std::printf("%s_webrtc_calls_with_audio: %zu of %d calls\n", l, first_audio.size(), set_up);
    // where the time to first audio goes: ICE (our check answered), then DTLS
    std::printf("%s_answer_to_ice_done_p50: %.1f ms\n%s_answer_to_dtls_done_p50: %.1f ms\n", l,
                percentile(ice_done, 0.5), l, percentile(dtls_done, 0.5));
    std::printf("%s_webrtc_packets_browser_to_phone: %llu of %llu packets\n", l,
                static_cast<unsigned long long>(recv_tp), static_cast<unsigned long long>(sent_tp));
    std::printf("%s_webrtc_packets_phone_to_browser: %llu of %llu packets\n", l,
                static_cast<unsigned long long>(recv_tb), static_cast<unsigned long long>(sent_tb));
    const double loss_tp = loss_percent(sent_tp, recv_tp), loss_tb = loss_percent(sent_tb, recv_tb);
    std::printf("%s_webrtc_loss_browser_to_phone: %.3f %%\n%s_webrtc_loss_phone_to_browser: %.3f %%\n", l, loss_tp, l,
                loss_tb);
    std::printf("%s_webrtc_misdelivered: %llu packets\n%s_webrtc_srtp_errors: %llu packets\n", l,
                static_cast<unsigned long long>(load.misdelivered()), l, static_cast<unsigned long long>(srtp_errors));
    // A load client that falls behind sends less than 50 packets/s a call (it
    // does not burst to catch up): the per-core figure counts the calls its
    // packet rate amounts to, which are all the calls when it keeps up.
    const double sent_rate = static_cast<double>(sent_tp + sent_tb) / elapsed;
    std::printf("%s_webrtc_packets_per_second: %.0f packets/s (of %d)\n", l, sent_rate, connected * 100);
    std::printf("%s_webrtc_load_client_cpu: %.1f %% of a core\n", l, 100.0 * own / elapsed);
    std::printf("%s_webrtc_load_client_max_tick_lag: %.1f ms (while measuring)\n", l, load.max_lag_ms());
    if (pid) {
      const double share = cpu / elapsed;
      std::printf("%s_webrtc_relay_cpu: %.1f %% of a core\n", l, 100.0 * share);
      if (share > 0 && connected > 0) {
        const bool valid = loss_tp < 0.1 && loss_tb < 0.1;
        std::printf("%s_webrtc_relayed_calls_per_core: %.0f calls (extrapolated from the CPU share%s)\n", l,
                    sent_rate / 100.0 / share, valid ? "" : "; loss above 0.1 %: not a valid figure");
      }
    }
    for (int i = 0; i < calls_n; ++i) {
      if (!calls[static_cast<std::size_t>(i)].answered) continue;
      Encoder d(Format::bencode);
      d.begin_dictionary().entry("command", "delete").entry("call-id", prefix + std::to_string(i));
      d.entry("from-tag", "a" + std::to_string(i)).end();
      double ms = 0;
      try {
        ng.call(d.take(), ms);
      } catch (const std::exception& e) {
        std::cerr << "agw-webrtc-load: delete: " << e.what() << "\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "agw-webrtc-load: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
