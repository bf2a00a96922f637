#include "relay_load.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "agw/ng/value.h"

namespace imsbox::bench {

int udp_socket(std::uint16_t* port, std::uint16_t* next) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in a = loopback(next != nullptr ? *next : 0);
  while (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (errno != EADDRINUSE || a.sin_port == 0 || ntohs(a.sin_port) == 65535) {
      close(fd);
      throw std::runtime_error("bind: " + std::string(std::strerror(errno)));
    }
    a.sin_port = htons(static_cast<std::uint16_t>(ntohs(a.sin_port) + 1));
  }
  if (next != nullptr && *next != 0) *next = static_cast<std::uint16_t>(ntohs(a.sin_port) + 1);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (port) *port = ntohs(a.sin_port);
  int size = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return fd;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

NgClient::NgClient(std::uint16_t port) : fd_(udp_socket(nullptr)), to_(loopback(port)) {}

NgClient::~NgClient() { close(fd_); }

std::string NgClient::call(const std::string& dictionary, double& ms, const std::function<void()>& idle) {
  using Clock = std::chrono::steady_clock;
  const std::string cookie = "b" + std::to_string(getpid()) + "_" + std::to_string(++n_);
  const std::string msg = cookie + " " + dictionary;
  const auto t0 = Clock::now();
  sendto(fd_, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&to_), sizeof to_);
  std::vector<char> buf(65536);
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, idle ? 1 : 100);
    if (ready <= 0) {
      if (Clock::now() - t0 > std::chrono::seconds(5)) throw std::runtime_error("ng: no reply in 5 s");
      if (idle) idle();
      continue;
    }
    const ssize_t r = recv(fd_, buf.data(), buf.size(), 0);
    if (r <= 0) continue;
    const std::string reply(buf.data(), static_cast<std::size_t>(r));
    if (reply.rfind(cookie + " ", 0) != 0) continue;
    ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return reply.substr(cookie.size() + 1);
  }
}

std::string reply_sdp(const std::string& reply, const char* what) {
  using namespace imsbox::agw::ng;
  const auto d = decode_bencode(reply);
  if (!d.document) throw std::runtime_error(std::string(what) + ": undecodable reply");
  const Value root = d.document->root();
  const auto result = root.get("result");
  if (!result || result->str() != "ok") {
    const auto reason = root.get("error-reason");
    throw std::runtime_error(std::string(what) + ": " + std::string(reason ? reason->str() : "no result"));
  }
  const auto s = root.get("sdp");
  if (!s) throw std::runtime_error(std::string(what) + ": no SDP in the reply");
  return std::string(s->str());
}

std::uint16_t audio_port(const std::string& sdp, const char* what) {
  const auto m = sdp.find("m=audio ");
  if (m == std::string::npos) throw std::runtime_error(std::string(what) + ": no m=audio in the reply's SDP");
  return static_cast<std::uint16_t>(std::stoi(sdp.substr(m + 8)));
}

double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close_paren = s.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream rest(s.substr(close_paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace imsbox::bench
