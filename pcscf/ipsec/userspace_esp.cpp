#include "pcscf/ipsec/userspace_esp.h"

#include "pcscf/ipsec/ipv4_reassembly.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <variant>
#include <vector>

#include "pcscf/ipsec/esp.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

namespace imsbox::pcscf::ipsec {

namespace {

namespace asio = boost::asio;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kTcp = 6;
constexpr std::size_t kMaxPacket = 65535;

std::string errno_text(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

std::uint16_t read16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// RFC 1071 over an IPv4 header.
std::uint16_t ipv4_checksum(const std::uint8_t* h, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += read16(h + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// What an IP packet from the TUN or from a raw socket carries.
struct PacketView {
  asio::ip::address source, destination;
  std::uint8_t protocol = 0;
  std::span<const std::uint8_t> payload;  // after the IP header
};

std::optional<PacketView> parse_ip(std::span<const std::uint8_t> p) {
  if (p.empty()) return std::nullopt;
  PacketView v;
  if (p[0] >> 4 == 4) {
    if (p.size() < 20) return std::nullopt;
    const std::size_t ihl = (p[0] & 0x0F) * 4u;
    const std::size_t total = read16(&p[2]);
    if (ihl < 20 || total < ihl || total > p.size()) return std::nullopt;
    if ((read16(&p[6]) & 0x3FFF) != 0) return std::nullopt;  // a fragment: not ours to reassemble
    v.protocol = p[9];
    asio::ip::address_v4::bytes_type s, d;
    std::memcpy(s.data(), &p[12], 4);
    std::memcpy(d.data(), &p[16], 4);
    v.source = asio::ip::address_v4(s);
    v.destination = asio::ip::address_v4(d);
    v.payload = p.subspan(ihl, total - ihl);
    return v;
  }
  if (p[0] >> 4 == 6) {
    if (p.size() < 40) return std::nullopt;
    const std::size_t length = read16(&p[4]);
    if (40 + length > p.size()) return std::nullopt;
    v.protocol = p[6];  // no extension headers on our own traffic
    asio::ip::address_v6::bytes_type s, d;
    std::memcpy(s.data(), &p[8], 16);
    std::memcpy(d.data(), &p[24], 16);
    v.source = asio::ip::address_v6(s);
    v.destination = asio::ip::address_v6(d);
    v.payload = p.subspan(40, length);
    return v;
  }
  return std::nullopt;
}

// An IP header for `payload_size` bytes of `protocol` from `source` to `destination`.
void write_ip_header(std::vector<std::uint8_t>& out, const asio::ip::address& source,
                     const asio::ip::address& destination, std::uint8_t protocol, std::size_t payload_size) {
  if (source.is_v4()) {
    const std::size_t total = 20 + payload_size;
    std::array<std::uint8_t, 20> h{};
    h[0] = 0x45;
    h[2] = static_cast<std::uint8_t>(total >> 8);
    h[3] = static_cast<std::uint8_t>(total);
    h[6] = 0x40;  // DF
    h[8] = 64;
    h[9] = protocol;
    const auto s = source.to_v4().to_bytes();
    const auto d = destination.to_v4().to_bytes();
    std::memcpy(&h[12], s.data(), 4);
    std::memcpy(&h[16], d.data(), 4);
    const auto sum = ipv4_checksum(h.data(), h.size());
    h[10] = static_cast<std::uint8_t>(sum >> 8);
    h[11] = static_cast<std::uint8_t>(sum);
    out.insert(out.end(), h.begin(), h.end());
    return;
  }
  std::array<std::uint8_t, 40> h{};
  h[0] = 0x60;
  h[4] = static_cast<std::uint8_t>(payload_size >> 8);
  h[5] = static_cast<std::uint8_t>(payload_size);
  h[6] = protocol;
  h[7] = 64;
  const auto s = source.to_v6().to_bytes();
  const auto d = destination.to_v6().to_bytes();
  std::memcpy(&h[8], s.data(), 16);
  std::memcpy(&h[24], d.data(), 16);
  out.insert(out.end(), h.begin(), h.end());
}

}  // namespace

struct UserspaceEsp::Impl : std::enable_shared_from_this<UserspaceEsp::Impl> {
  Impl(asio::io_context& io_context, UserspaceEspOptions o, runtime::Logger& logger, runtime::Metrics* m)
      : io(io_context), options(std::move(o)), log(logger), tun(io), raw_v4(io), raw_v6(io) {
    if (!m) return;
    constexpr std::string_view packets = "ESP packets of the userspace backend, by direction";
    sent = &m->counter("pcscf_esp_packets_total", packets, {{"direction", "out"}});
    received = &m->counter("pcscf_esp_packets_total", packets, {{"direction", "in"}});
    constexpr std::string_view dropped = "packets the userspace ESP backend dropped, by reason";
    for (const auto* reason : {"no_sa", "bad_icv", "replayed", "malformed", "selector", "send_failed"}) {
      drops[reason] = &m->counter("pcscf_esp_dropped_total", dropped, {{"reason", reason}});
    }
  }

  void drop(const std::string& reason) {
    if (const auto it = drops.find(reason); it != drops.end()) it->second->inc();
  }

  // ---- setup ----
  void open_tun() {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(errno_text("userspace ESP: cannot open /dev/net/tun"));
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, options.device.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
      const int e = errno;
      ::close(fd);
      errno = e;
      throw std::runtime_error(errno_text("userspace ESP: cannot make TUN device " + options.device +
                                          " (needs CAP_NET_ADMIN)"));
    }
    // Only now into the event loop: a TUN file polled before TUNSETIFF
    // attached it never wakes its epoll up again (tun_chr_poll registers
    // no wait queue then).
    tun.assign(fd);
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) throw std::runtime_error(errno_text("userspace ESP: socket"));
    ifreq req{};
    std::strncpy(req.ifr_name, options.device.c_str(), IFNAMSIZ - 1);
    req.ifr_mtu = static_cast<int>(options.mtu);
    const bool mtu_ok = ::ioctl(s, SIOCSIFMTU, &req) == 0;
    int up_errno = 0;
    if (::ioctl(s, SIOCGIFFLAGS, &req) == 0) {
      req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
      if (::ioctl(s, SIOCSIFFLAGS, &req) != 0) up_errno = errno;
    } else {
      up_errno = errno;
    }
    ::close(s);
    if (up_errno) {
      errno = up_errno;
      throw std::runtime_error(errno_text("userspace ESP: cannot bring " + options.device + " up"));
    }
    if (!mtu_ok) log.warning("userspace ESP: could not set the MTU of " + options.device);
    // decrypted packets enter from the UE's address on a device that has no
    // route to it: reverse-path filtering would drop them
    std::ofstream("/proc/sys/net/ipv4/conf/" + options.device + "/rp_filter") << "0\n";
    std::ifstream all("/proc/sys/net/ipv4/conf/all/rp_filter");
    int strict = 0;
    if (all >> strict && strict == 1) {
      log.warning("userspace ESP: net.ipv4.conf.all.rp_filter = 1 (strict) drops what " + options.device +
                  " delivers; set it to 0 or 2");
    }
  }

  void open_raw(asio::posix::stream_descriptor& d, int family) {
    const int fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
    if (fd < 0) {
      if (family == AF_INET6) {
        log.info("userspace ESP: no IPv6 raw socket (" + std::string(std::strerror(errno)) + "): IPv4 only");
        return;
      }
      throw std::runtime_error(errno_text("userspace ESP: cannot open a raw ESP socket (needs CAP_NET_RAW)"));
    }
    d.assign(fd);
    if (!options.address.is_unspecified() && options.address.is_v4() == (family == AF_INET)) {
      if (family == AF_INET) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        const auto b = options.address.to_v4().to_bytes();
        std::memcpy(&a.sin_addr, b.data(), 4);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) log.warning(errno_text("userspace ESP: bind"));
      } else {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        const auto b = options.address.to_v6().to_bytes();
        std::memcpy(&a.sin6_addr, b.data(), 16);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) log.warning(errno_text("userspace ESP: bind"));
      }
    }
  }

  // ---- out: TUN -> ESP ----
  void wait_tun() {
    // one IP packet per read of a TUN device
    tun.async_read_some(asio::buffer(tun_buffer),
                        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                          if (self->stopped) return;
                          if (ec) {
                            if (ec == asio::error::operation_aborted) return;
                            self->log.warning("userspace ESP: reading " + self->options.device + ": " + ec.message());
                          } else {
                            self->outbound(std::span<const std::uint8_t>(self->tun_buffer.data(), n));
                          }
                          self->wait_tun();
                        });
  }

  void outbound(std::span<const std::uint8_t> packet) {
    // a datagram larger than the TUN's MTU comes as fragments: ESP in
    // transport mode seals it whole, and the ESP packet is what the kernel
    // fragments on its way out (RFC 4301 §7, as XFRM does)
    if (Ipv4Reassembly::is_fragment(packet)) {
      if (auto whole = reassembly.add(packet, Ipv4Reassembly::Clock::now())) outbound(*whole);
      return;
    }
    const auto ip = parse_ip(packet);
    if (!ip || (ip->protocol != kUdp && ip->protocol != kTcp) || ip->payload.size() < 4) return;  // ND and the like
    const auto key = std::tuple{ip->destination, read16(&ip->payload[0]), read16(&ip->payload[2])};
    const auto it = out_sas.find(key);
    if (it == out_sas.end()) {
      drop("no_sa");
      return;
    }
    if (!it->second.esp.seal(ip->protocol, ip->payload, sealed)) {
      drop("send_failed");
      log.warning("userspace ESP: the sequence numbers of an SA to " + ip->destination.to_string() +
                  " are spent: packets dropped until it is rekeyed");
      return;
    }
    ssize_t n;
    if (ip->destination.is_v4()) {
      sockaddr_in to{};
      to.sin_family = AF_INET;
      const auto b = ip->destination.to_v4().to_bytes();
      std::memcpy(&to.sin_addr, b.data(), 4);
      n = ::sendto(raw_v4.native_handle(), sealed.data(), sealed.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    } else {
      if (!raw_v6.is_open()) return drop("send_failed");
      sockaddr_in6 to{};
      to.sin6_family = AF_INET6;
      const auto b = ip->destination.to_v6().to_bytes();
      std::memcpy(&to.sin6_addr, b.data(), 16);
      n = ::sendto(raw_v6.native_handle(), sealed.data(), sealed.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
    if (n < 0) {
      drop("send_failed");
      log.debug(errno_text("userspace ESP: send to " + ip->destination.to_string()));
      return;
    }
    if (sent) sent->inc();
  }

  // ---- in: ESP -> TUN ----
  void wait_raw(asio::posix::stream_descriptor& d, bool v4) {
    if (!d.is_open()) return;
    d.async_wait(asio::posix::descriptor_base::wait_read, [self = shared_from_this(), &d, v4](const auto& ec) {
      if (ec || self->stopped) return;
      for (int i = 0; i < 64; ++i) {
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(d.native_handle(), self->buffer.data(), self->buffer.size(), 0,
                                     reinterpret_cast<sockaddr*>(&from), &len);
        if (n <= 0) break;
        self->inbound(std::span<std::uint8_t>(self->buffer.data(), static_cast<std::size_t>(n)), from, v4);
      }
      self->wait_raw(d, v4);
    });
  }

  void inbound(std::span<std::uint8_t> packet, const sockaddr_storage& from, bool v4) {
    asio::ip::address source;
    std::span<std::uint8_t> esp = packet;
    if (v4) {
      // IPv4 raw sockets hand over the IP header too
      const auto ip = parse_ip(packet);
      if (!ip || ip->protocol != IPPROTO_ESP) return drop("malformed");
      source = ip->source;
      esp = packet.subspan(static_cast<std::size_t>(ip->payload.data() - packet.data()), ip->payload.size());
    } else {
      const auto& a = reinterpret_cast<const sockaddr_in6&>(from);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &a.sin6_addr, 16);
      source = asio::ip::address_v6(b);
    }
    const auto spi = esp_spi(esp);
    const auto it = in_sas.find(spi);
    if (it == in_sas.end()) return drop("no_sa");
    auto& sa = it->second;
    if (sa.selector.source != source) return drop("selector");
    const auto opened = sa.esp.open(esp);
    if (const auto* why = std::get_if<EspDrop>(&opened)) {
      drop(*why == EspDrop::bad_icv ? "bad_icv" : *why == EspDrop::replayed ? "replayed" : "malformed");
      return;
    }
    const auto& o = std::get<EspInbound::Opened>(opened);
    if ((o.next_header != kUdp && o.next_header != kTcp) || o.payload.size() < 4 ||
        read16(&o.payload[0]) != sa.selector.source_port || read16(&o.payload[2]) != sa.selector.destination_port) {
      return drop("selector");
    }
    plain.clear();
    write_ip_header(plain, sa.selector.source, sa.selector.destination, o.next_header, o.payload.size());
    plain.insert(plain.end(), o.payload.begin(), o.payload.end());
    if (::write(tun.native_handle(), plain.data(), plain.size()) < 0) {
      drop("send_failed");
      log.debug(errno_text("userspace ESP: write to " + options.device));
      return;
    }
    if (received) received->inc();
  }

  asio::io_context& io;
  UserspaceEspOptions options;
  runtime::Logger& log;
  asio::posix::stream_descriptor tun, raw_v4, raw_v6;
  bool stopped = false;
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(kMaxPacket);      // raw ESP in
  std::vector<std::uint8_t> tun_buffer = std::vector<std::uint8_t>(kMaxPacket);  // IP packets out
  Ipv4Reassembly reassembly;  // of what the TUN hands over in fragments
  std::vector<std::uint8_t> sealed, plain;

  // outbound by (UE address, our port, its port); inbound by SPI
  struct Outbound {
    std::uint32_t spi;
    EspOutbound esp;
  };
  std::map<std::tuple<asio::ip::address, std::uint16_t, std::uint16_t>, Outbound> out_sas;
  struct Inbound {
    SecurityAssociation selector;
    EspInbound esp;
  };
  std::map<std::uint32_t, Inbound> in_sas;

  runtime::Counter* sent = nullptr;
  runtime::Counter* received = nullptr;
  std::map<std::string, runtime::Counter*, std::less<>> drops;
};

UserspaceEsp::UserspaceEsp(asio::io_context& io, UserspaceEspOptions options, runtime::Logger& log,
                           runtime::Metrics* metrics)
    : impl_(std::make_shared<Impl>(io, std::move(options), log, metrics)) {}

UserspaceEsp::~UserspaceEsp() { stop(); }

void UserspaceEsp::start() {
  impl_->open_tun();
  impl_->open_raw(impl_->raw_v4, AF_INET);
  impl_->open_raw(impl_->raw_v6, AF_INET6);
  impl_->wait_tun();
  impl_->wait_raw(impl_->raw_v4, true);
  impl_->wait_raw(impl_->raw_v6, false);
  impl_->log.info("userspace ESP on TUN device " + impl_->options.device + " (MTU " +
                  std::to_string(impl_->options.mtu) + ")");
}

void UserspaceEsp::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->tun.close(ignored);
  impl_->raw_v4.close(ignored);
  impl_->raw_v6.close(ignored);
  impl_->out_sas.clear();
  impl_->in_sas.clear();
}

