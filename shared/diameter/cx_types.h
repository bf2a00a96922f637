#pragma once
// The vocabulary of the Cx/Dx interface (3GPP TS 29.228, TS 29.229) and of the
// Diameter base protocol (RFC 6733) that the Cx messages use: application and
// command codes, result codes and the enumerated AVP values. Pure constants,
// no freeDiameter here: node logic includes this freely.
#include <cstdint>
#include <optional>
#include <string_view>

namespace imsbox::diameter {

inline constexpr std::uint32_t kVendor3gpp = 10415;
inline constexpr std::uint32_t kCxApplicationId = 16777216;  // TS 29.229 §5.6

// The six Cx command pairs (TS 29.229 §6.1). The value is the command code.
enum class CxCommand : std::uint32_t {
  user_authorization = 300,        // UAR/UAA
  server_assignment = 301,         // SAR/SAA
  location_info = 302,             // LIR/LIA
  multimedia_auth = 303,           // MAR/MAA
  registration_termination = 304,  // RTR/RTA
  push_profile = 305,              // PPR/PPA
};

// "UAR", "SAR", ... (the request's abbreviation); "UAA", ... for the answer.
std::string_view request_abbrev(CxCommand c);
std::string_view answer_abbrev(CxCommand c);
std::optional<CxCommand> cx_command_from_code(std::uint32_t code);

// An AVP's identity on the wire: code plus Vendor-Id (0 for IETF AVPs).
struct AvpId {
  std::uint32_t code = 0;
  std::uint32_t vendor_id = 0;
  friend bool operator==(const AvpId&, const AvpId&) = default;
};

// Result-Code values (RFC 6733 §7.1) the Cx layer and its users produce.
namespace result_code {
inline constexpr std::uint32_t success = 2001;                     // DIAMETER_SUCCESS
inline constexpr std::uint32_t command_unsupported = 3001;         // DIAMETER_COMMAND_UNSUPPORTED
inline constexpr std::uint32_t unable_to_deliver = 3002;           // DIAMETER_UNABLE_TO_DELIVER
inline constexpr std::uint32_t too_busy = 3004;                    // DIAMETER_TOO_BUSY
inline constexpr std::uint32_t application_unsupported = 3007;     // DIAMETER_APPLICATION_UNSUPPORTED
inline constexpr std::uint32_t avp_unsupported = 5001;             // DIAMETER_AVP_UNSUPPORTED
inline constexpr std::uint32_t invalid_avp_value = 5004;           // DIAMETER_INVALID_AVP_VALUE
inline constexpr std::uint32_t missing_avp = 5005;                 // DIAMETER_MISSING_AVP
inline constexpr std::uint32_t avp_occurs_too_many_times = 5009;   // DIAMETER_AVP_OCCURS_TOO_MANY_TIMES
inline constexpr std::uint32_t unable_to_comply = 5012;            // DIAMETER_UNABLE_TO_COMPLY
}  // namespace result_code

// Experimental-Result-Code values of Cx (TS 29.229 §6.2), Vendor-Id 10415.
namespace experimental_result {
inline constexpr std::uint32_t first_registration = 2001;               // DIAMETER_FIRST_REGISTRATION
inline constexpr std::uint32_t subsequent_registration = 2002;          // DIAMETER_SUBSEQUENT_REGISTRATION
inline constexpr std::uint32_t unregistered_service = 2003;             // DIAMETER_UNREGISTERED_SERVICE
inline constexpr std::uint32_t server_name_not_stored = 2004;           // DIAMETER_SUCCESS_SERVER_NAME_NOT_STORED
inline constexpr std::uint32_t error_user_unknown = 5001;               // DIAMETER_ERROR_USER_UNKNOWN
inline constexpr std::uint32_t error_identities_dont_match = 5002;      // DIAMETER_ERROR_IDENTITIES_DONT_MATCH
inline constexpr std::uint32_t error_identity_not_registered = 5003;    // DIAMETER_ERROR_IDENTITY_NOT_REGISTERED
inline constexpr std::uint32_t error_roaming_not_allowed = 5004;        // DIAMETER_ERROR_ROAMING_NOT_ALLOWED
inline constexpr std::uint32_t error_identity_already_registered = 5005;  // ..._IDENTITY_ALREADY_REGISTERED
inline constexpr std::uint32_t error_auth_scheme_not_supported = 5006;  // ..._AUTH_SCHEME_NOT_SUPPORTED
inline constexpr std::uint32_t error_in_assignment_type = 5007;         // DIAMETER_ERROR_IN_ASSIGNMENT_TYPE
inline constexpr std::uint32_t error_too_much_data = 5008;              // DIAMETER_ERROR_TOO_MUCH_DATA
inline constexpr std::uint32_t error_not_supported_user_data = 5009;    // ..._NOT_SUPPORTED_USER_DATA
inline constexpr std::uint32_t error_feature_unsupported = 5011;        // DIAMETER_ERROR_FEATURE_UNSUPPORTED
inline constexpr std::uint32_t error_serving_node_feature_unsupported = 5012;
}  // namespace experimental_result

// The outcome an answer carries: a Result-Code, or an Experimental-Result
// (Vendor-Id + Experimental-Result-Code). TS 29.229 answers carry exactly one.
struct Result {
  bool experimental = false;
  std::uint32_t code = result_code::success;
  std::uint32_t vendor_id = 0;  // Vendor-Id of an Experimental-Result

