#include "agw/phone_leg.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <optional>

#include "rtp/demux.h"
#include "runtime/log.h"

namespace imsbox::agw {

namespace asio = boost::asio;
using udp = asio::ip::udp;

struct PhoneLeg::Impl : std::enable_shared_from_this<PhoneLeg::Impl> {
  struct Port {
    explicit Port(asio::io_context& io) : socket(io) {}
    udp::socket socket;
    std::array<std::uint8_t, kMaxDatagram + kSendHeadroom> buffer{};
    udp::endpoint from;
    std::optional<udp::endpoint> destination;  // from the SDP, then latched
    std::optional<udp::endpoint> sdp_destination;  // what the last SDP said
    bool latched = false;
  };

  Impl(asio::io_context& io, MediaLeg& leg, Events& events, runtime::Logger& log, std::string tag)
      : rtp(io), rtcp(io), leg(&leg), events(&events), log(log), tag(std::move(tag)) {}

  Port rtp;
  Port rtcp;
  MediaLeg* leg;
  Events* events;  // null once the leg is gone
  runtime::Logger& log;
  std::string tag;
  bool rtcp_mux = false;
  std::uint64_t dropped = 0;

  void bind(Port& p, const asio::ip::address& address, std::uint16_t port) {
    p.socket.open(address.is_v6() ? udp::v6() : udp::v4());
    p.socket.bind(udp::endpoint(address, port));
    p.socket.non_blocking(true);
  }

  void start() {
    receive(rtp, false);
    receive(rtcp, true);
  }

  void receive(Port& p, bool is_rtcp_port) {
    p.socket.async_receive_from(
        asio::buffer(p.buffer.data(), kMaxDatagram), p.from,
        [self = shared_from_this(), &p, is_rtcp_port](const boost::system::error_code& ec, std::size_t n) {
          if (self->events == nullptr || ec == asio::error::operation_aborted) return;
          if (!ec) self->on_datagram(p, is_rtcp_port, n);
          // Asio tries the next receive at once (and waits only when the
          // socket is empty): what else is queued is read in this turn of the
          // loop, and a wake-up costs one receive that finds nothing, not two.
          if (self->events != nullptr) self->receive(p, is_rtcp_port);
        });
  }

  // The first packet after an SDP decides where we send (symmetric RTP); a
  // packet from the address the SDP gave takes it back (phone_leg.h).
  bool admit(Port& p) {
    if (!p.latched || (p.sdp_destination == p.from && p.destination != p.from)) {
      if (!p.destination || *p.destination != p.from) {
        log.log(runtime::LogLevel::debug, tag + "latched to " + p.from.address().to_string() + ":" +
                                              std::to_string(p.from.port()));
      }
      p.destination = p.from;
      p.latched = true;
      return true;
    }
    return *p.destination == p.from;
  }

  void on_datagram(Port& p, bool is_rtcp_port, std::size_t n) {
    const std::span<std::uint8_t> packet(p.buffer.data(), n);
    const auto kind = rtp::classify_packet(packet);
    if (kind == rtp::PacketClass::rtp && !is_rtcp_port) {
      if (!admit(p)) {
        ++dropped;
        return;
      }
      events->on_leg_rtp(*leg, packet);
    } else if (kind == rtp::PacketClass::rtcp) {
      Port& latch = is_rtcp_port ? rtcp : rtp;
      // RTCP on the RTP port (rtcp-mux) latches the RTP port only if RTP has not
      if (is_rtcp_port) {
        if (!admit(latch)) {
          ++dropped;
          return;
        }
      } else if (rtp.latched && rtp.destination != p.from) {
        ++dropped;
        return;
      }
      events->on_leg_rtcp(*leg, packet);
    } else {
      ++dropped;
    }
  }

  bool send(Port& p, std::span<const std::uint8_t> data) noexcept {
    if (!p.destination) return false;
    boost::system::error_code ec;
    p.socket.send_to(asio::buffer(data.data(), data.size()), *p.destination, 0, ec);
    return !ec;
  }

  void close() {
    events = nullptr;
    boost::system::error_code ec;
    rtp.socket.close(ec);
    rtcp.socket.close(ec);
  }
};

namespace {

std::optional<asio::ip::address> ip_literal(const std::string& s) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(s, ec);
  if (ec) return std::nullopt;
  return a;
}

}  // namespace

PhoneLeg::PhoneLeg(asio::io_context& io, PortLease lease, const std::string& bind_address,
                   const std::string& advertised, Events& events, runtime::Logger& log, std::string log_tag)
    : lease_(std::move(lease)), impl_(std::make_shared<Impl>(io, *this, events, log, std::move(log_tag))) {
  local_.kind = LegKind::phone;
  local_.address = advertised;
  local_.port = lease_.port();
  local_.rtcp_port = static_cast<std::uint16_t>(lease_.port() + 1);
  const auto address = ip_literal(bind_address);
  if (!address) throw std::system_error(std::make_error_code(std::errc::invalid_argument), bind_address);
  try {
    impl_->bind(impl_->rtp, *address, local_.port);
    impl_->bind(impl_->rtcp, *address, local_.rtcp_port);
  } catch (...) {
    impl_->close();
    throw;
  }
  impl_->start();
}

PhoneLeg::~PhoneLeg() { impl_->close(); }

void PhoneLeg::set_remote(const RemoteEndpoint& remote, bool rtcp_mux) {
  impl_->rtcp_mux = rtcp_mux;
  const auto address = ip_literal(remote.address);
  const bool usable = address && !address->is_unspecified() && remote.port != 0;
  const auto update = [](Impl::Port& p, std::optional<udp::endpoint> said) {
    // the same SDP again (a re-INVITE, an answer repeated): keep what was latched
    if (p.sdp_destination == said && (p.latched || p.destination == said)) return;
    p.sdp_destination = said;
    p.destination = said;
    p.latched = false;
  };
  update(impl_->rtp, usable ? std::optional<udp::endpoint>(udp::endpoint(*address, remote.port)) : std::nullopt);
  update(impl_->rtcp, usable && !rtcp_mux ? std::optional<udp::endpoint>(udp::endpoint(*address, remote.rtcp_port))
                                          : std::nullopt);
}

bool PhoneLeg::send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept {
  return impl_->send(impl_->rtp, buffer.first(length));
}

bool PhoneLeg::send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) noexcept {
  return impl_->send(impl_->rtcp_mux ? impl_->rtp : impl_->rtcp, buffer.first(length));
}

bool PhoneLeg::ready() const { return impl_->rtp.destination.has_value(); }

std::uint64_t PhoneLeg::dropped() const { return impl_->dropped; }

std::string PhoneLeg::rtp_destination() const {
  const auto& d = impl_->rtp.destination;
  if (!d) return {};
  return d->address().to_string() + ":" + std::to_string(d->port());
}

}  // namespace imsbox::agw
