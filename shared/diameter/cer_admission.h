#pragma once
// The admission of an incoming connection's CER (RFC 6733 §5.3), decided on
// that very message: freeDiameter hands the first message of a connection
// to the HOOK_MESSAGE_RECEIVED hooks with the connection's name (which
// holds the remote address) before it looks up the peer named in the CER,
// on the same thread. Its peer validators, later, see the identity but not
// reliably the address (a loopback remote is dropped from the peer's
// endpoints), and are never called for peers it connects to itself.
//
// So the hook decides here, per message: a CER whose Origin-Host may not
// connect from that address gets its Origin-Host replaced with a throw-away
// identity that no validator accepts. freeDiameter then answers it
// DIAMETER_UNKNOWN_PEER and closes the connection, and the claimed peer's
// state (an open connection of the real node, say) is never touched, even
// when the real node and an impostor connect at the same moment.
//
// Internal to shared/diameter; declares freeDiameter's `struct msg`
// opaquely. Thread-safe (freeDiameter's message API and the dictionary are).
#include <string>
#include <string_view>

#include "diameter/peer_admission.h"

struct msg;

namespace imsbox::diameter {

struct CerScreening {
  bool is_cer = false;    // false: not a CER, left alone (freeDiameter drops the connection)
  bool admitted = false;  // the Origin-Host may connect from there; the CER is untouched
  std::string identity;   // the Origin-Host it claimed ("" when it has none)
  std::string address;    // the remote address, or the connection's name when it holds none
  std::string reason;     // why not admitted
};

// Screens the first message of an incoming connection named
// `connection_name` (freeDiameter's name for it). A CER that is not
// admitted has every Origin-Host replaced with `refused_identity`, which
// must be a valid DiameterIdentity that no validator accepts.
CerScreening screen_incoming_cer(msg* m, std::string_view connection_name, const PeerAdmission& admission,
                                 const std::string& refused_identity);

}  // namespace imsbox::diameter
