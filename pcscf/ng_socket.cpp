#include "pcscf/ng_socket.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <charconv>
#include <stdexcept>

namespace imsbox::pcscf {

std::optional<NgAddress> parse_ng_address(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
  boost::system::error_code bad;
  boost::asio::ip::make_address(std::string(host), bad);
  if (bad) return std::nullopt;
  return NgAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

struct UdpNgSocket::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io, OnDatagram cb) : socket(io), on_datagram(std::move(cb)) {}
  boost::asio::ip::udp::socket socket;
  OnDatagram on_datagram;
  std::array<char, 65536> buffer{};
  bool closed = false;

  void read() {
    auto self = shared_from_this();
    socket.async_receive(boost::asio::buffer(buffer), [self](const boost::system::error_code& ec, std::size_t n) {
      if (self->closed || ec == boost::asio::error::operation_aborted) return;
      // connection_refused: an earlier datagram found no AGW (ICMP); the
      // client's retransmission timer makes that its timeout
      if (!ec && self->on_datagram) self->on_datagram(std::string_view(self->buffer.data(), n));
      self->read();
    });
  }
};

UdpNgSocket::UdpNgSocket(boost::asio::io_context& io, const NgAddress& peer, OnDatagram on_datagram)
    : impl_(std::make_shared<Impl>(io, std::move(on_datagram))) {
  boost::system::error_code ec;
  const boost::asio::ip::udp::endpoint to(boost::asio::ip::make_address(peer.address, ec), peer.port);
  if (ec) throw std::runtime_error("ng: bad AGW address " + peer.address);
  impl_->socket.open(to.protocol(), ec);
  if (!ec) impl_->socket.connect(to, ec);
  if (ec) {
    throw std::runtime_error("ng: cannot open a UDP socket toward " + peer.address + ":" + std::to_string(peer.port) +
                             ": " + ec.message());
  }
  impl_->read();
}

UdpNgSocket::~UdpNgSocket() {
  impl_->closed = true;
  impl_->on_datagram = nullptr;
  boost::system::error_code ec;
  impl_->socket.close(ec);
}

bool UdpNgSocket::send(std::string_view datagram) {
  boost::system::error_code ec;
  impl_->socket.send(boost::asio::buffer(datagram.data(), datagram.size()), 0, ec);
  if (ec == boost::asio::error::connection_refused) {
    // the ICMP error of an earlier datagram, reported on this send: try once more
    impl_->socket.send(boost::asio::buffer(datagram.data(), datagram.size()), 0, ec);
  }
  return !ec;
}

std::uint16_t UdpNgSocket::local_port() const {
  boost::system::error_code ec;
  const auto ep = impl_->socket.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace imsbox::pcscf