  static Result base(std::uint32_t c) { return {false, c, 0}; }
  static Result experimental_code(std::uint32_t c, std::uint32_t vendor = kVendor3gpp) { return {true, c, vendor}; }
  // 2xxx, whether base or experimental.
  bool is_success() const { return code >= 2000 && code < 3000; }
  friend bool operator==(const Result&, const Result&) = default;
};

// Server-Assignment-Type (TS 29.229 §6.3.15).
enum class ServerAssignmentType : std::int32_t {
  no_assignment = 0,
  registration = 1,
  re_registration = 2,
  unregistered_user = 3,
  timeout_deregistration = 4,
  user_deregistration = 5,
  timeout_deregistration_store_server_name = 6,
  user_deregistration_store_server_name = 7,
  administrative_deregistration = 8,
  authentication_failure = 9,
  authentication_timeout = 10,
  deregistration_too_much_data = 11,
  aaa_user_data_request = 12,
  pgw_update = 13,
  restoration = 14,
};
inline constexpr std::int32_t kServerAssignmentTypeMax = 14;

// User-Authorization-Type (TS 29.229 §6.3.24).
enum class UserAuthorizationType : std::int32_t {
  registration = 0,
  de_registration = 1,
  registration_and_capabilities = 2,
};

// User-Data-Already-Available (TS 29.229 §6.3.26).
enum class UserDataAlreadyAvailable : std::int32_t {
  user_data_not_available = 0,
  user_data_already_available = 1,
};

// Reason-Code inside Deregistration-Reason (TS 29.229 §6.3.17).
enum class ReasonCode : std::int32_t {
  permanent_termination = 0,
  new_server_assigned = 1,
  server_change = 2,
  remove_s_cscf = 3,
};

// Originating-Request (TS 29.229 §6.3.32): a single value.
inline constexpr std::int32_t kOriginating = 0;

// Bits of UAR-Flags (§6.3.44), SAR-Flags (§6.3.67) and LIA-Flags (§6.3.59).
inline constexpr std::uint32_t kUarFlagImsEmergencyRegistration = 1u << 0;
inline constexpr std::uint32_t kSarFlagPcscfRestorationIndication = 1u << 0;
inline constexpr std::uint32_t kLiaFlagPsiDirectRoutingIndication = 1u << 0;

// Auth-Session-State: Cx is stateless (TS 29.229 §6.1: NO_STATE_MAINTAINED).
inline constexpr std::int32_t kNoStateMaintained = 1;

}  // namespace imsbox::diameter
