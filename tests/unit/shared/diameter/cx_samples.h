#pragma once
// Cx requests and answers with every field set, for round trips.
#include "diameter/cx_messages.h"

namespace imsbox::diameter::testing {

inline std::vector<std::uint8_t> bytes(std::initializer_list<int> v) {
  std::vector<std::uint8_t> out;
  for (int b : v) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

inline RequestHeader sample_request_header(bool with_host = true) {
  RequestHeader h;
  h.session_id = "icscf.ims.test;1234;5678";
  h.destination_host = with_host ? "hss.ims.test" : "";
  h.destination_realm = "ims.test";
  h.supported_features = {{kVendor3gpp, 1, 0x5}};
  return h;
}

inline SipAuthDataItem sample_aka_item() {
  SipAuthDataItem i;
  i.item_number = 1;
  i.authentication_scheme = "Digest-AKAv1-MD5";
  i.sip_authenticate = bytes({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
  i.sip_authorization = runtime::SecretBytes(bytes({0xa1, 0xa2, 0xa3, 0xa4}));
  i.authentication_context = bytes({'R', 'E', 'G'});
  i.confidentiality_key = runtime::SecretBytes(bytes({0xc0, 0xc1, 0xc2}));
  i.integrity_key = runtime::SecretBytes(bytes({0x10, 0x11, 0x12}));
  return i;
}

inline SipAuthDataItem sample_digest_item() {
  SipAuthDataItem i;
  i.authentication_scheme = "SIP Digest";
  i.digest = SipDigestAuthenticate{"ims.test", "MD5", "auth", runtime::SecretString("0123456789abcdef0123456789abcdef")};
  return i;
}

inline UserAuthorizationRequest sample_uar() {
  UserAuthorizationRequest r;
  r.header = sample_request_header(false);
  r.user_name = "alice@ims.test";
  r.public_identity = "sip:alice@ims.test";
  r.visited_network_identifier = "ims.test";
  r.authorization_type = UserAuthorizationType::registration_and_capabilities;
  r.uar_flags = kUarFlagImsEmergencyRegistration;
  return r;
}

inline ServerAssignmentRequest sample_sar() {
  ServerAssignmentRequest r;
  r.header = sample_request_header();
  r.user_name = "alice@ims.test";
  r.public_identities = {"sip:alice@ims.test", "tel:+15551234"};
  r.wildcarded_public_identity = "sip:!.*!@ims.test";
  r.server_name = "sip:scscf.ims.test:6060";
  r.server_assignment_type = ServerAssignmentType::re_registration;
  r.user_data_already_available = UserDataAlreadyAvailable::user_data_already_available;
  r.multiple_registration_indication = 1;
  r.session_priority = 2;
  r.sar_flags = kSarFlagPcscfRestorationIndication;
  return r;
}

inline LocationInfoRequest sample_lir() {
  LocationInfoRequest r;
  r.header = sample_request_header(false);
  r.originating_request = true;
  r.public_identity = "sip:bob@ims.test";
  r.authorization_type = UserAuthorizationType::registration_and_capabilities;
  r.session_priority = 0;
  return r;
}

inline MultimediaAuthRequest sample_mar() {
  MultimediaAuthRequest r;
  r.header = sample_request_header();
  r.user_name = "alice@ims.test";
  r.public_identity = "sip:alice@ims.test";
  r.auth_data_item.authentication_scheme = "Digest-AKAv1-MD5";
  r.auth_data_item.sip_authorization = runtime::SecretBytes(bytes({0x11, 0x22, 0x33}));
  r.number_auth_items = 3;
  r.server_name = "sip:scscf.ims.test:6060";
  return r;
}

inline RegistrationTerminationRequest sample_rtr() {
  RegistrationTerminationRequest r;
  r.header = sample_request_header();
  r.user_name = "alice@ims.test";
  r.associated_identities = {"alice2@ims.test"};
  r.public_identities = {"sip:alice@ims.test"};
  r.deregistration_reason = {ReasonCode::server_change, "moving you"};
  return r;
}

inline PushProfileRequest sample_ppr() {
  PushProfileRequest r;
  r.header = sample_request_header();
  r.user_name = "alice@ims.test";
  r.user_data = "<?xml version=\"1.0\"?><IMSSubscription/>";
  r.charging_information = ChargingInformation{"aaa://ecf1.ims.test", "", "aaa://ccf1.ims.test", "aaa://ccf2.ims.test"};
  r.auth_data_item = sample_digest_item();
  r.allowed_waf_wwsf_identities = AllowedWafWwsfIdentities{{"waf.ims.test"}, {"wwsf.ims.test", "web.ims.test"}};
  return r;
}

inline AnswerHeader sample_answer_header(Result r) {
  AnswerHeader h;
  h.result = r;
  h.supported_features = {{kVendor3gpp, 1, 0x1}};
  return h;
}

inline UserAuthorizationAnswer sample_uaa() {
  UserAuthorizationAnswer a;
  a.header = sample_answer_header(Result::experimental_code(experimental_result::first_registration));
  a.server_name = "sip:scscf.ims.test:6060";
  a.server_capabilities = ServerCapabilities{{1, 2}, {3}, {"sip:scscf2.ims.test"}};
  return a;
}

inline ServerAssignmentAnswer sample_saa() {
  ServerAssignmentAnswer a;
  a.header = sample_answer_header(Result::base(result_code::success));
  a.user_name = "alice@ims.test";
  a.user_data = "<?xml version=\"1.0\"?><IMSSubscription><PrivateID>alice@ims.test</PrivateID></IMSSubscription>";
  a.charging_information = ChargingInformation{"aaa://ecf1.ims.test", "aaa://ecf2.ims.test", "", ""};
  a.associated_identities = {"alice@ims.test", "alice2@ims.test"};
  a.loose_route_indication = 1;
  a.server_name = "sip:scscf.ims.test:6060";
  a.wildcarded_public_identity = "sip:!.*!@ims.test";
  a.priviledged_sender_indication = 0;
  a.allowed_waf_wwsf_identities = AllowedWafWwsfIdentities{{"waf.ims.test"}, {}};
  return a;
}

inline LocationInfoAnswer sample_lia() {
  LocationInfoAnswer a;
  a.header = sample_answer_header(Result::experimental_code(experimental_result::unregistered_service));
  a.server_name = "sip:scscf.ims.test:6060";
  a.server_capabilities = ServerCapabilities{{}, {7}, {}};
  a.wildcarded_public_identity = "sip:!.*!@ims.test";
  a.lia_flags = kLiaFlagPsiDirectRoutingIndication;
  return a;
}

inline MultimediaAuthAnswer sample_maa() {
  MultimediaAuthAnswer a;
  a.header = sample_answer_header(Result::base(result_code::success));
  a.user_name = "alice@ims.test";
  a.public_identity = "sip:alice@ims.test";
  a.number_auth_items = 2;
  a.auth_data_items = {sample_aka_item(), sample_digest_item()};
  return a;
}

inline RegistrationTerminationAnswer sample_rta() {
  RegistrationTerminationAnswer a;
  a.header = sample_answer_header(Result::base(result_code::success));
  a.associated_identities = {"alice@ims.test"};
  return a;
}

inline PushProfileAnswer sample_ppa() {
  PushProfileAnswer a;
  a.header = sample_answer_header(Result::experimental_code(experimental_result::error_user_unknown));
  return a;
}

}  // namespace imsbox::diameter::testing
