#include "pcscf/ipsec/ipv4_reassembly.h"

#include <algorithm>

namespace imsbox::pcscf::ipsec {

namespace {

std::uint16_t read16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t read32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(read16(p)) << 16 | read16(p + 2);
}
void write16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

constexpr std::uint16_t kMoreFragments = 0x2000;
constexpr std::uint16_t kOffsetMask = 0x1FFF;

std::uint16_t header_checksum(const std::uint8_t* h, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += read16(h + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

bool Ipv4Reassembly::is_fragment(std::span<const std::uint8_t> p) {
  return p.size() >= 20 && p[0] >> 4 == 4 && (read16(&p[6]) & (kMoreFragments | kOffsetMask)) != 0;
}

void Ipv4Reassembly::expire(Clock::time_point now) {
  for (auto it = datagrams_.begin(); it != datagrams_.end();) {
    if (now - it->second.first_seen > timeout_) {
      it = datagrams_.erase(it);
      ++dropped_;
    } else {
      ++it;
    }
  }
}

std::optional<std::vector<std::uint8_t>> Ipv4Reassembly::add(std::span<const std::uint8_t> p, Clock::time_point now) {
  expire(now);
  if (!is_fragment(p)) return std::nullopt;
  const std::size_t ihl = (p[0] & 0x0F) * 4u;
  const std::size_t total_length = read16(&p[2]);
  if (ihl < 20 || total_length < ihl || total_length > p.size()) return std::nullopt;
  const std::uint16_t flags = read16(&p[6]);
  const std::size_t offset = (flags & kOffsetMask) * 8u;
  const bool more = (flags & kMoreFragments) != 0;
  const auto data = p.subspan(ihl, total_length - ihl);
  // every fragment but the last carries a multiple of 8 octets; nothing past 65535
  if ((more && (data.empty() || data.size() % 8 != 0)) || offset + data.size() + ihl > 65535) return std::nullopt;

  const Key key{read32(&p[12]), read32(&p[16]), p[9], read16(&p[4])};
  auto it = datagrams_.find(key);
  if (it == datagrams_.end()) {
    if (datagrams_.size() >= max_datagrams_) {
      const auto oldest = std::min_element(datagrams_.begin(), datagrams_.end(), [](const auto& a, const auto& b) {
        return a.second.first_seen < b.second.first_seen;
      });
      datagrams_.erase(oldest);
      ++dropped_;
    }
    it = datagrams_.emplace(key, Datagram{now, {}, {}, std::nullopt}).first;
  }
  Datagram& d = it->second;
  const auto give_up = [&] {
    datagrams_.erase(it);
    ++dropped_;
    return std::nullopt;
  };
  // an overlap (RFC 5722's rule, applied to IPv4 too): no guessing which copy is right
  const auto next = d.parts.lower_bound(offset);
  if (next != d.parts.end() && next->first < offset + data.size()) {
    if (next->first == offset && next->second.size() == data.size() &&
        std::equal(data.begin(), data.end(), next->second.begin())) {
      return std::nullopt;  // the same fragment again
    }
    return give_up();
  }
  if (next != d.parts.begin()) {
    const auto prev = std::prev(next);
    if (prev->first + prev->second.size() > offset) return give_up();
  }
  if (!more) {
    if (d.total && *d.total != offset + data.size()) return give_up();
    d.total = offset + data.size();
  }
  if (d.total && offset + data.size() > *d.total) return give_up();
  if (offset == 0) d.header.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(ihl));
  d.parts.emplace(offset, std::vector<std::uint8_t>(data.begin(), data.end()));

  // complete: a header, a known end, and no hole
  if (!d.total || d.header.empty()) return std::nullopt;
  std::size_t covered = 0;
  for (const auto& [at, bytes] : d.parts) {
    if (at != covered) return std::nullopt;
    covered += bytes.size();
  }
  if (covered != *d.total) return std::nullopt;
  std::vector<std::uint8_t> whole = std::move(d.header);
  whole.reserve(whole.size() + covered);
  for (const auto& [_, bytes] : d.parts) whole.insert(whole.end(), bytes.begin(), bytes.end());
  datagrams_.erase(it);
  write16(&whole[2], static_cast<std::uint16_t>(whole.size()));
  write16(&whole[6], static_cast<std::uint16_t>(read16(&whole[6]) & ~(kMoreFragments | kOffsetMask)));
  write16(&whole[10], 0);
  const std::size_t header_length = (whole[0] & 0x0F) * 4u;
  write16(&whole[10], header_checksum(whole.data(), header_length));
  return whole;
}

}  // namespace imsbox::pcscf::ipsec
