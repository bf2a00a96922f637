#pragma once
// What the TAS reads from and writes into a request on ISC (TS 24.229
// §5.7, TS 23.218): whom and in which case it serves (P-Served-User, RFC 5502
// / RFC 8498), the diversion history (History-Info, RFC 7044, with the
// RFC 4458 cause of TS 24.604 §4.5.2.6), the calling party as the callee
// may see it (TS 24.607). Pure functions of messages; no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"

namespace imsbox::tas {

enum class ServedCase { originating, terminating, originating_cdiv };

struct ServedUser {
  std::string identity;  // the served user's public identity (URI, without <>)
  ServedCase session_case = ServedCase::terminating;
  bool registered = true;  // regstate=reg (absent: registered)
};

// The request's P-Served-User: `<uri>;sescase=orig|term;regstate=reg|unreg`,
// `orig-cdiv` (with or without sescase=orig) for the originating case after
// a diversion. Nothing when the header is absent, malformed or names no
// session case.
std::optional<ServedUser> served_user(const sip::Message& request);

// The calling party: the first P-Asserted-Identity URI, else the From URI.
std::string calling_party(const sip::Message& request);
// The values of the Privacy header fields (RFC 3323: "id;header" -> id, header).
std::vector<std::string> privacy_values(const sip::Message& request);
// The media types of the SDP offer ("m=audio ..." -> "audio"), in order.
std::vector<std::string> offered_media(const sip::Message& request);

// How many times the request was diverted: its History-Info entries whose
// target URI has a cause parameter (RFC 4458, TS 24.604 §4.5.2.6.1).
int diversion_count(const sip::Message& request);

// Records a diversion of `request` to `target` with `cause` (RFC 4458) in its
// History-Info (RFC 7044): an entry for the current Request-URI first when
// there is none, then `<target;cause=N>;index=<last>.1;mp=<last>`. The
// Request-URI itself is left to the caller. `hide_served_user` (TS 24.604
// reveal-identity-to-target false): the served user's entry we add carries
// the escaped header Privacy=history (RFC 7044 §10.1.1).
void add_diversion_history(sip::Message& request, std::string_view target, int cause, bool hide_served_user = false);

// TS 24.607 §4.5.2.5 / RFC 3323: the callee must not see the caller's
// identity: From becomes "Anonymous" <sip:anonymous@anonymous.invalid> (its
// tag kept) and P-Asserted-Identity and P-Preferred-Identity are removed.
void hide_originating_identity(sip::Message& request);

// Adds `id` to the request's Privacy (RFC 3323), keeping what it had.
void add_privacy_id(sip::Message& request);

}  // namespace imsbox::tas
