#pragma once
// What the transaction layer needs of the transport layer (RFC 3261 §18):
// one call to put a message on the wire.
#include "sip/message.h"
#include "sip/peer.h"

namespace imsbox::sip::transaction {

class Sender {
 public:
  virtual ~Sender() = default;
  // Sends `message` to `to`: a request to its next hop, a response to the
  // peer its request came from (the transport applies §18.2.2: a connection
  // that is gone, maddr, rport). Called on the event loop's thread, maybe
  // from inside a TU callback. Must not call back into the layer. Returns
  // false when the message could not be handed to the network (no route,
  // connection refused, closed WebSocket); the layer then reports a
  // transport error for the transaction (§17.1.4, §17.2.4). Failures found
  // later, asynchronously, are not reported through here.
  virtual bool send(const Peer& to, const Message& message) = 0;
};

}  // namespace imsbox::sip::transaction
