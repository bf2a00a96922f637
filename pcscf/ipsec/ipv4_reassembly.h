#pragma once
// IPv4 reassembly (RFC 791 §3.2, RFC 815) for the userspace ESP backend: a
// UDP datagram larger than the TUN's MTU (a SIP request to a UE grown past
// 1400 bytes on its way through the TAS) reaches the TUN as fragments, and
// transport-mode ESP carries whole datagrams only (RFC 4301 §7: the ESP
// packet is fragmented after protection, as the kernel's XFRM does). So the
// fragments are put back together before sealing. Pure: packets and a clock
// value in, whole packets out; bounded (datagrams in progress, their age).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

namespace imsbox::pcscf::ipsec {

class Ipv4Reassembly {
 public:
  using Clock = std::chrono::steady_clock;
  // At most `max_datagrams` in progress (the oldest is dropped for a new
  // one); a datagram not complete within `timeout` is dropped.
  explicit Ipv4Reassembly(std::size_t max_datagrams = 32, std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : max_datagrams_(max_datagrams), timeout_(timeout) {}

  static bool is_fragment(std::span<const std::uint8_t> ipv4_packet);

  // A fragment of an IPv4 packet (is_fragment). The whole packet (header of
  // the first fragment, fragment fields cleared, total length and checksum
  // set) once every part is there; nothing before, and nothing for a
  // malformed or overlapping fragment (which drops its datagram).
  std::optional<std::vector<std::uint8_t>> add(std::span<const std::uint8_t> fragment, Clock::time_point now);

  std::size_t in_progress() const { return datagrams_.size(); }
  std::uint64_t dropped() const { return dropped_; }  // datagrams given up (timeout, overlap, eviction)

 private:
  // RFC 791: source, destination, protocol and identification name a datagram.
  using Key = std::tuple<std::uint32_t, std::uint32_t, std::uint8_t, std::uint16_t>;
  struct Datagram {
    Clock::time_point first_seen;
    std::vector<std::uint8_t> header;  // of the fragment at offset 0
    std::map<std::size_t, std::vector<std::uint8_t>> parts;  // data by offset
    std::optional<std::size_t> total;  // data length, known from the last fragment
  };
  void expire(Clock::time_point now);

  std::size_t max_datagrams_;
  std::chrono::milliseconds timeout_;
  std::map<Key, Datagram> datagrams_;
  std::uint64_t dropped_ = 0;
};

}  // namespace imsbox::pcscf::ipsec
