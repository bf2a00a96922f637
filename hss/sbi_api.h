#pragma once
// The HSS's HTTP/2 service-based interface in the style of TS 29.562: the
// S-CSCF's and I-CSCF's questions to the HSS as JSON resources instead of
// Cx commands. It is a second face of CxService, never a second
// implementation: every handler turns the JSON request into the Cx request
// struct, calls CxService and turns the Cx answer into JSON, so the SBI and
// Cx read and write the same store state the same way (a registration made
// over one is seen through the other).
//
// Resources (paths under the server root; {impi}, {impu} and {imsUeId} are
// percent-encoded in the path: sip%3Aalice%40ims.example.org). An {impu} or
// {imsUeId} is an IMPU, bare or with TS 29.562's "impu-" prefix; an
// "impi-..." id is refused (400 MANDATORY_IE_INCORRECT).
//
// Nhss_imsUEAU (Cx MAR/MAA)
//   POST /nhss-ims-ueau/v1/{impi}/security-information/generate-sip-auth-data[?impu=...]
//     {"cscfServerName": "sip:scscf...",               mandatory -> Server-Name
//      "sipAuthenticationScheme": "DIGEST-AKAV1-MD5" | "DIGEST-AKAV2-MD5" | "DIGEST-HTTP" |
//                                 "NBA" | "GIBA" | "UNKNOWN" | other,  mandatory
//      "sipNumberAuthItems": n >= 1,                   optional, default 1 (capped by hss.max_auth_items)
//      "resynchronizationInfo": {"rand": 32 hex, "auts": 28 hex},  optional (AKA resync: RAND || AUTS)
//      "impu": "sip:..."}                              -> Public-Identity; body or query, one is needed
//     200 {"impi", "sipAuthenticationScheme": the scheme used (UNKNOWN: the HSS's choice),
//          "3gAkaAvs": [{"rand", "autn", "xres", "ck", "ik"} (hex)...]      for AKA, or
//          "digestAuth": {"digestRealm", "digestAlgorithm": "MD5", "digestQop": "AUTH", "ha1"},
//          "digestAuthList": [digestAuth, {..."digestAlgorithm": "SHA-256"...}]  when n >= 2}
//     Schemes map to Cx as DIGEST-AKAV1-MD5 -> "Digest-AKAv1-MD5", DIGEST-AKAV2-MD5 ->
//     "Digest-AKAv2-MD5", DIGEST-HTTP -> "SIP Digest", NBA -> "NASS-Bundled", GIBA ->
//     "Early-IMS-Security", UNKNOWN -> "Unknown" (case-insensitive); any other value goes
//     to Cx as it is. Cx 5006 (scheme not supported) is 501 for a scheme this HSS does
//     not implement at all (NBA, GIBA, any other value) and 403 for one it implements
//     but the subscriber has no credentials for (SIP Digest for a SIM-only subscriber).
//
// Nhss_imsUECM (Cx UAR/UAA and SAR/SAA)
//   POST /nhss-ims-uecm/v1/{impu}/authorize                              (UAR)
//     {"impi": mandatory -> User-Name,
//      "authorizationType": "REGISTRATION" | "DEREGISTRATION" |
//                           "REGISTRATION_AND_CAPABILITIES", mandatory -> User-Authorization-Type
//      "visitedNetworkIdentifier": optional, "emergencyIndicator": bool -> UAR-Flags bit 0}
//     200 {"authorizationResult": "FIRST_REGISTRATION", "scscfSelectionAssistanceInfo":
//            {"scscfCapabilityList": {"mandatoryCapabilityList": [...], "optionalCapabilityList": [...]},
//             "scscfNames": [...] (only when Cx names some)}}                  Cx exp. 2001
//       | {"authorizationResult": "SUBSEQUENT_REGISTRATION", "cscfServerName"}  Cx exp. 2002
//       | {"authorizationResult": "SUCCESS", "cscfServerName"}   Cx 2001 (DEREGISTRATION)
//   PUT  /nhss-ims-uecm/v1/{imsUeId}/scscf-registration                  (SAR)
//     {"impi": optional -> User-Name, "cscfServerName": mandatory -> Server-Name,
//      "imsRegistrationType": mandatory -> Server-Assignment-Type:
//         INITIAL_REGISTRATION -> REGISTRATION, RE_REGISTRATION, UNREGISTERED_USER,
//         TIMEOUT_DEREGISTRATION, USER_DEREGISTRATION, ADMINISTRATIVE_DEREGISTRATION,
//         AUTHENTICATION_FAILURE, AUTHENTICATION_TIMEOUT, and the Cx ones TS 29.562
//         lacks: TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME,
//         USER_DEREGISTRATION_STORE_SERVER_NAME, DEREGISTRATION_TOO_MUCH_DATA,
//      "userDataAlreadyAvailable": bool -> User-Data-Already-Available (default false),
//      "multipleRegistrationIndicator": bool, "pcscfRestorationIndicator": bool -> SAR-Flags bit 0}
//     200 {"impi", "imsRegistrationType", "cscfServerName", "associatedImpis": [...],
//          "userData": the IMSSubscription XML of TS 29.228 annex E, as a string (absent
//          when the S-CSCF said it has it)}     for INITIAL/RE_REGISTRATION, UNREGISTERED_USER
//     204 (no body)                            for the de-registration types
//     {imsUeId} is the IMPU: registrations are kept per IMPU.
//
// Location (the I-CSCF's Cx LIR/LIA; TS 29.562 puts it in Nhss_imsSDM)
//   GET  /nhss-ims-sdm/v1/{imsUeId}/ims-data/location-data/server-name
//     200 {"scscfName"}                                           Cx 2001
//       | {"unregisteredServices": true, "scscfSelectionAssistanceInfo": {...as above}}
//                                                                 Cx exp. 2003
//
// Errors are application/problem+json (sbi::ProblemDetails) with a cause:
//   400 INVALID_MSG_FORMAT        the body is missing or not a JSON object
//   400 MANDATORY_IE_MISSING      a mandatory member is absent; the detail names it
//   400 MANDATORY_IE_INCORRECT    a mandatory member has a wrong type or value (named)
//   400 OPTIONAL_IE_INCORRECT     an optional member has a wrong type or value (named)
//   404 USER_NOT_FOUND                       Cx exp. 5001 DIAMETER_ERROR_USER_UNKNOWN
//   403 IDENTITIES_DONT_MATCH                Cx exp. 5002
//   404 IDENTITY_NOT_REGISTERED              Cx exp. 5003
//   403 ROAMING_NOT_ALLOWED                  Cx exp. 5004
//   403 AUTHORIZATION_REJECTED               Cx 5003 DIAMETER_AUTHORIZATION_REJECTED (all barred)
//   403/501 AUTHENTICATION_SCHEME_NOT_SUPPORTED  Cx exp. 5006 (see above)
//   500 SYSTEM_FAILURE                       Cx 5012 (store failure, SQN exhausted, a wrong
//                                            MAC-S in AUTS) and any other Cx failure
// plus what sbi::Http2Server answers itself (404 for unknown paths, 405, 413, ...).
// Unknown members of a request body are ignored (forward compatibility).
//
// Where this departs from TS 29.562 (v18):
// * The UEAU request carries the IMPU ("impu", body or query): Cx MAR needs
//   it and the HSS checks that it belongs to the IMPI. The answer names the
//   scheme it used, and digestAuthList carries the SHA-256 HA1 too.
// * DIGEST-AKAV2-MD5 (scheme) and "SHA-256" (digest algorithm, RFC 7616)
//   are not in the spec's enums, which allow other strings; schemes are
//   matched case-insensitively.
// * Authorize needs "impi" (optional in the spec; Cx UAR requires it), knows
//   REGISTRATION_AND_CAPABILITIES and answers a DEREGISTRATION authorization
//   with authorizationResult "SUCCESS". Empty capability lists (Cx's "any
//   S-CSCF will do") are sent although the spec wants at least one item.
// * The S-CSCF registration always answers 200, never 201 + Location (Cx
//   SAR does not say whether the registration is new), and de-registrations
//   204. The user profile is the Cx User-Data XML in "userData", not
//   Nhss_imsSDM's JSON profile. No deregCallbackUri notifications: the HSS
//   starts RTR/PPR over Cx only, and an S-CSCF registered over the SBI has
//   no Diameter identity for them.
// * The location answer for unregistered services has no scscfName (the spec
//   requires one) but "unregisteredServices" and the selection information.
// * Resynchronisation failing on MAC-S is 500 SYSTEM_FAILURE, as Cx's 5012.
// * No OAuth2, no supported-features negotiation, no Nhss_imsSDM besides the
//   server name; cause names other than TS 29.500's and USER_NOT_FOUND are
//   the Cx result names.
//
// Secrets (CK, IK, XRES, HA1) appear only in the generate-sip-auth-data
// answer. Each request gets one log line naming the operation, the identity
// in the path and the status (with the cause and detail of a problem):
// debug for 2xx, info for 4xx, warning for 5xx.
//
// Threading and lifetime: the handlers run on the server's io_context
// thread and call CxService synchronously there (a local SQLite store);
// nothing is locked. The CxService and Logger are borrowed and must outlive
// the server the routes are installed on; the routes hold copies of the
// SbiApi, so the object itself may go away after install().
#include <string_view>

