#pragma once
// What the TAS sends to the box's MRF (issue 19) instead of answering a call
// itself, as Request-URIs the S-CSCF routes to the MRF by their host,
// mrf.<domain> (RFC 4240 NetAnn, with the MRF's early-media mode):
//   * a refusal heard before its final status, in early media (183 with
//     P-Early-Media, TS 24.628), uncharged:
//       sip:annc@mrf.<domain>;play=outgoing-barred;early=603   (OCB)
//       sip:annc@mrf.<domain>;play=barred;early=603            (ICB)
//       sip:annc@mrf.<domain>;play=anonymous-rejected;early=433 (ACR)
//       sip:annc@mrf.<domain>;play=not-reachable;early=480     (a callee's
//         404/408/480/5xx that no diversion took: early= is that status)
//   * a star code's confirmation, answered and ended by the MRF:
//       sip:annc@mrf.<domain>;play=service-set (or service-cleared)
//   * the echo test, for a caller who dials `echo` or *43:
//       sip:echo@mrf.<domain>
// Pure: strings in, strings out.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tas/star_codes.h"

namespace imsbox::tas {

// The short number of the echo test (besides the name "echo").
inline constexpr std::string_view kEchoShortNumber = "*43";

// sip:annc@<mrf_host>;play=<prompt>[;early=<status>]
std::string announcement_uri(std::string_view mrf_host, std::string_view prompt,
                             std::optional<int> early_status = std::nullopt);
// sip:echo@<mrf_host>
std::string echo_uri(std::string_view mrf_host);

// Whether a Request-URI dials the echo test: the user part "echo" (any
// case) or *43 of a sip:/sips: URI of the home domain, or the number of a
// tel: URI (*43, phone-context or not).
bool dials_echo_test(std::string_view request_uri, std::string_view domain);

// The prompt confirming a star code: service-set when one of its changes
// turns a service on (forwarding to someone, barring, ACR or OIR on),
// service-cleared when all turn services off.
std::string_view star_code_prompt(const StarCode& code);

// TasOptions::star_code_announcement for an MRF at `mrf_host`: every code
// (once stored) confirmed by annc;play=service-set or service-cleared, which
// the MRF answers, plays and hangs up.
std::function<std::optional<std::string>(const StarCode&)> star_code_confirmation(std::string mrf_host);

// The prompt a callee's failure is announced with before the caller gets
// it (not-reachable); none for a status the TAS does not announce (only
// 404, 408, 480 and 5xx are: not busy, not a decline, not a CANCEL's 487).
std::optional<std::string_view> unreachable_prompt(int status);

}  // namespace imsbox::tas
