#include "pcscf/ipsec/security_association.h"

namespace imsbox::pcscf::ipsec {

namespace {
std::string endpoint(const boost::asio::ip::address& a, std::uint16_t port) {
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port);
}
}  // namespace

std::string to_string(const SecurityAssociation& sa) {
  return std::string(sa.direction == SecurityAssociation::Direction::inbound ? "in " : "out ") +
         endpoint(sa.source, sa.source_port) + " -> " + endpoint(sa.destination, sa.destination_port) + " spi " +
         std::to_string(sa.spi) + " " + std::string(to_string(sa.keys.integrity)) + "/" +
         std::string(to_string(sa.keys.encryption));
}

}  // namespace imsbox::pcscf::ipsec
