// rtp-phone: the media side of a test phone, for codecs no independent
// peer here speaks (AMR-WB bandwidth-efficient: baresip's amr module is
// octet-aligned only). It sends a tone as RTP in the codec an SDP names
// (the media library's encoder and RFC 4867 packing) to the far end, and
// records what it receives, decoded, to a WAV file. Signalling is someone
// else's (sipp carries the SDP and starts this program).
//
//   rtp-phone --local [IP:]PORT --remote IP:PORT --codec NAME/RATE --pt N [--fmtp "a=b;c=d"]
//             --tone HZ --record OUT.wav [--seconds 20] [--idle-ms 700]
//
// Binds IP:PORT (127.0.0.1 by default; symmetric RTP: it sends from there too), sends one
// packet per 20 ms, and stops after --seconds, or --idle-ms after the last
// packet it received (the call ended), or on SIGTERM/SIGINT; then writes the
// recording (at the codec's PCM rate) and prints one line of counts.
// Packets of another payload type (telephone-event, comfort noise) are
// counted, not decoded.
//
// DTMF (RFC 4733, the rtp library's sender and receiver):
//             [--dtmf-pt N --dtmf-rate HZ] [--dtmf DIGITS --dtmf-delay-ms 1500
//              --dtmf-ms 100 --dtmf-gap-ms 70]
// With --dtmf-pt, telephone-event packets of that payload type are decoded
// at --dtmf-rate (the SDP's telephone-event clock, default the codec's) and
// each received event is printed ("rtp-phone: event 5 '5' duration 1600 end 1
// ts N"), then the digits in one line ("rtp-phone: dtmf received: ...").
// With --dtmf, those digits are sent after --dtmf-delay-ms, each for
// --dtmf-ms (audio muted meanwhile), --dtmf-gap-ms of audio between them,
// timestamps and durations on the --dtmf-rate clock.
// Exit status 0, or 2 on a usage or socket error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "media/codec_factory.h"
#include "media/tone_detector.h"
#include "media/wav.h"
#include "rtp/rtp_packet.h"
#include "rtp/telephone_event.h"

