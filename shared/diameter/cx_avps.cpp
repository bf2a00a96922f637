#include "diameter/cx_avps.h"

#include <array>
#include <string>

namespace imsbox::diameter {
namespace {

constexpr std::uint32_t kIetf = 0;
constexpr std::uint32_t k3gpp = kVendor3gpp;

using T = AvpType;

// Flags: TS 29.229 table 6.3.1 ("M, V" for 600-626, "V" only from 628 on);
// RFC 6733 §4.5 and RFC 4740 §9 give M for the IETF AVPs.
constexpr std::array<AvpInfo, kAvpCount> kTable{{
    {Avp::user_name, {1, kIetf}, "User-Name", T::utf8_string, true},
    {Avp::session_id, {263, kIetf}, "Session-Id", T::utf8_string, true},
    {Avp::origin_host, {264, kIetf}, "Origin-Host", T::diameter_identity, true},
    {Avp::origin_realm, {296, kIetf}, "Origin-Realm", T::diameter_identity, true},
    {Avp::destination_host, {293, kIetf}, "Destination-Host", T::diameter_identity, true},
    {Avp::destination_realm, {283, kIetf}, "Destination-Realm", T::diameter_identity, true},
    {Avp::vendor_specific_application_id, {260, kIetf}, "Vendor-Specific-Application-Id", T::grouped, true},
    {Avp::vendor_id, {266, kIetf}, "Vendor-Id", T::unsigned32, true},
    {Avp::auth_application_id, {258, kIetf}, "Auth-Application-Id", T::unsigned32, true},
    {Avp::acct_application_id, {259, kIetf}, "Acct-Application-Id", T::unsigned32, true},
    {Avp::auth_session_state, {277, kIetf}, "Auth-Session-State", T::enumerated, true},
    {Avp::result_code, {268, kIetf}, "Result-Code", T::unsigned32, true},
    {Avp::experimental_result, {297, kIetf}, "Experimental-Result", T::grouped, true},
    {Avp::experimental_result_code, {298, kIetf}, "Experimental-Result-Code", T::unsigned32, true},
    {Avp::failed_avp, {279, kIetf}, "Failed-AVP", T::grouped, true},
    {Avp::error_message, {281, kIetf}, "Error-Message", T::utf8_string, false},
    {Avp::digest_realm, {104, kIetf}, "Digest-Realm", T::utf8_string, true},
    {Avp::digest_qop, {110, kIetf}, "Digest-QoP", T::utf8_string, true},
    {Avp::digest_algorithm, {111, kIetf}, "Digest-Algorithm", T::utf8_string, true},
    {Avp::digest_ha1, {121, kIetf}, "Digest-HA1", T::utf8_string, true},
    // Our extension inside SIP-Digest-Authenticate (its *[AVP]): the user
    // name an HA1 was made for, when it is not the IMPI. Without the M bit,
    // so that an S-CSCF that does not know it may ignore it (RFC 6733 §4.1).
    {Avp::digest_username, {115, kIetf}, "Digest-Username", T::utf8_string, false},
    {Avp::visited_network_identifier, {600, k3gpp}, "Visited-Network-Identifier", T::octet_string, true},
    {Avp::public_identity, {601, k3gpp}, "Public-Identity", T::utf8_string, true},
    {Avp::server_name, {602, k3gpp}, "Server-Name", T::utf8_string, true},
    {Avp::server_capabilities, {603, k3gpp}, "Server-Capabilities", T::grouped, true},
    {Avp::mandatory_capability, {604, k3gpp}, "Mandatory-Capability", T::unsigned32, true},
    {Avp::optional_capability, {605, k3gpp}, "Optional-Capability", T::unsigned32, true},
    {Avp::user_data, {606, k3gpp}, "User-Data", T::octet_string, true},
    {Avp::sip_number_auth_items, {607, k3gpp}, "SIP-Number-Auth-Items", T::unsigned32, true},
    {Avp::sip_authentication_scheme, {608, k3gpp}, "SIP-Authentication-Scheme", T::utf8_string, true},
    {Avp::sip_authenticate, {609, k3gpp}, "SIP-Authenticate", T::octet_string, true},
    {Avp::sip_authorization, {610, k3gpp}, "SIP-Authorization", T::octet_string, true},
    {Avp::sip_authentication_context, {611, k3gpp}, "SIP-Authentication-Context", T::octet_string, true},
    {Avp::sip_auth_data_item, {612, k3gpp}, "SIP-Auth-Data-Item", T::grouped, true},
    {Avp::sip_item_number, {613, k3gpp}, "SIP-Item-Number", T::unsigned32, true},
    {Avp::server_assignment_type, {614, k3gpp}, "Server-Assignment-Type", T::enumerated, true},
    {Avp::deregistration_reason, {615, k3gpp}, "Deregistration-Reason", T::grouped, true},
    {Avp::reason_code, {616, k3gpp}, "Reason-Code", T::enumerated, true},
    {Avp::reason_info, {617, k3gpp}, "Reason-Info", T::utf8_string, true},
    {Avp::charging_information, {618, k3gpp}, "Charging-Information", T::grouped, true},
    {Avp::primary_event_charging_function_name, {619, k3gpp}, "Primary-Event-Charging-Function-Name",
     T::diameter_uri, true},
    {Avp::secondary_event_charging_function_name, {620, k3gpp}, "Secondary-Event-Charging-Function-Name",
     T::diameter_uri, true},
    {Avp::primary_charging_collection_function_name, {621, k3gpp}, "Primary-Charging-Collection-Function-Name",
     T::diameter_uri, true},
    {Avp::secondary_charging_collection_function_name, {622, k3gpp}, "Secondary-Charging-Collection-Function-Name",
     T::diameter_uri, true},
    {Avp::user_authorization_type, {623, k3gpp}, "User-Authorization-Type", T::enumerated, true},
    {Avp::user_data_already_available, {624, k3gpp}, "User-Data-Already-Available", T::enumerated, true},
    {Avp::confidentiality_key, {625, k3gpp}, "Confidentiality-Key", T::octet_string, true},
    {Avp::integrity_key, {626, k3gpp}, "Integrity-Key", T::octet_string, true},
    {Avp::supported_features, {628, k3gpp}, "Supported-Features", T::grouped, false},
    {Avp::feature_list_id, {629, k3gpp}, "Feature-List-ID", T::unsigned32, false},
    {Avp::feature_list, {630, k3gpp}, "Feature-List", T::unsigned32, false},
    {Avp::associated_identities, {632, k3gpp}, "Associated-Identities", T::grouped, false},
    {Avp::originating_request, {633, k3gpp}, "Originating-Request", T::enumerated, true},
    {Avp::wildcarded_public_identity, {634, k3gpp}, "Wildcarded-Public-Identity", T::utf8_string, false},
    {Avp::sip_digest_authenticate, {635, k3gpp}, "SIP-Digest-Authenticate", T::grouped, false},
    {Avp::uar_flags, {637, k3gpp}, "UAR-Flags", T::unsigned32, false},
    {Avp::loose_route_indication, {638, k3gpp}, "Loose-Route-Indication", T::enumerated, false},
    {Avp::multiple_registration_indication, {648, k3gpp}, "Multiple-Registration-Indication", T::enumerated,
     false},
    {Avp::session_priority, {650, k3gpp}, "Session-Priority", T::enumerated, false},
    {Avp::priviledged_sender_indication, {652, k3gpp}, "Priviledged-Sender-Indication", T::enumerated, false},
    {Avp::lia_flags, {653, k3gpp}, "LIA-Flags", T::unsigned32, false},
    {Avp::initial_cseq_sequence_number, {654, k3gpp}, "Initial-CSeq-Sequence-Number", T::unsigned32, false},
    {Avp::sar_flags, {655, k3gpp}, "SAR-Flags", T::unsigned32, false},
    {Avp::allowed_waf_wwsf_identities, {656, k3gpp}, "Allowed-WAF-WWSF-Identities", T::grouped, false},
    {Avp::webrtc_authentication_function_name, {657, k3gpp}, "WebRTC-Authentication-Function-Name",
     T::utf8_string, false},
    {Avp::webrtc_web_server_function_name, {658, k3gpp}, "WebRTC-Web-Server-Function-Name", T::utf8_string,
     false},
}};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<std::size_t>(kTable[i].avp) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kTable must list the AVPs in the order of enum Avp");

}  // namespace

const AvpInfo& avp_info(Avp a) { return kTable[static_cast<std::size_t>(a)]; }

std::optional<Avp> find_avp(AvpId id) {
  for (const auto& e : kTable)
    if (e.id == id) return e.avp;
  return std::nullopt;
}

std::string avp_display_name(AvpId id) {
  if (const auto a = find_avp(id)) return std::string(avp_name(*a));
  return "AVP " + std::to_string(id.code) + "/" + std::to_string(id.vendor_id);
}

}  // namespace imsbox::diameter
