#pragma once
// What a caller asks the MRF for, read from the INVITE's Request-URI
// (RFC 4240 §3 for annc; ours for early, echo and ivr). Pure: a function of
// the URI text, tested without sockets.
//
//   sip:annc@mrf.<domain>;play=busy;repeat=2;delay=500;duration=10000
//   sip:annc@mrf.<domain>;play=barred;early=603   (183 + P-Early-Media, then 603)
//   sip:echo@mrf.<domain>
//   sip:ivr@mrf.<domain>;menu=main
//
// play: a prompt name, or a URL whose last path segment is NAME or NAME.wav
// (file:///prompts/busy.wav), the way RFC 4240 media servers take a URL.
// repeat: a count (1 by default) or "forever"; delay: milliseconds of
// silence between two plays; duration: a cap on the whole play in
// milliseconds; locale and unknown parameters are ignored.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace imsbox::mrf {

enum class Service { annc, echo, ivr };

struct Announcement {
  std::string prompt;  // a prompt name (prompt_store.h)
  int repeat = 1;      // 0: forever (until BYE or duration)
  std::chrono::milliseconds delay{0};
  std::optional<std::chrono::milliseconds> duration;
};

struct ServiceRequest {
  Service service = Service::annc;
  Announcement announcement;  // annc
  std::string menu;           // ivr
  // early=<4xx-6xx>: answer in early media only, then this final status
  std::optional<int> early_status;
};

// Why a request cannot be served: the SIP status and reason phrase.
struct ServiceRefusal {
  int status = 400;
  std::string reason;
};

// The service a Request-URI names (its user part), with its parameters:
// an unknown service (or a URI that is not sip:) is 404, a malformed or
// missing parameter 400 with the reason naming it.
std::variant<ServiceRequest, ServiceRefusal> parse_service_request(std::string_view request_uri);

// RFC 4240's play value as a prompt name: the value itself, or a URL's last
// path segment without ".wav" (percent-escapes decoded). Empty when there
// is nothing to take.
std::string prompt_name_of(std::string_view play);

}  // namespace imsbox::mrf
