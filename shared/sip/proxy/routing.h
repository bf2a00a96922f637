#pragma once
// The routing steps of a stateful proxy (RFC 3261 §16.4, §16.6, §16.7
// step 6; RFC 5658 double Record-Route). Pure: messages in, messages out.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sip/message.h"
#include "sip/peer.h"

namespace imsbox::sip::proxy {

// §16.4: when the Request-URI is one of ours (the previous hop was a strict
// router), the last Route value becomes the Request-URI; then the Route
// values at the top that are ours are removed (all of them: two in a row
// come from a Record-Route across transports, RFC 5658, or from a node on
// both ends of a dialog). `is_own` tells whether a URI names this proxy.
void preprocess_route(Message& request, const std::function<bool(std::string_view uri)>& is_own);

// The URI of the first value of the first field `id` (Route: the top one), if any.
std::optional<std::string> first_uri(const Message& m, HeaderId id);

// One interface of this proxy: what goes into Via and Record-Route.
struct Interface {
  Transport transport = Transport::udp;
  std::string host;  // address or name as put in Via sent-by and Record-Route
  std::uint16_t port = 5060;
  std::string sent_by() const;  // host:port
  // <sip:host:port;transport=..;lr>, with `user`: <sip:user@host:port;..;lr>
  std::string record_route_uri(std::string_view user = {}) const;
};

struct ForwardPlan {
  std::string request_uri;       // the target (§16.6 step 2); empty: unchanged
  Interface inbound;             // where the request came in
  Interface outbound;            // where the copy leaves
  bool record_route = false;     // stay on the dialog's path (§16.6 step 4)
  std::string branch;            // for the new Via (make_branch)
  std::string record_route_user; // the user part of the Record-Route URIs (a dialog's leg), if any
};

// §16.6 steps 1-6 and 8: a copy of `request` for one target with the new
// Request-URI, Max-Forwards decremented (70 when absent), Record-Route (two
// entries when the transport changes: the outbound interface on top, RFC
// 5658) and our Via on top.
Message prepare_forward(const Message& request, const ForwardPlan& plan);
// The same on a copy the caller already made (no second copy).
Message prepare_forward(Message&& copy, const ForwardPlan& plan);

// §16.6 step 7 and RFC 3263 without DNS: where a URI (the top Route, else
// the Request-URI) leads: transport from ;transport= (sips: TLS), port from
// the URI or 5060/5061, the host when it is an IP literal or is known to
// `resolve`. Nothing when the host cannot be resolved.
std::optional<Peer> next_hop(const Message& request,
                             const std::function<std::optional<boost::asio::ip::address>(std::string_view host)>& resolve);

// §16.7 step 6: the index of the best final response: a 6xx if any, else
// the lowest class; among 4xx, 401/407/415/420/484 are preferred; an empty
// list (no response at all) is the caller's 408.
std::size_t best_response(std::span<const int> statuses);

}  // namespace imsbox::sip::proxy
