// libFuzzer target for the SIP parser and the typed header parsers.
//
// Besides "never crash, never hang, never leak" it checks one property:
// a message the parser accepts serializes to bytes it accepts again, with
// the same start line and the same header fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sip/header_values.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/uri.h"

namespace {

using namespace imsbox::sip;

void touch_typed_values(const Message& m) {
  for (const auto& h : m.headers()) {
    switch (h.id) {
      case HeaderId::via: (void)parse_via_list(h.value); break;
      case HeaderId::cseq: (void)parse_cseq(h.value); break;
      case HeaderId::rack: (void)parse_rack(h.value); break;
      case HeaderId::authorization:
      case HeaderId::proxy_authorization:
      case HeaderId::www_authenticate:
      case HeaderId::proxy_authenticate: (void)parse_auth(h.value); break;
      case HeaderId::authentication_info: (void)parse_auth_params(h.value); break;
      case HeaderId::supported:
      case HeaderId::require:
      case HeaderId::proxy_require:
      case HeaderId::unsupported:
      case HeaderId::allow:
      case HeaderId::privacy: (void)parse_token_list(h.value); break;
      case HeaderId::date: (void)is_valid_sip_date(h.value); break;
      case HeaderId::max_forwards:
      case HeaderId::expires:
      case HeaderId::rseq:
      case HeaderId::content_length: (void)parse_number(h.value, 0xffffffffULL); break;
      case HeaderId::from:
      case HeaderId::to:
      case HeaderId::contact:
      case HeaderId::route:
      case HeaderId::record_route:
      case HeaderId::path:
      case HeaderId::service_route:
      case HeaderId::p_asserted_identity:
      case HeaderId::p_preferred_identity:
      case HeaderId::p_associated_uri: {
        const auto list = parse_name_addr_list(h.value);
        for (const auto& na : list.value) (void)parse_uri(na.uri);
        break;
      }
      default: (void)parse_value_with_params_list(h.value); break;
    }
  }
  (void)parse_uri(m.request_uri());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (const auto framing : {Framing::datagram, Framing::stream}) {
    auto r = parse_message(bytes, framing);
    if (!r.message) continue;
    const Message& m = *r.message;
    touch_typed_values(m);
    (void)m.vias();
    (void)m.top_via();
    (void)m.from();
    (void)m.to();
    (void)m.cseq();
    (void)m.max_forwards();
    if (m.is_request()) (void)make_response(m, 400, r.reason).serialize();
    if (!r.well_formed()) continue;
    // round trip: what we accept and write, we accept again, unchanged
    const auto again = parse_message(m.serialize(), Framing::stream);
    if (!again.well_formed() || again.message->is_request() != m.is_request() ||
        again.message->method() != m.method() || again.message->request_uri() != m.request_uri() ||
        again.message->status() != m.status() || again.message->body() != m.body() ||
        again.message->call_id() != m.call_id()) {
      std::abort();
    }
  }
  return 0;
}
