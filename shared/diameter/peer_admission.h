#pragma once
// Which Diameter peer may connect from where. Pure: no freeDiameter, no I/O.
//
// A Diameter identity proves nothing without TLS: anyone who reaches the
// port can claim "scscf.<domain>" in its CER. So a peer is admitted only
// when the identity in its CER is known AND the connection comes from one
// of the addresses known for that identity (RFC 6733 §2.2 / §13 leave the
// binding of identity and address to the node's policy). The stack checks
// each incoming CER against this table on the connection it arrived on.
//
// Threading: immutable once built; read from freeDiameter's threads.
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace imsbox::diameter {

class PeerAdmission {
 public:
  enum class Verdict {
    admitted,
    unknown_identity,  // nobody of that name may connect
    wrong_address,     // the identity is known, but not from there
  };

  // `identity` (compared ignoring case) may connect from `address`
  // (an IPv4-mapped IPv6 address counts as its IPv4 address).
  void allow(std::string_view identity, const boost::asio::ip::address& address);
  // `identity` may connect from any loopback address (127.0.0.0/8, ::1).
  void allow_loopback(std::string_view identity);

  Verdict check(std::string_view identity, const boost::asio::ip::address& from) const;
  bool knows(std::string_view identity) const;
  bool empty() const { return peers_.empty(); }

  // "icscf.ims.test (loopback, 192.0.2.1), scscf.ims.test (...)" for logs.
  std::string describe() const;

 private:
  struct From {
    bool loopback = false;
    std::vector<boost::asio::ip::address> addresses;
  };
  std::unordered_map<std::string, From> peers_;  // key: lower-case identity
  std::vector<std::string> order_;                // keys in the order they came, for describe()
};

std::string_view to_string(PeerAdmission::Verdict v);

// The remote address of an incoming connection from the name freeDiameter
// gives it ("{----} TCP from [192.0.2.7]:43210 (7<-9)", the `other`
// argument of HOOK_MESSAGE_RECEIVED for a connection not yet tied to a
// peer). Nothing when the name holds no such address (then the peer cannot
// be admitted).
std::optional<boost::asio::ip::address> remote_address_of(std::string_view connection_name);

}  // namespace imsbox::diameter
