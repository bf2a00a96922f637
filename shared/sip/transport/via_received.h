#pragma once
// What the server transport does to the top Via of every request it
// receives (RFC 3261 §18.2.1, RFC 3581 §4), so that responses find their
// way back to the real source through NATs. Pure: no I/O.
#include <boost/asio/ip/address.hpp>
#include <cstdint>

#include "sip/message.h"

namespace imsbox::sip {

// On a request just received from source_address:source_port:
//  * adds (or overwrites) received=<source address> in the top Via when its
//    sent-by host is not that address (a host name always differs), and
//    always when the Via carries rport (RFC 3581 §4 wants it even if equal);
//  * gives an rport without a value the source port.
// The top Via is the first value of the first Via field; the other values,
// and the parameters of the top one, are kept as written. Returns true when
// the message changed; false when nothing had to change or the top Via does
// not parse (the parser has already refused such a message).
bool stamp_received(Message& request, const boost::asio::ip::address& source_address, std::uint16_t source_port);

}  // namespace imsbox::sip
