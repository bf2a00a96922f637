// agw-load: drives an ng media relay (our AGW, or Debian's rtpengine for
// comparison) with N phone<->phone calls over loopback, for
// bench/media_agw_load.sh:
//   1. N calls set up with ng offer + answer (RTP/AVP, PCMU): the round-trip
//      time of each command, p50 and p99;
//   2. every call's two phones send 50 packets/s each (160-octet PCMU, 20 ms)
//      for --seconds: what came through, and the relay process's CPU time
//      over that time (from /proc/PID/stat, all its threads);
//      Then, the media still flowing, for --probe-ticks more 20 ms ticks one
//      more call per tick is set up and deleted (offer, answer, delete): the
//      ng offer/answer round trip of a call made while the relay is busy
//      relaying the others (p50, p99; outside the CPU measurement);
//   3. ng delete for each call.
// Prints "name: value unit" lines prefixed with --label. The relay should
// run one media thread (agw.workers = 1, rtpengine --num-threads 1) so that
// its CPU share is one core's.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agw/ng/encoder.h"
#include "agw/ng/value.h"
#include "bench/relay_load.h"

namespace {

namespace po = boost::program_options;
using namespace imsbox::agw::ng;
using namespace imsbox::bench;
using Clock = std::chrono::steady_clock;

// RTCP to the RTP port (RFC 3605), not port + 1: that may be another call's socket.
std::string sdp(std::uint16_t port, int session) {
  const std::string p = std::to_string(port);
  return "v=0\r\no=- " + std::to_string(session) + " 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " + p + " RTP/AVP 0\r\na=rtcp:" + p + "\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
}

// The m=audio port of the SDP in a reply.
std::uint16_t reply_port(const std::string& reply, const char* what) { return audio_port(reply_sdp(reply, what), what); }

// The offer and answer of one call between phones on ports a and b (bencode).
std::string offer_of(const std::string& id, const std::string& from, std::uint16_t a, int session) {
  Encoder o(Format::bencode);
  o.begin_dictionary().entry("command", "offer").entry("call-id", id).entry("from-tag", from);
  o.entry("sdp", sdp(a, session)).key("replace").begin_list().string("origin").string("session-connection").end();
  o.end();
  return o.take();
}
std::string answer_of(const std::string& id, const std::string& from, const std::string& to, std::uint16_t b,
                      int session) {
  Encoder a(Format::bencode);
  a.begin_dictionary().entry("command", "answer").entry("call-id", id).entry("from-tag", from);
  a.entry("to-tag", to).entry("sdp", sdp(b, session)).end();
  return a.take();
}
std::string delete_of(const std::string& id, const std::string& from) {
  Encoder d(Format::bencode);
  d.begin_dictionary().entry("command", "delete").entry("call-id", id).entry("from-tag", from).end();
  return d.take();
}

struct Call {
  int a = -1, b = -1;  // the two phones' sockets
  std::uint16_t a_port = 0, b_port = 0;
  sockaddr_in to_a{}, to_b{};  // the relay's ports facing each phone
  std::uint16_t seq = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t ng_port = 0;
  int calls_n = 100, seconds = 10, pid = 0, probe_ticks = 200;
  std::uint16_t local_ports = 0;
  std::string label = "agw";
  po::options_description opts("agw-load");
  opts.add_options()("ng-port", po::value(&ng_port)->required(), "the relay's ng port")(
      "calls", po::value(&calls_n), "concurrent calls")("seconds", po::value(&seconds), "RTP phase length")(
      "probe-ticks", po::value(&probe_ticks), "calls set up one per 20 ms tick after the RTP phase, media flowing")(
      "pid", po::value(&pid), "the relay's process id (CPU time)")("label", po::value(&label), "prefix of the figures")(
      "local-ports", po::value(&local_ports), "the phones' ports from here up, outside the relay's (default: ephemeral)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << opts;
    return 2;
  }
  try {
    NgClient ng(ng_port);
    std::vector<Call> calls(static_cast<std::size_t>(calls_n));
    std::vector<double> offer_ms, answer_ms, delete_ms;
    for (int i = 0; i < calls_n; ++i) {
      Call& c = calls[static_cast<std::size_t>(i)];
      c.a = udp_socket(&c.a_port, &local_ports);
      c.b = udp_socket(&c.b_port, &local_ports);
      const std::string id = "load-" + std::to_string(getpid()) + "-" + std::to_string(i);
      double ms = 0;
      const std::string from = "a" + std::to_string(i);
      const std::uint16_t toward_b = reply_port(ng.call(offer_of(id, from, c.a_port, i), ms), "offer");
      offer_ms.push_back(ms);
      const std::uint16_t toward_a =
          reply_port(ng.call(answer_of(id, from, "b" + std::to_string(i), c.b_port, i), ms), "answer");
      answer_ms.push_back(ms);
      c.to_a = loopback(toward_a);
      c.to_b = loopback(toward_b);
    }
    std::printf("%s_ng_offer_p50: %.3f ms\n%s_ng_offer_p99: %.3f ms\n", label.c_str(), percentile(offer_ms, 0.5),
                label.c_str(), percentile(offer_ms, 0.99));
    std::printf("%s_ng_answer_p50: %.3f ms\n%s_ng_answer_p99: %.3f ms\n", label.c_str(), percentile(answer_ms, 0.5),
                label.c_str(), percentile(answer_ms, 0.99));

    // RTP: every 20 ms one packet from each phone of each call
    std::vector<std::uint8_t> packet(12 + 160, 0xd5);
    packet[0] = 0x80;  // V=2
    packet[1] = 0;     // PCMU
    std::uint64_t sent = 0, received = 0;
    std::vector<std::uint8_t> buf(2048);
    const auto drain = [&](int fd) {
      // RTP only: the relay's own RTCP reports are not relayed packets
      for (ssize_t r; (r = recv(fd, buf.data(), buf.size(), 0)) > 0;)
        if (r >= 2 && !((buf[1] & 0x7f) >= 64 && (buf[1] & 0x7f) <= 95)) ++received;
    };
    std::uint16_t probe_a_port = 0, probe_b_port = 0;
    const int probe_a = udp_socket(&probe_a_port, &local_ports), probe_b = udp_socket(&probe_b_port, &local_ports);
    std::vector<double> loaded_offer_ms, loaded_answer_ms;
    const double cpu0 = pid ? cpu_seconds(pid) : 0;
    const auto t0 = Clock::now();
    auto next = t0;
    const int ticks = seconds * 50;
    double elapsed = 0, cpu = 0;
    std::uint64_t sent_measured = 0;  // in the measured window
    for (int t = 0;; ++t) {
      if (t == ticks) {
        elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
        cpu = pid ? cpu_seconds(pid) - cpu0 : 0;
        sent_measured = sent;
      }
      if (t >= ticks + std::max(probe_ticks, 0)) break;
      for (auto& c : calls) {
        packet[2] = static_cast<std::uint8_t>(c.seq >> 8);
        packet[3] = static_cast<std::uint8_t>(c.seq);
        const std::uint32_t ts = 160u * c.seq;
        packet[4] = static_cast<std::uint8_t>(ts >> 24);
        packet[5] = static_cast<std::uint8_t>(ts >> 16);
        packet[6] = static_cast<std::uint8_t>(ts >> 8);
        packet[7] = static_cast<std::uint8_t>(ts);
        packet[11] = 1;
        sendto(c.a, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&c.to_a), sizeof c.to_a);
        packet[11] = 2;
        sendto(c.b, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&c.to_b), sizeof c.to_b);
        sent += 2;
        ++c.seq;
      }
      next += std::chrono::milliseconds(20);
      std::this_thread::sleep_until(next);
      for (auto& c : calls) {
        drain(c.a);
        drain(c.b);
      }
      if (t >= ticks) {
        // one more call while the others' media flows (its phones send nothing)
        const std::string id = "probe-" + std::to_string(getpid()) + "-" + std::to_string(t);
        double ms = 0;
        reply_port(ng.call(offer_of(id, "pa", probe_a_port, t), ms), "offer (under load)");
        loaded_offer_ms.push_back(ms);
        reply_port(ng.call(answer_of(id, "pa", "pb", probe_b_port, t), ms), "answer (under load)");
        loaded_answer_ms.push_back(ms);
        ng.call(delete_of(id, "pa"), ms);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (auto& c : calls) {
      drain(c.a);
      drain(c.b);
    }
    const double loss = sent ? 100.0 * static_cast<double>(sent - std::min(sent, received)) / static_cast<double>(sent) : 0;
    close(probe_a);
    close(probe_b);
    std::printf("%s_ng_offer_under_load_p50: %.3f ms\n%s_ng_offer_under_load_p99: %.3f ms\n", label.c_str(),
                percentile(loaded_offer_ms, 0.5), label.c_str(), percentile(loaded_offer_ms, 0.99));
    std::printf("%s_ng_answer_under_load_p50: %.3f ms\n%s_ng_answer_under_load_p99: %.3f ms\n", label.c_str(),
                percentile(loaded_answer_ms, 0.5), label.c_str(), percentile(loaded_answer_ms, 0.99));
    std::printf("%s_relayed_calls: %d calls\n", label.c_str(), calls_n);
    std::printf("%s_relayed_packets_per_second: %.0f packets/s\n", label.c_str(),
                static_cast<double>(sent_measured) / elapsed);
    std::printf("%s_relay_loss: %.3f %%\n", label.c_str(), loss);
    if (pid) {
      const double share = cpu / elapsed;
      std::printf("%s_relay_cpu: %.1f %% of a core\n", label.c_str(), 100.0 * share);
      if (share > 0) {
        std::printf("%s_relayed_calls_per_core: %.0f calls (extrapolated from the CPU share)\n", label.c_str(),
                    static_cast<double>(sent_measured) / elapsed / 100.0 / share);  // the calls the sent rate is (100 packets/s each)
      }
    }
    for (int i = 0; i < calls_n; ++i) {
      double ms = 0;
      ng.call(delete_of("load-" + std::to_string(getpid()) + "-" + std::to_string(i), "a" + std::to_string(i)), ms);
      delete_ms.push_back(ms);
      close(calls[static_cast<std::size_t>(i)].a);
      close(calls[static_cast<std::size_t>(i)].b);
    }
    std::printf("%s_ng_delete_p50: %.3f ms\n", label.c_str(), percentile(delete_ms, 0.5));
  } catch (const std::exception& e) {
    std::cerr << "agw-load: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