#include "sbi/message.h"

namespace imsbox::runtime {
class Logger;
}
namespace imsbox::sbi {
class Http2Server;
}

namespace imsbox::hss {

class CxService;

// The application error causes this API uses besides sbi::cause.
namespace sbi_cause {
inline constexpr std::string_view optional_ie_incorrect = "OPTIONAL_IE_INCORRECT";  // TS 29.500
inline constexpr std::string_view user_not_found = "USER_NOT_FOUND";                // TS 29.562
inline constexpr std::string_view identities_dont_match = "IDENTITIES_DONT_MATCH";
inline constexpr std::string_view identity_not_registered = "IDENTITY_NOT_REGISTERED";
inline constexpr std::string_view roaming_not_allowed = "ROAMING_NOT_ALLOWED";
inline constexpr std::string_view authorization_rejected = "AUTHORIZATION_REJECTED";
inline constexpr std::string_view authentication_scheme_not_supported = "AUTHENTICATION_SCHEME_NOT_SUPPORTED";
}  // namespace sbi_cause

class SbiApi {
 public:
  SbiApi(CxService& cx, runtime::Logger& log);

  // Registers the four routes above on `server` (before or after its
  // start()). Throws std::invalid_argument (from the router) when they are
  // registered already. Answers are sent at once, from the handler.
  void install(sbi::Http2Server& server);

  // The handlers, as functions of a routed request (params filled in);
  // never throw for bad input: every failure is a problem response.
  sbi::Response generate_sip_auth_data(const sbi::Request& request) const;
  sbi::Response authorize(const sbi::Request& request) const;
  sbi::Response scscf_registration(const sbi::Request& request) const;
  sbi::Response server_name(const sbi::Request& request) const;

 private:
  CxService& cx_;
  runtime::Logger& log_;
};

}  // namespace imsbox::hss
