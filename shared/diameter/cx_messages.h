#pragma once
// The Cx requests and answers (TS 29.229 §6.1) as plain values. Node logic
// works on these; cx_codec.h turns them into freeDiameter messages and back.
//
// Conventions: an empty string, byte vector or secret means "AVP absent"; a
// std::optional marks the other optional AVPs; a vector is a *[AVP]. The
// constant AVPs of every Cx message (Vendor-Specific-Application-Id with
// Vendor-Id 10415 and Auth-Application-Id 16777216, Auth-Session-State
// NO_STATE_MAINTAINED) are written by the codec and checked when decoding
// requests, so they have no field. Keys (CK, IK), the digest HA1 and
// SIP-Authorization (XRES in an MAA) are secrets: they print as <secret>.
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "diameter/cx_types.h"
#include "runtime/secret.h"

namespace imsbox::diameter {

// Supported-Features (TS 29.229 §6.3.29).
struct SupportedFeatures {
  std::uint32_t vendor_id = kVendor3gpp;
  std::uint32_t feature_list_id = 1;
  std::uint32_t feature_list = 0;
  friend bool operator==(const SupportedFeatures&, const SupportedFeatures&) = default;
};

// Server-Capabilities (TS 29.229 §6.3.4).
struct ServerCapabilities {
  std::vector<std::uint32_t> mandatory_capabilities;
  std::vector<std::uint32_t> optional_capabilities;
  std::vector<std::string> server_names;
  friend bool operator==(const ServerCapabilities&, const ServerCapabilities&) = default;
};

// SIP-Digest-Authenticate (TS 29.229 §6.3.36) with the RFC 4740 AVPs.
struct SipDigestAuthenticate {
  std::string digest_realm;
  std::string digest_algorithm;  // optional
  std::string digest_qop;
  runtime::SecretString digest_ha1;
  // Empty: the HA1 is H(IMPI:realm:password), as TS 29.229 has it. Else
  // (our extension, RFC 4740's Digest-Username AVP) the user name it was
  // made for instead: the IMPI's user part alone, which clients that send
  // a bare user name ("alice", not "alice@realm") digest with.
  std::string digest_username{};
  friend bool operator==(const SipDigestAuthenticate&, const SipDigestAuthenticate&) = default;
};

// SIP-Auth-Data-Item (TS 29.229 §6.3.13).
struct SipAuthDataItem {
  std::optional<std::uint32_t> item_number;
  std::string authentication_scheme;  // "Digest-AKAv1-MD5", "SIP Digest", "Unknown", ...
  std::vector<std::uint8_t> sip_authenticate;        // RAND || AUTN for AKA
  runtime::SecretBytes sip_authorization;            // XRES (MAA), RAND || AUTS (MAR, resync)
  std::vector<std::uint8_t> authentication_context;  // SIP-Authentication-Context
  runtime::SecretBytes confidentiality_key;
  runtime::SecretBytes integrity_key;
  std::optional<SipDigestAuthenticate> digest;
  friend bool operator==(const SipAuthDataItem&, const SipAuthDataItem&) = default;
};

// Deregistration-Reason (TS 29.229 §6.3.16).
struct DeregistrationReason {
  ReasonCode reason_code = ReasonCode::permanent_termination;
  std::string reason_info;
  friend bool operator==(const DeregistrationReason&, const DeregistrationReason&) = default;
};

// Charging-Information (TS 29.229 §6.3.19): DiameterURIs of the charging functions.
struct ChargingInformation {
  std::string primary_event_charging_function_name;
  std::string secondary_event_charging_function_name;
  std::string primary_charging_collection_function_name;
  std::string secondary_charging_collection_function_name;
  friend bool operator==(const ChargingInformation&, const ChargingInformation&) = default;
};

// Allowed-WAF-WWSF-Identities (TS 29.229 §6.3.71).
struct AllowedWafWwsfIdentities {
  std::vector<std::string> waf_names;   // WebRTC-Authentication-Function-Name
  std::vector<std::string> wwsf_names;  // WebRTC-Web-Server-Function-Name
  friend bool operator==(const AllowedWafWwsfIdentities&, const AllowedWafWwsfIdentities&) = default;
};

// What every request carries besides its body. On send, the stack fills
// origin_* from its own identity, creates a Session-Id when session_id is
// empty and takes the destination from send()'s arguments; on receive all
// fields are what the peer sent.
struct RequestHeader {
  std::string session_id;
  std::string origin_host;
  std::string origin_realm;
  std::string destination_host;  // empty: absent
  std::string destination_realm;
  std::vector<SupportedFeatures> supported_features;
  friend bool operator==(const RequestHeader&, const RequestHeader&) = default;
};

// What every answer carries besides its body. On send, session_id and
// origin_* come from the request and the stack; set result (and, rarely,
// supported_features). On receive, failed_avp and error_message report
// the peer's Failed-AVP (the first AVP inside it) and Error-Message.
struct AnswerHeader {
  std::string session_id;
  std::string origin_host;
  std::string origin_realm;
  Result result;
  std::vector<SupportedFeatures> supported_features;
  std::optional<AvpId> failed_avp;
  std::string error_message;
  bool error_bit = false;  // the 'E' flag: a protocol error (3xxx) answer
  friend bool operator==(const AnswerHeader&, const AnswerHeader&) = default;
};

// UAR / UAA (TS 29.229 §6.1.1, §6.1.2).
struct UserAuthorizationRequest {
  RequestHeader header;
  std::string user_name;  // IMPI
  std::string public_identity;
  std::string visited_network_identifier;
  std::optional<UserAuthorizationType> authorization_type;
  std::optional<std::uint32_t> uar_flags;
  friend bool operator==(const UserAuthorizationRequest&, const UserAuthorizationRequest&) = default;
};
struct UserAuthorizationAnswer {
  AnswerHeader header;
  std::string server_name;
  std::optional<ServerCapabilities> server_capabilities;
  friend bool operator==(const UserAuthorizationAnswer&, const UserAuthorizationAnswer&) = default;
};

// SAR / SAA (TS 29.229 §6.1.3, §6.1.4).
struct ServerAssignmentRequest {
  RequestHeader header;
  std::string user_name;                       // optional here
  std::vector<std::string> public_identities;  // *[Public-Identity]
  std::string wildcarded_public_identity;
  std::string server_name;
  ServerAssignmentType server_assignment_type = ServerAssignmentType::registration;
  UserDataAlreadyAvailable user_data_already_available = UserDataAlreadyAvailable::user_data_not_available;
  std::optional<std::int32_t> multiple_registration_indication;
  std::optional<std::int32_t> session_priority;
  std::optional<std::uint32_t> sar_flags;
  friend bool operator==(const ServerAssignmentRequest&, const ServerAssignmentRequest&) = default;
};
struct ServerAssignmentAnswer {
  AnswerHeader header;
  std::string user_name;
  std::string user_data;  // the IMS subscription XML (TS 29.228 annex E)
  std::optional<ChargingInformation> charging_information;
  std::vector<std::string> associated_identities;  // User-Names inside Associated-Identities
  std::optional<std::int32_t> loose_route_indication;
  std::string server_name;
  std::string wildcarded_public_identity;
  std::optional<std::int32_t> priviledged_sender_indication;
  std::optional<AllowedWafWwsfIdentities> allowed_waf_wwsf_identities;
  friend bool operator==(const ServerAssignmentAnswer&, const ServerAssignmentAnswer&) = default;
};

// LIR / LIA (TS 29.229 §6.1.5, §6.1.6).
struct LocationInfoRequest {
  RequestHeader header;
  bool originating_request = false;  // Originating-Request = ORIGINATING
  std::string public_identity;
  std::optional<UserAuthorizationType> authorization_type;
  std::optional<std::int32_t> session_priority;
  friend bool operator==(const LocationInfoRequest&, const LocationInfoRequest&) = default;
};
struct LocationInfoAnswer {
  AnswerHeader header;
  std::string server_name;
  std::optional<ServerCapabilities> server_capabilities;
  std::string wildcarded_public_identity;
  std::optional<std::uint32_t> lia_flags;
  friend bool operator==(const LocationInfoAnswer&, const LocationInfoAnswer&) = default;
};

// MAR / MAA (TS 29.229 §6.1.7, §6.1.8).
struct MultimediaAuthRequest {
  RequestHeader header;
  std::string user_name;  // IMPI
  std::string public_identity;
  SipAuthDataItem auth_data_item;  // the scheme asked for; SIP-Authorization for a resync
  std::uint32_t number_auth_items = 1;
  std::string server_name;
  friend bool operator==(const MultimediaAuthRequest&, const MultimediaAuthRequest&) = default;
};
struct MultimediaAuthAnswer {
  AnswerHeader header;
  std::string user_name;
  std::string public_identity;
  std::optional<std::uint32_t> number_auth_items;
  std::vector<SipAuthDataItem> auth_data_items;
  friend bool operator==(const MultimediaAuthAnswer&, const MultimediaAuthAnswer&) = default;
};

// RTR / RTA (TS 29.229 §6.1.9, §6.1.10).
struct RegistrationTerminationRequest {
  RequestHeader header;
  std::string user_name;
  std::vector<std::string> associated_identities;
  std::vector<std::string> public_identities;
  DeregistrationReason deregistration_reason;
  friend bool operator==(const RegistrationTerminationRequest&, const RegistrationTerminationRequest&) = default;
};
struct RegistrationTerminationAnswer {
  AnswerHeader header;
  std::vector<std::string> associated_identities;
  friend bool operator==(const RegistrationTerminationAnswer&, const RegistrationTerminationAnswer&) = default;
};

// PPR / PPA (TS 29.229 §6.1.11, §6.1.12).
struct PushProfileRequest {
  RequestHeader header;
  std::string user_name;
  std::string user_data;
  std::optional<ChargingInformation> charging_information;
  std::optional<SipAuthDataItem> auth_data_item;
  std::optional<AllowedWafWwsfIdentities> allowed_waf_wwsf_identities;
  friend bool operator==(const PushProfileRequest&, const PushProfileRequest&) = default;
};
struct PushProfileAnswer {
  AnswerHeader header;
  friend bool operator==(const PushProfileAnswer&, const PushProfileAnswer&) = default;
};

using CxRequest = std::variant<UserAuthorizationRequest, ServerAssignmentRequest, LocationInfoRequest,
                               MultimediaAuthRequest, RegistrationTerminationRequest, PushProfileRequest>;
using CxAnswer = std::variant<UserAuthorizationAnswer, ServerAssignmentAnswer, LocationInfoAnswer,
                              MultimediaAuthAnswer, RegistrationTerminationAnswer, PushProfileAnswer>;

// Which command a request or answer type belongs to, and the answer type of a request.
template <class M>
struct CxTraits;
#define IMSBOX_CX_TRAITS(Req, Ans, cmd)                         \
  template <>                                                   \
  struct CxTraits<Req> {                                        \
    static constexpr CxCommand command = CxCommand::cmd;        \
    using Answer = Ans;                                         \
  };                                                            \
  template <>                                                   \
  struct CxTraits<Ans> {                                        \
    static constexpr CxCommand command = CxCommand::cmd;        \
  };
IMSBOX_CX_TRAITS(UserAuthorizationRequest, UserAuthorizationAnswer, user_authorization)
IMSBOX_CX_TRAITS(ServerAssignmentRequest, ServerAssignmentAnswer, server_assignment)
IMSBOX_CX_TRAITS(LocationInfoRequest, LocationInfoAnswer, location_info)
IMSBOX_CX_TRAITS(MultimediaAuthRequest, MultimediaAuthAnswer, multimedia_auth)
IMSBOX_CX_TRAITS(RegistrationTerminationRequest, RegistrationTerminationAnswer, registration_termination)
IMSBOX_CX_TRAITS(PushProfileRequest, PushProfileAnswer, push_profile)
#undef IMSBOX_CX_TRAITS

template <class Request>
using AnswerFor = typename CxTraits<Request>::Answer;

CxCommand command_of(const CxRequest& r);
CxCommand command_of(const CxAnswer& a);
RequestHeader& header_of(CxRequest& r);
const RequestHeader& header_of(const CxRequest& r);
AnswerHeader& header_of(CxAnswer& a);
const AnswerHeader& header_of(const CxAnswer& a);
// An answer of the command's type with only a result set: what the layer
// sends when a request cannot be served (5012, 5005, ...).
CxAnswer answer_with_result(CxCommand c, Result r);

}  // namespace imsbox::diameter
