// IPv4 reassembly for the userspace ESP backend, against fragments made by
// an independent IP stack (scapy's fragment()), in and out of order, and the
// bounds: overlaps, timeouts, too many datagrams at once.
#include "pcscf/ipsec/ipv4_reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace imsbox::pcscf::ipsec {
namespace {

using Bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

Bytes unhex(const std::string& s) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    b.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return b;
}

// scapy's packet (first line) and its fragments (the others): a UDP datagram
// of `size` payload octets from the P-CSCF's protected port to a UE's.
std::vector<Bytes> scapy_fragments(int size, int fragsize, int id) {
  const std::string script =
      "from scapy.all import IP, UDP, Raw, fragment\n"
      "p = IP(src='10.45.0.1', dst='10.45.0.2', id=" + std::to_string(id) +
      ", flags='DF')/UDP(sport=5101, dport=6101)/Raw(bytes((i * 7) % 251 for i in range(" + std::to_string(size) +
      ")))\n"
      "p = IP(bytes(p))\n"
      "print(bytes(p).hex())\n"
      "p.flags = 0\n"
      "for f in fragment(p, fragsize=" + std::to_string(fragsize) + "): print(bytes(f).hex())\n";
  const std::string command = std::string(IMSBOX_PYTHON3) + " -c \"" + script + "\"";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  ::pclose(pipe);
  std::vector<Bytes> packets;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) packets.push_back(unhex(line));
  }
  return packets;
}

// The original as we expect it back: no DF/MF/offset, checksum for that.
void expect_same_datagram(const Bytes& whole, const Bytes& original) {
  ASSERT_EQ(whole.size(), original.size());
  EXPECT_TRUE(std::equal(whole.begin() + 20, whole.end(), original.begin() + 20)) << "payload differs";
  EXPECT_EQ(whole[6] & 0x3F, 0);  // no MF, offset 0
  EXPECT_EQ(whole[7], 0);
  // the header checksum is right: summing the header with it gives 0xFFFF
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(whole[i] << 8 | whole[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  EXPECT_EQ(sum, 0xFFFFu);
  EXPECT_TRUE(std::equal(whole.begin() + 12, whole.begin() + 20, original.begin() + 12));  // addresses
  EXPECT_EQ(whole[9], 17);
}

TEST(Ipv4Reassembly, ScapysFragmentsInAnyOrderGiveTheDatagramBack) {
  const auto packets = scapy_fragments(3000, 1376, 4242);
  ASSERT_GE(packets.size(), 4u) << "scapy (python3-scapy) made no fragments";
  const Bytes original = packets[0];
  std::vector<Bytes> fragments(packets.begin() + 1, packets.end());
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    Ipv4Reassembly r;
    const auto now = Ipv4Reassembly::Clock::time_point{} + std::chrono::seconds(round);
    std::optional<Bytes> whole;
    for (std::size_t i = 0; i < fragments.size(); ++i) {
      ASSERT_TRUE(Ipv4Reassembly::is_fragment(fragments[i]));
      ASSERT_FALSE(whole) << "complete before the last fragment";
      whole = r.add(fragments[i], now);
    }
    ASSERT_TRUE(whole) << "round " << round;
    expect_same_datagram(*whole, original);
    EXPECT_EQ(r.in_progress(), 0u);
    std::shuffle(fragments.begin(), fragments.end(), rng);
  }
  EXPECT_FALSE(Ipv4Reassembly::is_fragment(original));
}

TEST(Ipv4Reassembly, InterleavedDatagramsAndDuplicates) {
  const auto a = scapy_fragments(2000, 800, 1);
  const auto b = scapy_fragments(2500, 800, 2);
  ASSERT_GE(a.size(), 3u);
  ASSERT_GE(b.size(), 3u);
  Ipv4Reassembly r;
  const auto now = Ipv4Reassembly::Clock::time_point{};
  EXPECT_FALSE(r.add(a[1], now));
  EXPECT_FALSE(r.add(b[1], now));
  EXPECT_FALSE(r.add(a[1], now));  // the same fragment again changes nothing
  EXPECT_EQ(r.in_progress(), 2u);
  std::optional<Bytes> wa, wb;
  for (std::size_t i = 2; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size()) wa = r.add(a[i], now);
    if (i < b.size()) wb = r.add(b[i], now);
  }
  ASSERT_TRUE(wa);
  ASSERT_TRUE(wb);
  expect_same_datagram(*wa, a[0]);
  expect_same_datagram(*wb, b[0]);
  EXPECT_EQ(r.dropped(), 0u);
}

TEST(Ipv4Reassembly, OverlapsTimeoutsAndTooManyDatagramsAreDropped) {
  const auto p = scapy_fragments(3000, 1376, 9);
  ASSERT_GE(p.size(), 4u);
  const auto t0 = Ipv4Reassembly::Clock::time_point{};
  {
    Ipv4Reassembly r;
    Bytes overlapping = p[2];
    overlapping[7] = static_cast<std::uint8_t>(overlapping[7] - 1);  // 8 octets earlier: overlaps the first
    overlapping[10] = overlapping[11] = 0;
    EXPECT_FALSE(r.add(p[1], t0));
    EXPECT_FALSE(r.add(overlapping, t0));
    EXPECT_EQ(r.in_progress(), 0u);
    EXPECT_EQ(r.dropped(), 1u);
  }
  {
    Ipv4Reassembly r(32, 5s);
    EXPECT_FALSE(r.add(p[1], t0));
    EXPECT_FALSE(r.add(p[2], t0 + 6s));  // the first part has expired: a new datagram, still missing parts
    for (std::size_t i = 3; i < p.size(); ++i) EXPECT_FALSE(r.add(p[i], t0 + 6s));
    EXPECT_EQ(r.dropped(), 1u);
    EXPECT_TRUE(r.add(p[1], t0 + 7s));  // sent again within the timeout: complete
  }
  {
    Ipv4Reassembly r(2);
    const auto x = scapy_fragments(2000, 800, 11);
    const auto y = scapy_fragments(2000, 800, 12);
    EXPECT_FALSE(r.add(p[1], t0));
    EXPECT_FALSE(r.add(x[1], t0 + 1ms));
    EXPECT_FALSE(r.add(y[1], t0 + 2ms));  // the oldest (p) makes room
    EXPECT_EQ(r.in_progress(), 2u);
    EXPECT_EQ(r.dropped(), 1u);
    for (std::size_t i = 2; i < p.size(); ++i) EXPECT_FALSE(r.add(p[i], t0 + 3ms)) << "p was dropped";
  }
  // a fragment that is not 8-octet aligned but says more follow is malformed
  Ipv4Reassembly r;
  Bytes odd = p[1];
  odd.pop_back();
  odd[2] = static_cast<std::uint8_t>((odd.size()) >> 8);
  odd[3] = static_cast<std::uint8_t>(odd.size());
  EXPECT_FALSE(r.add(odd, t0));
  EXPECT_EQ(r.in_progress(), 0u);
}

}  // namespace
}  // namespace imsbox::pcscf::ipsec
