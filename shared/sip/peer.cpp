#include "sip/peer.h"

#include "sip/text.h"

namespace imsbox::sip {

std::string_view to_string(Transport t) {
  switch (t) {
    case Transport::udp: return "UDP";
    case Transport::tcp: return "TCP";
    case Transport::tls: return "TLS";
    case Transport::ws: return "WS";
    case Transport::wss: return "WSS";
  }
  return "?";
}

std::optional<Transport> transport_from_string(std::string_view token) {
  for (const auto t : {Transport::udp, Transport::tcp, Transport::tls, Transport::ws, Transport::wss}) {
    if (text::iequals(token, to_string(t))) return t;
  }
  return std::nullopt;
}

bool is_reliable(Transport t) { return t != Transport::udp; }
bool is_secure(Transport t) { return t == Transport::tls || t == Transport::wss; }

std::string to_string(const Peer& p) {
  std::string out(to_string(p.transport));
  out += ' ';
  const auto addr = p.address.to_string();
  if (p.address.is_v6()) {
    out += '[' + addr + ']';
  } else {
    out += addr;
  }
  out += ':' + std::to_string(p.port);
  if (p.connection != 0) out += " #" + std::to_string(p.connection);
  return out;
}

}  // namespace imsbox::sip
