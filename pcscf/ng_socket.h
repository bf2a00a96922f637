#pragma once
// The datagram edge of the P-CSCF's ng client (ng_client.h): one UDP socket
// connected to the AGW's control port, so that only the AGW's datagrams are
// read. Lives on the P-CSCF's event loop.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace imsbox::pcscf {

// "127.0.0.1:2223", "[::1]:2223": the address and port of an ng peer, or
// nothing when `text` is not one (an IP literal is required: the ng protocol
// has no authentication, so it stays on addresses one configures knowingly).
struct NgAddress {
  std::string address;
  std::uint16_t port = 0;
};
std::optional<NgAddress> parse_ng_address(std::string_view text);

class UdpNgSocket {
 public:
  using OnDatagram = std::function<void(std::string_view datagram)>;
  // Opens the socket (an ephemeral port on the peer's family) and starts
  // reading; throws std::runtime_error when it cannot.
  UdpNgSocket(boost::asio::io_context& io, const NgAddress& peer, OnDatagram on_datagram);
  ~UdpNgSocket();
  UdpNgSocket(const UdpNgSocket&) = delete;
  UdpNgSocket& operator=(const UdpNgSocket&) = delete;

  // One datagram to the AGW; false when the socket refused it.
  bool send(std::string_view datagram);
  std::uint16_t local_port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::pcscf
