#pragma once
// The AVPs the Cx codec reads and writes, one table: code, Vendor-Id, name,
// data type and flags as TS 29.229 §6.3 (table 6.3.1), RFC 6733 and RFC 4740
// give them. The dictionary loader defines from it what freeDiameter's
// dict_* extensions lack; the codec names AVPs from it in errors; cx-client
// prints with its names. Pure data, no freeDiameter.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diameter/cx_types.h"

namespace imsbox::diameter {

enum class Avp {
  // RFC 6733 base protocol (Vendor-Id 0)
  user_name,
  session_id,
  origin_host,
  origin_realm,
  destination_host,
  destination_realm,
  vendor_specific_application_id,
  vendor_id,
  auth_application_id,
  acct_application_id,
  auth_session_state,
  result_code,
  experimental_result,
  experimental_result_code,
  failed_avp,
  error_message,
  // RFC 4740 (Vendor-Id 0), used inside SIP-Digest-Authenticate
  digest_realm,
  digest_qop,
  digest_algorithm,
  digest_ha1,
  digest_username,
  // TS 29.229 (Vendor-Id 10415)
  visited_network_identifier,
  public_identity,
  server_name,
  server_capabilities,
  mandatory_capability,
  optional_capability,
  user_data,
  sip_number_auth_items,
  sip_authentication_scheme,
  sip_authenticate,
  sip_authorization,
  sip_authentication_context,
  sip_auth_data_item,
  sip_item_number,
  server_assignment_type,
  deregistration_reason,
  reason_code,
  reason_info,
  charging_information,
  primary_event_charging_function_name,
  secondary_event_charging_function_name,
  primary_charging_collection_function_name,
  secondary_charging_collection_function_name,
  user_authorization_type,
  user_data_already_available,
  confidentiality_key,
  integrity_key,
  supported_features,
  feature_list_id,
  feature_list,
  associated_identities,
  originating_request,
  wildcarded_public_identity,
  sip_digest_authenticate,
  uar_flags,
  loose_route_indication,
  multiple_registration_indication,
  session_priority,
  priviledged_sender_indication,
  lia_flags,
  initial_cseq_sequence_number,
  sar_flags,
  allowed_waf_wwsf_identities,
  webrtc_authentication_function_name,
  webrtc_web_server_function_name,
};
inline constexpr std::size_t kAvpCount = static_cast<std::size_t>(Avp::webrtc_web_server_function_name) + 1;

// Data types of RFC 6733 §4.2/§4.3 as far as the codec cares.
enum class AvpType {
  octet_string,
  utf8_string,
  diameter_identity,
  diameter_uri,
  unsigned32,
  enumerated,  // Integer32 on the wire
  grouped,
};

struct AvpInfo {
  Avp avp;
  AvpId id;
  std::string_view name;
  AvpType type;
  bool mandatory_bit;  // M flag we set when sending
};

const AvpInfo& avp_info(Avp a);
inline AvpId avp_id(Avp a) { return avp_info(a).id; }
inline std::string_view avp_name(Avp a) { return avp_info(a).name; }
// The table entry for an AVP seen on the wire, if it is one of ours.
std::optional<Avp> find_avp(AvpId id);
// "Public-Identity", or "AVP 1234/10415" for one not in the table.
std::string avp_display_name(AvpId id);

}  // namespace imsbox::diameter
