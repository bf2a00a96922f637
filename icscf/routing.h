#pragma once
// The I-CSCF's decisions as pure functions (TS 24.229 §5.3, TS 29.228 §6.1.1
// and §6.1.4, TS 29.229): what a REGISTER asks the HSS, which S-CSCF a
// request goes to, and how a Cx answer or failure becomes a SIP response.
// No I/O here: icscf_service.h is the SIP/Cx glue around these.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diameter/diameter_stack.h"
#include "sip/message.h"

namespace imsbox::icscf {

// What the I-CSCF does with a request once it knows: forward it to an
// S-CSCF (status == 0), or answer it (status != 0).
struct Outcome {
  int status = 0;
  std::string reason;     // the reason phrase of the answer
  std::string scscf;      // the S-CSCF's SIP URI when forwarding
  bool assigned = false;  // the HSS named that S-CSCF (rather than capabilities to select one)
  std::string summary;    // what happened, for the log line (no secrets)

  bool forwards() const { return status == 0; }
  static Outcome forward(std::string scscf, std::string summary, bool assigned = false);
  static Outcome answer(int status, std::string reason, std::string summary);
};

// ---- S-CSCF selection ------------------------------------------------------

// Chooses an S-CSCF when the HSS names none (TS 29.228 §6.1.1.1 / §6.1.4.1:
// the answer carries Server-Capabilities). The configured URIs have no
// capabilities of their own: the first Server-Name the HSS lists in the
// capabilities wins (one also configured first), else the first configured
// URI. Candidates in `exclude` (S-CSCFs already tried) are skipped. Nothing
// when no candidate is left.
std::optional<std::string> select_scscf(const std::optional<diameter::ServerCapabilities>& capabilities,
                                        const std::vector<std::string>& configured,
                                        const std::vector<std::string>& exclude = {});

// "a, b ,c" -> {"a","b","c"} (icscf.scscf_uris); empty entries dropped.
std::vector<std::string> split_uri_list(std::string_view text);

// The Route value that sends a request to `server_name` (a SIP URI): "<uri;lr>".
std::string route_to(std::string_view server_name);

// ---- REGISTER ---------------------------------------------------------------

// A REGISTER's UAR (contract step 3), or why it is refused without asking the HSS.
struct RegisterQuery {
  std::optional<Outcome> reject;  // a malformed REGISTER: 4xx without a UAR
  diameter::UserAuthorizationRequest uar;
};
RegisterQuery register_query(const sip::Message& request, std::string_view home_domain);

// Whether the REGISTER only removes bindings: Contact "*", or every contact's
// expiry (its expires parameter, else the Expires header) is 0.
bool is_deregistration(const sip::Message& request);

// The P-Visited-Network-ID value unquoted (the first one), or `fallback`.
std::string visited_network(const sip::Message& request, std::string_view fallback);

// What to do with the UAA (or the failure to get one) of a REGISTER. An
// S-CSCF in `exclude` (tried already) is not chosen: when the answer names
// one, another is selected from its capabilities.
Outcome register_outcome(const diameter::AnswerOrError<diameter::UserAuthorizationAnswer>& answer,
                         const std::vector<std::string>& configured_scscfs,
                         const std::vector<std::string>& exclude = {});

// TS 24.229 §5.3.1.3: whether the answer of the S-CSCF a REGISTER went to
// lets the I-CSCF try another one: no answer in time (the proxy's 408),
// 408, a redirection (3xx), 480 or a server failure (5xx). Any other answer
// (a challenge, 403, 423, ...) is the S-CSCF's word to the UE.
bool reselects_after(int status);

// ---- terminating requests (LIR) ----------------------------------------------

// The public identity to look up for a Request-URI (TS 29.228 §6.1.4): a
// sip:/sips: URI of the home domain as "sip:user@host" (parameters and port
// dropped: sip:+1555;user=phone stays a SIP URI, looked up as given), a tel:
// URI as "tel:<number>". Nothing for another domain or a malformed URI.
std::optional<std::string> terminating_identity(std::string_view request_uri, std::string_view home_domain);

// What to do with the LIA (or the failure to get one) of a terminating request.
Outcome terminating_outcome(const diameter::AnswerOrError<diameter::LocationInfoAnswer>& answer,
                            const std::vector<std::string>& configured_scscfs);

// "2001", "exp 5001", ...: a result for log lines.
std::string describe(const diameter::Result& r);

}  // namespace imsbox::icscf
