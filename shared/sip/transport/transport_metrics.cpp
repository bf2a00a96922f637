#include "sip/transport/layer_impl.h"

namespace imsbox::sip::transport_detail {

std::string_view label(DropReason r) {
  switch (r) {
    case DropReason::malformed: return "malformed";
    case DropReason::rejected: return "rejected";
    case DropReason::too_large: return "too_large";
    case DropReason::framing: return "framing";
    case DropReason::truncated: return "truncated";
    case DropReason::handler_error: return "handler_error";
    case DropReason::count_: break;
  }
  return "other";
}

std::string_view label(SendFailure r) {
  switch (r) {
    case SendFailure::not_running: return "not_running";
    case SendFailure::no_socket: return "no_socket";
    case SendFailure::no_connection: return "no_connection";
    case SendFailure::connection_limit: return "connection_limit";
    case SendFailure::connect_failed: return "connect_failed";
    case SendFailure::write_queue_full: return "write_queue_full";
    case SendFailure::write_error: return "write_error";
    case SendFailure::closed: return "closed";
    case SendFailure::count_: break;
  }
  return "other";
}

std::string_view label(RefusedReason r) {
  switch (r) {
    case RefusedReason::total_limit: return "total_limit";
    case RefusedReason::address_limit: return "address_limit";
    case RefusedReason::handshake: return "handshake";
    case RefusedReason::no_subprotocol: return "no_subprotocol";
    case RefusedReason::count_: break;
  }
  return "other";
}

namespace {

std::string transport_label(Transport t) {
  std::string s(to_string(t));
  for (auto& c : s) c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::size_t index(Transport t) { return static_cast<std::size_t>(t); }

}  // namespace

runtime::Counter& TransportMetrics::received(Transport t) {
  auto*& c = received_[index(t)];
  if (!c) c = &registry_.counter("sip_messages_received_total", "SIP messages read from the network, by transport",
                                 {{"transport", transport_label(t)}});
  return *c;
}

runtime::Counter& TransportMetrics::sent(Transport t) {
  auto*& c = sent_[index(t)];
  if (!c) c = &registry_.counter("sip_messages_sent_total", "SIP messages written to the network, by transport",
                                 {{"transport", transport_label(t)}});
  return *c;
}

runtime::Counter& TransportMetrics::keepalives(Transport t) {
  auto*& c = keepalives_[index(t)];
  if (!c) c = &registry_.counter("sip_keepalives_answered_total", "RFC 5626 CRLFCRLF pings answered with a pong",
                                 {{"transport", transport_label(t)}});
  return *c;
}

runtime::Gauge& TransportMetrics::open_connections(Transport t) {
  auto*& g = open_[index(t)];
  if (!g) g = &registry_.gauge("sip_connections_open", "Open SIP connections (TCP, TLS, WS, WSS)",
                               {{"transport", transport_label(t)}});
  return *g;
}

runtime::Counter& TransportMetrics::dropped(Transport t, DropReason r) {
  auto*& c = dropped_[index(t)][static_cast<std::size_t>(r)];
  if (!c) c = &registry_.counter("sip_messages_dropped_total",
                                 "Received SIP messages not handed up (malformed, too large, cut short, ...)",
                                 {{"transport", transport_label(t)}, {"reason", std::string(label(r))}});
  return *c;
}

runtime::Counter& TransportMetrics::send_failed(Transport t, SendFailure r) {
  auto*& c = send_failed_[index(t)][static_cast<std::size_t>(r)];
  if (!c) c = &registry_.counter("sip_send_failures_total", "SIP messages that could not be sent",
                                 {{"transport", transport_label(t)}, {"reason", std::string(label(r))}});
  return *c;
}

runtime::Counter& TransportMetrics::refused(Transport t, RefusedReason r) {
  auto*& c = refused_[index(t)][static_cast<std::size_t>(r)];
  if (!c) c = &registry_.counter("sip_connections_refused_total",
                                 "Inbound connections refused (caps, failed handshakes, no 'sip' subprotocol)",
                                 {{"transport", transport_label(t)}, {"reason", std::string(label(r))}});
  return *c;
}

runtime::Counter& TransportMetrics::web_responses(Transport t, unsigned status) {
  auto*& c = web_responses_[{t, status}];
  if (!c) c = &registry_.counter("web_responses_total",
                                 "Plain HTTP requests on the WS/WSS listeners (the web client's files), by status",
                                 {{"transport", transport_label(t)}, {"status", std::to_string(status)}});
  return *c;
}

}  // namespace imsbox::sip::transport_detail
