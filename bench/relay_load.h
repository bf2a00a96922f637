#pragma once
// What the media relay load clients (agw-load, agw-webrtc-load) share: UDP
// sockets on loopback, a blocking ng client, reading the SDP out of an ng
// reply, the relay process's CPU time and percentiles.
#include <netinet/in.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace imsbox::bench {

// A non-blocking UDP socket bound to 127.0.0.1 with a 1 MiB receive buffer:
// at `*next` or the first free port above it (then *next moves past it), or
// at an ephemeral port when `next` is null or *next is 0. Its port goes to
// *port when asked. Throws std::runtime_error. (The relay's media ports lie
// in the kernel's ephemeral range: a load client with a thousand ephemeral
// sockets takes some of them unless it is given ports of its own.)
int udp_socket(std::uint16_t* port, std::uint16_t* next = nullptr);
sockaddr_in loopback(std::uint16_t port);

// ng over UDP on loopback (rtpengine's control protocol): one command at a time.
class NgClient {
 public:
  explicit NgClient(std::uint16_t port);
  ~NgClient();
  NgClient(const NgClient&) = delete;
  NgClient& operator=(const NgClient&) = delete;

  // Sends one command (a bencode dictionary) and returns its reply's
  // dictionary; `ms` is the round trip. While it waits, `idle` (when set) is
  // called about every millisecond, so that a caller's other sockets keep
  // being served. Throws std::runtime_error after 5 s without a reply.
  std::string call(const std::string& dictionary, double& ms, const std::function<void()>& idle = {});

 private:
  int fd_;
  sockaddr_in to_;
  int n_ = 0;
};

// The SDP of an ng reply; throws std::runtime_error naming `what` when the
// reply is undecodable, not "ok" (with its error-reason) or has no SDP.
std::string reply_sdp(const std::string& reply, const char* what);
// The port of the first m=audio line of `sdp`; throws when there is none.
std::uint16_t audio_port(const std::string& sdp, const char* what);

// utime + stime of every thread of process `pid`, in seconds (/proc/PID/stat).
double cpu_seconds(int pid);

// The p-quantile (0..1) of `v`, nearest rank; 0 for an empty vector.
double percentile(std::vector<double> v, double p);

}  // namespace imsbox::bench