namespace {

using namespace imsbox;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;  // set by the signal handler only
void on_signal(int) { g_stop = 1; }

int usage() {
  std::fprintf(stderr,
               "usage: rtp-phone --local [IP:]PORT --remote IP:PORT --codec NAME/RATE --pt N [--fmtp PARAMS]\n"
               "                 --tone HZ --record OUT.wav [--seconds 20] [--idle-ms 700]\n"
               "                 [--dtmf-pt N [--dtmf-rate HZ] [--dtmf DIGITS [--dtmf-delay-ms 1500] [--dtmf-ms 100]\n"
               "                  [--dtmf-gap-ms 70]]]\n");
  return 2;
}

struct Options {
  sockaddr_in local{};
  sockaddr_in remote{};
  std::string codec_name;
  int clock_rate = 0;
  int payload_type = -1;
  std::string fmtp;
  double tone_hz = 0;
  std::string record;
  double seconds = 20;
  int idle_ms = 700;
  int dtmf_pt = -1;
  int dtmf_rate = 0;
  std::string dtmf;
  int dtmf_delay_ms = 1500;
  int dtmf_ms = 100;
  int dtmf_gap_ms = 70;
};

// "IP:PORT" -> an IPv4 socket address with a port other than 0
bool address(const std::string& text, sockaddr_in& out) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  out.sin_family = AF_INET;
  const int port = std::atoi(text.c_str() + colon + 1);
  out.sin_port = htons(static_cast<std::uint16_t>(port));
  return port > 0 && port < 65536 && inet_pton(AF_INET, text.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

bool parse(int argc, char** argv, Options& o) {
  std::map<std::string, std::string> a;
  for (int i = 1; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return false;
  for (const char* required : {"--local", "--remote", "--codec", "--pt", "--tone", "--record"}) {
    if (!a.count(required)) return false;
  }
  const std::string local = a["--local"].find(':') == std::string::npos ? "127.0.0.1:" + a["--local"] : a["--local"];
  if (!address(local, o.local) || !address(a["--remote"], o.remote)) return false;
  const auto& codec = a["--codec"];
  const auto slash = codec.find('/');
  if (slash == std::string::npos) return false;
  o.codec_name = codec.substr(0, slash);
  o.clock_rate = std::atoi(codec.c_str() + slash + 1);
  o.payload_type = std::atoi(a["--pt"].c_str());
  o.fmtp = a.count("--fmtp") ? a["--fmtp"] : "";
  o.tone_hz = std::atof(a["--tone"].c_str());
  o.record = a["--record"];
  if (a.count("--seconds")) o.seconds = std::atof(a["--seconds"].c_str());
  if (a.count("--idle-ms")) o.idle_ms = std::atoi(a["--idle-ms"].c_str());
  if (a.count("--dtmf-pt")) o.dtmf_pt = std::atoi(a["--dtmf-pt"].c_str());
  o.dtmf_rate = a.count("--dtmf-rate") ? std::atoi(a["--dtmf-rate"].c_str()) : o.clock_rate;
  if (a.count("--dtmf")) o.dtmf = a["--dtmf"];
  if (a.count("--dtmf-delay-ms")) o.dtmf_delay_ms = std::atoi(a["--dtmf-delay-ms"].c_str());
  if (a.count("--dtmf-ms")) o.dtmf_ms = std::atoi(a["--dtmf-ms"].c_str());
  if (a.count("--dtmf-gap-ms")) o.dtmf_gap_ms = std::atoi(a["--dtmf-gap-ms"].c_str());
  for (const char c : o.dtmf) {
    if (!rtp::dtmf_event(c)) return false;
  }
  if (!o.dtmf.empty() && o.dtmf_pt < 0) return false;
  if (o.dtmf_pt >= 128 || o.dtmf_rate <= 0 || o.dtmf_ms <= 0 || o.dtmf_gap_ms < 0 || o.dtmf_delay_ms < 0) return false;
  return o.clock_rate > 0 && o.payload_type >= 0 && o.payload_type < 128 && o.tone_hz > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return usage();
  const auto fmtp = media::parse_fmtp(o.fmtp);
  auto made = media::make_codec(o.codec_name, o.clock_rate, 1, fmtp);
  if (!made.codec) {
    std::fprintf(stderr, "rtp-phone: %s\n", made.error.c_str());
    return 2;
  }
  auto& codec = *made.codec;
  const auto& info = codec.info();

  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || bind(fd, reinterpret_cast<const sockaddr*>(&o.local), sizeof o.local) != 0) {
    std::perror("rtp-phone: bind");
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  // a whole second of tone, sent 20 ms at a time over and over (an integral number of periods
  // for tones in whole hertz, so the loop has no seam)
  std::vector<std::int16_t> tone(static_cast<std::size_t>(info.pcm_rate));
  media::generate_tone(tone, info.pcm_rate, o.tone_hz, -10);
  std::vector<std::int16_t> recording;
  std::array<std::int16_t, media::kMaxPayloadMs * 48> pcm{};
  std::array<std::uint8_t, 1600> packet{};
  std::array<std::uint8_t, 2048> in{};

  const std::uint32_t ssrc = 0x5a5a0000u ^ static_cast<std::uint32_t>(getpid());
  std::uint16_t sequence = 1;
  std::uint32_t timestamp = 0;
  std::size_t tone_at = 0;
  std::size_t sent = 0, received = 0, decoded = 0, other = 0, bad = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::milliseconds(static_cast<long>(o.seconds * 1000));
  auto next_send = start;
  auto last_received = Clock::time_point{};

  // DTMF out: the digits left to send, when the next one begins; DTMF in: the events received
  rtp::TelephoneEventSender dtmf_sender({.clock_rate = static_cast<std::uint32_t>(o.dtmf_rate)});
  std::size_t dtmf_next = 0, dtmf_sent = 0;
  auto dtmf_at = start + std::chrono::milliseconds(o.dtmf_delay_ms);
  rtp::TelephoneEventReceiver dtmf_receiver;
  std::string dtmf_received;
  const auto on_event = [&](const rtp::ReceivedEvent& e) {
    const char c = rtp::dtmf_char(e.event);
    std::printf("rtp-phone: event %u '%c' duration %u end %d ts %u\n", e.event, c ? c : '?', e.duration,
                e.ended ? 1 : 0, e.timestamp);
    dtmf_received += c ? c : '?';
  };
  // the event clock's timestamp of the audio clock's `ts` (one SSRC, one timeline)
  const auto event_time = [&](std::uint32_t ts) {
    return static_cast<std::uint32_t>(std::uint64_t{ts} * static_cast<std::uint64_t>(o.dtmf_rate) /
                                      static_cast<std::uint64_t>(o.clock_rate));
  };

  while (!g_stop) {
    const auto now = Clock::now();
    if (now >= end) break;
    if (received > 0 && now - last_received > std::chrono::milliseconds(o.idle_ms)) break;
    if (now >= next_send && (dtmf_sender.active() || (dtmf_next < o.dtmf.size() && now >= dtmf_at))) {
      // a digit: its packets instead of audio until its end packets are out
      const std::uint32_t ts = event_time(timestamp);
      if (!dtmf_sender.active()) {
        dtmf_sender.start(*rtp::dtmf_event(o.dtmf[dtmf_next++]), ts,
                          static_cast<std::uint32_t>(std::int64_t{o.dtmf_rate} * o.dtmf_ms / 1000));
      }
      if (const auto ev = dtmf_sender.poll(ts)) {
        const std::size_t size = rtp::build_telephone_event_rtp(packet, *ev, static_cast<std::uint8_t>(o.dtmf_pt),
                                                                sequence++, ssrc);
        if (size > 0 &&
            sendto(fd, packet.data(), size, 0, reinterpret_cast<const sockaddr*>(&o.remote), sizeof o.remote) > 0) {
          ++dtmf_sent;
        }
      }
      if (!dtmf_sender.active()) dtmf_at = now + std::chrono::milliseconds(o.dtmf_gap_ms);
      timestamp += info.frame_timestamp;
      next_send += std::chrono::milliseconds(media::kFrameMs);
    } else if (now >= next_send) {
      rtp::RtpHeaderFields h;
      h.marker = sent == 0;
      h.payload_type = static_cast<std::uint8_t>(o.payload_type);
      h.sequence = sequence++;
      h.timestamp = timestamp;
      h.ssrc = ssrc;
      const std::size_t header = rtp::rtp_header_size(h);
      const std::span<const std::int16_t> frame(tone.data() + tone_at, info.frame_samples);
      tone_at = (tone_at + info.frame_samples) % tone.size();
      const auto enc = codec.encode(frame, std::span<std::uint8_t>(packet).subspan(header));
      if (enc.error == media::CodecError::none && enc.size > 0) {
        const std::size_t size =
            rtp::build_rtp(packet, h, std::span<const std::uint8_t>(packet.data() + header, enc.size));
        if (size > 0 &&
            sendto(fd, packet.data(), size, 0, reinterpret_cast<const sockaddr*>(&o.remote), sizeof o.remote) > 0) {
          ++sent;
        }
      }
      timestamp += info.frame_timestamp;
      next_send += std::chrono::milliseconds(media::kFrameMs);
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_send - Clock::now()).count();
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, static_cast<int>(wait > 0 ? wait : 0)) <= 0) continue;
    const ssize_t n = recv(fd, in.data(), in.size(), 0);
    if (n <= 0) continue;
    const auto parsed = rtp::parse_rtp(std::span<const std::uint8_t>(in.data(), static_cast<std::size_t>(n)));
    if (!parsed) {
      ++bad;
      continue;
    }
    ++received;
    last_received = Clock::now();
    if (parsed.packet.payload_type() == o.dtmf_pt) {
      dtmf_receiver.on_packet(parsed.packet.timestamp(), parsed.packet.payload(), on_event);
      ++other;
      continue;
    }
    if (parsed.packet.payload_type() != o.payload_type) {
      ++other;
      continue;
    }
    const auto dec = codec.decode(parsed.packet.payload(), pcm);
    if (dec.error != media::CodecError::none) {
      ++bad;
      continue;
    }
    ++decoded;
    recording.insert(recording.end(), pcm.begin(), pcm.begin() + static_cast<std::ptrdiff_t>(dec.samples));
  }
  close(fd);
  if (const auto last = dtmf_receiver.flush()) on_event(*last);
  std::string error;
  if (!media::write_wav_file(o.record, recording, info.pcm_rate, &error)) {
    std::fprintf(stderr, "rtp-phone: %s\n", error.c_str());
    return 2;
  }
  std::printf("rtp-phone: %s/%d pt %d: sent %zu packets, received %zu (%zu decoded, %zu of other payload types, "
              "%zu bad), recorded %.2f s\n",
              o.codec_name.c_str(), o.clock_rate, o.payload_type, sent, received, decoded, other, bad,
              static_cast<double>(recording.size()) / info.pcm_rate);
  if (o.dtmf_pt >= 0) {
    char remote[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &o.remote.sin_addr, remote, sizeof remote);
    std::printf("rtp-phone: dtmf pt %d telephone-event/%d, remote %s:%u: sent %zu digits (%zu packets), "
                "dtmf received: %s\n",
                o.dtmf_pt, o.dtmf_rate, remote, ntohs(o.remote.sin_port), dtmf_next, dtmf_sent,
                dtmf_received.c_str());
  }
  return 0;
}