const std::string& UserspaceEsp::device() const { return impl_->options.device; }

bool UserspaceEsp::install(std::span<const SecurityAssociation> sas) {
  try {
    for (const auto& sa : sas) {
      if (sa.direction == SecurityAssociation::Direction::outbound) {
        impl_->out_sas.insert_or_assign(std::tuple{sa.destination, sa.source_port, sa.destination_port},
                                        Impl::Outbound{sa.spi, EspOutbound(sa.spi, sa.keys)});
      } else {
        impl_->in_sas.insert_or_assign(sa.spi, Impl::Inbound{sa, EspInbound(sa.spi, sa.keys)});
      }
    }
  } catch (const std::exception& e) {
    impl_->log.error(std::string("userspace ESP: an SA could not be made: ") + e.what());
    remove(sas);
    return false;
  }
  return true;
}

void UserspaceEsp::remove(std::span<const SecurityAssociation> sas) {
  for (const auto& sa : sas) {
    if (sa.direction == SecurityAssociation::Direction::outbound) {
      const auto it = impl_->out_sas.find(std::tuple{sa.destination, sa.source_port, sa.destination_port});
      // a newer set for the same ports (a re-registration) has its own SPI: keep it
      if (it != impl_->out_sas.end() && it->second.spi == sa.spi) impl_->out_sas.erase(it);
    } else if (const auto it = impl_->in_sas.find(sa.spi); it != impl_->in_sas.end()) {
      impl_->in_sas.erase(it);
    }
  }
}

}  // namespace imsbox::pcscf::ipsec
